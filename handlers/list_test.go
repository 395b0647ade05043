package handlers_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/runai-tools/sa-dashboard/internal/htmx"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/stub"
)

// seedKnown adds accounts with known names, usage and creators.
func seedKnown(h *harness) {
	now := h.clock.Now()
	for _, a := range []stub.Account{
		{Name: "alpha-etl", CreatedBy: "ann@x.io", Enabled: true, CreatedAt: now.Add(-400 * 24 * time.Hour), LastLogin: now.Add(-time.Hour)},
		{Name: "beta-ci", CreatedBy: "bob@x.io", Enabled: false, CreatedAt: now.Add(-300 * 24 * time.Hour)},
		{Name: "gamma-old", CreatedBy: "ann@x.io", Enabled: true, CreatedAt: now.Add(-200 * 24 * time.Hour), LastLogin: now.Add(-120 * 24 * time.Hour)},
		{Name: "=cmd|calc", CreatedBy: "@evil", Enabled: true, CreatedAt: now.Add(-10 * 24 * time.Hour), LastLogin: now.Add(-40 * 24 * time.Hour)},
	} {
		h.stub.Insert(a, "s")
	}
}

// rowOf is the table row of the account called name, in sel.
func rowOf(sel interface {
	Find(string) *goquery.Selection
}, name string) *goquery.Selection {
	return sel.Find(`tr[id^="r-"]`).FilterFunction(func(_ int, s *goquery.Selection) bool { return s.Find("th a").Text() == name })
}

func rowNames(t *testing.T, r resp) string {
	t.Helper()
	var names []string
	r.doc(t).Find(`tr[id^="r-"]`).Each(func(_ int, s *goquery.Selection) {
		names = append(names, s.Find("th a").Text())
	})
	return strings.Join(names, ",")
}

func TestListViews(t *testing.T) {
	h := newHarness(t, options{})
	seedKnown(h)
	h.signIn()
	tests := []struct{ query, want string }{
		{"", "=cmd|calc,alpha-etl,beta-ci,gamma-old"},
		{"q=ETL", "alpha-etl"},
		{"q=bob%40", "beta-ci"},
		{"status=disabled", "beta-ci"},
		{"usage=never", "beta-ci"},
		{"usage=stale", "gamma-old"},
		{"usage=stale&staleDays=30", "=cmd|calc,gamma-old"},
		{"createdBy=ann%40x.io&sort=lastLogin&dir=desc", "alpha-etl,gamma-old"},
		{"sort=lastLogin", "gamma-old,=cmd|calc,alpha-etl,beta-ci"},
		{"sort=lastLogin&dir=desc", "alpha-etl,=cmd|calc,gamma-old,beta-ci"},
		// Hostile values: the default view, never an error page.
		{"sort=%3Cscript%3E&dir=up&status=x&usage=%00&staleDays=-1&q=%ff", "=cmd|calc,alpha-etl,beta-ci,gamma-old"},
	}
	for _, tt := range tests {
		r := h.get(paths.Accounts.Link().RawQuery(tt.query))
		if r.StatusCode != 200 {
			t.Errorf("%s: status %d", tt.query, r.StatusCode)
			continue
		}
		if got := rowNames(t, r); got != tt.want {
			t.Errorf("%s: rows %s, want %s", tt.query, got, tt.want)
		}
	}
	// The HTMX variant targeting the list answers with the list region only.
	r := h.do("GET", paths.Accounts.Link().RawQuery("q=gamma"), nil, map[string]string{htmx.HeaderRequest: "true", htmx.HeaderTarget: "list"})
	if strings.Contains(r.body, `data-testid="create-form"`) || !strings.Contains(r.body, `id="list"`) || rowNames(t, r) != "gamma-old" {
		t.Errorf("list fragment wrong: %s", rowNames(t, r))
	}
	if !strings.Contains(r.Header.Get(htmx.HeaderTriggerAfterSettle), "Showing 1 of 4 service accounts") {
		t.Errorf("no announcement: %q", r.Header.Get(htmx.HeaderTriggerAfterSettle))
	}
}

