package stub

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runai-tools/sa-dashboard/internal/openapi"
)

// fixture is a stub behind a contract-validating handler.
type fixture struct {
	t    *testing.T
	s    *Server
	url  string
	logs *bytes.Buffer
}

func newFixture(t *testing.T, cfg Config) *fixture {
	t.Helper()
	v, err := openapi.New()
	if err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	var mu sync.Mutex
	cfg.Logger = slog.New(slog.NewTextHandler(lockedWriter{&mu, logs}, nil))
	if cfg.AdminTokens == nil {
		cfg.AdminTokens = []string{"admin-static-token"}
	}
	s := New(cfg)
	h := &openapi.Handler{Next: s, Validator: v, Fail: t.Errorf,
		// Requests without a token or with deliberately bad bodies are
		// part of these tests; responses are always validated.
		SkipRequest: func(r *http.Request) bool { return r.Header.Get("X-Test-Malformed") != "" },
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &fixture{t: t, s: s, url: srv.URL, logs: logs}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// do sends a request and decodes a JSON answer into out (if non-nil).
func (f *fixture) do(method, path, token, contentType, body string, malformed bool) (int, []byte) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.url+path, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if malformed {
		req.Header.Set("X-Test-Malformed", "1")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (f *fixture) tokenV2(id, secret string) (int, map[string]any) {
	f.t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}
	status, b := f.do("POST", "/api/v2/token", "", "application/x-www-form-urlencoded", form.Encode(), false)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return status, m
}

func (f *fixture) tokenV1(id, secret string) (int, map[string]any) {
	f.t.Helper()
	body, _ := json.Marshal(map[string]string{"grantType": "client_credentials", "clientId": id, "clientSecret": secret})
	status, b := f.do("POST", "/api/v1/token", "", "application/json", string(body), false)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return status, m
}

func (f *fixture) adminToken() string {
	id, secret := f.s.AdminCredentials()
	status, m := f.tokenV2(id, secret)
	if status != 200 {
		f.t.Fatalf("admin token: %d %v", status, m)
	}
	return m["access_token"].(string)
}

func (f *fixture) create(tok, name string) (int, map[string]string) {
	f.t.Helper()
	status, b := f.do("POST", "/api/v1/service-accounts", tok, "application/json", fmt.Sprintf(`{"name":%q}`, name), false)
	var m map[string]string
	_ = json.Unmarshal(b, &m)
	return status, m
}

func TestTokenEndpoints(t *testing.T) {
	f := newFixture(t, Config{TokenTTL: 30 * time.Minute})
	id, secret := f.s.AdminCredentials()

	status, m := f.tokenV2(id, secret)
	if status != 200 || m["token_type"] != "Bearer" || m["expires_in"] != float64(1800) || m["access_token"] == "" {
		t.Fatalf("v2 = %d %v", status, m)
	}
	status, m = f.tokenV1(id, secret)
	if status != 200 || m["accessToken"] == "" {
		t.Fatalf("v1 = %d %v", status, m)
	}

	tests := []struct {
		name        string
		contentType string
		body        string
		want        int
	}{
		{"wrong secret", "application/x-www-form-urlencoded", "grant_type=client_credentials&client_id=" + id + "&client_secret=nope", 401},
		{"unknown client", "application/x-www-form-urlencoded", "grant_type=client_credentials&client_id=who&client_secret=x", 401},
		{"wrong grant", "application/x-www-form-urlencoded", "grant_type=password&client_id=" + id + "&client_secret=x", 400},
		{"json to v2", "application/json", `{"grantType":"client_credentials"}`, 400},
		{"missing secret", "application/x-www-form-urlencoded", "grant_type=client_credentials&client_id=" + id, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, b := f.do("POST", "/api/v2/token", "", tt.contentType, tt.body, true)
			if got != tt.want {
				t.Errorf("status = %d, want %d (%s)", got, tt.want, b)
			}
		})
	}
	if got, _ := f.do("POST", "/api/v1/token", "", "application/x-www-form-urlencoded", "a=b", true); got != 400 {
		t.Errorf("form to v1 = %d, want 400", got)
	}
}

func TestTokenV2Disabled(t *testing.T) {
	f := newFixture(t, Config{DisableTokenV2: true})
	id, secret := f.s.AdminCredentials()
	if status, _ := f.tokenV2(id, secret); status != 404 {
		t.Fatalf("v2 = %d, want 404", status)
	}
	if status, m := f.tokenV1(id, secret); status != 200 || m["accessToken"] == "" {
		t.Fatalf("v1 = %d %v", status, m)
	}
}

func TestAuthRequired(t *testing.T) {
	f := newFixture(t, Config{Seed: 3})
	a := f.s.Accounts()[0]
	calls := []struct{ method, path, body string }{
		{"GET", "/api/v1/service-accounts", ""},
		{"POST", "/api/v1/service-accounts", `{"name":"abc"}`},
		{"GET", "/api/v1/service-accounts/" + a.ID, ""},
		{"PATCH", "/api/v1/service-accounts/" + a.ID, `{"enabled":false}`},
		{"DELETE", "/api/v1/service-accounts/" + a.ID, ""},
		{"POST", "/api/v1/service-accounts/" + a.ID + "/secret", ""},
	}
	for _, c := range calls {
		for _, tok := range []string{"", "not-a-token"} {
			status, b := f.do(c.method, c.path, tok, "application/json", c.body, true)
			if status != 401 {
				t.Errorf("%s %s token=%q: %d, want 401 (%s)", c.method, c.path, tok, status, b)
			}
		}
	}
	if _, ok := f.s.Account(a.ID); !ok {
		t.Error("an unauthenticated call changed state")
	}
	if status, _ := f.do("GET", "/api/v1/service-accounts", "admin-static-token", "", "", false); status != 200 {
		t.Errorf("static admin token: %d", status)
	}
}

func TestServiceAccountLifecycle(t *testing.T) {
	f := newFixture(t, Config{AdminEmail: "root@example.com"})
	admin := f.adminToken()

	status, created := f.create(admin, "ci-bot")
	if status != 201 || created["id"] == "" || created["clientId"] == "" || created["clientSecret"] == "" || created["name"] != "ci-bot" {
		t.Fatalf("create = %d %v", status, created)
	}
	id, clientID, secret := created["id"], created["clientId"], created["clientSecret"]

	status, b := f.do("GET", "/api/v1/service-accounts/"+id, admin, "", "", false)
	var got map[string]any
	_ = json.Unmarshal(b, &got)
	if status != 200 || got["createdBy"] != "root@example.com" || got["tenantId"] != "1001" ||
		got["enabled"] != true || got["lastLogin"] != nil || got["createdAt"] == nil || got["updatedAt"] == nil {
		t.Fatalf("get = %d %v", status, got)
	}

	// The service account's own credentials work and set lastLogin.
	status, m := f.tokenV2(clientID, secret)
	if status != 200 {
		t.Fatalf("sa token = %d %v", status, m)
	}
	saTok := m["access_token"].(string)
	if a, _ := f.s.Account(id); a.LastLogin.IsZero() {
		t.Error("lastLogin not set by the exchange")
	}
	// A service account's token acts as that account.
	if status, c := f.create(saTok, "made-by-sa"); status != 201 {
		t.Fatalf("create as sa = %d %v", status, c)
	} else if a, _ := f.s.Account(c["id"]); a.CreatedBy != "ci-bot@service-accounts.runai.local" {
		t.Errorf("createdBy = %q", a.CreatedBy)
	}

	// Regenerating invalidates the old secret; the new one works.
	status, b = f.do("POST", "/api/v1/service-accounts/"+id+"/secret", admin, "", "", false)
	var regen map[string]string
	_ = json.Unmarshal(b, &regen)
	if status != 200 || regen["clientSecret"] == "" || regen["clientSecret"] == secret {
		t.Fatalf("regenerate = %d %v", status, regen)
	}
	if status, _ := f.tokenV2(clientID, secret); status != 401 {
		t.Errorf("old secret after regenerate: %d, want 401", status)
	}
	if status, _ := f.tokenV1(clientID, regen["clientSecret"]); status != 200 {
		t.Errorf("new secret via v1: %d, want 200", status)
	}

	// Disabling blocks new tokens and invalidates issued ones.
	if status, b := f.do("PATCH", "/api/v1/service-accounts/"+id, admin, "application/json", `{"enabled":false}`, false); status != 200 {
		t.Fatalf("disable = %d %s", status, b)
	}
	if status, _ := f.do("GET", "/api/v1/service-accounts", saTok, "", "", false); status != 401 {
		t.Errorf("token of a disabled account: %d, want 401", status)
	}
	if status, m := f.tokenV2(clientID, regen["clientSecret"]); status != 401 {
		t.Errorf("exchange for a disabled account: %d %v, want 401", status, m)
	}
	if a, _ := f.s.Account(id); a.Enabled {
		t.Error("still enabled")
	}
	if status, _ := f.do("PATCH", "/api/v1/service-accounts/"+id, admin, "application/json", `{"enabled":true}`, false); status != 200 {
		t.Fatal("enable failed")
	}
	status, m = f.tokenV2(clientID, regen["clientSecret"])
	if status != 200 {
		t.Fatalf("exchange after enable: %d", status)
	}
	saTok = m["access_token"].(string)

	// Deleting answers 204 without a body and invalidates tokens.
	status, b = f.do("DELETE", "/api/v1/service-accounts/"+id, admin, "", "", false)
	if status != 204 || len(b) != 0 {
		t.Fatalf("delete = %d %q", status, b)
	}
	if status, _ := f.do("GET", "/api/v1/service-accounts", saTok, "", "", false); status != 401 {
		t.Errorf("token of a deleted account: %d, want 401", status)
	}

	// The secrets never reached the log.
	for _, s := range []string{secret, regen["clientSecret"], admin, saTok} {
		if strings.Contains(f.logs.String(), s) {
			t.Errorf("log contains a secret or token")
		}
	}
	if n := strings.Count(f.logs.String(), "msg=request"); n != len(f.s.Calls()) {
		t.Errorf("%d log lines for %d calls", n, len(f.s.Calls()))
	}
}

func TestCreateValidation(t *testing.T) {
	f := newFixture(t, Config{})
	tok := f.adminToken()
	tests := []struct {
		body string
		want int
	}{
		{`{"name":"ok-name"}`, 201},
		{`{"name":"ok-name"}`, 409},
		{`{"name":"a"}`, 400},
		{`{"name":"Upper"}`, 400},
		{`{"name":"trailing-"}`, 400},
		{`{"name":"9starts-with-digit"}`, 400},
		{`{"name":"` + strings.Repeat("x", 256) + `"}`, 400},
		{`{}`, 400},
		{`not json`, 400},
		{`{"name":42}`, 400},
	}
	for _, tt := range tests {
		status, b := f.do("POST", "/api/v1/service-accounts", tok, "application/json", tt.body, tt.want == 400)
		if status != tt.want {
			t.Errorf("create %s = %d, want %d (%s)", tt.body, status, tt.want, b)
		}
		if tt.want == 400 {
			var e map[string]any
			if json.Unmarshal(b, &e) != nil || e["code"] != float64(400) || e["message"] == "" {
				t.Errorf("create %s: body %s is not an Error", tt.body, b)
			}
		}
	}
	if _, b := f.do("POST", "/api/v1/service-accounts", tok, "application/json", `{"name":"Bad"}`, true); !strings.Contains(string(b), "must match") {
		t.Errorf("400 message does not name the rule: %s", b)
	}
}

func TestPatchValidation(t *testing.T) {
	f := newFixture(t, Config{Seed: 1})
	tok := f.adminToken()
	id := f.s.Accounts()[0].ID
	for _, body := range []string{``, `null`, `[]`, `{}`, `{"enabled":"yes"}`, `{"enabled":null}`, `{"enabled":1}`} {
		if status, b := f.do("PATCH", "/api/v1/service-accounts/"+id, tok, "application/json", body, true); status != 400 {
			t.Errorf("patch %q = %d, want 400 (%s)", body, status, b)
		}
	}
}

func TestUnknownIDIs404(t *testing.T) {
	f := newFixture(t, Config{})
	tok := f.adminToken()
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/api/v1/service-accounts/nope", ""},
		{"PATCH", "/api/v1/service-accounts/nope", `{"enabled":true}`},
		{"DELETE", "/api/v1/service-accounts/nope", ""},
		{"POST", "/api/v1/service-accounts/nope/secret", ""},
	} {
		if status, _ := f.do(c.method, c.path, tok, "application/json", c.body, false); status != 404 {
			t.Errorf("%s %s = %d, want 404", c.method, c.path, status)
		}
	}
}

