package handlers_test

import (
	"net/http"
	"net/url"
	"path"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/htmx"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/stub"
)

// TestSwappedRowFollowsTheView: a row swapped in after an action carries
// the badges of the view the user is looking at (here a 30-day stale
// threshold), like the same row after a reload; with JavaScript off the
// action returns to that view.
func TestSwappedRowFollowsTheView(t *testing.T) {
	view := paths.Accounts.Link().RawQuery("staleDays=30")
	for _, action := range []paths.Route{paths.AccountDisable, paths.AccountEnable, paths.AccountRegenerate} {
		for _, v := range variants() {
			t.Run(path.Base(string(action))+"/"+v.name, func(t *testing.T) {
				h := newHarness(t, options{})
				seedKnown(h)
				h.signIn()
				a, _ := h.stub.AccountByName("=cmd|calc") // last used 40 days ago
				if action == paths.AccountEnable {
					tok, _ := h.stub.IssueToken(nil)
					_ = h.api.SetServiceAccountEnabled(t.Context(), tok, a.ID, false)
				}
				h.get(view)
				var rowHTML string
				if v.htmx {
					r := h.do("POST", action.ID(a.ID), url.Values{}, map[string]string{
						htmx.HeaderRequest: "true", form.HeaderCSRF: h.csrf, "Origin": h.srv.URL,
						htmx.HeaderCurrentURL: h.url(view),
					})
					if r.StatusCode != http.StatusOK {
						t.Fatalf("status %d", r.StatusCode)
					}
					rowHTML = r.body
				} else {
					r := h.do("POST", action.ID(a.ID), url.Values{form.FieldCSRF: {h.csrf}}, map[string]string{
						"Origin": h.srv.URL, "Referer": h.url(view),
					})
					if action == paths.AccountRegenerate { // the secret is rendered into this answer
						rowHTML = r.body
					} else {
						if loc := h.location(r); loc != view {
							t.Fatalf("returned to %q, want %q", loc, view)
						}
						rowHTML = h.get(view).body
					}
				}
				doc := resp{body: "<table><tbody>" + rowHTML + "</tbody></table>"}.doc(t)
				row := rowOf(doc, "=cmd|calc")
				if row.Length() == 0 {
					t.Fatalf("no row for the account in the answer")
				}
				if row.Find(`td.st[data-flags~=stale]`).Length() != 1 {
					t.Error("the swapped row lost the Stale badge of the 30-day view")
				}
			})
		}
	}
}

// TestAuditNamesComeFromTheAPI: a name sent in the form never reaches the
// audit log, for successful and failed actions alike.
func TestAuditNamesComeFromTheAPI(t *testing.T) {
	actions := []struct {
		route paths.Route
		op    stub.Op
	}{
		{paths.AccountDisable, stub.OpUpdate}, {paths.AccountEnable, stub.OpUpdate}, {paths.AccountDelete, stub.OpDelete}, {paths.AccountRegenerate, stub.OpRegenerate},
	}
	for _, a := range actions {
		for _, fail := range []int{0, 403, 500} {
			for _, v := range variants() {
				t.Run(path.Base(string(a.route))+"/"+http.StatusText(fail)+"/"+v.name, func(t *testing.T) {
					h := newHarness(t, options{seed: 3})
					h.signIn()
					acct := h.stub.Accounts()[1]
					if fail != 0 {
						h.stub.FailNext(a.op, 1, fail)
					}
					h.post(a.route.ID(acct.ID), url.Values{"name": {"forged-name"}}, v.htmx)
					logs := h.logs.String()
					if strings.Contains(logs, "forged-name") {
						t.Error("a name from the form reached the log")
					}
					if !strings.Contains(logs, "msg=audit") || !strings.Contains(logs, "target_name="+acct.Name) {
						t.Errorf("audit lacks the API's name %s:\n%s", acct.Name, logs)
					}
				})
			}
		}
	}
}

