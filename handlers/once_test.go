package handlers_test

import (
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/htmx"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/stub"
	"github.com/runai-tools/sa-dashboard/views"
)

// TestFormsSentTwice: every form that makes something, sent twice with its
// one-time key (a double click, the reload of a plain form's answer),
// makes it once; the second answer says what the first did, shows no
// secret, and (with htmx) leaves the page as the first answer drew it.
func TestFormsSentTwice(t *testing.T) {
	type form_ struct {
		name  string
		op    stub.Op // the change, counted at the stub
		path  func(accts map[string]stub.Account) paths.Path
		value url.Values
		said  string // in the second answer
	}
	forms := []form_{
		{"create", stub.OpCreate, func(map[string]stub.Account) paths.Path { return paths.Accounts.Link() }, url.Values{"name": {"twice-bot"}},
			`"twice-bot" was created at`},
		{"regenerate", stub.OpRegenerate, func(a map[string]stub.Account) paths.Path { return paths.AccountRegenerate.ID(a["alpha"].ID) }, url.Values{},
			"this secret was regenerated at"},
		{"rotation start", stub.OpCreate, func(a map[string]stub.Account) paths.Path { return paths.AccountRotate.ID(a["alpha"].ID) },
			url.Values{"name": {"alpha-r2"}}, `the rotation of "alpha" to "alpha-r2" was started at`},
		{"add a rule", stub.OpRuleCreate, func(a map[string]stub.Account) paths.Path { return paths.AccountRules.ID(a["gamma"].ID) },
			url.Values{"role": {"3"}, "scope": {"tenant:1001"}}, `was added to "gamma" at`},
		{"copy rules", stub.OpRuleCreate, func(a map[string]stub.Account) paths.Path { return paths.AccountRulesCopy.ID(a["gamma"].ID) },
			url.Values{"from": {""}}, `access was copied from alpha to "gamma" at`},
	}
	for _, f := range forms {
		for _, v := range variants() {
			t.Run(f.name+"/"+v.name, func(t *testing.T) {
				h, accts := accessFixture(t, nil)
				values := url.Values{form.FieldOnce: {rand.Text()}}
				for k, vs := range f.value {
					values[k] = vs
				}
				if f.name == "copy rules" {
					values.Set("from", accts["alpha"].ID)
				}
				h.stub.ResetCalls()
				first := h.post(f.path(accts), values, v.htmx)
				if first.StatusCode >= 400 {
					t.Fatalf("first: %d %.300s", first.StatusCode, first.doc(t).Find("main, body").First().Text())
				}
				made := count(h, f.op)
				second := h.post(f.path(accts), values, v.htmx)
				if n := count(h, f.op); n != made {
					t.Errorf("sent twice: %d changes at the stub after the first, %d after the second", made, n)
				}
				if strings.Contains(second.body, `data-testid="secret-value"`) {
					t.Error("the second answer shows a secret")
				}
				var said string
				if v.htmx {
					if second.StatusCode != http.StatusOK || second.Header.Get(htmx.HeaderReswap) != htmx.SwapNone || second.body != "" {
						t.Errorf("htmx repeat: %d, swap %q, %d bytes", second.StatusCode, second.Header.Get(htmx.HeaderReswap), len(second.body))
					}
					var events map[string]string
					_ = json.Unmarshal([]byte(second.Header.Get(htmx.HeaderTrigger)), &events)
					said = events[views.EventAnnounce]
				} else {
					if second.StatusCode != http.StatusSeeOther {
						t.Fatalf("plain repeat: %d", second.StatusCode)
					}
					said = h.get(h.location(second)).doc(t).Find(`[data-testid="flash"]`).Text()
				}
				if !strings.Contains(said, "Nothing was sent again") || !strings.Contains(said, f.said) {
					t.Errorf("the repeat says %q, want %q", said, f.said)
				}
			})
		}
	}
}

// TestBulkStartedTwice: the same confirmed bulk action sent twice runs one
// job; the second request is sent to its page.
func TestBulkStartedTwice(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			h := newHarness(t, options{seed: 10})
			h.signIn()
			var ids []string
			for _, a := range h.stub.Accounts() {
				ids = append(ids, a.ID)
			}
			values := url.Values{"action": {"disable"}, "ids": ids, form.FieldOnce: {rand.Text()}}
			first := h.post(paths.Bulk.Link(), values, false)
			page := h.jobPage(first)
			h.jobResult(first)
			second := h.post(paths.Bulk.Link(), values, v.htmx)
			if n := count(h, stub.OpUpdate); n != len(ids) {
				t.Errorf("%d accounts changed for %d in the job", n, len(ids))
			}
			if !v.htmx && h.location(second) != page {
				t.Errorf("the repeat went to %s, not to the job's page %s", h.location(second), page)
			}
		})
	}
}

// TestFormWithoutItsKey: a form that makes something, sent without its
// one-time key (an old page), changes nothing and says so.
func TestFormWithoutItsKey(t *testing.T) {
	h := newHarness(t, options{seed: 3})
	h.signIn()
	h.stub.ResetCalls()
	r := h.do("POST", paths.Accounts.Link(), url.Values{"name": {"keyless"}, form.FieldCSRF: {h.csrf}, form.FieldOnce: {"not a key"}}, map[string]string{"Origin": h.srv.URL})
	if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, "one-time key") {
		t.Errorf("%d %.200s", r.StatusCode, r.doc(t).Find("main").Text())
	}
	if count(h, stub.OpCreate) != 0 {
		t.Error("created without a key")
	}
}

func count(h *harness, op stub.Op) int {
	n := 0
	for _, c := range h.stub.Calls() {
		if c.Op == op && c.Status < 300 {
			n++
		}
	}
	return n
}
