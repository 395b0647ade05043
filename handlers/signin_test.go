package handlers_test

import (
	"context"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/runai-tools/sa-dashboard/handlers"
	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/session"
	"github.com/runai-tools/sa-dashboard/internal/stub"
)

func TestSignInWithKey(t *testing.T) {
	h := newHarness(t, options{seed: 1})
	h.get(paths.SignIn.Link())
	before := h.cookies()
	r := h.post(paths.SignInKey.Link(), url.Values{"client_id": {h.clientID}, "client_secret": {h.secret}}, false)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != paths.Accounts.Link().String() {
		t.Fatalf("%d %q", r.StatusCode, r.Header.Get("Location"))
	}
	page := h.get(paths.Accounts.Link()).doc(t)
	if got := page.Find(`[data-testid="user-name"]`).Text(); got != "ada@example.com" {
		t.Errorf("user shown as %q", got)
	}
	if !strings.Contains(page.Find(`[data-testid="whoami"]`).Text(), "Session ends") {
		t.Error("session end not shown")
	}
	// The pre-sign-in cookie is useless afterwards (new session id).
	old := &harness{t: t, srv: h.srv, base: h.base, client: &http.Client{Jar: newJar(), CheckRedirect: h.client.CheckRedirect}}
	u, _ := url.Parse(h.srv.URL)
	old.client.Jar.SetCookies(u, before)
	if r := old.get(paths.Accounts.Link()); r.StatusCode != http.StatusSeeOther {
		t.Errorf("pre-sign-in cookie still signed in: %d", r.StatusCode)
	}
}

func TestSignInFailures(t *testing.T) {
	tests := []struct {
		name     string
		form     url.Values
		path     paths.Path
		status   int
		where    string // the problem notice, or the field error shown next to the field
		contains string
	}{
		{"wrong secret", url.Values{"client_id": {"admin"}, "client_secret": {"nope"}}, paths.SignInKey.Link(), http.StatusUnauthorized, `[data-testid="problem"]`, "not accepted"},
		{"missing secret", url.Values{"client_id": {"admin"}}, paths.SignInKey.Link(), http.StatusUnprocessableEntity, `#client-secret-error`, "Enter the client secret"},
		{"missing id", url.Values{"client_secret": {"x"}}, paths.SignInKey.Link(), http.StatusUnprocessableEntity, `#client-id-error`, "Enter the client ID"},
		{"bad token", url.Values{"token": {"garbage"}}, paths.SignInToken.Link(), http.StatusUnauthorized, `[data-testid="problem"]`, "not accepted"},
		{"empty token", url.Values{"token": {""}}, paths.SignInToken.Link(), http.StatusUnprocessableEntity, `#api-token-error`, "Paste"},
		{"token with spaces", url.Values{"token": {"a b"}}, paths.SignInToken.Link(), http.StatusUnprocessableEntity, `#api-token-error`, "does not look like"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, options{})
			h.get(paths.SignIn.Link())
			r := h.post(tt.path, tt.form, false)
			doc := r.doc(t)
			if r.StatusCode != tt.status || !strings.Contains(doc.Find(tt.where).Text(), tt.contains) {
				t.Fatalf("%d: %q", r.StatusCode, doc.Find(tt.where).Text())
			}
			if strings.HasPrefix(tt.where, "#") {
				field := strings.TrimSuffix(strings.TrimPrefix(tt.where, "#"), "-error")
				if got, _ := doc.Find("#" + field).Attr("aria-describedby"); !strings.Contains(got, field+"-error") {
					t.Errorf("field %s is not described by its error (%q)", field, got)
				}
			}
			if got, _ := doc.Find("#client-id").Attr("value"); got != tt.form.Get("client_id") {
				t.Errorf("client ID not kept: %q", got)
			}
			if v, _ := doc.Find("#client-secret").Attr("value"); v != "" || strings.Contains(r.body, "nope") {
				t.Error("secret re-rendered")
			}
			if v, _ := doc.Find("#api-token").Attr("value"); v != "" || strings.Contains(r.body, "garbage") {
				t.Error("token re-rendered")
			}
		})
	}
}

func TestSignInUpstreamDown(t *testing.T) {
	h := newHarness(t, options{})
	h.get(paths.SignIn.Link())
	h.stub.FailNext(stub.OpToken, 1, 503)
	r := h.post(paths.SignInKey.Link(), url.Values{"client_id": {"admin"}, "client_secret": {h.secret}}, false)
	if r.StatusCode != http.StatusBadGateway || !strings.Contains(r.body, "unavailable") {
		t.Fatalf("%d", r.StatusCode)
	}
}

