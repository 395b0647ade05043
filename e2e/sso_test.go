package e2e

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"
	"github.com/playwright-community/playwright-go"

	"github.com/runai-tools/sa-dashboard/handlers"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/stub"
)

// freePort returns a loopback port nobody listens on.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startOAuth2Proxy runs the real oauth2-proxy in front of upstream,
// signing users in at the mock OIDC provider.
func startOAuth2Proxy(t *testing.T, oidc *mockoidc.MockOIDC, upstream string, extra ...string) string {
	t.Helper()
	bin := os.Getenv("E2E_OAUTH2_PROXY")
	if bin == "" {
		t.Fatal("E2E_OAUTH2_PROXY is not set: run `make test` (it builds oauth2-proxy)")
	}
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	cmd := exec.Command(bin,
		"--http-address=127.0.0.1:"+fmt.Sprint(port),
		"--upstream="+upstream,
		"--provider=oidc",
		"--oidc-issuer-url="+oidc.Issuer(),
		"--client-id="+oidc.ClientID,
		"--client-secret="+oidc.ClientSecret,
		"--redirect-url="+base+"/oauth2/callback",
		"--cookie-secret="+base64.RawURLEncoding.EncodeToString(secret),
		"--cookie-secure=false",
		"--email-domain=*",
		"--pass-user-headers=true",
		"--skip-provider-button=true",
		"--code-challenge-method=S256",
	)
	cmd.Args = append(cmd.Args, extra...)
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
		}
		if t.Failed() {
			t.Logf("oauth2-proxy output:\n%s", logs.String())
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(base + "/ping"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return base
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("oauth2-proxy did not start:\n%s", logs.String())
	return ""
}

// TestThroughOAuth2Proxy signs in through the real oauth2-proxy (OIDC
// against a mock provider) to the dashboard served under /runai-sa/, and
// checks that the SSO identity is shown and audited while forged identity
// headers, from the browser or from an untrusted peer, count for nothing.
func TestThroughOAuth2Proxy(t *testing.T) {
	en := newEnv(t, envOptions{seed: 3, basePath: "/runai-sa", trusted: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	oidc, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = oidc.Shutdown() })
	user := &mockoidc.MockUser{Subject: "u-1234", Email: "grace@corp.example", EmailVerified: true, PreferredUsername: "grace", Groups: []string{"platform-admins"}}
	oidc.QueueUser(user)
	dashboard := strings.TrimSuffix(en.url, "/runai-sa")
	proxy := startOAuth2Proxy(t, oidc, dashboard+"/runai-sa/")

	ctx, err := browser.NewContext(playwright.BrowserNewContextOptions{
		// The browser tries to pass an identity of its own: the proxy must
		// replace it.
		ExtraHttpHeaders: map[string]string{"X-Forwarded-Email": "mallory@evil.example", "X-Forwarded-User": "mallory"},
	})
	must(t, err)
	t.Cleanup(func() { _ = ctx.Close() })
	p, err := ctx.NewPage()
	must(t, err)
	_, err = p.Goto(proxy + paths.Accounts.Link().Under("/runai-sa"))
	must(t, err)

	// SSO done: the dashboard asks for Run:ai credentials, knowing who we are.
	must(t, expect.Locator(p.GetByRole("heading", playwright.PageGetByRoleOptions{Name: "Sign in", Level: playwright.Int(1)})).ToBeVisible())
	must(t, expect.Locator(p.GetByTestId("sso-identity")).ToHaveText("grace@corp.example"))
	if !strings.HasPrefix(p.URL(), proxy+paths.SignIn.Link().Under("/runai-sa")) {
		t.Errorf("sign-in page at %s, not under the sub-path", p.URL())
	}
	must(t, p.GetByLabel("Client ID").Fill(en.clientID))
	must(t, p.GetByLabel("Client secret").Fill(en.secret))
	must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Sign in with access key"}).Click())
	must(t, expect.Locator(p.Locator(`tr[id^="r-"]`)).ToHaveCount(3))
	must(t, expect.Locator(p.GetByTestId("sso-identity")).ToHaveText("grace@corp.example"))
	screenshot(t, p, "through-oauth2-proxy")

	name := "via-sso-bot"
	must(t, p.GetByLabel("Name", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}).Fill(name))
	must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Create", Exact: playwright.Bool(true)}).Click())
	must(t, expect.Locator(p.GetByTestId("secret-panel")).ToBeVisible())
	must(t, row(p, name).GetByRole("link", playwright.LocatorGetByRoleOptions{Name: name, Exact: playwright.Bool(true)}).Click())
	must(t, p.GetByRole("link", playwright.PageGetByRoleOptions{Name: "Delete", Exact: playwright.Bool(true)}).Click())
	must(t, p.GetByTestId("confirm").GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Delete " + name}).Click())
	// Its page is gone: back to the list, which says so (the row is
	// absent on the account page too, so it alone proves nothing).
	must(t, expect.Locator(p.GetByTestId("flash").GetByText(`"`+name+`" was deleted`)).ToBeVisible())
	must(t, expect.Locator(row(p, name)).ToHaveCount(0))
	if _, ok := en.stub.AccountByName(name); ok {
		t.Error("not deleted at the stub")
	}

	logs := en.logs.String()
	for _, action := range []string{"create", "delete"} {
		if !strings.Contains(logs, "msg=audit action="+action+" sso=grace@corp.example") {
			t.Errorf("no audit line for %s naming the SSO identity", action)
		}
	}
	if strings.Contains(logs, "mallory") {
		t.Error("the browser's forged identity reached the dashboard")
	}

	// A direct request from an untrusted address with forged headers gets
	// no identity (127.0.0.2 is loopback, but not the trusted proxy).
	client := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{
		LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")},
	}).DialContext}}
	req, _ := http.NewRequestWithContext(context.Background(), "GET", dashboard+paths.SignIn.Link().Under("/runai-sa"), nil)
	req.Header.Set("X-Forwarded-Email", "forger@evil.example")
	req.Header.Set("X-Forwarded-User", "forger")
	res, err := client.Do(req)
	must(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if strings.Contains(string(body), "forger") || strings.Contains(string(body), "sso-identity") {
		t.Error("forged headers from an untrusted peer gave an identity")
	}
	if !strings.Contains(en.logs.String(), `event="proxy headers from an untrusted peer ignored"`) {
		t.Error("the forged attempt was not logged")
	}
}

