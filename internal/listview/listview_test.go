package listview

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/runai-tools/sa-dashboard/internal/runai"
)

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func days(n int) time.Time { return now.Add(-time.Duration(n) * 24 * time.Hour) }

var sample = []runai.ServiceAccount{
	{ID: "1", Name: "alpha", ClientID: "cid-a", CreatedBy: "ann@x.io", Enabled: true, CreatedAt: days(300), UpdatedAt: days(10), LastLogin: days(1)},
	{ID: "2", Name: "Bravo", ClientID: "cid-b", CreatedBy: "bob@x.io", Enabled: false, CreatedAt: days(200), UpdatedAt: days(20)},
	{ID: "3", Name: "charlie", ClientID: "cid-c", CreatedBy: "ann@x.io", Enabled: true, CreatedAt: days(100), LastLogin: days(120)},
	{ID: "4", Name: "delta", ClientID: "zz-d", CreatedBy: "", Enabled: false, CreatedAt: time.Time{}, UpdatedAt: days(5), LastLogin: days(95)},
}

// in is the sample with rules for alpha (two) and Bravo (one).
var in = Accounts{All: sample, RulesKnown: true, Rules: map[string][]runai.AccessRule{
	"1": {{ID: 1, RoleName: "ML engineer", ScopePath: "prod / ml / team-a"}, {ID: 2, RoleName: "Viewer", ScopePath: "acme"}},
	"2": {{ID: 3, RoleName: "Editor", ScopePath: "staging / research"}},
}}

func names(rows []Row) string {
	var s []string
	for _, r := range rows {
		s = append(s, r.Name)
	}
	return strings.Join(s, ",")
}

// view is the default view with changes applied.
func view(change func(*View)) View {
	v := Default(90)
	change(&v)
	return v
}

func TestQuery(t *testing.T) {
	if q := Default(90).Query().Encode(); q != "" {
		t.Errorf("default view has query %q", q)
	}
	v := view(func(v *View) {
		v.Q, v.Status, v.StaleDays, v.Sort, v.Desc = "a b", StatusEnabled, 14, SortCreated, true
	})
	if got := v.Query().Encode(); got != "dir=desc&q=a+b&sort=createdAt&staleDays=14&status=enabled" {
		t.Errorf("query %s", got)
	}
	// The configured threshold is the one omitted, not the constant.
	if got := Default(30).Query().Encode(); got != "" {
		t.Errorf("configured default in the query: %s", got)
	}
}

func TestDerivedViews(t *testing.T) {
	v := view(func(v *View) { v.Q, v.Usage, v.StaleDays, v.Sort = "x", UsageStale, 30, SortLastLogin })
	if s := v.SortBy(SortLastLogin); s.Sort != SortLastLogin || !s.Desc {
		t.Errorf("second click on the sorted header: %+v", s)
	}
	if s := v.SortBy(SortName); s.Sort != SortName || s.Desc || s.Q != "x" {
		t.Errorf("another header: %+v", s)
	}
	if o := v.Only(ParamStatus, StatusDisabled); o.Q != "" || o.Usage != "" || o.Status != StatusDisabled || o.StaleDays != 30 || o.Sort != SortLastLogin {
		t.Errorf("summary link view: %+v", o)
	}
}

func TestApplyFilters(t *testing.T) {
	tests := []struct {
		view View
		want string
	}{
		{Default(90), "alpha,Bravo,charlie,delta"},
		{view(func(v *View) { v.Q = "BRAV" }), "Bravo"},
		{view(func(v *View) { v.Q = "zz-" }), "delta"},
		{view(func(v *View) { v.Q = "ann@" }), "alpha,charlie"},
		{view(func(v *View) { v.Status = StatusEnabled }), "alpha,charlie"},
		{view(func(v *View) { v.Status = StatusDisabled }), "Bravo,delta"},
		{view(func(v *View) { v.Usage = UsageNever }), "Bravo"},
		{view(func(v *View) { v.Usage = UsageStale }), "charlie,delta"},
		{view(func(v *View) { v.Usage, v.StaleDays = UsageStale, 100 }), "charlie"},
		{view(func(v *View) { v.CreatedBy = "ANN@x.io" }), "alpha,charlie"},
		{view(func(v *View) { v.Status, v.Usage, v.Q = StatusEnabled, UsageStale, "char" }), "charlie"},
		{view(func(v *View) { v.Q = "nothing" }), ""},
		{view(func(v *View) { v.Q = "team-A" }), "alpha"},
		{view(func(v *View) { v.Q = "editor" }), "Bravo"},
		{view(func(v *View) { v.Access = AccessNone }), "charlie"},
		{view(func(v *View) { v.Access = AccessDisabled }), "Bravo"},
	}
	for _, tt := range tests {
		if got := names(Apply(in, tt.view, now).Rows); got != tt.want {
			t.Errorf("Apply(%+v) = %s, want %s", tt.view, got, tt.want)
		}
	}
}

