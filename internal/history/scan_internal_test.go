package history

import (
	"testing"
	"time"
)

// TestMergeHistories: two listings merged newest first, and the cursor
// goes on from the first item of each not shown, or from where a listing's
// scan stopped, or stays when a listing gave nothing this time.
func TestMergeHistories(t *testing.T) {
	at := func(min int) Item { return Item{Time: time.Date(2026, 11, 1, 0, min, 0, 0, time.UTC)} }
	cases := []struct {
		name       string
		a, b       scan
		from       Cursor
		want       int
		wantMins   []int
		wantCursor string
	}{
		{"both done", scan{items: []Item{at(9), at(5)}, pos: []int{0, 3}}, scan{items: []Item{at(7)}, pos: []int{2}}, Cursor{}, 20,
			[]int{9, 7, 5}, ""},
		{"a page from both", scan{items: []Item{at(9), at(5), at(1)}, pos: []int{10, 13, 20}}, scan{items: []Item{at(7), at(3)}, pos: []int{4, 8}}, Cursor{10, 4}, 3,
			[]int{9, 7, 5}, "20.8"},
		{"one scan stopped at its bound", scan{items: []Item{at(9)}, pos: []int{0}, next: 5000}, scan{}, Cursor{}, 2,
			[]int{9}, "5000.0"},
		{"the other listing empty keeps its place", scan{items: []Item{at(9), at(8)}, pos: []int{40, 41}, next: 42}, scan{}, Cursor{40, 7}, 1,
			[]int{9}, "41.7"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			items, next := merge(tc.a, tc.b, tc.from, tc.want)
			var mins []int
			for _, it := range items {
				mins = append(mins, it.Time.Minute())
			}
			if len(mins) != len(tc.wantMins) {
				t.Fatalf("items %v, want %v", mins, tc.wantMins)
			}
			for i := range mins {
				if mins[i] != tc.wantMins[i] {
					t.Fatalf("items %v, want %v", mins, tc.wantMins)
				}
			}
			if next.String() != tc.wantCursor {
				t.Errorf("cursor %q, want %q", next.String(), tc.wantCursor)
			}
			if got := ParseCursor(next.String()); got != next {
				t.Errorf("cursor %q parses to %+v", next.String(), got)
			}
		})
	}
}
