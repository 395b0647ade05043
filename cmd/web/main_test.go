package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/runai-tools/sa-dashboard/internal/record"
	"github.com/runai-tools/sa-dashboard/internal/stub"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

var goodKey = hex.EncodeToString([]byte(strings.Repeat("k", 32)))

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
		check   func(Config) bool
	}{
		{"demo defaults", nil, nil, "", func(c Config) bool {
			return c.Demo() && c.Listen == "127.0.0.1:8080" && c.UpstreamTimeout == 15*time.Second && c.DemoSeed == 30 && c.UpstreamMaxBody == 8<<20
		}},
		{"body cap, binary", []string{"--upstream-max-body", "32MiB"}, nil, "", func(c Config) bool { return c.UpstreamMaxBody == 32<<20 }},
		{"body cap, decimal", nil, map[string]string{"UPSTREAM_MAX_BODY": "20 MB"}, "", func(c Config) bool { return c.UpstreamMaxBody == 20e6 }},
		{"body cap too small", []string{"--upstream-max-body", "1KiB"}, nil, "UPSTREAM_MAX_BODY (--upstream-max-body): \"1KiB\": want a size from 64 KiB to 1.0 GiB", nil},
		{"redis", nil, map[string]string{"REDIS_URL": "rediss://:pw@redis:6380/1", "SESSION_KEYS": goodKey}, "", func(c Config) bool { return c.RedisURL == "rediss://:pw@redis:6380/1" }},
		{"redis without keys", []string{"--redis-url", "redis://redis:6379/0"}, nil, "REDIS_URL (--redis-url): needs SESSION_KEYS", nil},
		{"redis bad url", []string{"--redis-url", "http://redis", "--session-keys", goodKey}, nil, "REDIS_URL (--redis-url): is not a redis://", nil},
		{"record file", []string{"--record-file", "/var/lib/dash/record.jsonl"}, map[string]string{"RECORD_LIMIT": "500"}, "", func(c Config) bool {
			return c.RecordFile == "/var/lib/dash/record.jsonl" && c.RecordLimit == 500
		}},
		{"record default", nil, nil, "", func(c Config) bool { return c.RecordFile == "" && c.RecordLimit == 10000 }},
		{"record file with redis", []string{"--record-file", "r.jsonl"}, map[string]string{"REDIS_URL": "redis://redis:6379/0", "SESSION_KEYS": goodKey}, "RECORD_FILE (--record-file): is set together with REDIS_URL", nil},
		{"record limit too small", nil, map[string]string{"RECORD_LIMIT": "5"}, "RECORD_LIMIT (--record-limit): \"5\"", nil},
		{"body cap not a size", []string{"--upstream-max-body", "lots"}, nil, "UPSTREAM_MAX_BODY", nil},
		{"real needs keys", nil, map[string]string{"RUNAI_URL": "https://x.run.ai"}, "SESSION_KEYS (--session-keys): is required", nil},
		{"short key", []string{"--session-keys", "abcd"}, map[string]string{"RUNAI_URL": "https://x.run.ai"}, "SESSION_KEYS (--session-keys): session key 1: 2 bytes", nil},
		{"real with keys", nil, map[string]string{"RUNAI_URL": "https://x.run.ai/", "SESSION_KEYS": goodKey + "," + goodKey}, "", func(c Config) bool {
			return !c.Demo() && c.RunaiURL == "https://x.run.ai" && len(c.SessionKeys) == 2
		}},
		{"flag beats env", []string{"--listen", ":9000"}, map[string]string{"LISTEN_ADDR": ":8000"}, "", func(c Config) bool { return c.Listen == ":9000" }},
		{"env used", nil, map[string]string{"LISTEN_ADDR": ":8000", "LOG_FORMAT": "JSON", "LOG_LEVEL": "debug"}, "", func(c Config) bool {
			return c.Listen == ":8000" && c.LogFormat == "json" && c.LogLevel.String() == "DEBUG"
		}},
		{"bad url", []string{"--runai-url", "ftp://x", "--session-keys", goodKey}, nil, "RUNAI_URL (--runai-url)", nil},
		{"bad duration", []string{"--upstream-timeout", "soon"}, nil, "UPSTREAM_TIMEOUT", nil},
		{"bad log format", []string{"--log-format", "xml"}, nil, "LOG_FORMAT", nil},
		{"bad proxy", []string{"--trusted-proxies", "10.0.0.0/8,nonsense"}, nil, "TRUSTED_PROXIES", nil},
		{"proxies", []string{"--trusted-proxies", "10.0.0.0/8, 192.168.1.7"}, nil, "", func(c Config) bool {
			return len(c.TrustedProxies) == 2 && c.TrustedProxies[1].Bits() == 32
		}},
		{"base path", []string{"--base-path", "/runai-sa/"}, nil, "", func(c Config) bool { return c.BasePath == "/runai-sa" }},
		{"bad base path", []string{"--base-path", "runai"}, nil, "BASE_PATH", nil},
		{"unknown flag", []string{"--nope"}, nil, "flag provided but not defined", nil},
		{"sso defaults", nil, nil, "", func(c Config) bool {
			return c.SSO.EmailHeader == "X-Forwarded-Email" && c.SSO.TokenHeader == "" && len(c.SSO.AllowedEmails) == 0
		}},
		{"allow-list", []string{"--trusted-proxies", "10.0.0.1", "--allowed-emails", "a@x, b@x", "--allowed-groups", "admins"}, nil, "", func(c Config) bool {
			return len(c.SSO.AllowedEmails) == 2 && c.SSO.AllowedGroups[0] == "admins"
		}},
		{"allow-list needs proxies", []string{"--allowed-groups", "admins"}, nil, "ALLOWED_EMAILS", nil},
		{"rule subject default", nil, nil, "", func(c Config) bool { return c.RuleSubject == "client-id" && c.StaleDays == 90 }},
		{"rule subject", nil, map[string]string{"ACCESS_RULE_SUBJECT": "name"}, "", func(c Config) bool { return c.RuleSubject == "name" }},
		{"bad rule subject", []string{"--access-rule-subject", "email"}, nil, "ACCESS_RULE_SUBJECT (--access-rule-subject)", nil},
		{"bad stale days", []string{"--stale-days", "0"}, nil, "STALE_DAYS (--stale-days): \"0\": want 1 to 3650", nil},
		{"token header needs proxies", []string{"--sso-token-header", "X-Forwarded-Access-Token"}, nil, "SSO_TOKEN_HEADER", nil},
		{"delivery off by default", nil, nil, "", func(c Config) bool { return len(c.DeliveryNamespaces) == 0 && !c.Kube.Impersonate }},
		{"delivery namespaces", nil, map[string]string{"DELIVERY_NAMESPACES": "runai-creds, ml-ci ,runai-creds", "KUBECONFIG": "/etc/kube/config"}, "", func(c Config) bool {
			return slices.Equal(c.DeliveryNamespaces, []string{"runai-creds", "ml-ci"}) && c.Kube.Kubeconfig == "/etc/kube/config"
		}},
		{"delivery bad namespace", []string{"--delivery-namespaces", "ok,Not_OK"}, nil, "DELIVERY_NAMESPACES (--delivery-namespaces): \"Not_OK\" is not a namespace name", nil},
		{"impersonation", []string{"--delivery-namespaces", "creds", "--trusted-proxies", "10.0.0.1", "--delivery-impersonate", "true",
			"--delivery-impersonate-user-prefix", "oidc:", "--delivery-impersonate-group-prefix", "oidc:"}, nil, "", func(c Config) bool {
			return c.Kube.Impersonate && c.Kube.UserPrefix == "oidc:" && c.Kube.GroupPrefix == "oidc:"
		}},
		{"impersonation needs proxies", []string{"--delivery-namespaces", "creds", "--delivery-impersonate", "true"}, nil, "DELIVERY_IMPERSONATE (--delivery-impersonate): needs TRUSTED_PROXIES", nil},
		{"impersonation needs namespaces", []string{"--trusted-proxies", "10.0.0.1", "--delivery-impersonate", "true"}, nil, "DELIVERY_IMPERSONATE (--delivery-impersonate): is set without DELIVERY_NAMESPACES", nil},
		{"impersonation not a bool", []string{"--delivery-impersonate", "sometimes"}, nil, "DELIVERY_IMPERSONATE", nil},
		{"automation off by default", nil, nil, "", func(c Config) bool {
			return !c.Automation.On() && c.Automation.MaxRotations == 3 && c.Automation.Jitter == time.Hour && !c.Automation.DryRun
		}},
		{"automation", []string{"--automation-adopt", "team-a=etl-*, ml-ci=*", "--automation-dry-run", "true", "--automation-max-rotations", "5", "--automation-jitter", "0"},
			map[string]string{"RUNAI_URL": "https://x.run.ai", "SESSION_KEYS": goodKey, "DELIVERY_NAMESPACES": "creds", "AUTOMATION_CLIENT_ID": "auto",
				"AUTOMATION_CLIENT_SECRET": "s3cret", "POD_NAMESPACE": "runai-sa"}, "", func(c Config) bool {
				a := c.Automation
				return a.On() && a.Secret == "s3cret" && len(a.Adopt) == 2 && a.Adopt[1].Namespace == "ml-ci" && a.DryRun && a.MaxRotations == 5 &&
					a.Jitter == 0 && a.LeaseNamespace == "runai-sa"
			}},
		{"automation secret alone", nil, map[string]string{"AUTOMATION_CLIENT_SECRET": "s3cret"}, "AUTOMATION_CLIENT_ID and AUTOMATION_CLIENT_SECRET: set both or neither", nil},
		{"automation needs delivery", nil, map[string]string{"RUNAI_URL": "https://x.run.ai", "SESSION_KEYS": goodKey, "AUTOMATION_CLIENT_ID": "a",
			"AUTOMATION_CLIENT_SECRET": "s", "POD_NAMESPACE": "x"}, "needs DELIVERY_NAMESPACES", nil},
		{"automation not in demo mode", nil, map[string]string{"DELIVERY_NAMESPACES": "creds", "AUTOMATION_CLIENT_ID": "a", "AUTOMATION_CLIENT_SECRET": "s",
			"POD_NAMESPACE": "x"}, "in demo mode", nil},
		{"automation needs a lease namespace", nil, map[string]string{"RUNAI_URL": "https://x.run.ai", "SESSION_KEYS": goodKey, "DELIVERY_NAMESPACES": "creds",
			"AUTOMATION_CLIENT_ID": "a", "AUTOMATION_CLIENT_SECRET": "s"}, "AUTOMATION_LEASE_NAMESPACE (--automation-lease-namespace): is needed", nil},
		{"automation bad adopt", []string{"--automation-adopt", "team-a"}, nil, "AUTOMATION_ADOPT (--automation-adopt): \"team-a\" is not namespace=pattern", nil},
		{"automation bad pattern", []string{"--automation-adopt", "team-a=[x"}, nil, "AUTOMATION_ADOPT", nil},
		{"automation too many rotations", []string{"--automation-max-rotations", "0"}, nil, "AUTOMATION_MAX_ROTATIONS", nil},
		{"automation bad jitter", []string{"--automation-jitter", "48h"}, nil, "AUTOMATION_JITTER", nil},
		{"inventory and metrics port", []string{"--inventory-interval", "90s", "--metrics-listen", ":9090"}, nil, "", func(c Config) bool {
			return c.Automation.InventoryInterval == 90*time.Second && c.MetricsListen == ":9090"
		}},
		{"inventory too often", []string{"--inventory-interval", "1s"}, nil, "INVENTORY_INTERVAL (--inventory-interval): \"1s\"", nil},
		{"automation secret is no flag", []string{"--automation-client-secret", "x"}, nil, "flag provided but not defined", nil},
		{"impersonation system prefix", []string{"--delivery-impersonate-group-prefix", "system:"}, nil, "DELIVERY_IMPERSONATE_GROUP_PREFIX (--delivery-impersonate-group-prefix): \"system:\"", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadConfig(tt.args, env(tt.env), io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !tt.check(c) {
				t.Fatalf("%+v, %v", c, err)
			}
		})
	}
}

