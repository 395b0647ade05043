package listview

import (
	"bytes"
	"encoding/csv"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/runai-tools/sa-dashboard/views"
)

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func days(n int) time.Time { return now.Add(-time.Duration(n) * 24 * time.Hour) }

var sample = []views.Account{
	{ID: "1", Name: "alpha", ClientID: "cid-a", CreatedBy: "ann@x.io", Enabled: true, CreatedAt: days(300), UpdatedAt: days(10), LastLogin: days(1)},
	{ID: "2", Name: "Bravo", ClientID: "cid-b", CreatedBy: "bob@x.io", Enabled: false, CreatedAt: days(200), UpdatedAt: days(20)},
	{ID: "3", Name: "charlie", ClientID: "cid-c", CreatedBy: "ann@x.io", Enabled: true, CreatedAt: days(100), LastLogin: days(120)},
	{ID: "4", Name: "delta", ClientID: "zz-d", CreatedBy: "", Enabled: false, CreatedAt: time.Time{}, UpdatedAt: days(5), LastLogin: days(95)},
}

func names(as []views.Account) string {
	var s []string
	for _, a := range as {
		s = append(s, a.Name)
	}
	return strings.Join(s, ",")
}

func TestParse(t *testing.T) {
	tests := []struct {
		query string
		want  View
	}{
		{"", View{StaleDays: 90, Sort: SortName}},
		{"q=+ci+&status=disabled&usage=stale&staleDays=30&createdBy=ann@x.io&sort=lastLogin&dir=desc",
			View{Q: "ci", Status: "disabled", Usage: "stale", StaleDays: 30, CreatedBy: "ann@x.io", Sort: SortLastLogin, Desc: true}},
		// Hostile or malformed values give the default for that field.
		{"status=DROP+TABLE&usage=%3Cscript%3E&staleDays=-5&sort=__proto__&dir=sideways", View{StaleDays: 90, Sort: SortName}},
		{"staleDays=99999999999999999999", View{StaleDays: 90, Sort: SortName}},
		{"staleDays=0", View{StaleDays: 90, Sort: SortName}},
		{"q=" + strings.Repeat("a", 201), View{StaleDays: 90, Sort: SortName}},
		{"q=%00evil&createdBy=a%0Ab", View{StaleDays: 90, Sort: SortName}},
		{"q=%ff%fe", View{StaleDays: 90, Sort: SortName}},
		{"q=a&q=b", View{Q: "a", StaleDays: 90, Sort: SortName}},
	}
	for _, tt := range tests {
		q, _ := url.ParseQuery(tt.query)
		if got := Parse(q, 90); got != tt.want {
			t.Errorf("Parse(%q) = %+v, want %+v", tt.query, got, tt.want)
		}
	}
}

func TestQueryRoundTrip(t *testing.T) {
	v := View{Q: "a b&c", Status: "enabled", Usage: UsageNever, StaleDays: 14, CreatedBy: "x@y", Sort: SortCreated, Desc: true}
	if got := Parse(v.Query(90), 90); got != v {
		t.Errorf("round trip %+v", got)
	}
	if q := Default(90).Query(90).Encode(); q != "" {
		t.Errorf("default view has query %q", q)
	}
}

