package handlers_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/runai-tools/sa-dashboard/handlers"
	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/htmx"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/internal/stub"
)

func variants() []struct {
	name string
	htmx bool
} {
	return []struct {
		name string
		htmx bool
	}{{"plain", false}, {"htmx", true}}
}

func TestListAndDetails(t *testing.T) {
	h := newHarness(t, options{seed: 12})
	h.signIn()
	r := h.get(paths.Accounts.Link())
	doc := r.doc(t)
	if n := doc.Find(`tr[id^="r-"]`).Length(); n != 12 {
		t.Fatalf("%d rows, want 12", n)
	}
	if vary := strings.Join(r.Header.Values("Vary"), ","); !strings.Contains(vary, htmx.HeaderRequest) {
		t.Errorf("Vary = %q", vary)
	}
	// The HTMX variant is the same component without the layout.
	hx := h.do("GET", paths.Accounts.Link(), nil, map[string]string{htmx.HeaderRequest: "true"})
	if strings.Contains(hx.body, "<html") || !strings.Contains(hx.body, `data-testid="accounts-table"`) {
		t.Error("HTMX list is not the bare fragment")
	}
	a := h.stub.Accounts()[3]
	d := h.get(paths.Account.ID(a.ID)).doc(t)
	if got := d.Find(`[data-testid="detail-id"]`).Text(); got != a.ID {
		t.Errorf("detail id %q", got)
	}
	if got := d.Find(`[data-testid="detail-tenant"]`).Text(); got != a.TenantID {
		t.Errorf("tenant %q", got)
	}
	if r := h.get(paths.Account.ID("does-not-exist")); r.StatusCode != http.StatusNotFound || !strings.Contains(r.body, "no longer exists") {
		t.Errorf("missing account: %d", r.StatusCode)
	}
}

func TestOpaqueIDsRoute(t *testing.T) {
	h := newHarness(t, options{})
	h.signIn()
	for _, id := range []string{"with/slash", "sp ace", "per%cent", "q?x#y"} {
		a := h.stub.Insert(stub.Account{ID: id, Name: "n-" + strings.NewReplacer("/", "", " ", "", "%", "", "?", "", "#", "").Replace(id), Enabled: true}, "s")
		if r := h.get(paths.Account.ID(id)); r.StatusCode != 200 || !strings.Contains(r.body, a.Name) {
			t.Errorf("details of %q: %d", id, r.StatusCode)
		}
		if r := h.post(paths.AccountDisable.ID(id), nil, false); r.StatusCode != http.StatusSeeOther {
			t.Errorf("disable %q: %d", id, r.StatusCode)
		}
		if got, _ := h.stub.Account(id); got.Enabled {
			t.Errorf("%q not disabled", id)
		}
	}
}

func TestCreate(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			h := newHarness(t, options{seed: 2})
			h.signIn()
			r := h.post(paths.Accounts.Link(), url.Values{"name": {"new-bot"}}, v.htmx)
			if r.StatusCode != http.StatusOK || r.Header.Get("Cache-Control") != "no-store" {
				t.Fatalf("create: %d, Cache-Control %q", r.StatusCode, r.Header.Get("Cache-Control"))
			}
			doc := r.doc(t)
			secret := doc.Find(`[data-testid="secret-value"]`).Text()
			clientID := doc.Find(`[data-testid="secret-client-id"]`).Text()
			if secret == "" || clientID == "" || doc.Find(`[hx-history="false"]`).Length() == 0 {
				t.Fatal("no once-only secret panel")
			}
			if _, err := h.api.ExchangeToken(t.Context(), clientID, runai.Secret(secret)); err != nil {
				t.Fatalf("the shown secret does not work: %v", err)
			}
			if v.htmx {
				if !strings.Contains(r.body, `hx-swap-oob="afterbegin:#accounts-body"`) || !strings.Contains(r.body, `>new-bot</a></th>`) {
					t.Error("no out-of-band new row")
				}
				if strings.Contains(r.body, "<html") {
					t.Error("full page sent to htmx")
				}
			}
			// Never again: not on the next page, not in the session's flash.
			if strings.Contains(h.get(paths.Accounts.Link()).body, secret) {
				t.Error("secret shown again")
			}
			if strings.Contains(h.logs.String(), secret) {
				t.Error("secret logged")
			}
			if !strings.Contains(h.logs.String(), "msg=audit action=create") {
				t.Error("no audit line")
			}
		})
	}
}

