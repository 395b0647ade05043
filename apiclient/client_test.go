package apiclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/runai-tools/sa-dashboard/internal/reqid"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/internal/stub"
)

const validAccount = `{"name":"a-b","createdBy":"x@example.com","createdAt":"2026-01-02T03:04:05Z","updatedAt":"2026-01-02T03:04:05.123Z","enabled":true,"tenantId":"7","lastLogin":null,"id":"id-1","clientId":"cid"}`

// server starts an httptest server with h and a client for it with fast
// retries.
func server(t *testing.T, h http.HandlerFunc, opts ...Option) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	opts = append([]Option{WithRetry(RetryPolicy{Attempts: 3, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, MaxRetryAfter: 50 * time.Millisecond})}, opts...)
	c, err := New(srv.URL, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNewRejectsBadBaseURLs(t *testing.T) {
	for _, u := range []string{"", "ftp://x", "http://", "not a url", "https://h/p?q=1", "https://u:p@h"} {
		if _, err := New(u); err == nil {
			t.Errorf("New(%q) accepted", u)
		}
	}
	c, err := New("https://host/runai/")
	if err != nil || c.TokenURL() != "https://host/runai/api/v2/token" {
		t.Fatalf("prefix: %v %v", c, err)
	}
}

func TestRequestShape(t *testing.T) {
	type seen struct{ method, uri, auth, ua, ct, rid, body string }
	var mu sync.Mutex
	var got []seen
	c := server(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, seen{r.Method, r.RequestURI, r.Header.Get("Authorization"), r.Header.Get("User-Agent"),
			r.Header.Get("Content-Type"), r.Header.Get("X-Request-ID"), string(b)})
		mu.Unlock()
		switch {
		case r.Method == "GET" && strings.HasSuffix(r.URL.Path, "/service-accounts"):
			fmt.Fprint(w, "["+validAccount+"]")
		case r.Method == "GET":
			fmt.Fprint(w, validAccount)
		case r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/secret"):
			fmt.Fprint(w, `{"clientSecret":"new"}`)
		case r.Method == "POST":
			w.WriteHeader(201)
			fmt.Fprint(w, `{"id":"i","name":"n","clientId":"c","clientSecret":"s"}`)
		case r.Method == "DELETE":
			w.WriteHeader(204)
		}
	})
	ctx := reqid.With(context.Background(), "req-42")
	id := "a b/c?d#e%f"
	esc := "a%20b%2Fc%3Fd%23e%25f"
	_, _ = c.ListServiceAccounts(ctx, "tok-A")
	_, _ = c.GetServiceAccount(ctx, "tok-B", id)
	_, _ = c.CreateServiceAccount(ctx, "tok-A", "new-one")
	_ = c.SetServiceAccountEnabled(ctx, "tok-A", id, false)
	_ = c.DeleteServiceAccount(ctx, "tok-A", "..")
	_, _ = c.RegenerateSecret(ctx, "tok-A", ".")
	want := []seen{
		{"GET", "/api/v1/service-accounts", "Bearer tok-A", "", "", "req-42", ""},
		{"GET", "/api/v1/service-accounts/" + esc, "Bearer tok-B", "", "", "req-42", ""},
		{"POST", "/api/v1/service-accounts", "Bearer tok-A", "", "application/json", "req-42", `{"name":"new-one"}`},
		{"PATCH", "/api/v1/service-accounts/" + esc, "Bearer tok-A", "", "application/json", "req-42", `{"enabled":false}`},
		{"DELETE", "/api/v1/service-accounts/%2E%2E", "Bearer tok-A", "", "", "req-42", ""},
		{"POST", "/api/v1/service-accounts/%2E/secret", "Bearer tok-A", "", "", "req-42", ""},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d requests: %+v", len(got), got)
	}
	for i := range want {
		if !strings.HasPrefix(got[i].ua, "runai-sa-dashboard/") {
			t.Errorf("request %d: User-Agent %q", i, got[i].ua)
		}
		got[i].ua = ""
		if got[i] != want[i] {
			t.Errorf("request %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func TestEmptyIDRefused(t *testing.T) {
	c := server(t, func(w http.ResponseWriter, r *http.Request) { t.Error("request sent") })
	ctx := context.Background()
	if _, err := c.GetServiceAccount(ctx, "t", ""); err == nil {
		t.Error("get")
	}
	if err := c.DeleteServiceAccount(ctx, "t", ""); err == nil {
		t.Error("delete")
	}
}

func TestDecodeAccount(t *testing.T) {
	base := map[string]any{}
	_ = json.Unmarshal([]byte(validAccount), &base)
	with := func(k string, v any) string {
		m := map[string]any{}
		for kk, vv := range base {
			m[kk] = vv
		}
		if v == "DELETE" {
			delete(m, k)
		} else {
			m[k] = v
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	tests := []struct {
		name    string
		in      string
		wantErr string
		check   func(account) bool
	}{
		{"valid", validAccount, "", func(a account) bool {
			return a.ID == "id-1" && a.Name == "a-b" && a.Enabled && a.TenantID == "7" && a.LastLogin.IsZero() &&
				a.CreatedAt.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
		}},
		{"tenant as number", with("tenantId", 1001), "", func(a account) bool { return a.TenantID == "1001" }},
		{"tenant large number", with("tenantId", json.Number("12345678901234567890")), "", func(a account) bool { return a.TenantID == "12345678901234567890" }},
		{"tenant absent", with("tenantId", "DELETE"), "", func(a account) bool { return a.TenantID == "" }},
		{"tenant null", with("tenantId", nil), "", func(a account) bool { return a.TenantID == "" }},
		{"tenant bool", with("tenantId", true), `"tenantId"`, nil},
		{"all timestamps null", with("createdAt", nil), "", func(a account) bool { return a.CreatedAt.IsZero() }},
		{"updatedAt null", with("updatedAt", nil), "", func(a account) bool { return a.UpdatedAt.IsZero() }},
		{"lastLogin set", with("lastLogin", "2026-05-05T05:05:05+02:00"), "", func(a account) bool { return a.LastLogin.Hour() == 5 }},
		{"lastLogin empty string", with("lastLogin", ""), "", func(a account) bool { return a.LastLogin.IsZero() }},
		{"unknown fields", with("roles", []string{"x"}), "", func(a account) bool { return a.ID == "id-1" }},
		{"bad time", with("createdAt", "yesterday"), `"createdAt"`, nil},
		{"enabled as string", with("enabled", "true"), `"enabled"`, nil},
		{"id null", with("id", nil), `"id"`, nil},
		{"not an object", `[]`, "want an object, got an array", nil},
		{"names in another case", strings.Replace(strings.Replace(validAccount, `"name"`, `"Name"`, 1), `"clientId"`, `"CLIENTID"`, 1), "",
			func(a account) bool { return a.Name == "a-b" && a.ClientID == "cid" }},
		{"a name twice, the last kept", strings.Replace(validAccount, `"name":"a-b"`, `"name":"first","name":"a-b"`, 1), "",
			func(a account) bool { return a.Name == "a-b" }},
		{"invalid UTF-8 replaced", strings.Replace(validAccount, `"createdBy":"x@example.com"`, "\"createdBy\":\"x\xff@example.com\"", 1), "",
			func(a account) bool { return a.CreatedBy == "x\uFFFD@example.com" }},
		{"escapes", strings.Replace(validAccount, `"createdBy":"x@example.com"`, `"createdBy":"x\u0040example.com\n"`, 1), "",
			func(a account) bool { return a.CreatedBy == "x@example.com\n" }},
		{"enabled as number, the value not repeated", with("enabled", 123456789), `field "enabled": want a boolean, got a number`, nil},
	}
	for _, f := range []string{"name", "createdBy", "createdAt", "updatedAt", "enabled", "lastLogin", "id", "clientId"} {
		tests = append(tests, struct {
			name    string
			in      string
			wantErr string
			check   func(account) bool
		}{"missing " + f, with(f, "DELETE"), `required field "` + f + `" is missing`, nil})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a account
			err := json.Unmarshal([]byte(tt.in), &a)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to mention %s", err, tt.wantErr)
				}
				return
			}
			if err != nil || !tt.check(a) {
				t.Fatalf("got %+v, %v", a, err)
			}
		})
	}
}

