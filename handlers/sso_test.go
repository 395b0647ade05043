package handlers_test

import (
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/runai-tools/sa-dashboard/handlers"
	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/paths"
)

var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}

func ssoHeaders(email string, extra ...string) map[string]string {
	h := map[string]string{"X-Forwarded-Email": email, "X-Forwarded-User": strings.Split(email, "@")[0]}
	for i := 0; i+1 < len(extra); i += 2 {
		h[extra[i]] = extra[i+1]
	}
	return h
}

// signInAs signs in through the "proxy" (headers added to every request).
func (h *harness) signInAs(hdr map[string]string) {
	h.t.Helper()
	h.do("GET", paths.SignIn.Link(), nil, hdr)
	form := url.Values{"client_id": {h.clientID}, "client_secret": {h.secret}, form.FieldCSRF: {h.csrf}}
	r := h.do("POST", paths.SignInKey.Link(), form, hdr)
	if r.StatusCode != http.StatusSeeOther {
		h.t.Fatalf("sign-in as %v: %d", hdr, r.StatusCode)
	}
}

func TestSSOIdentityFromTrustedProxy(t *testing.T) {
	h := newHarness(t, options{seed: 1, trusted: loopback})
	ada := ssoHeaders("ada@corp.example")
	h.signInAs(ada)
	r := h.do("GET", paths.Accounts.Link(), nil, ada)
	if got := r.doc(t).Find(`[data-testid="whoami"]`).Text(); !strings.Contains(got, "SSO: ada@corp.example") {
		t.Errorf("header shows %q", got)
	}
	// Mutations are audited with the SSO identity and the token's subject.
	form := url.Values{"name": {"audited-bot"}, form.FieldCSRF: {h.csrf}}
	h.do("POST", paths.Accounts.Link(), form, ada)
	if !strings.Contains(h.logs.String(), `msg=audit action=create sso=ada@corp.example subject=admin target_id=`) {
		t.Errorf("audit line lacks the SSO identity or subject:\n%s", h.logs.String())
	}
}

func TestSSOHeadersFromUntrustedPeerIgnored(t *testing.T) {
	h := newHarness(t, options{seed: 1, trusted: []netip.Prefix{netip.MustParsePrefix("10.9.0.0/16")}})
	forged := ssoHeaders("mallory@corp.example", "X-Forwarded-Prefix", "/evil")
	h.signInAs(forged)
	r := h.do("GET", paths.Accounts.Link(), nil, forged)
	doc := r.doc(t)
	if strings.Contains(doc.Find(`[data-testid="whoami"]`).Text(), "mallory") {
		t.Error("a forged identity was believed")
	}
	if v, _ := doc.Find(`link[rel=stylesheet]`).Attr("href"); strings.HasPrefix(v, "/evil") {
		t.Error("a forged prefix was believed")
	}
	if !strings.Contains(h.logs.String(), `event="proxy headers from an untrusted peer ignored"`) {
		t.Error("the attempt was not logged")
	}
}

func TestSessionBoundToSSOIdentity(t *testing.T) {
	h := newHarness(t, options{seed: 1, trusted: loopback})
	h.signInAs(ssoHeaders("ada@corp.example"))
	h.stub.ResetCalls()
	r := h.do("GET", paths.Accounts.Link(), nil, ssoHeaders("bob@corp.example"))
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(string(h.location(r)), string(paths.SignIn)) {
		t.Fatalf("another identity kept the session: %d", r.StatusCode)
	}
	if n := len(h.stub.Calls()); n != 0 {
		t.Errorf("%d API calls with another identity's session", n)
	}
	if !strings.Contains(h.logs.String(), "SSO identity changed") {
		t.Error("not logged")
	}
	// Back as Ada: that session is gone too (it was ended, not parked).
	if r := h.do("GET", paths.Accounts.Link(), nil, ssoHeaders("ada@corp.example")); r.StatusCode != http.StatusSeeOther {
		t.Errorf("the ended session came back: %d", r.StatusCode)
	}
}