func TestSignInWithLargeToken(t *testing.T) {
	h := newHarness(t, options{seed: 1})
	tok, _ := h.stub.IssueToken(map[string]any{"pad": strings.Repeat("x", 7500)})
	if len(tok) < 8*1024-200 {
		t.Fatalf("token only %d bytes", len(tok))
	}
	h.get(paths.SignIn.Link())
	r := h.post(paths.SignInToken.Link(), url.Values{"token": {"Bearer " + tok}}, false)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("%d %s", r.StatusCode, r.body)
	}
	for _, c := range r.Cookies() {
		if len(c.String()) >= 4096 || strings.Contains(c.Value, tok[:64]) {
			t.Errorf("cookie %s is %d bytes or holds the token", c.Name, len(c.String()))
		}
	}
	if r := h.get(paths.Accounts.Link()); r.StatusCode != 200 || !strings.Contains(r.body, "ada@example.com") {
		t.Fatalf("after sign-in: %d", r.StatusCode)
	}
}

func TestSignInWithExpiredJWT(t *testing.T) {
	h := newHarness(t, options{})
	tok, _ := h.stub.IssueToken(map[string]any{"exp": time.Now().Add(-time.Hour).Unix()})
	h.get(paths.SignIn.Link())
	r := h.post(paths.SignInToken.Link(), url.Values{"token": {tok}}, false)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "expired") {
		t.Fatalf("%d", r.StatusCode)
	}
}

func TestReturnPathIsLocalOnly(t *testing.T) {
	for _, next := range []string{"https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", paths.SignOut.Link().String(), "\x00/x"} {
		h := newHarness(t, options{})
		h.get(paths.SignIn.Link().Query(url.Values{"next": {string(next)}}))
		r := h.post(paths.SignInKey.Link(), url.Values{"client_id": {h.clientID}, "client_secret": {h.secret}, "next": {next}}, false)
		if loc := h.location(r); loc != paths.Accounts.Link() {
			t.Errorf("next=%q redirected to %q", next, loc)
		}
	}
	h := newHarness(t, options{})
	h.get(paths.SignIn.Link())
	r := h.post(paths.SignInKey.Link(), url.Values{"client_id": {h.clientID}, "client_secret": {h.secret}, "next": {paths.Account.ID("x").RawQuery("y=1").String()}}, false)
	if loc := h.location(r); loc != paths.Account.ID("x").RawQuery("y=1") {
		t.Errorf("local next lost: %q", loc)
	}
}

func TestSignOut(t *testing.T) {
	h := newHarness(t, options{seed: 1})
	h.signIn()
	h.post(paths.AccountsColumns.Link(), url.Values{form.FieldColumns: {"status"}}, false)
	signedIn := h.cookies()
	r := h.post(paths.SignOut.Link(), nil, false)
	// Only this origin's cache and storage: "cookies" would clear every
	// cookie of the registrable domain (the SSO proxy's, other apps').
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Clear-Site-Data") != `"cache", "storage"` {
		t.Fatalf("%d %q", r.StatusCode, r.Header.Get("Clear-Site-Data"))
	}
	expired := map[string]bool{}
	for _, c := range r.Cookies() {
		if c.MaxAge < 0 {
			expired[c.Name] = true
		}
	}
	if !expired[session.CookieName(false)] || !expired[session.VisitorCookieName(false)] || len(expired) != 2 {
		t.Errorf("cookies expired at sign-out: %v, want the session's and the visitor's", expired)
	}
	if cols := h.cookies(); !slices.ContainsFunc(cols, func(c *http.Cookie) bool { return c.Name == handlers.ColumnsCookie }) {
		t.Error("the columns chosen did not outlive the sign-out")
	}
	// Replaying the old cookie is refused: the session is gone on the server.
	u, _ := url.Parse(h.srv.URL)
	h.client.Jar.SetCookies(u, signedIn)
	if r := h.get(paths.Accounts.Link()); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(string(h.location(r)), string(paths.SignIn)) {
		t.Errorf("old cookie after sign-out: %d", r.StatusCode)
	}
}

func TestSessionTimeouts(t *testing.T) {
	h := newHarness(t, options{seed: 1})
	h.signIn()
	h.clock.Advance(29 * time.Minute)
	if r := h.get(paths.Accounts.Link()); r.StatusCode != 200 {
		t.Fatalf("ended before the idle timeout: %d", r.StatusCode)
	}
	h.clock.Advance(31 * time.Minute)
	if r := h.get(paths.Accounts.Link()); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("idle timeout not enforced: %d", r.StatusCode)
	}

	h.signIn()
	for range 16 { // active every 29 minutes, for 7h44m
		h.clock.Advance(29 * time.Minute)
		h.get(paths.Healthz.Link())
		if r := h.get(paths.Accounts.Link()); r.StatusCode != 200 && r.StatusCode != http.StatusSeeOther {
			t.Fatal(r.StatusCode)
		}
	}
	h.clock.Advance(20 * time.Minute)
	if r := h.get(paths.Accounts.Link()); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("absolute timeout not enforced: %d", r.StatusCode)
	}
}