// TestSwappedRowsFollowTheColumns: rows swapped in after a toggle or a
// create show the columns this browser chose, like the list.
func TestSwappedRowsFollowTheColumns(t *testing.T) {
	h := newHarness(t, options{seed: 2})
	h.signIn()
	h.post(paths.AccountsColumns.Link(), url.Values{"cols": {"status", "lastLogin"}}, false)
	h.get(paths.Accounts.Link())
	a := h.stub.Accounts()[0]
	cells := func(body string) int {
		return resp{body: "<table><tbody>" + body + "</tbody></table>"}.doc(t).Find(`tr[id^="r-"]`).First().Find("td").Length()
	}
	want := h.get(paths.Accounts.Link()).doc(t).Find(`tr[id^="r-"]`).First().Find("td").Length()
	if want != 3 { // status, last login, actions (the checkbox is in the row header)
		t.Fatalf("the list shows %d cells per row", want)
	}
	if got := cells(h.post(paths.AccountDisable.ID(a.ID), nil, true).body); got != want {
		t.Errorf("toggled row has %d cells, the list %d", got, want)
	}
	r := h.post(paths.Accounts.Link(), url.Values{"name": {"col-bot"}}, true)
	doc := r.doc(t)
	if got := rowOf(doc, "col-bot").Find(`td`).Length(); got != want {
		t.Errorf("new row has %d cells, the list %d", got, want)
	}
}

// TestCreateUnderAFilter: a new account the list's filters hide is not
// slipped into the table; the secret panel says why it is not there.
func TestCreateUnderAFilter(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			h := newHarness(t, options{seed: 2})
			h.signIn()
			h.get(paths.Accounts.Link().RawQuery("status=disabled"))
			r := h.do("POST", paths.Accounts.Link().RawQuery("status=disabled"), url.Values{"name": {"hidden-bot"}, form.FieldCSRF: {h.csrf}}, map[string]string{
				"Origin": h.srv.URL, htmx.HeaderRequest: map[bool]string{true: "true"}[v.htmx], htmx.HeaderCurrentURL: h.url(paths.Accounts.Link().RawQuery("status=disabled")),
			})
			doc := r.doc(t)
			if doc.Find(`[data-testid="secret-value"]`).Text() == "" {
				t.Fatal("no secret shown")
			}
			if doc.Find(`[data-testid="out-of-view"]`).Length() != 1 {
				t.Error("the panel does not say the new account is outside the view")
			}
			if rowOf(doc, "hidden-bot").Length() != 0 {
				t.Error("a row the view hides was put into the table")
			}
		})
	}
}

// TestRowButtons: the rows' buttons post to one form; htmx gets the row
// back, aimed at itself, a plain post a redirect to the view.
func TestRowButtons(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			h := newHarness(t, options{seed: 2})
			h.signIn()
			a := h.stub.Accounts()[0]
			doc := h.get(paths.Accounts.Link()).doc(t)
			form := doc.Find(`form#ra`)
			if form.AttrOr("action", "") != paths.AccountsRows.Link().String() || form.Find(`input[name=_csrf]`).Length() != 1 {
				t.Fatal("no row-actions form with the token")
			}
			if b := rowOf(doc, a.Name).Find(`td.acts button`); b.AttrOr("name", "") != "disable" || b.AttrOr("value", "") != a.ID {
				t.Fatalf("row button %v", b.Nodes[0].Attr)
			}
			r := h.post(paths.AccountsRows.Link(), url.Values{"disable": {a.ID}}, v.htmx)
			if got, _ := h.stub.Account(a.ID); got.Enabled {
				t.Fatal("not disabled")
			}
			if v.htmx {
				rowID := doc.Find(`tr[id^="r-"]`).FilterFunction(func(_ int, s *goquery.Selection) bool { return s.Find("th a").Text() == a.Name }).AttrOr("id", "")
				if r.Header.Get(htmx.HeaderRetarget) != "#"+rowID || !strings.Contains(r.body, `name="enable"`) {
					t.Errorf("HX-Retarget %q, want #%s; body %s", r.Header.Get(htmx.HeaderRetarget), rowID, r.body)
				}
			} else if r.StatusCode != http.StatusSeeOther {
				t.Errorf("plain: %d", r.StatusCode)
			}
			if r := h.post(paths.AccountsRows.Link(), url.Values{"explode": {a.ID}}, v.htmx); r.StatusCode != http.StatusBadRequest {
				t.Errorf("no action: %d", r.StatusCode)
			}
		})
	}
}