func TestSummaryLinksAndBadges(t *testing.T) {
	h := newHarness(t, options{})
	seedKnown(h)
	h.signIn()
	doc := h.get(paths.Accounts.Link()).doc(t)
	want := map[string]string{"total": "4 total", "enabled": "3 enabled", "disabled": "1 disabled", "never used": "1 never used", "stale": "1 stale"}
	for k, text := range want {
		s := doc.Find(`[data-testid="summary-` + k + `"]`)
		if got := strings.Join(strings.Fields(s.Text()), " "); got != text {
			t.Errorf("summary %s = %q, want %q", k, got, text)
		}
	}
	href, _ := doc.Find(`[data-testid="summary-stale"]`).Attr("href")
	if got := rowNames(t, h.get(paths.Path(strings.TrimPrefix(href, h.base)))); got != "gamma-old" {
		t.Errorf("the stale link (%s) shows %s", href, got)
	}
	if rowOf(doc, "beta-ci").Find(`td.st[data-flags~=never]`).Length() != 1 || rowOf(doc, "gamma-old").Find(`td.st[data-flags~=stale]`).Length() != 1 {
		t.Error("hygiene badges missing")
	}
}

func TestExportCSV(t *testing.T) {
	h := newHarness(t, options{})
	seedKnown(h)
	h.signIn()
	r := h.get(paths.AccountsExport.Link().RawQuery("createdBy=ann%40x.io&sort=name&dir=desc"))
	if r.StatusCode != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") || !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("%d %v", r.StatusCode, r.Header)
	}
	recs, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
	if err != nil || len(recs) != 3 || recs[1][0] != "gamma-old" || recs[2][0] != "alpha-etl" {
		t.Fatalf("export of the view: %v %v", recs, err)
	}
	all, _ := csv.NewReader(strings.NewReader(h.get(paths.AccountsExport.Link()).body)).ReadAll()
	for _, rec := range all {
		if rec[0] == "'=cmd|calc" && rec[5] == "'@evil" {
			return
		}
	}
	t.Errorf("formula cells not neutralised: %v", all)
}

func TestColumnsRemembered(t *testing.T) {
	h := newHarness(t, options{seed: 2})
	h.signIn()
	form := url.Values{"cols": {"status", "lastLogin"}, "view": {"sort=createdAt"}}
	if r := h.post(paths.AccountsColumns.Link(), url.Values{"cols": {"status", "bogus"}}, false); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("unknown column accepted: %d", r.StatusCode)
	}
	r := h.post(paths.AccountsColumns.Link(), form, false)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != paths.Accounts.Link().RawQuery("sort=createdAt").String() {
		t.Fatalf("%d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if r := h.do("POST", paths.AccountsColumns.Link(), url.Values{"cols": {"status"}}, nil); r.StatusCode != http.StatusForbidden {
		t.Errorf("column choice saved without the CSRF token: %d", r.StatusCode)
	}
	doc := h.get(paths.Accounts.Link()).doc(t)
	var heads []string
	doc.Find("thead th").Each(func(_ int, s *goquery.Selection) { heads = append(heads, strings.Fields(s.Text() + " x")[0]) })
	if got := strings.Join(heads, ","); got != "Name,Status,Last,Actions" {
		t.Errorf("headers %s", got)
	}
	if doc.Find(`tr[id^="r-"]`).First().Find("td").Length() != 3 {
		t.Error("rows do not follow the columns")
	}
}

func TestBulkActions(t *testing.T) {
	for _, v := range []struct {
		action string
		check  func(a stub.Account, ok bool) bool
	}{
		{"disable", func(a stub.Account, ok bool) bool { return ok && !a.Enabled }},
		{"enable", func(a stub.Account, ok bool) bool { return ok && a.Enabled }},
		{"delete", func(_ stub.Account, ok bool) bool { return !ok }},
	} {
		t.Run(v.action, func(t *testing.T) {
			h := newHarness(t, options{seed: 6})
			h.signIn()
			accts := h.stub.Accounts()
			picked := []stub.Account{accts[0], accts[2], accts[4]}
			admin, _ := h.stub.IssueToken(nil)
			for _, a := range picked { // start from the opposite state
				_ = h.api.SetServiceAccountEnabled(t.Context(), admin, a.ID, v.action != "enable")
			}
			form := url.Values{"action": {v.action}}
			for _, a := range picked {
				form.Add("ids", a.ID)
			}
			h.stub.ResetCalls()
			r := h.post(paths.BulkConfirm.Link(), form, false)
			names := r.doc(t).Find(`[data-testid="bulk-names"] li`)
			if r.StatusCode != 200 || names.Length() != 3 || !strings.Contains(names.Text(), picked[1].Name) {
				t.Fatalf("confirmation: %d, %d names", r.StatusCode, names.Length())
			}
			for _, c := range h.stub.Calls() {
				if c.Op.Mutating() {
					t.Fatal("the confirmation changed something")
				}
			}
			// One account fails: reported with its reason, the others done.
			op := stub.OpUpdate
			if v.action == "delete" {
				op = stub.OpDelete
			}
			h.stub.FailNext(op, 1, 403)
			exec := url.Values{"action": {v.action}}
			r.doc(t).Find(`form[action="` + paths.Bulk.Link().String() + `"] input[type=hidden]`).Each(func(_ int, s *goquery.Selection) {
				if n := s.AttrOr("name", ""); n == "ids" {
					exec.Add(n, s.AttrOr("value", ""))
				}
			})
			doc := h.jobResult(h.post(paths.Bulk.Link(), exec, false))
			if doc.Find(`[data-testid="bulk-ok"]`).Length() != 2 || doc.Find(`[data-testid="bulk-failed"]`).Length() != 1 {
				t.Fatalf("result: %s", doc.Find(`[data-testid="bulk-result"]`).Text())
			}
			if !strings.Contains(doc.Find(`[data-testid="bulk-failed"]`).Text(), "does not allow") {
				t.Error("failure without its reason")
			}
			done := 0
			for _, p := range picked {
				a, ok := h.stub.Account(p.ID)
				if v.check(a, ok) {
					done++
				}
			}
			if done != 2 {
				t.Errorf("%d accounts changed at the stub, want 2", done)
			}
			if n := strings.Count(h.logs.String(), "msg=audit action=bulk-"+v.action); n != 3 {
				t.Errorf("%d audit lines, want 3", n)
			}
		})
	}
}