func TestCreateErrors(t *testing.T) {
	tests := []struct {
		name     string
		input    string
		fail     int // status injected at the stub; 0 for none
		latency  bool
		status   int
		contains string
	}{
		{"invalid name", "Bad Name", 0, false, http.StatusUnprocessableEntity, "Invalid name"},
		{"too short", "a", 0, false, http.StatusUnprocessableEntity, "at least 2"},
		{"taken", "taken-name", 0, false, http.StatusConflict, "already taken"},
		{"api 400", "fine-name", 400, false, http.StatusBadRequest, "Run:ai refused the request"},
		{"api 403", "fine-name", 403, false, http.StatusForbidden, "does not allow"},
		// A server error to a change: it may have been made.
		{"api 500", "fine-name", 500, false, http.StatusBadGateway, "answered 500 Internal Server Error to it, so the change may or may not have been made"},
		{"api 503", "fine-name", 503, false, http.StatusBadGateway, "outcome is unknown"},
		{"timeout", "fine-name", 0, true, http.StatusGatewayTimeout, "may or may not have been made"},
	}
	for _, v := range variants() {
		for _, tt := range tests {
			t.Run(v.name+"/"+tt.name, func(t *testing.T) {
				h := newHarness(t, options{clientTimeout: 300 * time.Millisecond})
				h.signIn()
				tok, _ := h.stub.IssueToken(nil)
				_, _ = h.api.CreateServiceAccount(t.Context(), tok, "taken-name")
				if tt.fail != 0 {
					h.stub.FailNext(stub.OpCreate, 1, tt.fail)
				}
				if tt.latency {
					h.stub.SetLatency(time.Second)
					defer h.stub.SetLatency(0)
				}
				r := h.post(paths.Accounts.Link(), url.Values{"name": {tt.input}}, v.htmx)
				if tt.latency {
					h.stub.SetLatency(0)
				}
				if r.StatusCode != tt.status {
					t.Fatalf("status %d, want %d", r.StatusCode, tt.status)
				}
				doc := r.doc(t)
				if got := doc.Find(`[data-testid="create-error"]`).Text(); !strings.Contains(got, tt.contains) {
					t.Errorf("error %q does not mention %q", got, tt.contains)
				}
				if got, _ := doc.Find("#create-name").Attr("value"); got != tt.input {
					t.Errorf("input not kept: %q", got)
				}
				if v.htmx && strings.Contains(r.body, "<html") {
					t.Error("full page sent to htmx")
				}
			})
		}
	}
}

