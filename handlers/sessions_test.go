package handlers_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"

	"github.com/runai-tools/sa-dashboard/handlers"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/redistest"
)

// TestNoAnonymousSessions: visitors who are not signed in leave nothing on
// the server, and the sign-in form still works (its CSRF token lives in
// the visitor cookie); signing in makes one session, signing out ends it.
func TestNoAnonymousSessions(t *testing.T) {
	h := newHarness(t, options{seed: 2})
	for range 200 {
		r := httptest.NewRequest("GET", paths.SignIn.Link().String(), nil)
		h.e.ServeHTTP(httptest.NewRecorder(), r)
	}
	h.get(paths.SignIn.Link())
	if r := h.post(paths.SignInKey.Link(), url.Values{"client_id": {"nobody"}, "client_secret": {"wrong"}}, false); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("bad credentials: %d", r.StatusCode)
	}
	if n := h.store.Len(); n != 0 {
		t.Fatalf("%d server-side sessions for anonymous visitors", n)
	}
	h.signIn()
	if n := h.store.Len(); n != 1 {
		t.Fatalf("%d sessions after one sign-in", n)
	}
	if r := h.post(paths.SignOut.Link(), nil, false); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", r.StatusCode)
	}
	if n := h.store.Len(); n != 0 {
		t.Errorf("%d sessions after signing out", n)
	}
	if r := h.get(paths.SignIn.Link().RawQuery("signed_out=1")); !strings.Contains(r.body, "You have signed out") {
		t.Error("the sign-in page after signing out does not say so")
	}
}

// TestAnonymousFlood: 100,000 cookie-less requests leave the store empty,
// the heap where it was, and a signed-in admin signed in.
func TestAnonymousFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 requests")
	}
	// Not the harness's log buffer: it would keep 100,000 request lines.
	h := newHarnessWith(t, options{seed: 2}, func(d *handlers.Deps) { d.Logger = slog.New(slog.DiscardHandler) })
	h.signIn()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range 100000 {
		path := paths.SignIn.Link()
		if i%2 == 1 {
			path = paths.Accounts.Link() // redirected to sign in, no session either
		}
		h.e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path.String(), nil))
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	grew := int64(after.HeapInuse) - int64(before.HeapInuse)
	t.Logf("100,000 anonymous requests: %d server-side sessions, heap in use %+.1f MB", h.store.Len(), float64(grew)/1e6)
	if h.store.Len() != 1 || grew > 20e6 {
		t.Errorf("%d sessions held, heap grew %d bytes", h.store.Len(), grew)
	}
	if r := h.get(paths.Accounts.Link()); r.StatusCode != http.StatusOK {
		t.Errorf("the signed-in admin was signed out: %d", r.StatusCode)
	}
}

// TestReplicasShareSessions: two instances on one Redis. Signed in on A,
// the admin lists and creates on B; signing out on B ends the session on A
// too. The record of changes is in that Redis as well, so each sees the
// other's changes as made through the dashboard.
func TestReplicasShareSessions(t *testing.T) {
	srv := redistest.Start(t)
	a := newHarness(t, options{seed: 3, redisURL: srv.URL})
	a.signIn()
	b := a.twin()
	page := b.get(paths.Accounts.Link())
	if page.StatusCode != http.StatusOK || page.doc(t).Find(`tr[id^="r-"]`).Length() != 3 {
		t.Fatalf("B does not know A's session: %d", page.StatusCode)
	}
	if r := b.post(paths.Accounts.Link(), url.Values{"name": {"made-on-b"}}, false); r.StatusCode != http.StatusOK || !strings.Contains(r.body, "made-on-b") {
		t.Fatalf("create on B: %d", r.StatusCode)
	}
	if _, ok := a.stub.AccountByName("made-on-b"); !ok {
		t.Fatal("not created at the stub")
	}
	// The record of changes is shared too: A attributes B's change to the
	// dashboard.
	act := a.get(paths.Activity.Link().RawQuery("range=24h")).doc(t).Find(`[data-testid="activity-row"]`).First().Text()
	if !strings.Contains(act, "created made-on-b") || !strings.Contains(act, "via this dashboard") {
		t.Errorf("A's Activity does not know B's change: %q", strings.Join(strings.Fields(act), " "))
	}
	if r := b.post(paths.SignOut.Link(), nil, false); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out on B: %d", r.StatusCode)
	}
	if r := a.get(paths.Accounts.Link()); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(string(a.location(r)), string(paths.SignIn)) {
		t.Errorf("A still accepts the cookie signed out on B: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
}

// TestRedisRestartMidSession: with Redis gone, pages say so (503, what
// failed and what to do) and /readyz fails; with Redis back (empty), the
// admin signs in again and works.
func TestRedisRestartMidSession(t *testing.T) {
	srv := redistest.Start(t)
	h := newHarness(t, options{seed: 2, redisURL: srv.URL})
	h.signIn()
	srv.Stop()
	r := h.get(paths.Accounts.Link())
	if r.StatusCode != http.StatusServiceUnavailable || !strings.Contains(r.body, "session store (Redis) did not answer") {
		t.Errorf("with Redis down: %d %.300s", r.StatusCode, r.doc(t).Find("main").Text())
	}
	if r := h.post(paths.Accounts.Link(), url.Values{"name": {"while-down"}}, false); r.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("a change with Redis down: %d", r.StatusCode)
	}
	if _, ok := h.stub.AccountByName("while-down"); ok {
		t.Error("a change went through without a session")
	}
	if r := h.get(paths.Readyz.Link()); r.StatusCode != http.StatusServiceUnavailable || !strings.Contains(r.body, "session store (redis)") {
		t.Errorf("readyz with Redis down: %d %s", r.StatusCode, r.body)
	}
	srv.Restart()
	if r := h.get(paths.Accounts.Link()); r.StatusCode != http.StatusSeeOther {
		t.Errorf("after the restart (sessions lost): %d, want a redirect to sign in", r.StatusCode)
	}
	h.signIn()
	if r := h.get(paths.Accounts.Link()); r.StatusCode != http.StatusOK {
		t.Errorf("after signing in again: %d", r.StatusCode)
	}
	if r := h.get(paths.Readyz.Link()); r.StatusCode != http.StatusOK {
		t.Errorf("readyz with Redis back: %d", r.StatusCode)
	}
}
