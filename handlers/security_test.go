package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/htmx"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/stub"
	"github.com/runai-tools/sa-dashboard/static"
)

// TestHeadersOnEveryRoute checks the security headers on every route,
// signed in or not, errors and static files included.
func TestHeadersOnEveryRoute(t *testing.T) {
	h := newHarness(t, options{seed: 2})
	id := h.stub.Accounts()[0].ID
	anon := []paths.Path{paths.SignIn.Link(), paths.Accounts.Link(), paths.Home.Link(), "/nope", paths.Path(static.URL(static.CSS)), paths.Path(static.Prefix + "missing.css"), paths.Healthz.Link()}
	signedIn := []paths.Path{paths.Accounts.Link(), paths.Account.ID(id), paths.AccountDelete.ID(id), paths.AccountRegenerate.ID(id), paths.Account.ID("missing"), "/nope"}
	check := func(path paths.Path, r resp) {
		t.Helper()
		hd := r.Header
		csp := hd.Get("Content-Security-Policy")
		for _, d := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, d) {
				t.Errorf("%s: CSP lacks %s", path, d)
			}
		}
		if strings.Contains(csp, "unsafe") {
			t.Errorf("%s: CSP allows unsafe sources: %s", path, csp)
		}
		want := map[string]string{
			"X-Content-Type-Options":     "nosniff",
			"Referrer-Policy":            "same-origin",
			"Cross-Origin-Opener-Policy": "same-origin",
			"X-Frame-Options":            "DENY",
		}
		for k, v := range want {
			if hd.Get(k) != v {
				t.Errorf("%s: %s = %q, want %q", path, k, hd.Get(k), v)
			}
		}
		for _, k := range []string{"X-XSS-Protection", "Access-Control-Allow-Origin", "Strict-Transport-Security"} {
			if hd.Get(k) != "" {
				t.Errorf("%s: unexpected %s: %q", path, k, hd.Get(k))
			}
		}
		if hd.Get("X-Request-ID") == "" {
			t.Errorf("%s: no X-Request-ID", path)
		}
		ct := hd.Get("Content-Type")
		if !strings.Contains(ct, "charset=") && r.StatusCode != http.StatusSeeOther && r.StatusCode != http.StatusNotModified {
			t.Errorf("%s: Content-Type %q has no charset", path, ct)
		}
		if !strings.HasPrefix(string(path), static.Prefix) && hd.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", path, hd.Get("Cache-Control"))
		}
	}
	for _, p := range anon {
		check(p, h.get(p))
	}
	h.signIn()
	for _, p := range signedIn {
		check(p, h.get(p))
	}
	check("POST bad csrf", h.do("POST", paths.Accounts.Link(), url.Values{"name": {"x"}}, nil))
}

func TestCSRF(t *testing.T) {
	tests := []struct {
		name   string
		hdr    map[string]string
		token  string // "" none, "good" the session's, else literal
		status int
	}{
		{"right token", nil, "good", http.StatusSeeOther},
		{"right token same-origin", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "SELF"}, "good", http.StatusSeeOther},
		{"missing token", nil, "", http.StatusForbidden},
		{"wrong token", nil, "AAAAAAAAAAAAAAAAAAAAAAAAAA", http.StatusForbidden},
		{"cross-site", map[string]string{"Sec-Fetch-Site": "cross-site"}, "good", http.StatusForbidden},
		{"same-site", map[string]string{"Sec-Fetch-Site": "same-site"}, "good", http.StatusForbidden},
		{"evil origin", map[string]string{"Origin": "https://evil.example"}, "good", http.StatusForbidden},
		{"null origin", map[string]string{"Origin": "null"}, "good", http.StatusForbidden},
		{"token in the query string", nil, "query", http.StatusForbidden},
	}
	for _, path := range []paths.Path{paths.Accounts.Link(), paths.SignInKey.Link(), paths.SignOut.Link()} {
		for _, tt := range tests {
			t.Run(string(path)+"/"+tt.name, func(t *testing.T) {
				h := newHarness(t, options{})
				if path != paths.SignInKey.Link() {
					h.signIn()
				} else {
					h.get(paths.SignIn.Link())
				}
				values := url.Values{"name": {"new-one"}, "client_id": {h.clientID}, "client_secret": {h.secret}}
				target := path
				switch tt.token {
				case "good":
					values.Set(form.FieldCSRF, h.csrf)
				case "query":
					target = target.Query(url.Values{form.FieldCSRF: {h.csrf}})
				case "":
				default:
					values.Set(form.FieldCSRF, tt.token)
				}
				hdr := map[string]string{}
				for k, v := range tt.hdr {
					hdr[k] = strings.ReplaceAll(v, "SELF", h.srv.URL)
				}
				h.stub.ResetCalls()
				r := h.do("POST", target, values, hdr)
				want := tt.status
				if path == paths.Accounts.Link() && want == http.StatusSeeOther {
					want = http.StatusOK // create answers with the page carrying the secret
				}
				if r.StatusCode != want {
					t.Fatalf("status %d, want %d", r.StatusCode, want)
				}
				if want == http.StatusForbidden {
					for _, c := range h.stub.Calls() {
						t.Errorf("refused request still reached the API: %+v", c)
					}
					if !strings.Contains(h.logs.String(), "csrf check failed") {
						t.Error("no security event logged")
					}
				}
			})
		}
	}
}