func TestAllowList(t *testing.T) {
	tests := []struct {
		name   string
		hdr    map[string]string
		status int
	}{
		{"listed email", ssoHeaders("Ada@Corp.example"), http.StatusOK},
		{"listed group", ssoHeaders("bob@corp.example", "X-Forwarded-Groups", "devs, platform-admins"), http.StatusOK},
		{"unlisted", ssoHeaders("eve@corp.example", "X-Forwarded-Groups", "devs"), http.StatusForbidden},
		{"no identity", nil, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarnessWith(t, options{trusted: loopback}, func(d *handlers.Deps) {
				d.SSO.AllowedEmails = []string{"ada@corp.example"}
				d.SSO.AllowedGroups = []string{"platform-admins"}
			})
			r := h.do("GET", paths.SignIn.Link(), nil, tt.hdr)
			if r.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", r.StatusCode, tt.status)
			}
			if tt.status == http.StatusForbidden && !strings.Contains(r.body, "allow-list") {
				t.Error("the 403 page does not explain")
			}
			if h.get(paths.Healthz.Link()).StatusCode != 200 {
				t.Error("health check behind the allow-list")
			}
		})
	}
}

func TestForwardedPrefix(t *testing.T) {
	h := newHarness(t, options{seed: 1, trusted: loopback})
	hdr := ssoHeaders("ada@corp.example", "X-Forwarded-Prefix", "/runai-sa/")
	r := h.do("GET", paths.Accounts.Link(), nil, hdr)
	if loc := r.Header.Get("Location"); loc != "/runai-sa/signin?next=%2Frunai-sa%2Faccounts" && loc != "/runai-sa/signin" {
		t.Errorf("redirect %q ignores the prefix", loc)
	}
	h.signInAs(hdr)
	doc := h.do("GET", paths.Accounts.Link(), nil, hdr).doc(t)
	for _, sel := range []string{`link[rel=stylesheet]`, `form[data-testid="create-form"]`, `a.brand`} {
		attr := map[string]string{`link[rel=stylesheet]`: "href", `form[data-testid="create-form"]`: "action", `a.brand`: "href"}[sel]
		if v, _ := doc.Find(sel).Attr(attr); !strings.HasPrefix(v, "/runai-sa/") {
			t.Errorf("%s %s=%q lacks the prefix", sel, attr, v)
		}
	}
}

func TestTokenFromProxyHeader(t *testing.T) {
	h := newHarnessWith(t, options{seed: 2, trusted: loopback}, func(d *handlers.Deps) {
		d.SSO.TokenHeader = "X-Forwarded-Access-Token"
	})
	tok, _ := h.stub.IssueToken(nil)
	hdr := ssoHeaders("ada@corp.example", "X-Forwarded-Access-Token", tok)
	h.stub.ResetCalls()
	r := h.do("GET", paths.Accounts.Link(), nil, hdr)
	if r.StatusCode != 200 || r.doc(t).Find(`tr[id^="r-"]`).Length() != 2 {
		t.Fatalf("no sign-in page should be needed: %d", r.StatusCode)
	}
	if r.doc(t).Find(`form[action="`+paths.SignOut.Link().String()+`"]`).Length() != 0 {
		t.Error("a sign-out button although the proxy holds the session")
	}
	for _, c := range h.stub.Calls() {
		if c.Identity != "ada@example.com" {
			t.Errorf("upstream call %+v not made with the proxy's token", c)
		}
	}
	// From an untrusted peer the header is not a credential.
	h2 := newHarnessWith(t, options{seed: 2}, func(d *handlers.Deps) { d.SSO.TokenHeader = "X-Forwarded-Access-Token" })
	if r := h2.do("GET", paths.Accounts.Link(), nil, hdr); r.StatusCode != http.StatusSeeOther {
		t.Errorf("untrusted token header accepted: %d", r.StatusCode)
	}
}

