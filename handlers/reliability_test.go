package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/stub"
)

// The reliability suite: every way the upstream fails, on a read and on a
// change, and many admins at once. Each case says what the admin sees and
// what reached the upstream.

// faults breaks the stub's answers in ways it cannot itself: armed after
// signing in, it answers the next n requests for a method and path.
type faults struct {
	mu           sync.Mutex
	method, path string
	left         int
	answer       func(w http.ResponseWriter)
}

func (f *faults) arm(method, path string, n int, answer func(w http.ResponseWriter)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.method, f.path, f.left, f.answer = method, path, n, answer
}

func (f *faults) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		hit := f.left > 0 && r.Method == f.method && r.URL.Path == f.path
		if hit {
			f.left--
		}
		answer := f.answer
		f.mu.Unlock()
		if hit {
			answer(w)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// hangUp closes the connection without an answer: the upstream is down.
func hangUp(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		conn.Close()
	}
}

const listAPI, createAPI = "/api/v1/service-accounts", "/api/v1/service-accounts"

func countOps(h *harness, op stub.Op) int {
	n := 0
	for _, c := range h.stub.Calls() {
		if c.Op == op {
			n++
		}
	}
	return n
}

// TestReliabilityReads: the list page against each failure of the
// upstream's list answer. Reads are retried (three attempts here).
func TestReliabilityReads(t *testing.T) {
	tests := []struct {
		name    string
		o       options
		fault   func(*stub.Server, *faults)
		status  int
		says    string
		listOps int // list calls that reached the stub
	}{
		{"5xx, then an answer: retried", options{}, func(s *stub.Server, _ *faults) { s.FailNext(stub.OpList, 2, 503) }, 200, "", 3},
		{"5xx every time", options{}, func(s *stub.Server, _ *faults) { s.FailNext(stub.OpList, 3, 503) }, 502, "it answered 503 Service Unavailable", 3},
		{"a 500 is not retried", options{}, func(s *stub.Server, _ *faults) { s.FailNext(stub.OpList, 1, 500) }, 502, "it answered 500 Internal Server Error", 1},
		{"slow", options{clientTimeout: 300 * time.Millisecond}, func(s *stub.Server, _ *faults) { s.DelayNext(stub.OpList, 3, time.Second) }, 504, "no answer in time", -1},
		// (Go's transport itself retries a GET once on a connection closed
		// before the answer: more hang-ups than attempts.)
		{"down", options{}, func(_ *stub.Server, f *faults) { f.arm("GET", listAPI, 10, hangUp) }, 502, "it could not be reached", 0},
		{"malformed", options{}, func(_ *stub.Server, f *faults) {
			f.arm("GET", listAPI, 1, func(w http.ResponseWriter) { fmt.Fprint(w, `[{"id": "x", "name"`) })
		}, 502, "its answer was malformed", 0},
		{"an HTML error page", options{}, func(_ *stub.Server, f *faults) {
			f.arm("GET", listAPI, 3, func(w http.ResponseWriter) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusBadGateway)
				fmt.Fprint(w, "<html><body><h1>502 Bad Gateway</h1><script>alert(1)</script></body></html>")
			})
		}, 502, "it answered 502 Bad Gateway", 0},
		{"oversized", options{seed: 60, maxBody: 8 << 10}, nil, 502, "larger than this dashboard accepts", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, f := tt.o, &faults{}
			o.attempts, o.seed, o.upstream = 3, max(o.seed, 3), f.wrap
			h := newHarness(t, o)
			h.signIn()
			if tt.fault != nil {
				tt.fault(h.stub, f)
			}
			h.stub.ResetCalls()
			r := h.reload(paths.Accounts.Link())
			doc := r.doc(t)
			text := doc.Find(`[data-testid="problem"]`).Text()
			if r.StatusCode != tt.status || !strings.Contains(text, tt.says) || strings.Contains(r.body, "<script>alert") {
				t.Errorf("%d: %q, want %d saying %q", r.StatusCode, text, tt.status, tt.says)
			}
			if tt.status != 200 && doc.Find(`[data-testid="create-form"]`).Length() != 1 {
				t.Error("the create form is gone with the list")
			}
			time.Sleep(50 * time.Millisecond) // the stub records a call once it has answered
			if n := countOps(h, stub.OpList); tt.listOps >= 0 && n != tt.listOps {
				t.Errorf("%d list calls reached the stub, want %d", n, tt.listOps)
			}
		})
	}
}