// TestMalformedAnswers: an answer that is not JSON or not of the
// documented shape is malformed (IsMalformed), says where (the item,
// counted from the page's offset, and the field) and why, and never
// repeats the value it refused.
func TestMalformedAnswers(t *testing.T) {
	const hidden = "s3cr3t-looking-value"
	cases := []struct {
		name   string
		decode func() error
		want   string
	}{
		{"truncated", func() error { _, err := decodeAccounts([]byte(`[{"id":`)); return err }, "not valid JSON at byte"},
		{"not a list", func() error { _, err := decodeAccounts([]byte(`{"id":"` + hidden + `"}`)); return err }, "want an array, got an object"},
		{"a flag of the wrong kind", func() error {
			_, err := decodeAccounts([]byte("[" + validAccount + `,{"enabled":"` + hidden + `"}]`))
			return err
		}, `item 1, field "enabled": want a boolean, got a string`},
		{"a rule's id", func() error {
			_, _, _, err := decodeRulesPage([]byte(`{"accessRules":[{"id":1},{"id":{"x":"`+hidden+`"}}]}`), 500)
			return err
		}, `item 501, field "id": want an integer, got an object`},
		{"an audit event's time", func() error {
			_, err := decodeAuditPage([]byte(`{"audit_logs":[{"timestamp":true,"subject":"`+hidden+`"}]}`), 1000)
			return err
		}, `item 1000, field "timestamp": want a date-time string or null, got a boolean`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.decode()
			if err == nil || !IsMalformed(err) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), hidden) {
				t.Errorf("err = %v (malformed %t), want it to say %q and not repeat the value", err, IsMalformed(err), tc.want)
			}
		})
	}
}