func TestOpaqueIDs(t *testing.T) {
	f := newFixture(t, Config{})
	tok := f.adminToken()
	for _, id := range []string{"has space", "a/b", "..", ".", "q?x=1#f", "per%cent", "ünï"} {
		f.s.Insert(Account{ID: id, Name: "n", CreatedBy: "x@example.com", Enabled: true}, "s")
		path := "/api/v1/service-accounts/" + url.PathEscape(id)
		if id == ".." || id == "." {
			path = "/api/v1/service-accounts/" + strings.ReplaceAll(id, ".", "%2E")
		}
		status, b := f.do("GET", path, tok, "", "", false)
		var got map[string]any
		_ = json.Unmarshal(b, &got)
		if status != 200 || got["id"] != id {
			t.Errorf("get %q via %s = %d %v", id, path, status, got)
		}
		if status, _ := f.do("DELETE", path, tok, "", "", false); status != 204 {
			t.Errorf("delete %q = %d", id, status)
		}
	}
}

func TestFailNextAndLatency(t *testing.T) {
	f := newFixture(t, Config{})
	tok := f.adminToken()
	f.s.FailNext(OpList, 2, 503)
	for i, want := range []int{503, 503, 200} {
		if status, _ := f.do("GET", "/api/v1/service-accounts", tok, "", "", false); status != want {
			t.Errorf("call %d = %d, want %d", i, status, want)
		}
	}
	for _, st := range []int{400, 403, 404, 409, 500} {
		f.s.FailNext(OpCreate, 1, st)
		if status, _ := f.create(tok, "x-"+fmt.Sprint(st)); status != st {
			t.Errorf("injected %d, got %d", st, status)
		}
	}
	f.s.SetLatency(50 * time.Millisecond)
	start := time.Now()
	f.do("GET", "/api/v1/service-accounts", tok, "", "", false)
	if time.Since(start) < 50*time.Millisecond {
		t.Error("latency hook not applied")
	}
}