func TestCSRFViaHTMXHeader(t *testing.T) {
	h := newHarness(t, options{seed: 1})
	h.signIn()
	r := h.post(paths.Accounts.Link(), url.Values{"name": {"via-htmx"}}, true)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.body, `data-testid="secret-panel"`) {
		t.Fatalf("htmx create with header token: %d", r.StatusCode)
	}
	r = h.do("POST", paths.Accounts.Link(), url.Values{"name": {"no-token"}}, map[string]string{htmx.HeaderRequest: "true"})
	if r.StatusCode != http.StatusForbidden {
		t.Fatalf("htmx create without token: %d", r.StatusCode)
	}
}

// TestUpstreamDataIsEscaped: hostile account fields render as text.
func TestUpstreamDataIsEscaped(t *testing.T) {
	h := newHarness(t, options{})
	evil := `<img src=x onerror=alert(1)>`
	a := h.stub.Insert(stub.Account{Name: evil, CreatedBy: `" hx-get="/x" x="`, ClientID: `<script>alert(2)</script>`, Enabled: true}, "s")
	h.signIn()
	for _, p := range []paths.Path{paths.Accounts.Link(), paths.Account.ID(a.ID), paths.AccountDelete.ID(a.ID)} {
		r := h.get(p)
		doc := r.doc(t)
		if n := doc.Find("img[src=x], script:not([src])").Length(); n != 0 {
			t.Errorf("%s: %d injected elements", p, n)
		}
		if doc.Find("[hx-get='/x']").Length() != 0 {
			t.Errorf("%s: attribute injection", p)
		}
		if !strings.Contains(doc.Text(), evil) {
			t.Errorf("%s: hostile name not shown as text", p)
		}
	}
}

// TestEachAdminUsesOwnToken: the API sees each signed-in admin's own
// identity, never a shared credential.
func TestEachAdminUsesOwnToken(t *testing.T) {
	h := newHarness(t, options{seed: 1})
	h.signIn()
	other := newUserOf(t, h)
	h.stub.ResetCalls()
	h.reload(paths.Accounts.Link())
	other.reload(paths.Accounts.Link())
	var ids []string
	for _, c := range h.stub.Calls() {
		if c.Op == stub.OpList {
			ids = append(ids, c.Identity)
		}
	}
	if len(ids) != 2 || ids[0] != "ada@example.com" || ids[1] != "ops-bot@service-accounts.runai.local" {
		t.Fatalf("identities seen upstream: %v", ids)
	}
	for _, c := range h.stub.Calls() {
		if c.Identity != "ada@example.com" && c.Identity != "ops-bot@service-accounts.runai.local" {
			t.Errorf("a call as %q", c.Identity)
		}
	}
}

// newUserOf signs a second browser into h's dashboard with a service
// account's credentials.
func newUserOf(t *testing.T, h *harness) *harness {
	t.Helper()
	tok, _ := h.stub.IssueToken(nil)
	cr, err := h.api.CreateServiceAccount(t.Context(), tok, "ops-bot")
	if err != nil {
		t.Fatal(err)
	}
	jar := *h
	other := &jar
	other.client = &http.Client{Jar: newJar(), CheckRedirect: h.client.CheckRedirect}
	other.clientID, other.secret = cr.ClientID, cr.ClientSecret.Reveal()
	other.signIn()
	return other
}

// TestCompressionOnlyWithoutSecrets: GET pages are compressed, answers
// that can carry a one-time secret (POST) never are, and no two pages
// carry the same CSRF token bytes.
func TestCompressionOnlyWithoutSecrets(t *testing.T) {
	h := newHarness(t, options{seed: 40})
	h.signIn()
	gz := map[string]string{"Accept-Encoding": "gzip"}
	if r := h.do("GET", paths.Accounts.Link(), nil, gz); r.Header.Get("Content-Encoding") != "gzip" {
		t.Error("the list page is not compressed")
	}
	first := h.get(paths.Accounts.Link())
	second := h.get(paths.Accounts.Link())
	if a, b := csrfRe.FindStringSubmatch(first.body)[1], csrfRe.FindStringSubmatch(second.body)[1]; a == b {
		t.Error("the CSRF token is rendered identically twice")
	}
	hdr := map[string]string{"Accept-Encoding": "gzip", "Origin": h.srv.URL}
	r := h.do("POST", paths.Accounts.Link(), url.Values{"name": {"secret-bearer"}, form.FieldCSRF: {h.csrf}}, hdr)
	if r.StatusCode != 200 || r.Header.Get("Content-Encoding") != "" || !strings.Contains(r.body, `data-testid="secret-value"`) {
		t.Errorf("create answer: %d, Content-Encoding %q", r.StatusCode, r.Header.Get("Content-Encoding"))
	}
}
