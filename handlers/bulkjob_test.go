package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/runai-tools/sa-dashboard/internal/htmx"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/redistest"
)

// startBulk confirms nothing (the confirmation is tested elsewhere) and
// starts a bulk action on ids.
func startBulk(h *harness, action string, ids []string) resp {
	h.t.Helper()
	return h.post(paths.Bulk.Link(), url.Values{"action": {action}, "ids": ids}, false)
}

// TestBulkJobAtTheLimit: 1000 accounts against an upstream that takes
// 200 ms a call: the request that starts the job answers at once, the job
// page shows progress (polled by htmx, refreshing itself without
// JavaScript) and survives reloads, and in the end every account's result
// is shown and done at the stub.
func TestBulkJobAtTheLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("about a minute of upstream latency")
	}
	t.Parallel()
	h := newHarness(t, options{seed: 1000})
	h.signIn()
	var ids []string
	for _, a := range h.stub.Accounts() {
		if a.Enabled {
			ids = append(ids, a.ID)
		}
	}
	for _, a := range h.stub.Accounts() { // make it a thousand
		if len(ids) == 1000 {
			break
		}
		if !a.Enabled {
			ids = append(ids, a.ID)
		}
	}
	h.stub.SetLatency(200 * time.Millisecond)
	start := time.Now()
	started := startBulk(h, "disable", ids)
	t.Logf("the job's request answered in %v", time.Since(start).Round(time.Millisecond))
	page := h.get(h.jobPage(started))
	doc := page.doc(t)
	// (The parser reads noscript as text, as a browser with scripts does.)
	if doc.Find(`[data-testid="bulk-job"][hx-trigger="every 1s"]`).Length() != 1 || !strings.Contains(page.body, `<noscript><meta http-equiv="refresh" content="2">`) {
		t.Errorf("a running job's page neither polls nor refreshes itself: %s", doc.Find("main").Text())
	}
	// A reload, and a poll, in the middle.
	time.Sleep(2 * time.Second)
	poll := h.do("GET", h.jobPage(started), nil, map[string]string{htmx.HeaderRequest: "true", htmx.HeaderTarget: "bulk-job"})
	if counts := poll.doc(t).Find(`[data-testid="bulk-counts"]`).Text(); !strings.Contains(counts, "to go") {
		t.Errorf("progress while running: %q", counts)
	}
	result := h.jobResult(started)
	t.Logf("1000 accounts at 200 ms a call, 4 at a time: done after %v", time.Since(start).Round(time.Second))
	h.stub.SetLatency(0)
	if n := result.Find(`[data-testid="bulk-ok"]`).Length(); n != 1000 {
		t.Errorf("%d accounts reported done, want 1000 (%s)", n, result.Find("#bulk-heading").Text())
	}
	if html, _ := result.Html(); strings.Contains(html, `http-equiv="refresh"`) {
		t.Error("a finished job's page still refreshes itself")
	}
	for _, id := range ids {
		if a, _ := h.stub.Account(id); a.Enabled {
			t.Fatalf("%s still enabled at the stub", a.Name)
		}
	}
}

// TestBulkJobCancel: Stop skips the accounts not yet started, lists them as
// not done, and leaves them as they were.
func TestBulkJobCancel(t *testing.T) {
	h := newHarness(t, options{seed: 40})
	h.signIn()
	var ids []string
	for _, a := range h.stub.Accounts() {
		ids = append(ids, a.ID)
	}
	h.stub.SetLatency(150 * time.Millisecond)
	started := startBulk(h, "delete", ids)
	time.Sleep(400 * time.Millisecond)
	if r := h.post(paths.BulkJobCancel.ID(jobID(h.jobPage(started))), nil, false); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("stop: %d", r.StatusCode)
	}
	result := h.jobResult(started)
	h.stub.SetLatency(0)
	done, notDone := result.Find(`[data-testid="bulk-ok"]`).Length(), result.Find(`[data-testid="bulk-notdone"]`).Length()
	t.Logf("stopped after %d of 40; %d not done", done, notDone)
	if done == 0 || notDone == 0 || done+notDone != 40 {
		t.Fatalf("done %d, not done %d", done, notDone)
	}
	if got := result.Find(`[data-testid="bulk-stopped"]`).Text(); !strings.Contains(got, "Stopped on request") {
		t.Errorf("no word of the stop: %q", got)
	}
	if left := len(h.stub.Accounts()); left != notDone {
		t.Errorf("%d accounts left at the stub, want the %d not done", left, notDone)
	}
}