func TestListNamesBadItem(t *testing.T) {
	c := server(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "["+validAccount+`,{"id":"x"}]`)
	})
	_, err := c.ListServiceAccounts(context.Background(), "t")
	var mf *MissingFieldError
	if err == nil || !strings.Contains(err.Error(), "item 1") || !errors.As(err, &mf) {
		t.Fatalf("err = %v", err)
	}
}

func TestErrorBodies(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		ct, body string
		sentinel error
		wantMsg  string
		wantBody string
	}{
		{"api error", 409, "application/json", `{"code":409,"message":"name taken","details":"x"}`, ErrConflict, "name taken", ""},
		{"400", 400, "application/json", `{"code":400,"message":"bad name"}`, ErrBadRequest, "bad name", ""},
		{"401", 401, "application/json", `{"code":401,"message":"expired"}`, ErrUnauthorized, "expired", ""},
		{"403", 403, "application/json", `{"code":403,"message":"no"}`, ErrForbidden, "no", ""},
		{"404", 404, "application/json", `{"code":404,"message":"gone"}`, ErrNotFound, "gone", ""},
		{"500", 500, "application/json", `{"code":500,"message":"boom"}`, ErrServer, "boom", ""},
		{"empty body", 502, "", ``, ErrServer, "", ""},
		{"html page", 504, "text/html", `<html><body><h1>504 Gateway Time-out</h1></body></html>`, ErrServer, "", "<html><body><h1>504 Gateway Time-out</h1></body></html>"},
		{"plain text", 403, "text/plain", "forbidden by proxy\n", ErrForbidden, "", "forbidden by proxy"},
		{"json without message", 400, "application/json", `{"error":"x"}`, ErrBadRequest, "", `{"error":"x"}`},
		{"redirect", 302, "", ``, nil, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := server(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.ct != "" {
					w.Header().Set("Content-Type", tt.ct)
				}
				if tt.status == 302 {
					w.Header().Set("Location", "http://elsewhere.invalid/")
				}
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			}, WithRetry(RetryPolicy{Attempts: 1}))
			err := c.DeleteServiceAccount(context.Background(), "t", "x")
			var ae *Error
			if !errors.As(err, &ae) {
				t.Fatalf("err = %#v", err)
			}
			if ae.StatusCode != tt.status || ae.Message != tt.wantMsg || ae.Body != tt.wantBody {
				t.Errorf("got %+v", ae)
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("errors.Is(%v) false", tt.sentinel)
			}
			if !strings.Contains(err.Error(), fmt.Sprint(tt.status)) || !strings.Contains(err.Error(), `delete service account "x"`) {
				t.Errorf("message %q lacks status or operation", err)
			}
		})
	}
}

