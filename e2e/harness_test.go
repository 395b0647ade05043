package e2e

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"

	"github.com/runai-tools/sa-dashboard/apiclient"
	"github.com/runai-tools/sa-dashboard/handlers"
	"github.com/runai-tools/sa-dashboard/internal/kubetest"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/internal/session"
	"github.com/runai-tools/sa-dashboard/internal/stub"
	"github.com/runai-tools/sa-dashboard/views"
)

var (
	browser   playwright.Browser
	skipWhy   string
	expect    = playwright.NewPlaywrightAssertions(15000)
	artifacts = filepath.Join("artifacts")
)

// TestMain starts Playwright's driver and Chromium once for the package.
func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	chromium := os.Getenv("E2E_CHROMIUM")
	if chromium == "" || os.Getenv("PLAYWRIGHT_DRIVER_PATH") == "" {
		skipWhy = "browser tests need PLAYWRIGHT_DRIVER_PATH and E2E_CHROMIUM: run `make test` (it installs them)"
		if os.Getenv("E2E_REQUIRED") == "1" {
			fmt.Fprintln(os.Stderr, "e2e: "+skipWhy)
			return 1
		}
		return m.Run()
	}
	pw, err := playwright.Run(&playwright.RunOptions{SkipInstallBrowsers: true, Verbose: false})
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: start playwright:", err)
		return 1
	}
	defer pw.Stop()
	browser, err = pw.Chromium.Launch(playwright.BrowserTypeLaunchOptions{
		ExecutablePath: playwright.String(chromium),
		Headless:       playwright.Bool(true),
		Args: []string{"--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync"},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: launch chromium:", err)
		return 1
	}
	defer browser.Close()
	code := m.Run()
	writeAxeSummary()
	kubetest.Stop()
	return code
}

// env is one dashboard with its own stub Run:ai API.
type env struct {
	t        *testing.T
	stub     *stub.Server
	api      *apiclient.Client
	url      string // dashboard base URL, e.g. http://127.0.0.1:41234
	clientID string // admin access key
	secret   string
	logs     *syncBuffer
}

type envOptions struct {
	seed     int
	basePath string
	trusted  []netip.Prefix
	sso      handlers.SSO // the proxy's headers and the allow-list
	// delivery, when set, delivers into Kubernetes Secrets (its RunaiURL
	// is the stub's).
	delivery *handlers.Delivery
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	if browser == nil {
		t.Skip(skipWhy)
	}
	logs := &syncBuffer{}
	s := stub.New(stub.Config{Seed: o.seed, AdminEmail: "ada@example.com", AdminClientID: "e2e-admin"})
	stubSrv := httptest.NewServer(s)
	t.Cleanup(stubSrv.Close)
	api, err := apiclient.New(stubSrv.URL, apiclient.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	store, err := session.NewStore(session.Config{Keys: [][]byte{session.RandomKey()}})
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if o.delivery != nil {
		o.delivery.RunaiURL = stubSrv.URL
	}
	e, err := handlers.New(handlers.Deps{API: api, Sessions: store, Logger: logger, BasePath: o.basePath,
		TrustedProxies: o.trusted, DemoClientID: "e2e-admin", SSO: o.sso, Delivery: o.delivery})
	if err != nil {
		t.Fatal(err)
	}
	web := httptest.NewServer(e)
	t.Cleanup(web.Close)
	id, secret := s.AdminCredentials()
	en := &env{t: t, stub: s, api: api, url: web.URL + o.basePath, clientID: id, secret: secret, logs: logs}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("dashboard log:\n%s", logs.String())
		}
		// No secret or token may ever reach the dashboard's log.
		if strings.Contains(logs.String(), secret) {
			t.Error("the admin secret appears in the log")
		}
		if strings.Contains(logs.String(), "eyJ") {
			t.Error("a JWT appears in the log")
		}
	})
	return en
}

// pageOptions vary the browser context.
type pageOptions struct {
	dark          bool
	width, height int
	headers       map[string]string // sent with every request (an SSO proxy's, say)
}