func TestUnknownRoutes(t *testing.T) {
	f := New(Config{})
	for _, c := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/api/v1/nothing", 404},
		{"PUT", "/api/v1/service-accounts", 405},
		{"GET", "/api/v1/service-accounts/x/secret", 405},
		{"GET", "/api/v1/service-accounts/x/other", 404},
		{"GET", "/api/v2/token", 405},
	} {
		rec := httptest.NewRecorder()
		f.ServeHTTP(rec, httptest.NewRequest(c.method, c.path, nil))
		if rec.Code != c.want {
			t.Errorf("%s %s = %d, want %d", c.method, c.path, rec.Code, c.want)
		}
	}
}

func TestSeed(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	s := New(Config{Seed: 1000, Now: func() time.Time { return now }})
	accts := s.Accounts()
	if len(accts) != 1000 {
		t.Fatalf("%d accounts", len(accts))
	}
	names := map[string]bool{}
	creators := map[string]bool{}
	var disabled, never, recent, old int
	for _, a := range accts {
		if names[a.Name] {
			t.Fatalf("duplicate name %q", a.Name)
		}
		names[a.Name] = true
		creators[a.CreatedBy] = true
		if nameRule(a.Name) != "" {
			t.Errorf("seeded name %q breaks the API rule", a.Name)
		}
		if a.UpdatedAt.Before(a.CreatedAt) || a.CreatedAt.After(now) {
			t.Errorf("%s: bad timestamps", a.Name)
		}
		switch {
		case !a.Enabled:
			disabled++
		}
		switch {
		case a.LastLogin.IsZero():
			never++
		case now.Sub(a.LastLogin) < 8*24*time.Hour:
			recent++
		case now.Sub(a.LastLogin) > 90*24*time.Hour:
			old++
		}
	}
	for what, n := range map[string]int{"disabled": disabled, "never used": never, "used recently": recent, "used long ago": old} {
		if n < 50 {
			t.Errorf("only %d %s accounts out of 1000", n, what)
		}
	}
	if len(creators) < 3 {
		t.Errorf("only %d creators", len(creators))
	}
}

