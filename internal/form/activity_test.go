package form_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/history"
)

func TestParseActivity(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		query      string
		start, end time.Time
		errField   string
		kind       history.Kind
	}{
		{"", now.Add(-7 * 24 * time.Hour), now, "", ""},
		{"range=24h", now.Add(-24 * time.Hour), now, "", ""},
		{"range=90d&action=deleted", now.Add(-90 * 24 * time.Hour), now, "", history.Deleted},
		{"range=dates&from=2026-11-01&to=2026-11-03", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 4, 0, 0, 0, 0, time.UTC), "", ""},
		{"range=dates&from=2026-11-03&to=2026-11-01", now.Add(-7 * 24 * time.Hour), now, form.ParamTo, ""},
		{"range=dates&from=yesterday", now.Add(-7 * 24 * time.Hour), now, form.ParamFrom, ""},
		{"range=forever", now.Add(-7 * 24 * time.Hour), now, form.ParamRange, ""},
		{"action=explode", now.Add(-7 * 24 * time.Hour), now, form.ParamKind, ""},
		{"result=maybe", now.Add(-7 * 24 * time.Hour), now, form.ParamResult, ""},
		{"who=" + strings.Repeat("x", 201), now.Add(-7 * 24 * time.Hour), now, form.ParamWho, ""},
	}
	for _, tc := range cases {
		q, _ := url.ParseQuery(tc.query)
		a, errs := form.ParseActivity(q)
		start, end := a.Window(now)
		if !start.Equal(tc.start) || !end.Equal(tc.end) {
			t.Errorf("%q: window %v – %v", tc.query, start, end)
		}
		if (tc.errField == "") != (errs == nil) || (tc.errField != "" && errs[tc.errField] == "") {
			t.Errorf("%q: errors %v", tc.query, errs)
		}
		if a.Kind != tc.kind {
			t.Errorf("%q: kind %q", tc.query, a.Kind)
		}
	}
}

// FuzzParseActivity: any query gives a valid view whose own query parses
// back to the same view, with no error.
func FuzzParseActivity(f *testing.F) {
	for _, s := range []string{"", "range=dates&from=2026-01-01&to=2026-01-02", "who=ada&action=disabled&result=failed&offset=50", "range=%00", "offset=-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		a, _ := form.ParseActivity(q)
		b, errs := form.ParseActivity(a.Query(true))
		if errs != nil {
			t.Fatalf("%q: its own query %q is refused: %v", raw, a.Query(true).Encode(), errs)
		}
		if a.Query(true).Encode() != b.Query(true).Encode() {
			t.Fatalf("%q: %q then %q", raw, a.Query(true).Encode(), b.Query(true).Encode())
		}
		start, end := a.Window(time.Now())
		if !start.Before(end) {
			t.Fatalf("%q: empty window", raw)
		}
	})
}
