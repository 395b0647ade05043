// Package metrics holds the dashboard's Prometheus metrics in a registry of
// its own (no global state): HTTP requests by route and status with
// latency, and Run:ai API calls by operation and status with latency.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics records what the dashboard does.
type Metrics struct {
	registry    *prometheus.Registry
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	upstream    *prometheus.CounterVec
	upstreamDur *prometheus.HistogramVec
	runaiUp     prometheus.Gauge
}

// New returns metrics registered with a fresh registry that also carries
// the Go runtime and process collectors.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dashboard_http_requests_total",
			Help: "HTTP requests answered, by route template, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "dashboard_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route template and method.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
		upstream: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dashboard_runai_api_requests_total",
			Help: "Run:ai API calls (each attempt), by operation and status; status 0 means no answer.",
		}, []string{"operation", "status"}),
		upstreamDur: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "dashboard_runai_api_request_duration_seconds",
			Help:    "Time of Run:ai API calls (each attempt), by operation.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"operation"}),
		runaiUp: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "dashboard_runai_up",
			Help: "Whether the Run:ai control plane answered the dashboard's last probe (1) or not (0).",
		}),
	}
	m.registry.MustRegister(m.requests, m.latency, m.upstream, m.upstreamDur, m.runaiUp,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveRequest records one answered HTTP request. route is the route
// template ("/accounts/:id"), never the raw path; a method outside the
// standard ones counts as "other": every label has a bounded set of
// values, whatever a client sends.
func (m *Metrics) ObserveRequest(route, method string, status int, d time.Duration) {
	method = MethodLabel(method)
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(d.Seconds())
}

// MethodLabel is the label value for an HTTP method: the standard methods
// as they are, anything else "other".
func MethodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "other"
}

// ObserveUpstream records one Run:ai API attempt.
func (m *Metrics) ObserveUpstream(op string, status int, d time.Duration) {
	m.upstream.WithLabelValues(op, strconv.Itoa(status)).Inc()
	m.upstreamDur.WithLabelValues(op).Observe(d.Seconds())
}

// SetRunaiUp records the result of a probe of the Run:ai control plane.
func (m *Metrics) SetRunaiUp(up bool) {
	v := 0.0
	if up {
		v = 1
	}
	m.runaiUp.Set(v)
}

// Register adds a collector of another package (the inventory's) to the
// dashboard's registry.
func (m *Metrics) Register(c prometheus.Collector) error { return m.registry.Register(c) }

// Handler serves the metrics in the Prometheus exposition format,
// uncompressed: the dashboard's own middleware compresses responses, and
// compressing twice sent a large scrape gzip inside gzip.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry, DisableCompression: true})
}