// TestReliabilityWrites: a create against each failure. A change is never
// retried, and one that may have happened says so.
func TestReliabilityWrites(t *testing.T) {
	tests := []struct {
		name   string
		o      options
		fault  func(*stub.Server, *faults)
		status int
		says   string
	}{
		{"5xx", options{}, func(s *stub.Server, _ *faults) { s.FailNext(stub.OpCreate, 1, 503) }, 502, "answered 503 Service Unavailable to it, so the change may or may not have been made"},
		{"timeout", options{clientTimeout: 300 * time.Millisecond}, func(s *stub.Server, _ *faults) { s.DelayNext(stub.OpCreate, 1, time.Second) }, 504, "did not answer in time, so the change may or may not have been made"},
		{"malformed answer", options{}, func(_ *stub.Server, f *faults) {
			f.arm("POST", createAPI, 1, func(w http.ResponseWriter) {
				w.WriteHeader(http.StatusCreated)
				fmt.Fprint(w, `{"id": `)
			})
		}, 502, "its answer could not be read, so the change was probably made"},
		{"connection lost", options{}, func(_ *stub.Server, f *faults) { f.arm("POST", createAPI, 1, hangUp) }, 502, "may or may not have been made"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, f := tt.o, &faults{}
			o.attempts, o.seed, o.upstream = 3, 3, f.wrap
			h := newHarness(t, o)
			h.signIn()
			if tt.fault != nil {
				tt.fault(h.stub, f)
			}
			h.stub.ResetCalls()
			r := h.post(paths.Accounts.Link(), url.Values{"name": {"made-in-a-storm"}}, false)
			text := r.doc(t).Find(`[data-testid="create-error"]`).Text()
			if r.StatusCode != tt.status || !strings.Contains(text, tt.says) || !strings.Contains(text, "outcome is unknown") {
				t.Errorf("%d: %q, want %d saying %q", r.StatusCode, text, tt.status, tt.says)
			}
			if v := r.doc(t).Find(`input[name=name]`).AttrOr("value", ""); v != "made-in-a-storm" {
				t.Errorf("the form lost its input: %q", v)
			}
			time.Sleep(1200 * time.Millisecond) // let a delayed create finish at the stub
			if n := countOps(h, stub.OpCreate); n > 1 {
				t.Errorf("the create was sent %d times", n)
			}
		})
	}
}