func TestLongErrorBodyIsClipped(t *testing.T) {
	c := server(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		fmt.Fprint(w, strings.Repeat("é", 1000))
	}, WithRetry(RetryPolicy{Attempts: 1}))
	err := c.DeleteServiceAccount(context.Background(), "t", "x")
	var ae *Error
	if !errors.As(err, &ae) || len(ae.Body) > bodySnippetLen+4 || !strings.HasSuffix(ae.Body, "…") {
		t.Fatalf("body %q", ae.Body)
	}
}

func TestPredicates(t *testing.T) {
	e := func(s int) error { return fmt.Errorf("wrapped: %w", &Error{StatusCode: s}) }
	if !IsBadRequest(e(400)) || !IsUnauthorized(e(401)) || !IsForbidden(e(403)) || !IsNotFound(e(404)) ||
		!IsConflict(e(409)) || !errors.Is(e(503), ErrServer) || errors.Is(e(404), ErrServer) || StatusCode(e(418)) != 418 {
		t.Error("predicates disagree with statuses")
	}
	if !IsUnavailable(e(502)) || IsUnavailable(e(404)) || !IsUnavailable(errors.New("dial")) || IsUnavailable(context.Canceled) {
		t.Error("IsUnavailable")
	}
	if !IsTimeout(fmt.Errorf("x: %w", context.DeadlineExceeded)) || IsTimeout(e(504)) {
		t.Error("IsTimeout")
	}
}

func TestBodyCap(t *testing.T) {
	var calls atomic.Int32
	c := server(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		// 50 MB, streamed: the client must stop reading at its cap.
		w.Write([]byte("["))
		chunk := []byte(strings.Repeat(" ", 1<<20))
		for range 50 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}, WithMaxBodyBytes(1<<20), WithRetry(RetryPolicy{Attempts: 3}))
	_, err := c.ListServiceAccounts(context.Background(), "t")
	var tl *BodyTooLargeError
	if !errors.Is(err, ErrBodyTooLarge) || !errors.As(err, &tl) || tl.Limit != 1<<20 {
		t.Fatalf("err = %v", err)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("%d calls: an answer past the cap was retried", n)
	}
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name      string
		method    string
		statuses  []int
		wantCalls int32
		wantOK    bool
	}{
		{"GET retried on 503 then succeeds", "GET", []int{503, 200}, 2, true},
		{"GET retried on 502 and 504", "GET", []int{502, 504, 200}, 3, true},
		{"GET gives up after the bound", "GET", []int{503, 503, 503, 503}, 3, false},
		{"GET not retried on 500", "GET", []int{500, 200}, 1, false},
		{"GET not retried on 404", "GET", []int{404, 200}, 1, false},
		{"POST never retried", "POST", []int{503, 201}, 1, false},
		{"PATCH never retried", "PATCH", []int{503, 200}, 1, false},
		{"DELETE never retried", "DELETE", []int{503, 204}, 1, false},
		{"regenerate never retried", "REGEN", []int{502, 200}, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			c := server(t, func(w http.ResponseWriter, r *http.Request) {
				n := int(calls.Add(1)) - 1
				st := tt.statuses[min(n, len(tt.statuses)-1)]
				w.WriteHeader(st)
				switch {
				case st >= 400:
					fmt.Fprintf(w, `{"code":%d,"message":"x"}`, st)
				case r.Method == "GET":
					fmt.Fprint(w, "["+validAccount+"]")
				case strings.HasSuffix(r.URL.Path, "/secret"):
					fmt.Fprint(w, `{"clientSecret":"s"}`)
				case r.Method == "POST":
					fmt.Fprint(w, `{"id":"i","name":"n","clientId":"c","clientSecret":"s"}`)
				}
			})
			ctx := context.Background()
			var err error
			switch tt.method {
			case "GET":
				_, err = c.ListServiceAccounts(ctx, "t")
			case "POST":
				_, err = c.CreateServiceAccount(ctx, "t", "ab")
			case "PATCH":
				err = c.SetServiceAccountEnabled(ctx, "t", "x", true)
			case "DELETE":
				err = c.DeleteServiceAccount(ctx, "t", "x")
			case "REGEN":
				_, err = c.RegenerateSecret(ctx, "t", "x")
			}
			if (err == nil) != tt.wantOK || calls.Load() != tt.wantCalls {
				t.Errorf("err = %v, calls = %d; want ok=%v calls=%d", err, calls.Load(), tt.wantOK, tt.wantCalls)
			}
		})
	}
}