// TestClientIPFromTrustedProxiesOnly: X-Forwarded-For names the client
// only when the peer is a trusted proxy.
func TestClientIPFromTrustedProxiesOnly(t *testing.T) {
	for _, tt := range []struct {
		name    string
		trusted []netip.Prefix
		want    string
	}{
		{"trusted proxy", loopback, "ip=203.0.113.9"},
		{"untrusted peer", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, "ip=127.0.0.1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, options{trusted: tt.trusted})
			h.do("GET", paths.Healthz.Link(), nil, map[string]string{"X-Forwarded-For": "203.0.113.9"})
			if !strings.Contains(h.logs.String(), "path=/healthz status=200") || !strings.Contains(h.logs.String(), tt.want) {
				t.Errorf("want %s in the request log:\n%s", tt.want, h.logs.String())
			}
			if tt.want != "ip=203.0.113.9" && strings.Contains(h.logs.String(), "203.0.113.9") {
				t.Error("an untrusted peer chose the client IP")
			}
		})
	}
}

// TestProxyHeaderLimits: each proxy header has a limit fitting what it
// carries. A realistic identity provider's token (a signed JWT of about
// 1.5 KB) and a user in 25 groups pass; a header over its limit refuses
// the request, says why and logs it, instead of being dropped into another
// flow (a sign-in page, a refusal by the allow-list).
func TestProxyHeaderLimits(t *testing.T) {
	const tokenHeader = "X-Forwarded-Access-Token"
	newProxied := func(t *testing.T) *harness {
		return newHarnessWith(t, options{seed: 2, trusted: loopback}, func(d *handlers.Deps) {
			d.SSO.TokenHeader = tokenHeader
			d.SSO.AllowedGroups = []string{"corp-example-platform-team-25-admins"}
		})
	}
	groups := func(n int) string {
		var g []string
		for i := 1; i <= n; i++ {
			g = append(g, fmt.Sprintf("corp-example-platform-team-%02d-admins", i))
		}
		return strings.Join(g, ",")
	}
	claims := map[string]any{"name": "Ada Lovelace", "groups": strings.Split(groups(25), ",")[:21], "scope": "openid email profile groups offline_access"}
	t.Run("a 1.5 KB token and 25 groups", func(t *testing.T) {
		h := newProxied(t)
		tok, _ := h.stub.IssueToken(claims)
		if len(tok) < 1400 || len(tok) > 1700 || len(groups(25)) < 900 {
			t.Fatalf("the fixture is too small: token %d, groups %d bytes", len(tok), len(groups(25)))
		}
		r := h.do("GET", paths.Accounts.Link(), nil, ssoHeaders("ada@corp.example", handlers.DefaultGroupsHeader, groups(25), tokenHeader, tok))
		if r.StatusCode != http.StatusOK || r.doc(t).Find(`tr[id^="r-"]`).Length() != 2 {
			t.Fatalf("a %d-byte token with %d bytes of groups: %d", len(tok), len(groups(25)), r.StatusCode)
		}
	})
	for _, tt := range []struct {
		name, header, value string
		status              int
	}{
		{"groups over 16 KiB", handlers.DefaultGroupsHeader, groups(500), http.StatusRequestHeaderFieldsTooLarge},
		{"an email over 512 bytes", handlers.DefaultEmailHeader, strings.Repeat("a", 520) + "@corp.example", http.StatusRequestHeaderFieldsTooLarge},
		{"a token over 16 KiB", tokenHeader, strings.Repeat("x", 17<<10), http.StatusRequestHeaderFieldsTooLarge},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newProxied(t)
			hdr := ssoHeaders("ada@corp.example", handlers.DefaultGroupsHeader, groups(25))
			hdr[tt.header] = tt.value
			h.stub.ResetCalls()
			r := h.do("GET", paths.Accounts.Link(), nil, hdr)
			doc := r.doc(t)
			if r.StatusCode != tt.status || !strings.Contains(doc.Find(`[data-testid="problem"]`).Text(), tt.header) {
				t.Errorf("status %d, problem %q", r.StatusCode, doc.Find(`[data-testid="problem"]`).Text())
			}
			if !strings.Contains(h.logs.String(), `event="proxy header refused"`) {
				t.Error("the refusal was not logged")
			}
			if n := len(h.stub.Calls()); n != 0 {
				t.Errorf("%d upstream calls for a refused request", n)
			}
		})
	}
}