func TestSecretsKeptOnlyAsHash(t *testing.T) {
	s := New(Config{})
	rec := httptest.NewRecorder()
	tok, _ := s.IssueToken(nil)
	req := httptest.NewRequest("POST", "/api/v1/service-accounts", strings.NewReader(`{"name":"abc"}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	s.ServeHTTP(rec, req)
	var m map[string]string
	_ = json.Unmarshal(rec.Body.Bytes(), &m)
	if m["clientSecret"] == "" {
		t.Fatal(rec.Body.String())
	}
	s.mu.Lock()
	dump := fmt.Sprintf("%+v %+v", s.accounts, s.tokens)
	s.mu.Unlock()
	if strings.Contains(dump, m["clientSecret"]) || strings.Contains(dump, tok) {
		t.Error("a secret or token is stored in clear")
	}
}

func TestConcurrentUse(t *testing.T) {
	f := newFixture(t, Config{Seed: 10})
	tok := f.adminToken()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 10 {
				name := fmt.Sprintf("w%d-n%d", i, j)
				status, c := f.create(tok, name)
				if status != 201 {
					t.Errorf("create %s = %d", name, status)
					return
				}
				f.do("GET", "/api/v1/service-accounts", tok, "", "", false)
				f.do("PATCH", "/api/v1/service-accounts/"+c["id"], tok, "application/json", `{"enabled":false}`, false)
				f.do("DELETE", "/api/v1/service-accounts/"+c["id"], tok, "", "", false)
			}
		}()
	}
	wg.Wait()
	if n := len(f.s.Accounts()); n != 10 {
		t.Errorf("%d accounts left, want 10", n)
	}
}
