package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/runai-tools/sa-dashboard/internal/inventory"
	"github.com/runai-tools/sa-dashboard/internal/metrics"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestPrometheusScrapesTheMetricsPort: a real Prometheus (Debian's
// package) scrapes METRICS_LISTEN's port, where the inventory exports
// its series, and an alert of the shipped rules fires from them (the
// rules as shipped, their "for" shortened to nothing so the test need not
// wait an hour).
func TestPrometheusScrapesTheMetricsPort(t *testing.T) {
	prom := os.Getenv("TEST_PROMETHEUS")
	if prom == "" {
		if os.Getenv("PROMETHEUS_REQUIRED") == "1" {
			t.Fatal("PROMETHEUS_REQUIRED=1 but TEST_PROMETHEUS is not set")
		}
		t.Skip("no prometheus: eval \"$(scripts/test-deps.sh)\"")
	}
	m := metrics.New()
	read := func(context.Context) (inventory.Input, error) { // the standing credential refused
		return inventory.Input{}, fmt.Errorf("%w: 401", inventory.ErrCredential)
	}
	w := inventory.NewWatch(read, time.Minute, slog.New(slog.DiscardHandler), time.Now)
	if err := m.Register(w); err != nil {
		t.Fatal(err)
	}
	w.Once(context.Background())
	addr := freeAddr(t)
	stop, err := serveMetrics(addr, m, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()

	dir := t.TempDir()
	rules, err := os.ReadFile("../../deploy/monitoring/alerts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rules = regexp.MustCompile(`(?m)^(\s+)for: \S+$`).ReplaceAll(rules, []byte("${1}for: 0s"))
	must(t, os.WriteFile(filepath.Join(dir, "alerts.yaml"), rules, 0o644))
	cfg := fmt.Sprintf("global: {scrape_interval: 1s, evaluation_interval: 1s}\nrule_files: [alerts.yaml]\n"+
		"scrape_configs:\n  - job_name: runai-sa-dashboard\n    static_configs: [{targets: ['%s']}]\n", addr)
	must(t, os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644))
	web := freeAddr(t)
	cmd := exec.Command(prom, "--config.file="+filepath.Join(dir, "prometheus.yml"), "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+web)
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	must(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	get := func(path string, v any) error {
		res, err := http.Get("http://" + web + path)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return json.Unmarshal(b, v)
	}
	var alerts struct {
		Data struct {
			Alerts []struct {
				Labels map[string]string `json:"labels"`
				State  string            `json:"state"`
			} `json:"alerts"`
		} `json:"data"`
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if get("/api/v1/alerts", &alerts) == nil {
			firing := false
			for _, a := range alerts.Data.Alerts {
				firing = firing || a.Labels["alertname"] == "RunaiStandingCredentialRefused" && a.State == "firing"
			}
			if firing {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("RunaiStandingCredentialRefused did not fire: %+v\n%s", alerts, logs.String())
		}
		time.Sleep(500 * time.Millisecond)
	}
	var up struct {
		Data struct {
			Result []struct {
				Value []any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := get("/api/v1/query?query=up", &up); err != nil || len(up.Data.Result) != 1 || up.Data.Result[0].Value[1] != "1" {
		t.Errorf("the metrics port was not scraped: %+v %v", up, err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