func TestSort(t *testing.T) {
	tests := []struct {
		key  string
		desc bool
		want string
	}{
		{SortName, false, "alpha,Bravo,charlie,delta"},
		{SortName, true, "delta,charlie,Bravo,alpha"},
		{SortClientID, true, "delta,charlie,Bravo,alpha"},
		{SortStatus, false, "alpha,charlie,Bravo,delta"},
		{SortStatus, true, "Bravo,delta,alpha,charlie"},
		// Nulls last in both directions.
		{SortCreatedBy, false, "alpha,charlie,Bravo,delta"},
		{SortCreatedBy, true, "Bravo,alpha,charlie,delta"},
		{SortCreated, false, "alpha,Bravo,charlie,delta"},
		{SortCreated, true, "charlie,Bravo,alpha,delta"},
		{SortUpdated, false, "Bravo,alpha,delta,charlie"},
		{SortUpdated, true, "delta,alpha,Bravo,charlie"},
		{SortLastLogin, false, "charlie,delta,alpha,Bravo"},
		{SortLastLogin, true, "alpha,delta,charlie,Bravo"},
		{SortAccess, false, "charlie,delta,Bravo,alpha"},
		{SortAccess, true, "alpha,Bravo,charlie,delta"},
	}
	for _, tt := range tests {
		v := view(func(v *View) { v.Sort, v.Desc = tt.key, tt.desc })
		if got := names(Apply(in, v, now).Rows); got != tt.want {
			t.Errorf("sort %s desc=%v = %s, want %s", tt.key, tt.desc, got, tt.want)
		}
	}
	before := sample[0].Name + sample[3].Name
	Apply(in, view(func(v *View) { v.Sort, v.Desc = SortLastLogin, true }), now)
	if sample[0].Name+sample[3].Name != before {
		t.Error("Apply reordered its input")
	}
}

func TestSummaryAndCreators(t *testing.T) {
	l := Apply(in, view(func(v *View) { v.Status = StatusEnabled }), now)
	want := Summary{Total: 4, Enabled: 2, Disabled: 2, Never: 1, Stale: 2, NoAccess: 1, DisabledWithAccess: 1}
	if l.Summary != want {
		t.Errorf("summary %+v, want %+v (it counts all accounts, not the shown)", l.Summary, want)
	}
	if c := strings.Join(l.Creators, ","); c != "ann@x.io,bob@x.io" {
		t.Errorf("creators %s", c)
	}
	if l.Shown() != 2 {
		t.Errorf("shown %d", l.Shown())
	}
}

// TestRowsFollowTheViewsThreshold: the Stale badge of a row, the stale
// filter and the summary use the same number of days, whether the row is
// made in a whole list or alone.
func TestRowsFollowTheViewsThreshold(t *testing.T) {
	for _, tt := range []struct {
		days int
		want string
	}{{90, "charlie,delta"}, {100, "charlie"}, {94, "charlie,delta"}, {96, "charlie"}} {
		v := view(func(v *View) { v.StaleDays = tt.days })
		l := Apply(in, v, now)
		var stale []string
		for _, r := range l.Rows {
			if r.Stale {
				stale = append(stale, r.Name)
			}
			if alone := v.Row(r.ServiceAccount, in.Related(r.ID), now); alone.Stale != r.Stale || len(alone.Rules) != len(r.Rules) {
				t.Errorf("%s alone is %+v, in the list %+v", r.Name, alone, r)
			}
		}
		if got := strings.Join(stale, ","); got != tt.want {
			t.Errorf("staleDays=%d: marked %s, want %s", tt.days, got, tt.want)
		}
		if l.Summary.Stale != len(stale) {
			t.Errorf("staleDays=%d: summary counts %d stale, rows %d", tt.days, l.Summary.Stale, len(stale))
		}
	}
}