func TestRetryOnConnectionError(t *testing.T) {
	var calls atomic.Int32
	c := server(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close() // drop the connection without an answer
			return
		}
		fmt.Fprint(w, "[]")
	})
	if _, err := c.ListServiceAccounts(context.Background(), "t"); err != nil || calls.Load() != 2 {
		t.Fatalf("err = %v, calls = %d", err, calls.Load())
	}
	calls.Store(0)
	if err := c.DeleteServiceAccount(context.Background(), "t", "x"); err == nil || calls.Load() != 1 {
		t.Fatalf("DELETE after a dropped connection: err = %v, calls = %d; want an error and one call", err, calls.Load())
	}
}

func TestRetryAfter(t *testing.T) {
	t.Run("honoured up to the cap", func(t *testing.T) {
		var calls atomic.Int32
		var first time.Time
		var gap time.Duration
		c := server(t, func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1) == 1 {
				first = time.Now()
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(503)
				return
			}
			gap = time.Since(first)
			fmt.Fprint(w, "[]")
		}, WithRetry(RetryPolicy{Attempts: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, MaxRetryAfter: 2 * time.Second}))
		if _, err := c.ListServiceAccounts(context.Background(), "t"); err != nil {
			t.Fatal(err)
		}
		if gap < 900*time.Millisecond {
			t.Errorf("retried after %v, before the server's Retry-After of 1s", gap)
		}
	})
	t.Run("longer than the budget fails at once", func(t *testing.T) {
		var calls atomic.Int32
		c := server(t, func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(503)
			fmt.Fprint(w, `{"code":503,"message":"busy"}`)
		}, WithTimeout(5*time.Second), WithRetry(RetryPolicy{Attempts: 3, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, MaxRetryAfter: time.Hour}))
		start := time.Now()
		_, err := c.ListServiceAccounts(context.Background(), "t")
		if !errors.Is(err, ErrServer) || calls.Load() != 1 {
			t.Fatalf("err = %v, calls = %d", err, calls.Load())
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %v, over the 5s budget", d)
		}
	})
	for _, tt := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0}, {"3", 3 * time.Second}, {"-1", 0}, {"soon", 0},
		{time.Date(2026, 1, 1, 0, 0, 10, 0, time.UTC).Format(http.TimeFormat), 10 * time.Second},
	} {
		if got := retryAfter(tt.in, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); got != tt.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestTimeoutAndCancel(t *testing.T) {
	release := make(chan struct{})
	cancelled := make(chan struct{}, 4)
	slow := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
			cancelled <- struct{}{}
		}
	}
	defer close(release)

	c := server(t, slow, WithTimeout(100*time.Millisecond), WithRetry(RetryPolicy{Attempts: 1}))
	start := time.Now()
	_, err := c.ListServiceAccounts(context.Background(), "t")
	if !IsTimeout(err) || !IsUnavailable(err) {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("returned after %v", d)
	}

	c = server(t, slow, WithTimeout(0))
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	if err := c.DeleteServiceAccount(ctx, "t", "x"); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	select {
	case <-cancelled:
	case <-time.After(2 * time.Second):
		t.Error("the upstream request was not cancelled")
	}
}