func TestApplyFilters(t *testing.T) {
	tests := []struct {
		view View
		want string
	}{
		{Default(90), "alpha,Bravo,charlie,delta"},
		{View{Q: "BRAV", StaleDays: 90}, "Bravo"},
		{View{Q: "zz-", StaleDays: 90}, "delta"},
		{View{Q: "ann@", StaleDays: 90}, "alpha,charlie"},
		{View{Status: "enabled", StaleDays: 90}, "alpha,charlie"},
		{View{Status: "disabled", StaleDays: 90}, "Bravo,delta"},
		{View{Usage: UsageNever, StaleDays: 90}, "Bravo"},
		{View{Usage: UsageStale, StaleDays: 90}, "charlie,delta"},
		{View{Usage: UsageStale, StaleDays: 100}, "charlie"},
		{View{CreatedBy: "ANN@x.io", StaleDays: 90}, "alpha,charlie"},
		{View{Status: "enabled", Usage: UsageStale, Q: "char", StaleDays: 90}, "charlie"},
		{View{Q: "nothing", StaleDays: 90}, ""},
	}
	for _, tt := range tests {
		if got := names(Apply(sample, tt.view, now)); got != tt.want {
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
	}
	for _, tt := range tests {
		v := View{Sort: tt.key, Desc: tt.desc, StaleDays: 90}
		if got := names(Apply(sample, v, now)); got != tt.want {
			t.Errorf("sort %s desc=%v = %s, want %s", tt.key, tt.desc, got, tt.want)
		}
	}
	before := names(sample)
	Apply(sample, View{Sort: SortLastLogin, Desc: true}, now)
	if names(sample) != before {
		t.Error("Apply reordered its input")
	}
}

func TestSummarize(t *testing.T) {
	got := Summarize(sample, now, 90)
	want := Summary{Total: 4, Enabled: 2, Disabled: 2, Never: 1, Stale: 2}
	if got != want {
		t.Errorf("%+v, want %+v", got, want)
	}
	if c := strings.Join(Creators(sample), ","); c != "ann@x.io,bob@x.io" {
		t.Errorf("creators %s", c)
	}
}

func TestWriteCSV(t *testing.T) {
	hostile := []views.Account{
		{ID: "1", Name: "ok", CreatedBy: `=HYPERLINK("http://evil","x")`, Enabled: true, CreatedAt: now},
		{ID: "2", Name: "comma, \"quote\"\nnewline", CreatedBy: "+1", ClientID: "-2", TenantID: "@sum", Enabled: false},
		{ID: "3", Name: "tab", CreatedBy: "\tx", ClientID: "\rcr"},
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
	if recs[1][4] != `'=HYPERLINK("http://evil","x")` || recs[1][3] != "enabled" || recs[1][5] != "2026-11-26T12:00:00Z" {
		t.Errorf("row 1 %v", recs[1])
	}
	if recs[2][0] != "comma, \"quote\"\nnewline" || recs[2][4] != "'+1" || recs[2][2] != "'-2" || recs[2][8] != "'@sum" || recs[2][7] != "" {
		t.Errorf("row 2 %v", recs[2])
	}
	if recs[3][4] != "'\tx" || recs[3][2] != "'\rcr" {
		t.Errorf("row 3 %q", recs[3])
	}
}

// FuzzParse: any query gives a valid view (never an error or panic) whose
// canonical query parses back to itself.
func FuzzParse(f *testing.F) {
	f.Add("q=a&sort=lastLogin&dir=desc&staleDays=30")
	f.Add("status=%00&usage=x&createdBy=%ff")
	f.Fuzz(func(t *testing.T, raw string) {
		q, _ := url.ParseQuery(raw)
		v := Parse(q, 90)
		if v.StaleDays < 1 || v.StaleDays > MaxStaleDays || len(v.Q) > MaxQueryLen {
			t.Fatalf("invalid view %+v from %q", v, raw)
		}
		if again := Parse(v.Query(90), 90); again != v {
			t.Fatalf("%+v re-parses as %+v", v, again)
		}
	})
}

// TestApplyMarksStaleByTheViewsThreshold: badges and the stale filter use
// the same number of days.
func TestApplyMarksStaleByTheViewsThreshold(t *testing.T) {
	for _, tt := range []struct {
		days int
		want string
	}{{90, "charlie,delta"}, {100, "charlie"}, {94, "charlie,delta"}, {96, "charlie"}} {
		var stale []string
		for _, a := range Apply(sample, View{StaleDays: tt.days, Sort: SortName}, now) {
			if a.Stale {
				stale = append(stale, a.Name)
			}
		}
		if got := strings.Join(stale, ","); got != tt.want {
			t.Errorf("staleDays=%d: marked %s, want %s", tt.days, got, tt.want)
		}
	}
}