// TestDemoMode runs the real main wiring: it starts, prints the URL and
// the demo credentials, and those credentials sign in.
func TestDemoMode(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--listen", "127.0.0.1:0", "--demo-seed", "7"}, env(nil), pw, io.Discard)
		pw.Close()
	}()
	out := bufio.NewReader(pr)
	var lines []string
	for len(lines) < 5 {
		l, err := out.ReadString('\n')
		if err != nil {
			t.Fatalf("output so far %q: %v", lines, err)
		}
		lines = append(lines, l)
	}
	go io.Copy(io.Discard, out)
	text := strings.Join(lines, "")
	base := regexp.MustCompile(`open:\s+(\S+)`).FindStringSubmatch(text)[1]
	secret := regexp.MustCompile(`client secret:\s+(\S+)`).FindStringSubmatch(text)[1]
	if !strings.Contains(text, "client ID:     demo-admin") {
		t.Fatalf("no demo credentials in %q", text)
	}

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	res, err := c.Get(base + "signin")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	csrf := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(string(b))[1]
	res, err = c.PostForm(base+"signin/key", url.Values{"_csrf": {csrf}, "client_id": {"demo-admin"}, "client_secret": {secret}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	rows := len(regexp.MustCompile(`<tr id="r-`).FindAllString(string(b), -1))
	if res.StatusCode != 200 || rows != 7 {
		t.Fatalf("after sign-in: %d, %d rows", res.StatusCode, rows)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no graceful shutdown")
	}
}

func TestRefusesToStartWithoutKeys(t *testing.T) {
	err := run(context.Background(), nil, env(map[string]string{"RUNAI_URL": "https://x.run.ai"}), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "SESSION_KEYS") {
		t.Fatalf("err = %v", err)
	}
}

// TestDeliveryNeedsACluster: delivery configured where no cluster can be
// reached stops the start with what to do, rather than a dashboard whose
// forms offer what it cannot do.
func TestDeliveryNeedsACluster(t *testing.T) {
	t.Setenv("KUBERNETES_SERVICE_HOST", "") // not in a pod, even when the tests run in one
	for name, e := range map[string]map[string]string{
		"no kubeconfig file": {"DELIVERY_NAMESPACES": "creds", "KUBECONFIG": filepath.Join(t.TempDir(), "missing")},
		"not in a pod":       {"DELIVERY_NAMESPACES": "creds"},
	} {
		t.Run(name, func(t *testing.T) {
			err := run(context.Background(), []string{"--listen", "127.0.0.1:0"}, env(e), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), "DELIVERY_NAMESPACES is set") || !strings.Contains(err.Error(), "set KUBECONFIG") {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

// TestREADMEListsEverySetting keeps the README's configuration table in
// step with the flags.
func TestREADMEListsEverySetting(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range settings {
		row := "| `--" + s.flag + "` | `" + s.env + "` |"
		if !strings.Contains(string(b), row) {
			t.Errorf("README lacks the row for --%s / %s", s.flag, s.env)
		}
	}
}

// TestGracefulShutdown: on shutdown an in-flight request still finishes.
func TestGracefulShutdown(t *testing.T) {
	s := stub.New(stub.Config{})
	up := httptest.NewServer(s)
	defer up.Close()
	s.SetLatency(700 * time.Millisecond) // every upstream answer takes a while

	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--listen", "127.0.0.1:0", "--runai-url", up.URL, "--session-keys", goodKey, "--shutdown-grace", "5s"}, env(nil), pw, io.Discard)
		pw.Close()
	}()
	out := bufio.NewReader(pr)
	line, err := out.ReadString('\n')
	for err == nil && !strings.Contains(line, "open:") {
		line, err = out.ReadString('\n')
	}
	go io.Copy(io.Discard, out)
	if err != nil {
		t.Fatal(err)
	}
	base := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "open:"))

	type result struct {
		status int
		err    error
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(base + "signin")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	csrf := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(string(page))[1]
	id, secret := s.AdminCredentials()
	inflight := make(chan result, 1)
	go func() { // a sign-in waits on the slow token exchange
		res, err := c.PostForm(base+"signin/key", url.Values{"_csrf": {csrf}, "client_id": {id}, "client_secret": {secret}})
		if err != nil {
			inflight <- result{0, err}
			return
		}
		res.Body.Close()
		inflight <- result{res.StatusCode, nil}
	}()
	time.Sleep(200 * time.Millisecond)
	cancel() // SIGTERM
	r := <-inflight
	if r.err != nil || r.status != http.StatusSeeOther {
		t.Fatalf("in-flight request: %d %v", r.status, r.err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestKilledMidBulkJob: the dashboard killed (SIGKILL) while a bulk job
// runs leaves every change that reached Run:ai in its record file (the
// intent is written before the change is sent), the last line of the
// file repaired if the kill tore it.
func TestKilledMidBulkJob(t *testing.T) {
	if args := os.Getenv("DASHBOARD_CHILD_ARGS"); args != "" {
		err := run(context.Background(), strings.Fields(args), env(nil), os.Stdout, io.Discard)
		fmt.Fprintln(os.Stderr, "dashboard child:", err)
		os.Exit(1)
	}
	s := stub.New(stub.Config{Seed: 60})
	up := httptest.NewServer(s)
	defer up.Close()
	path := filepath.Join(t.TempDir(), "record.jsonl")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledMidBulkJob$")
	cmd.Env = append(os.Environ(), "DASHBOARD_CHILD_ARGS=--listen 127.0.0.1:0 --runai-url "+up.URL+" --session-keys "+goodKey+" --record-file "+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	sc := bufio.NewScanner(out)
	base := ""
	for base == "" && sc.Scan() {
		if m := regexp.MustCompile(`open:\s+(\S+)`).FindStringSubmatch(sc.Text()); m != nil {
			base = m[1]
		}
	}
	go io.Copy(io.Discard, out)
	if base == "" {
		t.Fatal("the dashboard did not start")
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	res, err := c.Get(base + "signin")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	csrfRe := regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
	id, secret := s.AdminCredentials()
	res, err = c.PostForm(base+"signin/key", url.Values{"_csrf": {csrfRe.FindStringSubmatch(string(b))[1]}, "client_id": {id}, "client_secret": {secret}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	var ids []string
	for _, a := range s.Accounts() {
		ids = append(ids, a.ID)
	}
	s.SetLatency(20 * time.Millisecond)
	res, err = c.PostForm(base+"accounts/bulk", url.Values{"_csrf": {csrfRe.FindStringSubmatch(string(b))[1]}, "once": {rand.Text()},
		"action": {"disable"}, "ids": ids})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for deadline := time.Now().Add(10 * time.Second); ; {
		if n := len(patches(s)); n >= 20 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the job did not get going: %d changes", len(patches(s)))
		}
		time.Sleep(5 * time.Millisecond)
	}
	_ = cmd.Process.Kill() // kill -9, mid-job
	_ = cmd.Wait()
	time.Sleep(50 * time.Millisecond) // calls in flight reach the stub
	reached := patches(s)
	rec, err := record.OpenFile(path, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	entries, _ := rec.Recent(context.Background(), 10_000)
	recorded := map[string]bool{}
	for _, e := range entries {
		recorded[e.AccountID] = true
	}
	for _, acct := range reached {
		if !recorded[acct] {
			t.Errorf("the change to %s reached Run:ai but is not in the record", acct)
		}
	}
	t.Logf("killed mid-job: %d changes reached Run:ai, %d recorded (the intents of those in flight among them); torn line cut: %d bytes",
		len(reached), len(entries), rec.Repaired)
}

// patches lists the accounts the stub was sent a change (PATCH) for.
func patches(s *stub.Server) []string {
	var out []string
	for _, c := range s.Calls() {
		if c.Op == stub.OpUpdate {
			out = append(out, path.Base(c.Path))
		}
	}
	return out
}