// page opens a fresh browser context (own cookies) with or without
// JavaScript, recording CSP violations and console errors.
func (en *env) page(js bool) playwright.Page { return en.pageWith(js, pageOptions{}) }

func (en *env) pageWith(js bool, o pageOptions) playwright.Page {
	t := en.t
	t.Helper()
	if o.width == 0 {
		o.width, o.height = 1280, 860
	}
	scheme := playwright.ColorSchemeLight
	if o.dark {
		scheme = playwright.ColorSchemeDark
	}
	ctx, err := browser.NewContext(playwright.BrowserNewContextOptions{
		JavaScriptEnabled: playwright.Bool(js),
		BaseURL:           playwright.String(en.url + "/"),
		Permissions:       []string{"clipboard-read", "clipboard-write"},
		Viewport:          &playwright.Size{Width: o.width, Height: o.height},
		ColorScheme:       scheme,
		ExtraHttpHeaders:  o.headers,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ctx.Close() })
	ctx.SetDefaultTimeout(15000)
	if js {
		if err := ctx.AddInitScript(playwright.Script{Content: playwright.String(
			`window.__csp = []; document.addEventListener("securitypolicyviolation", e => window.__csp.push(e.violatedDirective + " " + e.blockedURI));`)}); err != nil {
			t.Fatal(err)
		}
	}
	p, err := ctx.NewPage()
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var consoleErrs []string
	p.On("console", func(m playwright.ConsoleMessage) {
		if m.Type() == "error" {
			mu.Lock()
			consoleErrs = append(consoleErrs, m.Text()+" (at "+p.URL()+")")
			mu.Unlock()
		}
	})
	t.Cleanup(func() {
		if js && !p.IsClosed() {
			if v, err := p.Evaluate(`() => (window.__csp || []).join("; ")`); err == nil && v != "" {
				t.Errorf("CSP violations: %v", v)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		for _, e := range consoleErrs {
			// Failed fetches of deliberately failing actions are logged by
			// the browser; anything else is a bug.
			if !strings.Contains(e, "Failed to load resource") {
				t.Errorf("console error: %s", e)
			}
		}
	})
	return p
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// signIn signs in with the admin's access key from the sign-in page.
func (en *env) signIn(p playwright.Page) {
	en.t.Helper()
	_, err := p.Goto(at(paths.Accounts.Link()))
	must(en.t, err)
	must(en.t, p.GetByLabel("Client ID").Fill(en.clientID))
	must(en.t, p.GetByLabel("Client secret").Fill(en.secret))
	must(en.t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Sign in with access key"}).Click())
	if err := expect.Page(p).ToHaveURL(regexp.MustCompile(regexp.QuoteMeta(string(paths.Accounts)) + `$`)); err != nil {
		screenshot(en.t, p, "signin-failed")
		body, _ := p.Locator("main").InnerText()
		en.t.Fatalf("sign-in did not reach the accounts page: %v\n%s", err, body)
	}
	must(en.t, expect.Locator(p.GetByRole("heading", playwright.PageGetByRoleOptions{Name: "Service accounts", Level: playwright.Int(1)})).ToBeVisible())
}

// row is the table row of the account called name.
func row(p playwright.Page, name string) playwright.Locator {
	return p.Locator(fmt.Sprintf(`%s tr:has(th a:text-is(%q))`, views.Sel(views.AccountsBodyID), name))
}

// exchange tries the given credentials at the stub's token endpoint.
func (en *env) exchange(clientID, secret string) error {
	_, err := en.api.ExchangeToken(context.Background(), clientID, runai.Secret(secret))
	return err
}

// screenshot saves a picture of the page under e2e/artifacts/.
func screenshot(t *testing.T, p playwright.Page, name string) {
	t.Helper()
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Screenshot(playwright.PageScreenshotOptions{Path: playwright.String(filepath.Join(artifacts, name+".png"))}); err != nil {
		t.Errorf("screenshot %s: %v", name, err)
	}
}

// at is p as Goto takes it: relative to the page's base URL (the
// dashboard's root, base path included).
func at(p paths.Path) string { return strings.TrimPrefix(string(p), "/") }