func TestUnreachable(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	c, _ := New("http://"+addr, WithRetry(RetryPolicy{Attempts: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}))
	_, err := c.ListServiceAccounts(context.Background(), "t")
	if err == nil || !IsUnavailable(err) || StatusCode(err) != 0 || !strings.Contains(err.Error(), "list service accounts") {
		t.Fatalf("err = %v", err)
	}
}

func TestNoRedirects(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	c := server(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/steal", http.StatusFound)
	}, WithHTTPClient(&http.Client{}))
	_, err := c.ListServiceAccounts(context.Background(), "t")
	if StatusCode(err) != http.StatusFound || elsewhere.Load() != 0 {
		t.Fatalf("err = %v, redirected calls = %d", err, elsewhere.Load())
	}
}

func TestCreateFillsMissingClientID(t *testing.T) {
	c := server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "POST" {
			w.WriteHeader(201)
			fmt.Fprint(w, `{"id":"id-1","name":"a-b","clientSecret":"s3"}`)
			return
		}
		fmt.Fprint(w, validAccount)
	})
	cr, err := c.CreateServiceAccount(context.Background(), "t", "a-b")
	if err != nil || cr.ClientID != "cid" || cr.ClientSecret.Reveal() != "s3" {
		t.Fatalf("%+v %v", cr, err)
	}
}

