package rotation

import (
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/internal/saname"
)

func TestParseAndName(t *testing.T) {
	tests := []struct {
		name string
		base string
		gen  int
		next string
	}{
		{"etl", "etl", 1, "etl-r2"},
		{"etl-r2", "etl", 2, "etl-r3"},
		{"etl-r10", "etl", 10, "etl-r11"},
		{"etl-r1", "etl-r1", 1, "etl-r1-r2"}, // r1 is not a generation
		{"etl-r02", "etl-r02", 1, "etl-r02-r2"},
		{"a-r2-r3", "a-r2", 3, "a-r2-r4"},
		{"mirror", "mirror", 1, "mirror-r2"},
	}
	for _, tt := range tests {
		base, gen := Parse(tt.name)
		if base != tt.base || gen != tt.gen {
			t.Errorf("Parse(%q) = %q, %d", tt.name, base, gen)
		}
		if got := Name(tt.name, gen+1); got != tt.next {
			t.Errorf("Name(%q, %d) = %q, want %q", tt.name, gen+1, got, tt.next)
		}
	}
	long := "a" + strings.Repeat("b-", 126) + "c" // 254 characters
	n := Name(long, 2)
	if len(n) > saname.MaxLen || saname.Validate(n) != nil || family(n) != family(long) {
		t.Errorf("long name: %d characters, %v", len(n), saname.Validate(n))
	}
}

// FuzzName: for any valid name and generation, the successor name is
// valid by the name rule, at most 255 characters, of the same family and
// of that generation.
func FuzzName(f *testing.F) {
	f.Add("etl", 2)
	f.Add("x-r9", 10)
	f.Add(strings.Repeat("a", 255), 999999)
	f.Add("a"+strings.Repeat("-_", 126)+"z", 2)
	f.Fuzz(func(t *testing.T, name string, gen int) {
		if saname.Validate(name) != nil || gen < 2 || gen > 1e9 {
			return
		}
		_, g0 := Parse(name)
		if gen <= g0 {
			return
		}
		n := Name(name, gen)
		if err := saname.Validate(n); err != nil {
			t.Fatalf("Name(%q, %d) = %q: %v", name, gen, n, err)
		}
		if _, g := Parse(n); g != gen || family(n) != family(name) {
			t.Fatalf("Name(%q, %d) = %q: generation %d, family %q vs %q", name, gen, n, g, family(n), family(name))
		}
		if err := Follows(n, name); err != nil {
			t.Fatalf("%q does not follow %q: %v", n, name, err)
		}
	})
}

func TestNext(t *testing.T) {
	accounts := []runai.ServiceAccount{{Name: "etl"}, {Name: "etl-r2"}, {Name: "etl-r4"}, {Name: "other-r3"}}
	if got := Next("etl", accounts); got != "etl-r5" {
		t.Errorf("Next = %q, want the generation after the highest used", got)
	}
	if got := Next("other", accounts); got != "other-r4" {
		t.Errorf("Next(other) = %q", got)
	}
	if got := Next("fresh", nil); got != "fresh-r2" {
		t.Errorf("Next(fresh) = %q", got)
	}
}

func TestFollows(t *testing.T) {
	for _, tt := range []struct {
		succ, old string
		ok        bool
	}{
		{"etl-r2", "etl", true}, {"etl-r7", "etl-r2", true}, {"etl-r2", "etl-r2", false},
		{"etl2", "etl", false}, {"other-r2", "etl", false}, {"Etl-r2", "etl", false},
	} {
		if err := Follows(tt.succ, tt.old); (err == nil) != tt.ok {
			t.Errorf("Follows(%q, %q) = %v", tt.succ, tt.old, err)
		}
	}
}

func TestPairsAndSteps(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	at := func(h int) time.Time { return now.Add(time.Duration(-h) * time.Hour) }
	accounts := []runai.ServiceAccount{
		{ID: "1", Name: "etl", Enabled: true, LastLogin: at(1)},
		{ID: "2", Name: "etl-r2", Enabled: true, CreatedAt: at(48)},
		{ID: "3", Name: "solo", Enabled: true},
		{ID: "4", Name: "solo-ci-r2", Enabled: true}, // another family
		{ID: "5", Name: "a", Enabled: true}, {ID: "6", Name: "a-r2", Enabled: true}, {ID: "7", Name: "a-r3", Enabled: true},
	}
	pairs := Pairs(accounts)
	var got []string
	for _, p := range pairs {
		got = append(got, p.Old.Name+">"+p.Successor.Name)
	}
	if strings.Join(got, ",") != "a>a-r2,a-r2>a-r3,etl>etl-r2" {
		t.Errorf("pairs %v", got)
	}
	asOld, asSucc := Of(pairs, "6")
	if asOld == nil || asOld.Successor.Name != "a-r3" || asSucc == nil || asSucc.Old.Name != "a" {
		t.Error("a-r2 is both a successor and rotating on")
	}
	for _, a := range accounts { // an account's family holds every rotation it is part of
		o1, s1 := Of(pairs, a.ID)
		o2, s2 := Of(Pairs(Family(accounts, a)), a.ID)
		if !reflect.DeepEqual(o1, o2) || !reflect.DeepEqual(s1, s2) {
			t.Errorf("%s: from its family %v %v, from all %v %v", a.Name, o2, s2, o1, s1)
		}
	}

	p := Pair{Old: accounts[0], Successor: accounts[1]}
	steps := []struct {
		change func(*Pair)
		want   Step
		warns  int
	}{
		{func(*Pair) {}, HandOver, 1},
		{func(p *Pair) { p.Successor.LastLogin = at(2) }, Overlap, 1},
		{func(p *Pair) { p.Successor.LastLogin = at(0) }, Retire, 0},
		{func(p *Pair) { p.Successor.LastLogin, p.Old.Enabled = at(0), false }, Delete, 0},
		{func(p *Pair) { p.Successor.Enabled = false }, Cancelled, 1},
	}
	for i, s := range steps {
		q := p
		s.change(&q)
		if q.StepOf() != s.want || len(q.Warnings()) != s.warns {
			t.Errorf("case %d: step %v, warnings %v", i, q.StepOf(), q.Warnings())
		}
	}
	if !p.OldUsedSinceStart() {
		t.Error("the old account logged in after the rotation began")
	}
}

// TestParseAgreesWithThePattern: Parse reads the suffix the pattern
// `-r([2-9]|[1-9][0-9]+)$` describes, on the names that could trip it.
func TestParseAgreesWithThePattern(t *testing.T) {
	suffix := regexp.MustCompile(`-r([2-9]|[1-9][0-9]+)$`)
	for _, name := range []string{"", "-r2", "a-r2", "a-r1", "a-r0", "a-r02", "a-r10", "a-r99999", "a-r", "a-rr2", "a-r2x", "a-r2-r3",
		"a-r-r2", "ar2", "a-R2", "a--r2", "a-r2-", "a-r١", "r2", "x-r99999999999999999999"} {
		wantBase, wantGen := name, 1
		if m := suffix.FindStringSubmatchIndex(name); m != nil && m[0] > 0 {
			if n, err := strconv.Atoi(name[m[2]:m[3]]); err == nil {
				wantBase, wantGen = name[:m[0]], n
			}
		}
		if base, gen := Parse(name); base != wantBase || gen != wantGen {
			t.Errorf("Parse(%q) = %q, %d; the pattern says %q, %d", name, base, gen, wantBase, wantGen)
		}
	}
}