// TestRowActions runs enable/disable, delete and regenerate in both
// variants, successful and failing with each mapped status.
func TestRowActions(t *testing.T) {
	type action struct {
		name  string
		route paths.Route
		op    stub.Op
	}
	actions := []action{
		{"disable", paths.AccountDisable, stub.OpUpdate},
		{"enable", paths.AccountEnable, stub.OpUpdate},
		{"delete", paths.AccountDelete, stub.OpDelete},
		{"regenerate", paths.AccountRegenerate, stub.OpRegenerate},
	}
	failures := []struct {
		status   int
		contains string
	}{
		{400, "Run:ai refused the request"},
		{403, "does not allow"},
		{404, "no longer exists"},
		{409, "conflict"},
		{500, "may or may not have been made"},
		{503, "outcome is unknown"},
	}
	for _, v := range variants() {
		for _, a := range actions {
			t.Run(v.name+"/"+a.name+"/ok", func(t *testing.T) {
				h := newHarness(t, options{seed: 3})
				h.signIn()
				acct := h.stub.Accounts()[1]
				r := h.post(a.route.ID(acct.ID), url.Values{"name": {acct.Name}}, v.htmx)
				after, exists := h.stub.Account(acct.ID)
				switch a.name {
				case "disable", "enable":
					if after.Enabled != (a.name == "enable") {
						t.Error("state not changed")
					}
				case "delete":
					if exists {
						t.Error("not deleted")
					}
				}
				if !v.htmx {
					if a.name == "regenerate" {
						if r.StatusCode != 200 || r.doc(t).Find(`[data-testid="secret-value"]`).Text() == "" {
							t.Fatalf("regenerate page: %d", r.StatusCode)
						}
						return
					}
					if r.StatusCode != http.StatusSeeOther {
						t.Fatalf("status %d, want 303", r.StatusCode)
					}
					next := h.get(h.location(r))
					if next.doc(t).Find(`[data-testid="flash"]`).Length() != 1 {
						t.Error("no flash after redirect")
					}
					return
				}
				if r.StatusCode != 200 || strings.Contains(r.body, "<html") {
					t.Fatalf("htmx: %d", r.StatusCode)
				}
				doc := r.doc(t)
				switch a.name {
				case "disable", "enable":
					want := map[string]string{"disable": "Disabled", "enable": "Enabled"}[a.name]
					// A bare <tr> only parses inside a table, as htmx does.
					row := resp{body: "<table><tbody>" + r.body + "</tbody></table>"}.doc(t)
					if got := row.Find(`tr td.st`).Text(); !strings.HasPrefix(got, want) {
						t.Errorf("row status %q, want %q", got, want)
					}
					if !strings.Contains(r.Header.Get(htmx.HeaderTriggerAfterSettle), "announce") {
						t.Error("outcome not announced")
					}
				case "delete":
					if !strings.Contains(r.body, `hx-swap-oob="delete"`) {
						t.Error("row not removed")
					}
				case "regenerate":
					if doc.Find(`[data-testid="secret-value"]`).Text() == "" {
						t.Error("no new secret")
					}
				}
			})
			for _, f := range failures {
				t.Run(v.name+"/"+a.name+"/"+http.StatusText(f.status), func(t *testing.T) {
					h := newHarness(t, options{seed: 3})
					h.signIn()
					acct := h.stub.Accounts()[1]
					h.stub.FailNext(a.op, 1, f.status)
					r := h.post(a.route.ID(acct.ID), url.Values{"name": {acct.Name}}, v.htmx)
					var text string
					if v.htmx {
						if r.Header.Get(htmx.HeaderRetarget) != "#panel" {
							t.Errorf("HX-Retarget %q", r.Header.Get(htmx.HeaderRetarget))
						}
						text = r.doc(t).Find(`[data-testid="problem"]`).Text()
						removes := strings.Contains(r.body, `hx-swap-oob="delete"`)
						if removes != (f.status == 404) {
							t.Errorf("row removal = %v for %d", removes, f.status)
						}
					} else {
						if r.StatusCode != http.StatusSeeOther {
							t.Fatalf("status %d", r.StatusCode)
						}
						text = h.get(paths.Accounts.Link()).doc(t).Find(`[data-testid="flash"]`).Text()
					}
					if !strings.Contains(text, f.contains) || !strings.Contains(text, acct.Name) {
						t.Errorf("message %q lacks %q or the account name", text, f.contains)
					}
				})
			}
		}
	}
}

// TestMutationTimeoutIsUnknown: a change that times out may or may not
// have happened, and says so; an upstream that hangs before the change is
// sent (reading the account first) changed nothing, and says that.
func TestMutationTimeoutIsUnknown(t *testing.T) {
	for _, v := range variants() {
		for _, tt := range []struct {
			name, want, not string
			hang            func(*stub.Server)
		}{
			{"the change hangs", "outcome is unknown", "Nothing was changed", func(s *stub.Server) { s.DelayNext(stub.OpDelete, 1, time.Second) }},
			{"the read before hangs", "Nothing was changed", "outcome is unknown", func(s *stub.Server) { s.DelayNext(stub.OpGet, 1, time.Second) }},
		} {
			t.Run(v.name+"/"+tt.name, func(t *testing.T) {
				h := newHarness(t, options{seed: 2, clientTimeout: 200 * time.Millisecond})
				h.signIn()
				acct := h.stub.Accounts()[0]
				tt.hang(h.stub)
				r := h.post(paths.AccountDelete.ID(acct.ID), nil, v.htmx)
				text := r.body
				if !v.htmx && r.StatusCode == http.StatusSeeOther {
					t.Error("a timed-out change redirects to a page that would wait for the upstream again")
				}
				if !strings.Contains(text, tt.want) || strings.Contains(text, tt.not) {
					t.Errorf("want %q and not %q in: %s", tt.want, tt.not, text)
				}
			})
		}
	}
}

