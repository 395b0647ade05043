package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

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