func TestBulkAllInView(t *testing.T) {
	h := newHarness(t, options{})
	seedKnown(h)
	h.signIn()
	r := h.post(paths.BulkConfirm.Link(), url.Values{"action": {"disable"}, "all": {"1"}, "view": {"createdBy=ann%40x.io"}}, false)
	if got := r.doc(t).Find(`[data-testid="bulk-names"]`).Text(); !strings.Contains(got, "alpha-etl") || !strings.Contains(got, "gamma-old") || strings.Contains(got, "beta-ci") {
		t.Errorf("all-in-view names: %q", got)
	}
	r = h.post(paths.BulkConfirm.Link(), url.Values{"action": {"delete"}}, false)
	if r.StatusCode != http.StatusSeeOther {
		t.Errorf("nothing selected: %d", r.StatusCode)
	}
	if r := h.post(paths.Bulk.Link(), url.Values{"action": {"explode"}, "ids": {"x"}}, false); r.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown action: %d", r.StatusCode)
	}
}

func TestVerifyCredentials(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			h := newHarness(t, options{})
			h.signIn()
			r := h.post(paths.Accounts.Link(), url.Values{"name": {"handover-bot"}}, v.htmx)
			doc := r.doc(t)
			id, secret := doc.Find(`[data-testid="secret-client-id"]`).Text(), doc.Find(`[data-testid="secret-value"]`).Text()
			env, _ := doc.Find(`[data-testid="download-env"]`).Attr("href")
			if dec, _ := url.PathUnescape(strings.TrimPrefix(env, "data:text/plain;charset=utf-8,")); !strings.Contains(dec, "RUNAI_CLIENT_SECRET="+secret) || !strings.Contains(dec, "RUNAI_TOKEN_URL=http") {
				t.Errorf(".env download %q", dec)
			}
			ok := h.post(paths.Verify.Link(), url.Values{"client_id": {id}, "client_secret": {secret}}, v.htmx)
			text := ok.doc(t).Find(`[data-testid="verify-result"]`).Text()
			if !strings.HasPrefix(text, "Verified") || strings.Contains(ok.body, "eyJ") {
				t.Errorf("verify: %q", text)
			}
			bad := h.post(paths.Verify.Link(), url.Values{"client_id": {id}, "client_secret": {"wrong"}}, v.htmx)
			if text := bad.doc(t).Find(`[data-testid="verify-result"]`).Text(); !strings.Contains(text, "invalid client credentials") {
				t.Errorf("failed verify: %q", text)
			}
			if strings.Contains(h.logs.String(), secret) {
				t.Error("secret logged")
			}
		})
	}
}

func TestColumnsFormShowsEffectiveChoice(t *testing.T) {
	h := newHarness(t, options{seed: 1})
	h.signIn()
	doc := h.get(paths.Accounts.Link()).doc(t)
	var ticked []string
	doc.Find(`[data-testid="columns-form"] input[name=cols]:checked`).Each(func(_ int, s *goquery.Selection) { ticked = append(ticked, s.AttrOr("value", "")) })
	if got := strings.Join(ticked, ","); got != "clientId,status,access,lastLogin" {
		t.Errorf("columns ticked before any choice: %s, want the defaults", got)
	}
}