func TestListUnavailable(t *testing.T) {
	h := newHarness(t, options{seed: 2})
	h.signIn()
	h.stub.FailNext(stub.OpList, 1, 503)
	r := h.reload(paths.Accounts.Link())
	doc := r.doc(t)
	if r.StatusCode != http.StatusBadGateway || !strings.Contains(doc.Find(`[data-testid="problem"]`).Text(), "unavailable") {
		t.Fatalf("%d: %s", r.StatusCode, doc.Find("main").Text())
	}
	if doc.Find(`[data-testid="create-form"]`).Length() != 1 {
		t.Error("create form missing on a failed list")
	}
	if !strings.Contains(doc.Find(`[data-testid="problem"]`).Text(), "Request ID") {
		t.Error("no request id on the error")
	}
}

// TestUnauthorizedUpstream: a revoked token sends the user to sign in with
// a return path (HX-Redirect for htmx), then back.
func TestUnauthorizedUpstream(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			h := newHarness(t, options{seed: 2})
			h.signIn()
			acct := h.stub.Accounts()[0]
			h.stub.RevokeTokens()
			var r resp
			if v.htmx {
				r = h.do("POST", paths.AccountDisable.ID(acct.ID), url.Values{}, map[string]string{
					htmx.HeaderRequest: "true", form.HeaderCSRF: h.csrf, htmx.HeaderCurrentURL: h.url(paths.Account.ID(acct.ID)),
				})
				if loc := r.Header.Get(htmx.HeaderRedirect); loc != paths.SignIn.Link().Query(url.Values{"next": {string(paths.Account.ID(acct.ID))}}).String() {
					t.Fatalf("HX-Redirect %q", loc)
				}
			} else {
				r = h.get(paths.Account.ID(acct.ID))
				if loc := r.Header.Get("Location"); r.StatusCode != http.StatusSeeOther || loc != paths.SignIn.Link().Query(url.Values{"next": {string(paths.Account.ID(acct.ID))}}).String() {
					t.Fatalf("%d Location %q", r.StatusCode, loc)
				}
			}
			page := h.get(paths.SignIn.Link().Query(url.Values{"next": {string(paths.Account.ID(acct.ID))}}))
			if !strings.Contains(page.body, "expired or was revoked") {
				t.Error("no explanation on the sign-in page")
			}
			back := h.post(paths.SignInKey.Link(), url.Values{"client_id": {h.clientID}, "client_secret": {h.secret}, "next": {string(paths.Account.ID(acct.ID))}}, false)
			if back.Header.Get("Location") != paths.Account.ID(acct.ID).String() {
				t.Errorf("after sign-in: %q", back.Header.Get("Location"))
			}
		})
	}
}

// TestListTooLarge: a list past the client's cap says the dashboard's
// limit is the cause and names the setting, instead of "try again".
func TestListTooLarge(t *testing.T) {
	h := newHarness(t, options{seed: 60, maxBody: 8 << 10})
	h.signIn()
	r := h.reload(paths.Accounts.Link())
	text := r.doc(t).Find(`[data-testid="problem"]`).Text()
	if r.StatusCode != http.StatusBadGateway || !strings.Contains(text, "larger than this dashboard accepts (8.0 KiB)") ||
		!strings.Contains(text, "UPSTREAM_MAX_BODY") || strings.Contains(text, "in a moment") {
		t.Errorf("%d: %s", r.StatusCode, text)
	}
}

func TestUpstreamSlowGivesClearError(t *testing.T) {
	h := newHarness(t, options{seed: 1, clientTimeout: 200 * time.Millisecond})
	h.signIn()
	h.stub.SetLatency(2 * time.Second)
	defer h.stub.SetLatency(0)
	start := time.Now()
	r := h.reload(paths.Accounts.Link())
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Errorf("took %v with a 200ms budget", d)
	}
	if r.StatusCode != http.StatusGatewayTimeout || !strings.Contains(r.body, "no answer in time") {
		t.Errorf("%d", r.StatusCode)
	}
}

