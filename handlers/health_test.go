package handlers_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/runai-tools/sa-dashboard/apiclient"
	"github.com/runai-tools/sa-dashboard/handlers"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/probe"
	"github.com/runai-tools/sa-dashboard/internal/stub"
)

// TestProbes: readiness is what the replica itself needs (its session
// store), not Run:ai: with the control plane down the replica stays ready
// and its pages say what is wrong; Run:ai's reachability is a metric.
func TestProbes(t *testing.T) {
	var watch *probe.Probe
	h := newHarnessWith(t, options{seed: 2}, func(d *handlers.Deps) {
		api := d.API.(*apiclient.Client)
		watch = probe.New(probe.Config{Check: api.Ping, Observe: d.Metrics.SetRunaiUp})
		d.Upstream = watch
	})
	if r := h.get(paths.Healthz.Link()); r.StatusCode != 200 {
		t.Errorf("healthz %d", r.StatusCode)
	}
	watch.CheckNow(t.Context())
	if r := h.get(paths.Readyz.Link()); r.StatusCode != 200 {
		t.Errorf("readyz with the control plane up: %d %s", r.StatusCode, r.body)
	}
	h.signIn()
	if h.get(paths.Accounts.Link()).doc(t).Find(`[data-testid="runai-down"]`).Length() != 0 {
		t.Error("a page says Run:ai is down while it answers")
	}
	h.stub.FailNext(stub.OpList, 1, 503) // the probe's call
	watch.CheckNow(t.Context())
	if r := h.get(paths.Readyz.Link()); r.StatusCode != 200 {
		t.Errorf("readyz with the control plane down: %d %s, want ready", r.StatusCode, r.body)
	}
	if got := h.get(paths.Accounts.Link()).doc(t).Find(`[data-testid="runai-down"]`).Text(); !strings.Contains(got, "has not answered since") {
		t.Errorf("the page does not say Run:ai is down: %q", got)
	}
	if body := h.get(paths.Metrics.Link()).body; !strings.Contains(body, "dashboard_runai_up 0") {
		t.Error("no dashboard_runai_up 0 in the metrics")
	}
}

func TestMetrics(t *testing.T) {
	h := newHarness(t, options{seed: 2})
	h.signIn()
	h.get(paths.Accounts.Link())
	h.get(paths.Account.ID("missing"))
	h.get("/no-such-page")
	body := h.get(paths.Metrics.Link()).body
	for _, want := range []string{
		`dashboard_http_requests_total{method="GET",route="` + string(paths.Accounts) + `",status="200"}`,
		`dashboard_http_requests_total{method="GET",route="` + string(paths.Account) + `",status="404"}`,
		`dashboard_http_requests_total{method="POST",route="` + string(paths.SignInKey) + `",status="303"}`,
		`dashboard_http_requests_total{method="GET",route="unmatched",status="404"}`,
		`dashboard_http_request_duration_seconds_bucket{method="GET",route="` + string(paths.Accounts) + `",le="0.1"}`,
		`dashboard_runai_api_requests_total{operation="list",status="200"}`,
		`dashboard_runai_api_requests_total{operation="get",status="404"}`,
		`dashboard_runai_api_requests_total{operation="token_v2",status="200"}`,
		`dashboard_runai_api_request_duration_seconds_count{operation="list"}`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, "missing") {
		t.Error("a raw path leaked into a label")
	}
}

// TestMetricLabelsAreBounded: 10,000 requests with random methods and
// paths add a handful of series, not thousands.
func TestMetricLabelsAreBounded(t *testing.T) {
	h := newHarness(t, options{})
	// series counts the distinct label sets of the request metrics.
	labels := regexp.MustCompile(`^dashboard_http_request\w*\{method="([^"]*)",route="([^"]*)"`)
	series := func() int {
		r := h.get(paths.Metrics.Link())
		if r.StatusCode != http.StatusOK {
			t.Fatalf("/metrics: %d, %d bytes", r.StatusCode, len(r.body))
		}
		seen := map[string]bool{}
		for _, line := range strings.Split(r.body, "\n") {
			if m := labels.FindStringSubmatch(line); m != nil {
				seen[m[1]+" "+m[2]] = true
			}
		}
		return len(seen)
	}
	before := series()
	for i := range 10000 {
		method := fmt.Sprintf("M%08X", rand.Uint32())
		path := []string{paths.Healthz.Link().String(), fmt.Sprintf("/x%d", i), paths.Account.ID(fmt.Sprint(i)).String() + "/nope"}[i%3]
		req := httptest.NewRequest(method, path, nil)
		h.e.ServeHTTP(httptest.NewRecorder(), req)
	}
	after := series()
	t.Logf("request metric label sets: %d before, %d after 10,000 random methods and paths", before, after)
	if after-before > 5 {
		t.Errorf("%d new series from random methods and paths, want a handful", after-before)
	}
	if body := h.get(paths.Metrics.Link()).body; !strings.Contains(body, `method="other"`) || strings.Contains(body, `method="M`) {
		t.Error("unknown methods are not folded into one label value")
	}
}

// TestRequestIDTravels: each request gets an id of the dashboard's own
// making, sent upstream with every API call of the request, echoed and
// shown on error pages. A caller's X-Request-ID is only logged beside it:
// reused, it could blur whom Run:ai's audit log is joined with.
func TestRequestIDTravels(t *testing.T) {
	h := newHarness(t, options{seed: 1})
	h.signIn()
	h.stub.ResetCalls()
	r := h.do("GET", paths.Account.ID("missing"), nil, map[string]string{"X-Request-ID": "req-abc.123"})
	id := r.Header.Get("X-Request-ID")
	if _, err := uuid.Parse(id); err != nil || !strings.Contains(r.body, id) {
		t.Errorf("request id %q not a UUID or not on the error page", id)
	}
	if calls := h.stub.Calls(); len(calls) != 1 || calls[0].RequestID != id {
		t.Errorf("upstream calls %+v", calls)
	}
	if !strings.Contains(h.logs.String(), "request_id="+id+" client_request_id=req-abc.123") {
		t.Error("the caller's id is not logged beside the dashboard's")
	}
	// A malformed one (log injection) is not even logged.
	h.do("GET", paths.Accounts.Link(), nil, map[string]string{"X-Request-ID": "x\" injected=1"})
	if strings.Contains(h.logs.String(), "injected") {
		t.Error("a hostile request id reached the log")
	}
	// Two requests never share an id, whatever the caller sends.
	a := h.do("GET", paths.Accounts.Link(), nil, map[string]string{"X-Request-ID": "same"})
	b := h.do("GET", paths.Accounts.Link(), nil, map[string]string{"X-Request-ID": "same"})
	if a.Header.Get("X-Request-ID") == b.Header.Get("X-Request-ID") {
		t.Error("a caller's id was reused")
	}
}
