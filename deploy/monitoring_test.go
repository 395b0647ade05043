package deploy

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// promtool is Debian's (the prometheus package); the test command
// installs it. Without it the test is skipped, and fails with
// PROMETHEUS_REQUIRED=1 (as CI sets).
func promtool(t *testing.T) string {
	t.Helper()
	p := os.Getenv("TEST_PROMTOOL")
	if p == "" {
		p, _ = exec.LookPath("promtool")
	}
	if p == "" {
		if os.Getenv("PROMETHEUS_REQUIRED") == "1" {
			t.Fatal("PROMETHEUS_REQUIRED=1 but no promtool: eval \"$(scripts/test-deps.sh)\"")
		}
		t.Skip("no promtool: eval \"$(scripts/test-deps.sh)\"")
	}
	return p
}

// TestAlertRules: the rules are valid, and each fires where it should and
// not where it should not (promtool test rules, monitoring/alerts_test.yaml).
func TestAlertRules(t *testing.T) {
	pt := promtool(t)
	for _, args := range [][]string{{"check", "rules", "alerts.yaml"}, {"test", "rules", "alerts_test.yaml"}} {
		cmd := exec.Command(pt, args...)
		cmd.Dir = "monitoring"
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("promtool %v: %v\n%s", args, err, out)
		}
	}
}

// TestPrometheusRuleAgrees: the PrometheusRule is the rules file's groups,
// as go generate ./deploy writes it; every alert has a runbook in the
// README.
func TestPrometheusRuleAgrees(t *testing.T) {
	src, err := os.ReadFile(AlertsFile)
	if err != nil {
		t.Fatal(err)
	}
	want, err := PrometheusRule(src)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(PrometheusRuleFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale: run go generate ./deploy", PrometheusRuleFile)
	}
	objs := build(t, "prometheusrule")
	pr := find(objs, "PrometheusRule", "runai-sa-dashboard")
	if pr == nil || pr.GetNamespace() != "runai-sa" {
		t.Fatalf("the component builds %v", pr)
	}
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	rules := at(pr.Object, "spec", "groups", 0, "rules").([]any)
	if len(rules) != 7 {
		t.Errorf("%d rules, want 7", len(rules))
	}
	for _, r := range rules {
		name := at(r, "alert").(string)
		if !bytes.Contains(readme, []byte("### Runbook: "+name)) {
			t.Errorf("the README has no runbook for %s", name)
		}
	}
}

// TestMetricsComponent: metrics on a port of their own, and a
// NetworkPolicy that admits the proxy's port from anywhere and the
// metrics port from the scraper only; nothing else.
func TestMetricsComponent(t *testing.T) {
	objs := build(t, "metrics")
	pod, env := dashboardEnv(t, objs)
	if env["METRICS_LISTEN"] != ":9090" {
		t.Errorf("METRICS_LISTEN %q", env["METRICS_LISTEN"])
	}
	var ports []string
	for _, c := range at(pod, "containers").([]any) {
		for _, p := range at(c, "ports").([]any) {
			ports = append(ports, at(p, "name").(string))
		}
	}
	if !slices.Contains(ports, "metrics") {
		t.Errorf("container ports %v", ports)
	}
	np := find(objs, "NetworkPolicy", "runai-sa-dashboard")
	if np == nil {
		t.Fatal("no NetworkPolicy for the dashboard")
	}
	if at(np.Object, "spec", "podSelector", "matchLabels", "app.kubernetes.io/name") != "runai-sa-dashboard" {
		t.Errorf("it selects %v", at(np.Object, "spec", "podSelector"))
	}
	ingress := at(np.Object, "spec", "ingress").([]any)
	admitted := map[string]any{}
	for _, rule := range ingress {
		for _, p := range at(rule, "ports").([]any) {
			admitted[at(p, "port").(string)] = at(rule, "from")
		}
	}
	if len(admitted) != 2 || admitted["proxy"] != nil {
		t.Errorf("admits %v; want the proxy from anywhere and metrics only", admitted)
	}
	from, _ := admitted["metrics"].([]any)
	if len(from) != 1 || at(from[0], "namespaceSelector") == nil || at(from[0], "podSelector") == nil {
		t.Errorf("the metrics port admits %v; want the scraper's pods in its namespace", admitted["metrics"])
	}
}

// TestPodMonitorComponent: the PodMonitor scrapes the metrics port of the
// dashboard's pods.
func TestPodMonitorComponent(t *testing.T) {
	objs := build(t, "metrics", "podmonitor")
	pm := find(objs, "PodMonitor", "runai-sa-dashboard")
	if pm == nil {
		t.Fatal("no PodMonitor")
	}
	if at(pm.Object, "spec", "selector", "matchLabels", "app.kubernetes.io/name") != "runai-sa-dashboard" ||
		at(pm.Object, "spec", "podMetricsEndpoints", 0, "port") != "metrics" || at(pm.Object, "spec", "podMetricsEndpoints", 0, "path") != "/metrics" {
		t.Errorf("PodMonitor %v", pm.Object["spec"])
	}
	var _ *unstructured.Unstructured = pm
}