func TestStaleBadgeFollowsTheView(t *testing.T) {
	h := newHarness(t, options{})
	seedKnown(h)
	h.signIn()
	doc := h.get(paths.Accounts.Link().RawQuery("staleDays=30")).doc(t)
	if rowOf(doc, "=cmd|calc").Find(`td.st[data-flags~=stale]`).Length() != 1 {
		t.Error("an account unused for 40 days is not badged stale in a 30-day view")
	}
}

// TestListReadOncePerFewSeconds: another admin's new account shows after
// at most the list's lifetime; Refresh (a link, or htmx) and a reload show
// it at once, and the page says when its list was read.
func TestListReadOncePerFewSeconds(t *testing.T) {
	for _, tt := range []struct {
		name  string
		fresh func(h *harness) resp
	}{
		{"refresh link without JavaScript", func(h *harness) resp {
			r := h.get(paths.Accounts.Link().RawQuery("q=bot&refresh=1"))
			if loc := r.Header.Get("Location"); r.StatusCode != http.StatusSeeOther || loc != paths.Accounts.Link().RawQuery("q=bot").String() {
				t.Fatalf("refresh: %d to %q, want 303 to the view's own URL", r.StatusCode, loc)
			}
			return h.get(paths.Accounts.Link().RawQuery("q=bot"))
		}},
		{"refresh with htmx", func(h *harness) resp {
			return h.do("GET", paths.Accounts.Link().RawQuery("q=bot&refresh=1"), nil, map[string]string{htmx.HeaderRequest: "true", htmx.HeaderTarget: "main"})
		}},
		{"browser reload", func(h *harness) resp { return h.reload(paths.Accounts.Link().RawQuery("q=bot")) }},
		{"past the lifetime", func(h *harness) resp { h.clock.Advance(11e9); return h.get(paths.Accounts.Link().RawQuery("q=bot")) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, options{seed: 3})
			h.signIn()
			h.stub.Insert(stub.Account{Name: "new-bot", Enabled: true}, "s") // another admin
			h.clock.Advance(5e9)
			doc := h.get(paths.Accounts.Link().RawQuery("q=bot")).doc(t)
			if rowOf(doc, "new-bot").Length() != 0 {
				t.Fatal("a page within the list's lifetime read Run:ai again")
			}
			if got := doc.Find(`[data-testid="fetched"]`).Text(); !strings.Contains(got, "read from Run:ai 5 seconds ago") {
				t.Errorf("fetched line %q", got)
			}
			doc = tt.fresh(h).doc(t)
			if rowOf(doc, "new-bot").Length() != 1 {
				t.Error("the new account is not shown")
			}
		})
	}
}

// TestPagingWithoutJavaScript: a page of the view, reached by plain
// links that keep the rest of the view; the counts, "all in this view"
// and the export cover every matching account, not the page.
func TestPagingWithoutJavaScript(t *testing.T) {
	h := newHarness(t, options{seed: 60})
	h.signIn()
	doc := h.get(paths.Accounts.Link().RawQuery("page=2&per=25&sort=createdAt")).doc(t)
	if n := doc.Find(`tr[id^="r-"]`).Length(); n != 25 {
		t.Errorf("%d rows on page 2 of 25", n)
	}
	pager := doc.Find(`[data-testid="pager"]`)
	if got := pager.Text(); !strings.Contains(got, "Rows 26–50 of 60") {
		t.Errorf("pager %q", got)
	}
	next, _ := pager.Find(`a[aria-label="Next page"]`).Attr("href")
	if next != paths.Accounts.Link().RawQuery("page=3&per=25&sort=createdAt").String() {
		t.Errorf("next page link %q", next)
	}
	if got := doc.Find(`[data-testid="bulk-all"]`).Parent().Text(); !strings.Contains(got, "All 60 in this view") {
		t.Errorf("all-in-view label %q", got)
	}
	last := h.get(paths.Path(next)).doc(t)
	if n := last.Find(`tr[id^="r-"]`).Length(); n != 10 || last.Find(`[data-testid="pager"] a[aria-label="Next page"]`).Length() != 0 {
		t.Errorf("last page: %d rows", n)
	}
	csv := h.get(paths.AccountsExport.Link().RawQuery("page=2&per=25"))
	if lines := strings.Count(strings.TrimSpace(csv.body), "\n"); lines != 60 {
		t.Errorf("export of a paged view: %d rows, want all 60", lines)
	}
}