func TestCreateMissingSecret(t *testing.T) {
	c := server(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(201)
		fmt.Fprint(w, `{"id":"id-1","name":"a-b"}`)
	})
	_, err := c.CreateServiceAccount(context.Background(), "t", "a-b")
	if err == nil || !strings.Contains(err.Error(), `"clientSecret"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestTokenExchange(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		v2         func(w http.ResponseWriter)
		v1         func(w http.ResponseWriter)
		wantV1     bool
		wantErr    bool
		wantExpiry time.Time
	}{
		{"v2", func(w http.ResponseWriter) {
			fmt.Fprint(w, `{"access_token":"AT","token_type":"Bearer","expires_in":3600}`)
		}, nil, false, false, now.Add(time.Hour)},
		{"v2 404 falls back", func(w http.ResponseWriter) { w.WriteHeader(404) },
			func(w http.ResponseWriter) { fmt.Fprint(w, `{"accessToken":"AT","refreshToken":"r","idToken":"i"}`) }, true, false, time.Time{}},
		{"v2 405 falls back", func(w http.ResponseWriter) { w.WriteHeader(405) },
			func(w http.ResponseWriter) { fmt.Fprint(w, `{"accessToken":"AT"}`) }, true, false, time.Time{}},
		{"v2 401 does not fall back", func(w http.ResponseWriter) {
			w.WriteHeader(401)
			fmt.Fprint(w, `{"code":401,"message":"bad"}`)
		}, nil, false, true, time.Time{}},
		{"v2 without token", func(w http.ResponseWriter) { fmt.Fprint(w, `{"token_type":"Bearer"}`) }, nil, false, true, time.Time{}},
		{"v1 without token", func(w http.ResponseWriter) { w.WriteHeader(404) },
			func(w http.ResponseWriter) { fmt.Fprint(w, `{"refreshToken":"r"}`) }, true, true, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v1Calls, v2Calls atomic.Int32
			c := server(t, func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/api/v2/token":
					v2Calls.Add(1)
					if r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || r.Header.Get("Authorization") != "" {
						t.Errorf("v2 headers: %v", r.Header)
					}
					_ = r.ParseForm()
					if r.PostForm.Get("grant_type") != "client_credentials" || r.PostForm.Get("client_id") != "id" || r.PostForm.Get("client_secret") != "se&cret" {
						t.Errorf("v2 form: %v", r.PostForm)
					}
					tt.v2(w)
				case "/api/v1/token":
					v1Calls.Add(1)
					var b map[string]string
					_ = json.NewDecoder(r.Body).Decode(&b)
					if r.Header.Get("Content-Type") != "application/json" || b["grantType"] != "client_credentials" || b["clientId"] != "id" || b["clientSecret"] != "se&cret" {
						t.Errorf("v1 body: %v", b)
					}
					tt.v1(w)
				}
			})
			c.now = func() time.Time { return now }
			tok, err := c.ExchangeToken(context.Background(), "id", "se&cret")
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if err == nil && (tok.AccessToken.Reveal() != "AT" || tok.TokenType != "Bearer" || !tok.ExpiresAt.Equal(tt.wantExpiry)) {
				t.Errorf("token = %+v", tok)
			}
			if tt.wantV1 {
				_, _ = c.ExchangeToken(context.Background(), "id", "se&cret")
				if v2Calls.Load() != 1 || v1Calls.Load() != 2 {
					t.Errorf("v2 %d, v1 %d calls: the fallback was not remembered", v2Calls.Load(), v1Calls.Load())
				}
			}
		})
	}
}

func TestSecretRedaction(t *testing.T) {
	s := runai.Secret("hunter2")
	cr := runai.Credentials{ClientSecret: s}
	tok := runai.Token{AccessToken: s}
	b, _ := json.Marshal(cr)
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%v %+v %#v", cr, tok, tok), string(b)} {
		if strings.Contains(out, "hunter2") {
			t.Errorf("secret leaked: %s", out)
		}
	}
	if s.Reveal() != "hunter2" {
		t.Error("Reveal")
	}
}

// FuzzDecodeAccount checks that the account decoder never panics and that
// whatever it accepts survives a round trip through the API's shape.
func FuzzDecodeAccount(f *testing.F) {
	f.Add([]byte(validAccount))
	f.Add([]byte(`{"tenantId":7}`))
	f.Add([]byte(`{"name":null,"createdAt":""}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var a account
		if err := json.Unmarshal(b, &a); err != nil {
			return
		}
		ts := func(tm time.Time) any {
			if tm.IsZero() {
				return nil
			}
			return tm.Format(time.RFC3339Nano)
		}
		again, _ := json.Marshal(map[string]any{
			"id": a.ID, "name": a.Name, "clientId": a.ClientID, "createdBy": a.CreatedBy, "enabled": a.Enabled,
			"tenantId": a.TenantID, "createdAt": ts(a.CreatedAt), "updatedAt": ts(a.UpdatedAt), "lastLogin": ts(a.LastLogin),
		})
		var b2 account
		if err := json.Unmarshal(again, &b2); err != nil {
			t.Fatalf("re-decode of %s: %v", again, err)
		}
		if b2.ID != a.ID || b2.Name != a.Name || b2.Enabled != a.Enabled || b2.TenantID != a.TenantID ||
			!b2.CreatedAt.Equal(a.CreatedAt) || !b2.LastLogin.Equal(a.LastLogin) {
			t.Fatalf("round trip changed %+v into %+v", a, b2)
		}
	})
}

func TestPingAndObserver(t *testing.T) {
	type obs struct {
		op     string
		status int
	}
	var seen []obs
	status, pinging := 401, true
	c := server(t, func(w http.ResponseWriter, r *http.Request) {
		if pinging && r.Header.Get("Authorization") != "" {
			t.Error("ping sent a token")
		}
		w.WriteHeader(status)
	}, WithObserver(func(op string, st int, _ time.Duration) { seen = append(seen, obs{op, st}) }))
	if err := c.Ping(context.Background()); err != nil {
		t.Errorf("ping with 401: %v", err)
	}
	status = 503
	if err := c.Ping(context.Background()); !errors.Is(err, ErrServer) {
		t.Errorf("ping with 503: %v", err)
	}
	pinging = false
	_, _ = c.ListServiceAccounts(context.Background(), "t") // 503 three times (retried)
	want := []obs{{"ping", 401}, {"ping", 503}, {"list", 503}, {"list", 503}, {"list", 503}}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("observed %v, want %v", seen, want)
	}
}