// TestThroughOAuth2ProxyWithTokenAndGroups: the identity provider's access
// token (a signed JWT of about 1.5 KB, as real ones are) travels through
// the real oauth2-proxy (--pass-access-token) and is the dashboard's
// Run:ai token, with no sign-in page; the user is in 40 groups, the one
// the allow-list admits last among them.
func TestThroughOAuth2ProxyWithTokenAndGroups(t *testing.T) {
	var groups []string
	for i := 1; i <= 40; i++ {
		groups = append(groups, fmt.Sprintf("corp-example-platform-team-%02d-admins", i))
	}
	en := newEnv(t, envOptions{seed: 3, trusted: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, sso: handlers.SSO{
		TokenHeader: "X-Forwarded-Access-Token", AllowedGroups: []string{groups[39]},
	}})
	// The provider's access token: one the stub Run:ai accepts, with the
	// claims an identity provider puts in one.
	token, err := en.stub.IssueToken(map[string]any{"name": "Grace Hopper", "groups": groups[:21],
		"scope": "openid email profile groups offline_access", "azp": "runai-sa-dashboard"})
	must(t, err)
	if len(token) < 1400 || len(token) > 1700 {
		t.Fatalf("the access token is %d bytes, want about 1.5 KB", len(token))
	}
	oidc, err := mockoidc.NewServer(nil)
	must(t, err)
	must(t, oidc.AddMiddleware(withAccessToken(token)))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	must(t, oidc.Start(ln, nil))
	t.Cleanup(func() { _ = oidc.Shutdown() })
	oidc.QueueUser(&mockoidc.MockUser{Subject: "u-5678", Email: "grace@corp.example", EmailVerified: true, PreferredUsername: "grace", Groups: groups})
	proxy := startOAuth2Proxy(t, oidc, en.url+"/", "--pass-access-token=true", "--scope=openid email profile groups")

	ctx, err := browser.NewContext()
	must(t, err)
	t.Cleanup(func() { _ = ctx.Close() })
	p, err := ctx.NewPage()
	must(t, err)
	_, err = p.Goto(proxy + paths.Accounts.Link().String())
	must(t, err)
	// No sign-in: the proxy's token is the Run:ai token, and the 40th
	// group is on the allow-list.
	must(t, expect.Locator(p.Locator(`tr[id^="r-"]`)).ToHaveCount(3))
	must(t, expect.Locator(p.GetByTestId("sso-identity")).ToHaveText("grace@corp.example"))
	if strings.Contains(en.logs.String(), `event="proxy header refused"`) {
		t.Error("a proxy header was refused")
	}
	for _, c := range en.stub.Calls() {
		if c.Op == stub.OpList && c.Identity != "ada@example.com" {
			t.Errorf("the list was read as %q, not with the provider's token", c.Identity)
		}
	}
}

// withAccessToken has the mock provider's token endpoint answer with
// token as the access token.
func withAccessToken(token string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != mockoidc.TokenEndpoint {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			var body map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != http.StatusOK {
				w.WriteHeader(rec.Code)
				_, _ = w.Write(rec.Body.Bytes())
				return
			}
			body["access_token"] = token
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(body)
		})
	}
}