func TestColumns(t *testing.T) {
	if !ColumnSet(nil).Shows(SortStatus) {
		t.Error("no choice made should show every column")
	}
	s := ParseColumns([]string{SortLastLogin, "bogus", SortStatus})
	if s.Encode() != "status.lastLogin" || s.Shows(SortClientID) || !s.Shows(SortLastLogin) {
		t.Errorf("set %v encodes as %q", s, s.Encode())
	}
	if got := DecodeColumns(s.Encode()); got.Encode() != s.Encode() {
		t.Errorf("round trip %v", got)
	}
	if got := ParseColumns([]string{SortAccess, SortClientID}).Encode(); got != "clientId.access" {
		t.Errorf("table order: %s", got)
	}
	if none := ParseColumns(nil); none == nil || none.Shows(SortStatus) {
		t.Error("choosing no optional column is not remembered")
	}
}

func TestWriteCSV(t *testing.T) {
	v := Default(90)
	hostile := []Row{
		v.Row(runai.ServiceAccount{ID: "1", Name: "ok", CreatedBy: `=HYPERLINK("http://evil","x")`, Enabled: true, CreatedAt: now},
			Related{Access: Access{Known: true, Rules: []runai.AccessRule{{RoleName: "=cmd", ScopePath: "a"}, {RoleName: "Viewer", ScopePath: "b"}}}}, now),
		v.Row(runai.ServiceAccount{ID: "2", Name: "comma, \"quote\"\nnewline", CreatedBy: "+1", ClientID: "-2", TenantID: "@sum", Enabled: false}, Related{}, now),
		v.Row(runai.ServiceAccount{ID: "3", Name: "tab", CreatedBy: "\tx", ClientID: "\rcr"}, Related{Access: Access{Known: true}}, now),
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, hostile); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("output is not valid CSV: %v", err)
	}
	if len(recs) != 4 || strings.Join(recs[0], ",") != strings.Join(CSVHeader, ",") {
		t.Fatalf("records %v", recs)
	}
	if recs[1][5] != `'=HYPERLINK("http://evil","x")` || recs[1][3] != "enabled" || recs[1][6] != "2026-11-26T12:00:00Z" ||
		recs[1][4] != "'=cmd · a; Viewer · b" {
		t.Errorf("row 1 %v", recs[1])
	}
	if recs[2][0] != "comma, \"quote\"\nnewline" || recs[2][5] != "'+1" || recs[2][2] != "'-2" || recs[2][9] != "'@sum" || recs[2][8] != "" ||
		recs[2][4] != "(unknown)" {
		t.Errorf("row 2 %v", recs[2])
	}
	if recs[3][5] != "'\tx" || recs[3][2] != "'\rcr" || recs[3][4] != "" {
		t.Errorf("row 3 %q", recs[3])
	}
}

// TestUnknownRules: when the token may not read rules, no account is
// flagged for access, the access filters show nothing, and the access sort
// keeps its order by name.
func TestUnknownRules(t *testing.T) {
	unknown := Accounts{All: sample, RulesProblem: "forbidden"}
	l := Apply(unknown, view(func(v *View) { v.Access = AccessNone }), now)
	if l.Shown() != 0 || l.Summary.NoAccess != 0 || l.RulesKnown || l.RulesProblem != "forbidden" {
		t.Errorf("%+v", l)
	}
	if got := names(Apply(unknown, view(func(v *View) { v.Sort = SortAccess }), now).Rows); got != "alpha,Bravo,charlie,delta" {
		t.Errorf("access sort with unknown rules: %s", got)
	}
}