// TestListingBounds: an upstream that lists more service accounts than
// the API holds, or claims more service-account rules than the dashboard
// reads, is refused, and the rules at the first page that says so.
func TestListingBounds(t *testing.T) {
	s := stub.New(stub.Config{Seed: 3, AdminTokens: []string{"tok"}})
	for _, tt := range []struct {
		name  string
		h     stub.Hostile
		call  func(c *Client) error
		calls int
	}{
		{"25,000 accounts", stub.Hostile{Accounts: 25_000}, func(c *Client) error {
			_, err := c.ListServiceAccounts(context.Background(), "tok")
			return err
		}, 1},
		{"250,000 rules claimed", stub.Hostile{RulesTotal: 250_000}, func(c *Client) error {
			_, err := c.ListServiceAccountRules(context.Background(), "tok")
			return err
		}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				tt.h.Wrap(s).ServeHTTP(w, r)
			}))
			defer srv.Close()
			c, err := New(srv.URL, WithMaxBodyBytes(64<<20))
			if err != nil {
				t.Fatal(err)
			}
			err = tt.call(c)
			var tm *TooManyError
			if !errors.As(err, &tm) || !errors.Is(err, ErrTooMany) {
				t.Fatalf("err = %v, want a TooManyError", err)
			}
			if int(calls.Load()) != tt.calls {
				t.Errorf("%d calls, want %d", calls.Load(), tt.calls)
			}
		})
	}
	// A listing that never says its total stops at the bound, too.
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		page := make([]map[string]any, 500)
		for i := range page {
			page[i] = map[string]any{"id": i, "subjectId": "x", "subjectType": "service-account", "roleId": 3, "roleName": "Viewer",
				"scopeId": "1001", "scopeType": "tenant", "createdAt": "2026-01-01T00:00:00Z"}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"accessRules": page})
	}))
	defer srv.Close()
	c, _ := New(srv.URL)
	if _, err := c.ListServiceAccountRules(context.Background(), "tok"); !errors.Is(err, ErrTooMany) {
		t.Fatalf("an endless listing: %v", err)
	}
	if n := calls.Load(); n > int32(runai.MaxServiceAccountRules/PageSize)+1 {
		t.Errorf("%d pages read, over the bound", n)
	}
}

// TestDecodedAnswersKeptByContent: an answer decoded before is served
// from the memo only when its bytes are the same, and every caller gets
// its own copy to trim and fill.
func TestDecodedAnswersKeptByContent(t *testing.T) {
	var body atomic.Value
	body.Store("[" + validAccount + "]")
	c := server(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, body.Load().(string)) })
	ctx := context.Background()
	first, err := c.ListServiceAccounts(ctx, "t")
	if err != nil || len(first) != 1 {
		t.Fatal(first, err)
	}
	first[0].Name = "changed by its caller"
	_ = append(first[:0], first[0]) // a caller reusing the slice's array
	again, err := c.ListServiceAccounts(ctx, "t")
	if err != nil || len(again) != 1 || again[0].Name != "a-b" {
		t.Fatalf("the same answer again: %+v, %v", again, err)
	}
	body.Store("[" + strings.Replace(validAccount, `"a-b"`, `"renamed"`, 1) + "]")
	if now, err := c.ListServiceAccounts(ctx, "t"); err != nil || now[0].Name != "renamed" {
		t.Fatalf("a changed answer: %+v, %v", now, err)
	}
	if again[0].Name != "a-b" || again[0].CreatedBy != "x@example.com" { // the answer's buffer was reused since
		t.Fatalf("an earlier result changed with a later answer: %+v", again[0])
	}
	body.Store(`[{"id":"x"}]`)
	if _, err := c.ListServiceAccounts(ctx, "t"); err == nil {
		t.Fatal("a malformed answer was accepted")
	}
}

// TestMalformedErrorAt: an item is counted from the page's offset, and
// only the item's own token moves.
func TestMalformedErrorAt(t *testing.T) {
	e := (&MalformedError{Pointer: "/3field/2/id", Reason: "r"}).at(500)
	if e.Pointer != "/3field/502/id" || e.Item() != 502 {
		t.Errorf("moved to %q (item %d)", e.Pointer, e.Item())
	}
	if got := e.Error(); got != `item 502, field "id": r` {
		t.Errorf("reads %q", got)
	}
}