func TestTokenExpiryEndsSession(t *testing.T) {
	h := newHarness(t, options{seed: 1})
	h.signIn()    // the stub's tokens last an hour
	for range 2 { // stay active, within the idle timeout
		h.clock.Advance(25 * time.Minute)
		h.get(paths.Accounts.Link())
	}
	h.clock.Advance(15 * time.Minute)
	r := h.get(paths.Accounts.Link())
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("%d", r.StatusCode)
	}
	if page := h.get(paths.SignIn.Link()); !strings.Contains(page.body, "token has expired") {
		t.Error("no explanation")
	}
}

func TestCookieAttributesOverHTTPS(t *testing.T) {
	h := newHarness(t, options{publicURL: "https://dash.example"})
	check := func(r resp, name string) {
		t.Helper()
		cs := r.Cookies()
		if len(cs) != 1 {
			t.Fatalf("%d cookies: %v", len(cs), cs)
		}
		c := cs[0]
		if c.Name != name || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" || c.MaxAge != 0 {
			t.Errorf("cookie %+v", c)
		}
	}
	// An anonymous visitor gets the visitor cookie; signing in, the
	// session cookie (and the visitor cookie is dropped).
	r := h.get(paths.SignIn.Link())
	check(r, "__Host-runai-sa-visitor")
	if r.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS over HTTPS")
	}
	h.csrf = csrfRe.FindStringSubmatch(r.body)[1]
	// The harness talks plain HTTP: its cookie jar keeps Secure cookies
	// away, so the visitor cookie goes by hand.
	in := h.do("POST", paths.SignInKey.Link(), url.Values{form.FieldCSRF: {h.csrf}, "client_id": {h.clientID}, "client_secret": {h.secret}},
		map[string]string{"Cookie": r.Cookies()[0].Name + "=" + r.Cookies()[0].Value})
	var session *http.Cookie
	for _, c := range in.Cookies() {
		switch {
		case c.Name == "__Host-runai-sa":
			session = c
		case c.Name == "__Host-runai-sa-visitor" && c.MaxAge >= 0:
			t.Error("the visitor cookie outlives the sign-in")
		}
	}
	if in.StatusCode != http.StatusSeeOther || session == nil || !session.Secure || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/" {
		t.Errorf("sign-in %d, session cookie %+v", in.StatusCode, session)
	}
	// Origin is checked against the public URL, not the Host header.
	bad := h.do("POST", paths.SignInKey.Link(), url.Values{form.FieldCSRF: {h.csrf}}, map[string]string{"Origin": h.srv.URL})
	if bad.StatusCode != http.StatusForbidden {
		t.Errorf("Origin of the Host accepted although the public URL differs: %d", bad.StatusCode)
	}
}

// TestForwardedProtoFromTrustedProxyOnly: X-Forwarded-Proto marks the
// cookie Secure only when the peer is a configured proxy.
func TestForwardedProtoFromTrustedProxyOnly(t *testing.T) {
	for _, tt := range []struct {
		name    string
		trusted []netip.Prefix
		secure  bool
	}{
		{"trusted peer", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, true},
		{"untrusted peer", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, false},
		{"no proxies configured", nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, options{trusted: tt.trusted})
			r := h.do("GET", paths.SignIn.Link(), nil, map[string]string{"X-Forwarded-Proto": "https"})
			c := r.Cookies()[0]
			if c.Secure != tt.secure || strings.HasPrefix(c.Name, "__Host-") != tt.secure {
				t.Errorf("cookie %s Secure=%v, want %v", c.Name, c.Secure, tt.secure)
			}
		})
	}
}

// TestCancelledRequestCancelsUpstream: when the browser gives up, the API
// call made for it is cancelled too.
func TestCancelledRequestCancelsUpstream(t *testing.T) {
	h := newHarness(t, options{seed: 1})
	h.signIn()
	h.stub.SetLatency(5 * time.Second)
	defer h.stub.SetLatency(0)
	h.stub.ResetCalls()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", h.url(paths.Accounts.Link()), nil)
	req.Header.Set("Cache-Control", "max-age=0") // a reload: read anew
	if _, err := h.client.Do(req); err == nil {
		t.Fatal("request not cancelled")
	}
	// The page's calls run at once; every one must end, cancelled.
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		for _, c := range h.stub.Calls() {
			if c.Op == stub.OpList {
				if c.Status != http.StatusServiceUnavailable { // the stub's answer to a cancelled wait
					t.Errorf("upstream list ended with %d", c.Status)
				}
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the upstream calls were not cancelled within 2s (they would take 5s): %+v", h.stub.Calls())
}