func TestRotationsInTheList(t *testing.T) {
	rot := Accounts{RulesKnown: true, All: append(slices.Clone(sample),
		runai.ServiceAccount{ID: "5", Name: "alpha-r2", Enabled: true}, runai.ServiceAccount{ID: "6", Name: "delta-r3", Enabled: true})}
	l := Apply(rot, view(func(v *View) { v.Rotation = RotationRotating }), now)
	if got := names(l.Rows); got != "alpha,alpha-r2,delta,delta-r3" || l.Summary.Rotations != 2 {
		t.Errorf("rotating: %s, %d rotations", got, l.Summary.Rotations)
	}
	for _, r := range l.Rows {
		switch r.Name {
		case "alpha":
			if r.To == nil || r.To.Successor.Name != "alpha-r2" || r.From != nil {
				t.Errorf("alpha: %+v", r.Rotation)
			}
		case "alpha-r2":
			if r.From == nil || r.From.Old.Name != "alpha" {
				t.Errorf("alpha-r2: %+v", r.Rotation)
			}
		}
	}
	if alone := rot.Related("5"); alone.From == nil {
		t.Error("a row alone does not know its rotation")
	}
}

// TestPaging: one page of the matching rows, in order; the page number
// is kept within the pages there are; counts cover every match.
func TestPaging(t *testing.T) {
	all := make([]runai.ServiceAccount, 230)
	for i := range all {
		all[i] = runai.ServiceAccount{ID: fmt.Sprint(i), Name: fmt.Sprintf("acct-%03d", i), Enabled: i%2 == 0}
	}
	tests := []struct {
		name              string
		page, per         int
		pages, pageNumber int
		first, rows       int
		firstName         string
	}{
		{"first page", 1, 100, 3, 1, 1, 100, "acct-000"},
		{"last page", 3, 100, 3, 3, 201, 30, "acct-200"},
		{"past the end", 9, 100, 3, 3, 201, 30, "acct-200"},
		{"smaller pages", 2, 25, 10, 2, 26, 25, "acct-025"},
		{"every row", 4, PerPageAll, 1, 1, 1, 230, "acct-000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := Apply(Accounts{All: all}, view(func(v *View) { v.Page, v.PerPage = tt.page, tt.per }), now)
			rows := l.PageRows()
			if l.Pages() != tt.pages || l.PageNumber() != tt.pageNumber || l.FirstShown() != tt.first || len(rows) != tt.rows || rows[0].Name != tt.firstName {
				t.Errorf("pages %d, page %d, first %d, %d rows from %q", l.Pages(), l.PageNumber(), l.FirstShown(), len(rows), rows[0].Name)
			}
			if l.Shown() != 230 || l.Summary.Total != 230 || l.Summary.Enabled != 115 {
				t.Errorf("counts cover the page only: shown %d, %+v", l.Shown(), l.Summary)
			}
		})
	}
	empty := Apply(Accounts{All: all}, view(func(v *View) { v.Q = "nothing" }), now)
	if empty.Pages() != 1 || empty.FirstShown() != 0 || len(empty.PageRows()) != 0 {
		t.Errorf("no match: %d pages, first %d", empty.Pages(), empty.FirstShown())
	}
	if got := view(func(v *View) { v.Page = 3 }).OnPage(0).Page; got != 1 {
		t.Errorf("OnPage(0) = page %d", got)
	}
}

// TestPrepareChangesNothing: a prepared list gives the views an
// unprepared one gives.
func TestPrepareChangesNothing(t *testing.T) {
	p := in
	p.Prepare()
	for _, v := range []View{Default(90), view(func(v *View) { v.Sort, v.Desc = SortAccess, true }), view(func(v *View) { v.Q = "ml" })} {
		a, b := Apply(in, v, now), Apply(p, v, now)
		if names(a.Rows) != names(b.Rows) || a.Summary != b.Summary || !slices.Equal(a.Creators, b.Creators) {
			t.Errorf("%+v: %s %+v against prepared %s %+v", v, names(a.Rows), a.Summary, names(b.Rows), b.Summary)
		}
	}
}
