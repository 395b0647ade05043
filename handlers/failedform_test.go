package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/runai-tools/sa-dashboard/handlers"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/stub"
)

// TestFailedFormsKeepThePage: every plain form (no JavaScript) that Run:ai
// refuses answers with the whole page it was on, every section drawn
// (the table, the rules, the history) and the user's input kept, with the
// request's upstream budget in force (the page is drawn while it lives).
func TestFailedFormsKeepThePage(t *testing.T) {
	budget := func(d *handlers.Deps) { d.UpstreamTimeout = 5 * time.Second }
	sections := func(t *testing.T, doc *goquery.Document, want ...string) {
		t.Helper()
		for _, sel := range want {
			if doc.Find(sel).Length() == 0 {
				t.Errorf("the page lacks %s", sel)
			}
		}
		for _, broken := range []string{"Could not load", "could not be read", "Could not read the history"} {
			if strings.Contains(doc.Text(), broken) {
				t.Errorf("the page says %q: a section was not drawn", broken)
			}
		}
	}
	t.Run("create on the list", func(t *testing.T) {
		h, accts := accessFixture(t, budget)
		r := h.post(paths.Accounts.Link(), url.Values{"name": {accts["alpha"].Name}}, false) // taken
		doc := r.doc(t)
		if r.StatusCode != http.StatusConflict {
			t.Fatalf("status %d", r.StatusCode)
		}
		sections(t, doc, `tr[id^="r-"]`, `[data-testid="summary-total"]`)
		if got := doc.Find(`#create-name`).AttrOr("value", ""); got != accts["alpha"].Name {
			t.Errorf("the name typed is gone: %q", got)
		}
	})
	t.Run("add a rule on the account page", func(t *testing.T) {
		h, accts := accessFixture(t, budget)
		a := accts["alpha"]
		h.stub.FailNext(stub.OpRuleCreate, 1, http.StatusForbidden)
		r := h.post(paths.AccountRules.ID(a.ID), url.Values{"role": {"10"}, "scope": {"tenant:1001"}, "scope_type": {"tenant"}}, false)
		doc := r.doc(t)
		if r.StatusCode != http.StatusForbidden {
			t.Fatalf("status %d", r.StatusCode)
		}
		sections(t, doc, `[data-testid="rules-table"]`, `[data-testid="history"]`, `[data-testid="problem"]`)
		if got := doc.Find(`#add-access-role option[selected]`).AttrOr("value", ""); got != "10" {
			t.Errorf("the role chosen is gone: %q", got)
		}
	})
	t.Run("copy access on the account page", func(t *testing.T) {
		h, accts := accessFixture(t, budget)
		r := h.post(paths.AccountRulesCopy.ID(accts["gamma"].ID), url.Values{"from": {"no-such-account"}}, false)
		doc := r.doc(t)
		if r.StatusCode != http.StatusNotFound {
			t.Fatalf("status %d", r.StatusCode)
		}
		sections(t, doc, `[data-testid="access-rules"]`, `[data-testid="history"]`, `[data-testid="problem"]`)
	})
	t.Run("start a rotation", func(t *testing.T) {
		h, accts := accessFixture(t, budget)
		h.stub.FailNext(stub.OpCreate, 1, http.StatusConflict) // taken meanwhile
		r := h.post(paths.AccountRotate.ID(accts["alpha"].ID), url.Values{"name": {"alpha-r7"}}, false)
		doc := r.doc(t)
		if r.StatusCode != http.StatusConflict {
			t.Fatalf("status %d", r.StatusCode)
		}
		sections(t, doc, `[data-testid="rotate-rules"] li`)
		if got := doc.Find(`input[name="name"]`).AttrOr("value", ""); got != "alpha-r7" {
			t.Errorf("the name typed is gone: %q", got)
		}
	})
	t.Run("sign in", func(t *testing.T) {
		h := newHarnessWith(t, options{}, budget)
		h.get(paths.SignIn.Link())
		r := h.post(paths.SignInKey.Link(), url.Values{"client_id": {"someone"}, "client_secret": {"wrong"}}, false)
		doc := r.doc(t)
		if r.StatusCode != http.StatusUnauthorized || doc.Find(`input[name="client_id"]`).AttrOr("value", "") != "someone" {
			t.Errorf("sign-in refused: %d, client ID kept %q", r.StatusCode, doc.Find(`input[name="client_id"]`).AttrOr("value", ""))
		}
	})
}