func TestBasePath(t *testing.T) {
	h := newHarness(t, options{seed: 2, basePath: "/runai-sa"})
	h.signIn()
	r := h.get(paths.Accounts.Link())
	doc := r.doc(t)
	doc.Find("[href], [action], [src], [hx-get], [hx-post]").Each(func(_ int, s *goquery.Selection) {
		for _, a := range []string{"href", "action", "src", "hx-get", "hx-post"} {
			if v, ok := s.Attr(a); ok && strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "/runai-sa/") {
				t.Errorf("%s=%q outside the base path", a, v)
			}
		}
	})
	if st := h.get(paths.Path(strings.TrimPrefix(doc.Find(`link[rel=stylesheet]`).AttrOr("href", ""), "/runai-sa"))); st.StatusCode != 200 {
		t.Errorf("stylesheet under the base path: %d", st.StatusCode)
	}
}

// TestRequestTooLarge: a body past the limit is refused with 413 and an
// explanation, whether its length is declared or it is sent chunked, and
// is never taken for a CSRF attempt.
func TestRequestTooLarge(t *testing.T) {
	for _, chunked := range []bool{false, true} {
		t.Run(fmt.Sprintf("chunked=%v", chunked), func(t *testing.T) {
			h := newHarness(t, options{})
			h.get(paths.SignIn.Link())
			body := "_csrf=" + url.QueryEscape(h.csrf) + "&token=" + strings.Repeat("x", 10<<20)
			var rd io.Reader = strings.NewReader(body)
			if chunked {
				rd = io.MultiReader(rd) // no length known: sent chunked
			}
			req, _ := http.NewRequest("POST", h.url(paths.SignInToken.Link()), rd)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res, err := h.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), "too large") {
				t.Errorf("%d: %.200s", res.StatusCode, b)
			}
			if strings.Contains(h.logs.String(), "csrf check failed") {
				t.Error("an oversized body was logged as a CSRF attempt")
			}
		})
	}
}

// TestHangingUpstreamOneTimeout: without JavaScript, a create or a delete
// against an upstream that does not answer waits for one upstream
// timeout: after it, the request makes no further call that would wait
// again, and the answer says what happened without sending the browser to
// a page that would wait once more.
func TestHangingUpstreamOneTimeout(t *testing.T) {
	for _, tt := range []struct {
		name string
		do   func(h *harness, id string) resp
	}{
		{"create", func(h *harness, _ string) resp {
			return h.post(paths.Accounts.Link(), url.Values{"name": {"during-outage"}}, false)
		}},
		{"delete", func(h *harness, id string) resp { return h.post(paths.AccountDelete.ID(id), nil, false) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarnessWith(t, options{seed: 2, clientTimeout: 300 * time.Millisecond}, func(d *handlers.Deps) {
				d.UpstreamTimeout = 300 * time.Millisecond
			})
			h.signIn()
			id := h.stub.Accounts()[0].ID
			h.stub.SetLatency(time.Second)
			h.stub.ResetCalls()
			start := time.Now()
			r := tt.do(h, id)
			took := time.Since(start)
			if r.StatusCode == http.StatusSeeOther {
				r = h.get(h.location(r)) // what the browser shows next
			}
			took2 := time.Since(start)
			h.stub.SetLatency(0)
			time.Sleep(1200 * time.Millisecond) // let the stub finish and record what it was sent
			calls := h.stub.Calls()
			t.Logf("%s: answered in %v, page shown after %v, %d upstream calls", tt.name, took.Round(time.Millisecond), took2.Round(time.Millisecond), len(calls))
			if len(calls) != 1 {
				t.Errorf("%d upstream calls after the first timed out, want none: %v", len(calls)-1, calls)
			}
			text := r.doc(t).Find("main").Text()
			if !strings.Contains(text, "did not answer in time") && !strings.Contains(text, "no answer in time") {
				t.Errorf("%d: %.300s", r.StatusCode, text)
			}
		})
	}
}
