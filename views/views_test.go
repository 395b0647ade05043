package views

import (
	"bytes"
	"context"
	"hash/fnv"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"

	"github.com/runai-tools/sa-dashboard/internal/bulk"
	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/listview"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/internal/saname"
	"github.com/runai-tools/sa-dashboard/internal/stub"
)

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func render(t *testing.T, c templ.Component, wrapTable bool) *goquery.Document {
	t.Helper()
	return renderAs(t, c, wrapTable, nil)
}

func renderWith(t *testing.T, c templ.Component, columns listview.ColumnSet) *goquery.Document {
	t.Helper()
	return renderAs(t, c, false, columns)
}

func renderAs(t *testing.T, c templ.Component, wrapTable bool, columns listview.ColumnSet) *goquery.Document {
	t.Helper()
	ctx := WithRequest(context.Background(), &Request{CSRF: "csrf-tok", BasePath: "/base", Now: now, Columns: columns,
		User: &User{Name: "ada@example.com", Expires: now.Add(time.Hour)}})
	var buf bytes.Buffer
	if err := c.Render(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	if wrapTable {
		html = "<table><tbody>" + html + "</tbody></table>"
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(html))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// cell returns the cell of row under the column headed header, found by
// the header's text, never by position.
func cell(t *testing.T, doc *goquery.Document, row *goquery.Selection, header string) *goquery.Selection {
	t.Helper()
	idx := -1
	doc.Find("thead th").EachWithBreak(func(i int, th *goquery.Selection) bool {
		if strings.TrimSpace(strings.Trim(th.Text(), " ▲▼")) == header {
			idx = i
			return false
		}
		return true
	})
	if idx < 0 {
		t.Fatalf("no column headed %q", header)
	}
	return row.Children().Eq(idx)
}

// table renders accounts under v inside the full table, with columns.
func table(t *testing.T, v listview.View, columns listview.ColumnSet, accounts ...runai.ServiceAccount) *goquery.Document {
	t.Helper()
	return renderWith(t, AccountsTable(listview.Apply(listview.Accounts{All: accounts, RulesKnown: true}, v, now)), columns)
}

func TestAccountRow(t *testing.T) {
	all := listview.ParseColumns([]string{listview.SortClientID, listview.SortStatus, listview.SortAccess, listview.SortCreated, listview.SortLastLogin})
	tests := []struct {
		name      string
		a         runai.ServiceAccount
		status    string
		flags     string
		field     string
		lastLogin string
	}{
		{"enabled, never used", runai.ServiceAccount{ID: "a/b", Name: "ci", ClientID: "cid", Enabled: true, CreatedAt: now.Add(-48 * time.Hour)},
			"Enabled · never used · no access", "never no-access", FieldRowDisable, "never"},
		{"disabled, used", runai.ServiceAccount{ID: "x", Name: "etl", Enabled: false, LastLogin: now.Add(-3 * time.Hour)},
			"Disabled", "", FieldRowEnable, "3 hours ago"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := table(t, listview.Default(90), all, tt.a)
			row := doc.Find(`#accounts-body tr[id^="r-"]`)
			if row.Length() != 1 {
				t.Fatal("no row")
			}
			st := cell(t, doc, row, "Status")
			_, on := st.Attr("data-on")
			if got := st.Text(); got != tt.status || st.AttrOr("data-flags", "") != tt.flags || on != tt.a.Enabled {
				t.Errorf("status %q, data-flags %q, data-on %v", got, st.AttrOr("data-flags", ""), on)
			}
			if got := row.Find(`th input[type=checkbox][name=ids]`).AttrOr("value", ""); got != tt.a.ID {
				t.Errorf("selection checkbox value %q", got)
			}
			b := row.Find(`td.acts button`)
			if b.AttrOr("form", "") != RowActionsID || b.AttrOr("name", "") != tt.field ||
				b.AttrOr("value", "") != tt.a.ID || b.AttrOr("type", "submit") != "submit" {
				t.Errorf("toggle %v", b.Nodes[0].Attr)
			}
			if got := cell(t, doc, row, "Last login").Text(); got != tt.lastLogin {
				t.Errorf("last login %q", got)
			}
			if row.Find("form, [hx-post], [hx-get], input[name=_csrf]").Length() != 0 {
				t.Error("a row carries a form, htmx attributes or a CSRF field of its own")
			}
			if got := row.Find(`td.acts a`).AttrOr("href", ""); got != "/base"+string(paths.AccountRotate.ID(tt.a.ID)) {
				t.Errorf("rotate link %q", got)
			}
			if !tt.a.CreatedAt.IsZero() {
				if title := cell(t, doc, row, "Created").AttrOr("title", ""); title != Absolute(tt.a.CreatedAt) {
					t.Errorf("no exact time on hover: %q", title)
				}
			}
		})
	}
}

// TestRowIsLean: with the default columns the rows of the stub's 1000
// seeded accounts (about half with rules) average at most 700 bytes, and
// no row has more than twelve elements (issue 12's budget).
func TestRowIsLean(t *testing.T) {
	s := stub.New(stub.Config{Seed: 1000})
	in := listview.Accounts{All: s.Accounts(), RulesKnown: true, Rules: runai.RulesByAccount(s.Accounts(), s.Rules())}
	sc := s.Scopes()
	for _, rs := range in.Rules {
		sc.FillPaths(rs)
	}
	v := listview.Default(90)
	v.PerPage = listview.PerPageAll
	l := listview.Apply(in, v, now)
	ctx := WithRequest(context.Background(), &Request{CSRF: "c", Now: now})
	bytesTotal, most := 0, 0
	for _, r := range l.Rows {
		var buf bytes.Buffer
		if err := AccountRow(r, false).Render(ctx, &buf); err != nil {
			t.Fatal(err)
		}
		bytesTotal += buf.Len()
		doc, err := goquery.NewDocumentFromReader(strings.NewReader("<table><tbody>" + buf.String() + "</tbody></table>"))
		if err != nil {
			t.Fatal(err)
		}
		most = max(most, doc.Find("tbody tr, tbody tr *").Length())
	}
	avg := bytesTotal / len(l.Rows)
	t.Logf("%d rows: %d bytes each on average, at most %d elements", len(l.Rows), avg, most)
	if avg > 700 || most > 12 {
		t.Errorf("rows average %d bytes, at most %d elements; want at most 700 and 12", avg, most)
	}
}

// TestRowBadgesFollowTheView: the Stale flag follows the view's
// threshold, and the cells follow the chosen columns.
func TestRowBadgesFollowTheView(t *testing.T) {
	a := runai.ServiceAccount{ID: "1", Name: "old", Enabled: true, LastLogin: now.Add(-40 * 24 * time.Hour)}
	for _, tt := range []struct {
		days  int
		stale bool
	}{{90, false}, {30, true}} {
		v := listview.Default(90)
		v.StaleDays = tt.days
		doc := table(t, v, nil, a)
		if got := doc.Find(`td.st[data-flags~=stale]`).Length() == 1; got != tt.stale {
			t.Errorf("staleDays=%d: stale flag %v", tt.days, got)
		}
	}
	doc := table(t, listview.Default(90), listview.ParseColumns([]string{listview.SortLastLogin}), a)
	var heads []string
	doc.Find("thead th").Each(func(_ int, s *goquery.Selection) {
		heads = append(heads, strings.TrimSpace(strings.TrimSuffix(s.Text(), "▲")))
	})
	if got := strings.Join(heads, ","); got != "Name,Last login,Actions" {
		t.Errorf("headers %q", got)
	}
	if n := doc.Find(`#accounts-body tr[id^="r-"] td`).Length(); n != 2 {
		t.Errorf("%d cells, want last login and actions", n)
	}
}

func TestAccountsTableHeaders(t *testing.T) {
	v := listview.Default(90).SortBy(listview.SortLastLogin).SortBy(listview.SortLastLogin)
	doc := renderWith(t, AccountsTable(listview.List{View: v}), listview.ParseColumns([]string{listview.SortClientID, listview.SortStatus,
		listview.SortAccess, listview.SortCreatedBy, listview.SortCreated, listview.SortUpdated, listview.SortLastLogin}))
	if n := doc.Find(`thead th[scope="col"]`).Length(); n != len(listview.Columns)+2 {
		t.Errorf("%d column headers with scope", n)
	}
	if !strings.Contains(doc.Find("#empty-row").Text(), "No service accounts yet") {
		t.Error("no empty state")
	}
	if got, _ := doc.Find(`th[aria-sort="descending"] a`).Attr("href"); got != "/base/accounts?sort=lastLogin" {
		t.Errorf("sorted column link %q", got)
	}
	if doc.Find(`th[aria-sort="ascending"]`).Length() != 0 || doc.Find(`th[aria-sort="none"]`).Length() != len(listview.Columns) {
		t.Error("aria-sort not set on every sortable header")
	}
}

func TestCreateSectionKeepsInput(t *testing.T) {
	doc := render(t, CreateSection(CreateForm{Input: form.Create{Name: "Bad"}, Errors: form.Errors{form.FieldName: "Invalid name."}}, listview.Default(90)), false)
	in := doc.Find("#create-name")
	for attr, want := range map[string]string{"value": "Bad", "aria-invalid": "true", "pattern": saname.HTMLPattern, "minlength": "2", "maxlength": "255", "aria-describedby": "create-name-hint create-name-error"} {
		if got, _ := in.Attr(attr); got != want {
			t.Errorf("%s = %q, want %q", attr, got, want)
		}
	}
	if doc.Find(`label[for="create-name"]`).Length() != 1 {
		t.Error("no label")
	}
	if doc.Find(`[data-testid="create-error"][role="alert"]`).Text() != "Invalid name." {
		t.Error("error not shown as an alert")
	}
}

func TestSecretPanel(t *testing.T) {
	doc := render(t, SecretPanel(Secret{Name: "ci", ClientID: "cid", Value: "s3cr3t", Regenerated: true}), false)
	p := doc.Find(`[data-testid="secret-panel"]`)
	if v, _ := p.Attr("hx-history"); v != "false" {
		t.Error("secret panel not excluded from htmx history")
	}
	if p.Find(`[data-testid="secret-value"]`).Text() != "s3cr3t" || p.Find(`[data-testid="secret-client-id"]`).Text() != "cid" {
		t.Error("credentials not shown")
	}
	if !strings.Contains(p.Text(), "will not be shown again") || !strings.Contains(p.Text(), "stopped working") {
		t.Error("warnings missing")
	}
	if p.Find("[data-copy]").Length() != 2 {
		t.Error("copy buttons missing")
	}
}

func TestLayoutIsCSPClean(t *testing.T) {
	doc := render(t, Layout("Title"), false)
	cfg, _ := doc.Find(`meta[name="htmx-config"]`).Attr("content")
	for _, want := range []string{`"allowEval":false`, `"allowScriptTags":false`, `"includeIndicatorStyles":false`, `"historyCacheSize":0`, `"selfRequestsOnly":true`} {
		if !strings.Contains(cfg, want) {
			t.Errorf("htmx config lacks %s", want)
		}
	}
	if h, _ := doc.Find("body").Attr("hx-headers"); h != `{"X-CSRF-Token": "csrf-tok"}` {
		t.Errorf("hx-headers %q", h)
	}
	doc.Find("script").Each(func(_ int, s *goquery.Selection) {
		if src, ok := s.Attr("src"); !ok || !strings.HasPrefix(src, "/base/static/") {
			t.Errorf("inline or foreign script: %v", src)
		}
	})
	if doc.Find("style, [style]").Length() != 0 {
		t.Error("inline style")
	}
	if doc.Find("[onclick], [onload], [onerror], [hx-on]").Length() != 0 {
		t.Error("inline handler")
	}
	if doc.Find(`form[action="/base/signout"][method="post"] input[name="_csrf"]`).Length() != 1 {
		t.Error("sign-out is not a POST form with a CSRF field")
	}
}

func TestConfirmNamesAccount(t *testing.T) {
	for _, action := range []string{"delete", "regenerate"} {
		doc := render(t, ConfirmView(Confirm{Account: runai.ServiceAccount{ID: "i d", Name: "etl-bot", ClientID: "c"}, Action: action, View: listview.Default(90)}), false)
		if !strings.Contains(doc.Find("h2").Text(), "etl-bot") {
			t.Errorf("%s: heading does not name the account", action)
		}
		if a, _ := doc.Find("form").Attr("action"); a != "/base/accounts/i%20d/"+action {
			t.Errorf("%s: action %q", action, a)
		}
		if action == "regenerate" && !strings.Contains(doc.Text(), "stops working") {
			t.Error("regenerate does not say the old secret stops working")
		}
	}
}

func TestRelative(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{-30 * time.Second, "just now"}, {-time.Minute, "1 minute ago"}, {-5 * time.Hour, "5 hours ago"},
		{-49 * time.Hour, "2 days ago"}, {-65 * 24 * time.Hour, "2 months ago"}, {-800 * 24 * time.Hour, "2 years ago"},
		{2 * time.Hour, "in 2 hours"},
	} {
		if got := Relative(now.Add(tt.d), now); got != tt.want {
			t.Errorf("Relative(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestRowIDIsSafe(t *testing.T) {
	a, b := RowID(`"><x`), RowID("y")
	if a == b || strings.ContainsAny(a, `"<> /`) {
		t.Errorf("%q %q", a, b)
	}
	for _, id := range []string{"", "y", "5069bf30-1099-4bf2-886e-4a60e7ce8b01", `"><x`} {
		h := fnv.New64a()
		h.Write([]byte(id))
		if want := "r-" + strconv.FormatUint(h.Sum64()&(1<<48-1), 36); RowID(id) != want {
			t.Errorf("RowID(%q) = %q, want FNV-1a's %q", id, RowID(id), want)
		}
	}
}

// TestGeneratedFilesAreFresh fails when a *_templ.go file is stale: it
// regenerates each component into a temporary copy and compares.
func TestGeneratedFilesAreFresh(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the templ generator")
	}
	templs, _ := filepath.Glob("*.templ")
	if len(templs) == 0 {
		t.Fatal("no templ files found")
	}
	// Generate from a copy laid out like the module root (file names in
	// the output are relative to it), with the templ version pinned in
	// go.mod.
	bin, err := exec.Command("go", "tool", "-n", "templ").Output()
	if err != nil {
		t.Fatalf("locate the pinned templ: %v", err)
	}
	root := t.TempDir()
	dir := filepath.Join(root, "views")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range templs {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(strings.TrimSpace(string(bin)), "generate") // -path . as `go tool templ generate` runs
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("templ generate: %v\n%s", err, out)
	}
	for _, f := range templs {
		g := strings.TrimSuffix(f, ".templ") + "_templ.go"
		want, _ := os.ReadFile(filepath.Join(dir, g))
		got, err := os.ReadFile(g)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run `go tool templ generate` and commit", g)
		}
	}
}

// TestEveryBulkActionHasWords: the bulk bar, confirmation and result can
// speak of every action.
func TestEveryBulkActionHasWords(t *testing.T) {
	for _, a := range form.BulkActions {
		w, ok := bulkWords[a]
		if !ok || w.label == "" || w.verb == "" || w.allDone == "" || w.past == "" || w.warning == "" {
			t.Errorf("%s: words %+v", a, w)
		}
		if got := bulkOutcome(Bulk{Action: a, Items: []bulk.Item{{State: bulk.OK}, {State: bulk.OK}}, GrantLabel: "Viewer · acme"}); strings.Contains(got, "%!") {
			t.Errorf("%s: %q", a, got)
		}
	}
}

// TestBulkProgress: a running job polls and offers Stop; a stopping one
// says so; a stalled or finished one shows the result, saying why
// accounts were not done.
func TestBulkProgress(t *testing.T) {
	items := []bulk.Item{{ID: "1", Name: "a", State: bulk.OK}, {ID: "2", Name: "b", State: bulk.Failed, Reason: "refused"}, {ID: "3", Name: "c"}}
	job := func(change func(*BulkJob)) BulkJob {
		j := BulkJob{Bulk: Bulk{Action: form.BulkDisable, Items: slices.Clone(items)}, ID: "JOB", Running: true, Started: now}
		change(&j)
		return j
	}
	tests := []struct {
		name                string
		j                   BulkJob
		polls, stop, result bool
		text                string
	}{
		{"running", job(func(*BulkJob) {}), true, true, false, "1 done · 1 failed · 1 to go"},
		{"stopping", job(func(j *BulkJob) { j.Cancelling = true }), true, false, false, "Stopping"},
		{"stalled", job(func(j *BulkJob) { j.Stalled = true }), false, false, true, "instance carrying out this action stopped"},
		{"stopped", job(func(j *BulkJob) { j.Running, j.Done, j.Items[2].State = false, true, bulk.NotDone }), false, false, true, "Stopped on request"},
		{"finished", job(func(j *BulkJob) { j.Running, j.Done, j.Items[2].State = false, true, bulk.OK }), false, false, true, "2 of 3 disabled; 1 failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := render(t, BulkProgress(tt.j), false)
			if got := doc.Find(`[hx-trigger="every 1s"]`).Length() == 1; got != tt.polls {
				t.Errorf("polls: %v", got)
			}
			if got := doc.Find(`form button`).Length() == 1; got != tt.stop {
				t.Errorf("stop button: %v", got)
			}
			if got := doc.Find(`[data-testid="bulk-result"]`).Length() == 1; got != tt.result {
				t.Errorf("result: %v", got)
			}
			if !strings.Contains(doc.Text(), tt.text) {
				t.Errorf("%q not in %q", tt.text, doc.Text())
			}
		})
	}
}

// TestCopyViewChoices: the copy form lists what it is given, says when
// that is only the accounts holding access, and says so when none does.
func TestCopyViewChoices(t *testing.T) {
	a := runai.ServiceAccount{ID: "a", Name: "alpha"}
	others := []runai.ServiceAccount{{ID: "b", Name: "beta"}}
	cases := []struct {
		name    string
		f       CopyForm
		options int
		hint    bool
		none    bool
	}{
		{"every other account", CopyForm{Account: a, Others: others}, 2, false, false},
		{"the holders", CopyForm{Account: a, Others: others, Holders: true}, 2, true, false},
		{"no holder", CopyForm{Account: a, Holders: true}, 0, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := render(t, CopyView(tc.f), false)
			if got := doc.Find(`#copy-from option`).Length(); got != tc.options {
				t.Errorf("%d options, want %d", got, tc.options)
			}
			if got := strings.Contains(doc.Find(`.hint`).Text(), "Only the accounts that hold access"); got != tc.hint {
				t.Errorf("hint %t, want %t", got, tc.hint)
			}
			if got := doc.Find(`[data-testid="copy-none"]`).Length() == 1; got != tc.none {
				t.Errorf("none said %t, want %t", got, tc.none)
			}
		})
	}
}