// TestReliabilityTokenRevoked: a token revoked in the middle of a session
// sends the admin to sign in, says why, and brings them back.
func TestReliabilityTokenRevoked(t *testing.T) {
	h := newHarness(t, options{seed: 3})
	h.signIn()
	h.stub.RevokeTokens()
	r := h.reload(paths.Accounts.Link().RawQuery("q=ci"))
	if loc := r.Header.Get("Location"); r.StatusCode != http.StatusSeeOther || loc != paths.SignIn.Link().Query(url.Values{"next": {string(paths.Accounts.Link().RawQuery("q=ci"))}}).String() {
		t.Fatalf("%d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	if page := h.get(paths.SignIn.Link().Query(url.Values{"next": {string(paths.Accounts.Link().RawQuery("q=ci"))}})); !strings.Contains(page.body, "expired or was revoked") {
		t.Error("the sign-in page does not say why")
	}
	if r := h.post(paths.Accounts.Link(), url.Values{"name": {"after-revoke"}}, false); r.StatusCode != http.StatusSeeOther {
		t.Errorf("a change without a session: %d", r.StatusCode)
	}
}

// TestReliabilityManyAdmins: 50 signed-in admins list, create, toggle and
// delete at once for 10 s; then every create the dashboard reported exists
// at the stub once, every reported delete is gone, and nothing answered
// 5xx.
func TestReliabilityManyAdmins(t *testing.T) {
	if testing.Short() {
		t.Skip("10 s of load")
	}
	h := newHarness(t, options{seed: 20})
	const admins = 50
	users := make([]*harness, admins)
	for i := range users {
		u := *h // the same admin, another browser: a session of its own
		u.client = &http.Client{Jar: newJar(), CheckRedirect: h.client.CheckRedirect}
		u.signIn()
		users[i] = &u
	}
	var (
		mu       sync.Mutex
		reported = map[string]string{} // created name → id
		deleted  = map[string]bool{}
		requests atomic.Int64
		fivexx   atomic.Int64
	)
	check := func(r resp, what string) {
		requests.Add(1)
		if r.StatusCode >= 500 {
			fivexx.Add(1)
			t.Errorf("%s: %d", what, r.StatusCode)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	var wg sync.WaitGroup
	for i, u := range users {
		wg.Go(func() {
			var mine []string // ids this admin created and has not deleted
			// At least two rounds each, however slow the machine.
			for n := 0; time.Now().Before(deadline) || n < 8; n++ {
				switch n % 4 {
				case 0:
					check(u.reload(paths.Accounts.Link()), "list")
				case 1:
					name := fmt.Sprintf("load-%02d-%03d", i, n)
					r := u.post(paths.Accounts.Link(), url.Values{"name": {name}}, false)
					check(r, "create")
					if !strings.Contains(r.body, "Service account "+name+" created") {
						continue
					}
					// Its id, as the admin would find it: a search.
					found := u.get(paths.Accounts.Link().Query(url.Values{"q": {name}}))
					check(found, "search")
					m := regexp.MustCompile(`<a href="` + regexp.QuoteMeta(strings.TrimSuffix(string(paths.Account), ":id")) + `([^"]+)">` + name + `</a>`).FindStringSubmatch(found.body)
					if m == nil {
						t.Errorf("%s reported created, not found by a search", name)
						continue
					}
					id, _ := url.PathUnescape(m[1])
					mu.Lock()
					reported[name] = id
					mu.Unlock()
					mine = append(mine, id)
				case 2:
					if len(mine) > 0 {
						r := u.post(paths.AccountsRows.Link(), url.Values{"disable": {mine[len(mine)-1]}}, n%8 == 2)
						check(r, "toggle")
					}
				case 3:
					if len(mine) > 1 {
						id := mine[0]
						r := u.post(paths.AccountDelete.ID(id), nil, false)
						check(r, "delete")
						if r.StatusCode == http.StatusSeeOther {
							mu.Lock()
							deleted[id] = true
							mu.Unlock()
							mine = mine[1:]
						}
					}
				}
			}
		})
	}
	wg.Wait()
	byName := map[string]int{}
	byID := map[string]bool{}
	for _, a := range h.stub.Accounts() {
		byName[a.Name]++
		byID[a.ID] = true
	}
	for name, id := range reported {
		if deleted[id] {
			if byID[id] {
				t.Errorf("%s was reported deleted but exists", name)
			}
			continue
		}
		if byName[name] != 1 {
			t.Errorf("%s was reported created; %d at the stub", name, byName[name])
		}
	}
	t.Logf("%d admins, 10 s: %d requests, %d creates and %d deletes reported, %d answers 5xx", admins, requests.Load(), len(reported), len(deleted), fivexx.Load())
	if len(reported) == 0 || len(deleted) == 0 {
		t.Error("the load did not create and delete")
	}
}

// TestHostileListings: an upstream that lists more accounts than the API
// holds, or claims a quarter of a million rules, is refused with the
// reason, and the page says so (the list, or the rules alone).
func TestHostileListings(t *testing.T) {
	hostile := func(h stub.Hostile) func(http.Handler) http.Handler {
		return func(s http.Handler) http.Handler { return h.Wrap(s.(*stub.Server)) }
	}
	t.Run("25,000 accounts", func(t *testing.T) {
		h := newHarness(t, options{seed: 3, maxBody: 64 << 20, upstream: hostile(stub.Hostile{Accounts: 25_000})})
		h.signIn()
		r := h.reload(paths.Accounts.Link())
		got := r.doc(t).Find(`[data-testid="problem"]`).Text()
		if r.StatusCode != http.StatusBadGateway || !strings.Contains(got, "lists 25,000 service accounts; the API holds at most 1,000") {
			t.Errorf("%d %q", r.StatusCode, got)
		}
	})
	t.Run("250,000 rules", func(t *testing.T) {
		h := newHarness(t, options{seed: 3, upstream: hostile(stub.Hostile{RulesTotal: 250_000})})
		h.signIn()
		h.stub.ResetCalls()
		r := h.reload(paths.Accounts.Link())
		doc := r.doc(t)
		if r.StatusCode != http.StatusOK || doc.Find(`tr[id^="r-"]`).Length() != 3 {
			t.Fatalf("the list without its rules: %d", r.StatusCode)
		}
		if got := doc.Find(`[data-testid="rules-problem"]`).Text(); !strings.Contains(got, "250,000 access rules of service accounts, more than the dashboard reads (50,000)") {
			t.Errorf("rules problem %q", got)
		}
		rulesCalls := 0
		for _, c := range h.stub.Calls() {
			if c.Op == stub.OpRules {
				rulesCalls++
			}
		}
		if rulesCalls > 1 {
			t.Errorf("%d rule pages read after the first said 250,000", rulesCalls)
		}
	})
}