// TestBulkJobOnAnotherReplica: a job started on one instance is followed
// and stopped from another (through Redis).
func TestBulkJobOnAnotherReplica(t *testing.T) {
	srv := redistest.Start(t)
	a := newHarness(t, options{seed: 30, redisURL: srv.URL})
	a.signIn()
	var ids []string
	for _, acct := range a.stub.Accounts() {
		ids = append(ids, acct.ID)
	}
	a.stub.SetLatency(150 * time.Millisecond)
	started := startBulk(a, "disable", ids)
	b := a.twin()
	time.Sleep(300 * time.Millisecond)
	if r := b.get(a.jobPage(started)); r.StatusCode != http.StatusOK || r.doc(t).Find(`[data-testid="bulk-job"]`).Length() != 1 {
		t.Fatalf("B does not show A's job: %d", r.StatusCode)
	}
	if r := b.post(paths.BulkJobCancel.ID(jobID(a.jobPage(started))), nil, false); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("stop on B: %d", r.StatusCode)
	}
	result := b.jobResult(started)
	a.stub.SetLatency(0)
	if result.Find(`[data-testid="bulk-notdone"]`).Length() == 0 {
		t.Error("the stop asked on B did not reach the job on A")
	}
}

// TestBulkJobIsTheSessions: another session, or an unknown id, finds no
// job, and says so.
func TestBulkJobIsTheSessions(t *testing.T) {
	h := newHarness(t, options{seed: 3})
	h.signIn()
	var ids []string
	for _, a := range h.stub.Accounts() {
		ids = append(ids, a.ID)
	}
	started := startBulk(h, "disable", ids)
	h.jobResult(started)
	other := newUserOf(t, h)
	for _, r := range []resp{other.get(h.jobPage(started)), h.get(paths.BulkJob.ID("AAAAAAAAAAAAAAAAAAAAAAAAAA")), h.get(paths.BulkJob.ID("../x"))} {
		if r.StatusCode != http.StatusNotFound || !strings.Contains(r.body, "result is gone") {
			t.Errorf("%d: %.200s", r.StatusCode, r.doc(t).Find("main").Text())
		}
	}
}

// TestSignOutStopsTheSessionsJobs: signing out stops the bulk jobs the
// session started: no call to Run:ai starts after the sign-out (those in
// flight finish), the accounts not reached are reported as not done, and
// the next sign-in of the same SSO identity says so, with the result.
func TestSignOutStopsTheSessionsJobs(t *testing.T) {
	var mu sync.Mutex
	var signedOut bool
	after := 0
	count := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			if signedOut && r.Method == http.MethodPatch {
				after++
			}
			mu.Unlock()
			next.ServeHTTP(w, r)
		})
	}
	h := newHarness(t, options{seed: 40, trusted: loopback, upstream: count})
	ada := ssoHeaders("ada@corp.example")
	h.signInAs(ada)
	h.do("GET", paths.Accounts.Link(), nil, ada)
	var ids []string
	for _, a := range h.stub.Accounts() {
		ids = append(ids, a.ID)
	}
	h.stub.SetLatency(100 * time.Millisecond)
	started := h.asSSO(ada, paths.Bulk.Link(), url.Values{"action": {"disable"}, "ids": ids})
	page := h.jobPage(started)
	time.Sleep(300 * time.Millisecond)
	h.asSSO(ada, paths.SignOut.Link(), url.Values{})
	mu.Lock()
	signedOut = true
	mu.Unlock()
	time.Sleep(600 * time.Millisecond)
	h.stub.SetLatency(0)
	mu.Lock()
	n := after
	mu.Unlock()
	if n != 0 {
		t.Errorf("%d calls to Run:ai started after the sign-out", n)
	}
	h.signInAs(ada)
	doc := h.do("GET", paths.Accounts.Link(), nil, ada).doc(t)
	flash := doc.Find(`[data-testid="flash"]`).FilterFunction(func(_ int, s *goquery.Selection) bool {
		return strings.Contains(s.Text(), "stopped when you signed out")
	})
	if href, _ := flash.Find("a").Attr("href"); href != page.String() {
		t.Fatalf("the next sign-in does not point to the stopped job: %q %q", flash.Text(), href)
	}
	result := h.do("GET", page, nil, ada).doc(t)
	if result.Find(`[data-testid="bulk-notdone"]`).Length() == 0 || !strings.Contains(result.Text(), "you signed out before it was reached") {
		t.Errorf("the job's result: %s", result.Find(`[data-testid="bulk-job"], [data-testid="bulk-result"]`).Text())
	}
}
