package deploy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dustin/go-humanize"
	"sigs.k8s.io/yaml"
)

type probe struct {
	HTTPGet *struct {
		Path string `json:"path"`
		Port any    `json:"port"`
	} `json:"httpGet"`
}

type container struct {
	Name  string   `json:"name"`
	Image string   `json:"image"`
	Args  []string `json:"args"`
	Env   []struct {
		Name      string `json:"name"`
		Value     string `json:"value"`
		ValueFrom *struct {
			SecretKeyRef *struct{ Name, Key string } `json:"secretKeyRef"`
		} `json:"valueFrom"`
	} `json:"env"`
	LivenessProbe  *probe `json:"livenessProbe"`
	ReadinessProbe *probe `json:"readinessProbe"`
	Resources      struct {
		Requests map[string]string `json:"requests"`
		Limits   map[string]string `json:"limits"`
	} `json:"resources"`
	SecurityContext *struct {
		RunAsNonRoot             *bool `json:"runAsNonRoot"`
		ReadOnlyRootFilesystem   *bool `json:"readOnlyRootFilesystem"`
		AllowPrivilegeEscalation *bool `json:"allowPrivilegeEscalation"`
		Capabilities             struct {
			Drop []string `json:"drop"`
		} `json:"capabilities"`
	} `json:"securityContext"`
}

type manifest struct {
	Kind string `json:"kind"`
	Spec struct {
		Template struct {
			Spec struct {
				SecurityContext struct {
					RunAsNonRoot *bool `json:"runAsNonRoot"`
				} `json:"securityContext"`
				Containers []container `json:"containers"`
			} `json:"spec"`
		} `json:"template"`
		Ports []struct {
			TargetPort any `json:"targetPort"`
		} `json:"ports"`
	} `json:"spec"`
	StringData map[string]string `json:"stringData"`
}

func load(t *testing.T, name string) manifest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("k8s", name))
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

func TestKubernetesExample(t *testing.T) {
	dep := load(t, "deployment.yaml")
	if dep.Kind != "Deployment" {
		t.Fatalf("kind %q", dep.Kind)
	}
	pod := dep.Spec.Template.Spec
	if pod.SecurityContext.RunAsNonRoot == nil || !*pod.SecurityContext.RunAsNonRoot {
		t.Error("pod does not require a non-root user")
	}
	byName := map[string]container{}
	for _, c := range pod.Containers {
		byName[c.Name] = c
		sc := c.SecurityContext
		if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
			sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation || len(sc.Capabilities.Drop) == 0 || sc.Capabilities.Drop[0] != "ALL" {
			t.Errorf("%s: securityContext is not locked down", c.Name)
		}
		if c.Resources.Requests["memory"] == "" || c.Resources.Limits["memory"] == "" || c.Resources.Requests["cpu"] == "" {
			t.Errorf("%s: resources not set", c.Name)
		}
		if c.LivenessProbe == nil || c.ReadinessProbe == nil {
			t.Errorf("%s: probes missing", c.Name)
		}
	}
	d, ok := byName["dashboard"]
	if !ok {
		t.Fatal("no dashboard container")
	}
	if d.LivenessProbe.HTTPGet.Path != "/healthz" || d.ReadinessProbe.HTTPGet.Path != "/readyz" {
		t.Error("dashboard probes do not use /healthz and /readyz")
	}
	env := map[string]string{}
	for _, e := range d.Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			env[e.Name] = "secret:" + e.ValueFrom.SecretKeyRef.Key
		} else {
			env[e.Name] = e.Value
		}
	}
	if env["SESSION_KEYS"] != "secret:session-keys" {
		t.Error("SESSION_KEYS does not come from the Secret")
	}
	if env["TRUSTED_PROXIES"] != "127.0.0.1/32" || env["RUNAI_URL"] == "" {
		t.Errorf("dashboard env %v", env)
	}
	proxy, ok := byName["oauth2-proxy"]
	if !ok || !strings.Contains(strings.Join(proxy.Args, " "), "--upstream=http://127.0.0.1:8080/") {
		t.Error("no oauth2-proxy in front of the dashboard")
	}

	svc := load(t, "service.yaml")
	if svc.Kind != "Service" || len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].TargetPort != "proxy" {
		t.Error("the Service must expose the proxy's port only")
	}
	sec := load(t, "secret.yaml")
	if sec.Kind != "Secret" || sec.StringData["session-keys"] == "" {
		t.Error("no Secret with session keys")
	}
}

// docs reads every document of a multi-document manifest.
func docs(t *testing.T, name string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("k8s", name))
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, part := range strings.Split(string(b), "\n---\n") {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(part), &m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, m)
	}
	return out
}

// at walks a decoded manifest by keys (and list indexes).
func at(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// TestKubernetesReplicas: two dashboard pods spread over nodes, a
// disruption budget that keeps one, and the Redis they share: its
// password from the Secret, the dashboard's URL pointing at its Service,
// and only the dashboard let in.
func TestKubernetesReplicas(t *testing.T) {
	dep := docs(t, "deployment.yaml")[0]
	if at(dep, "spec", "replicas") != float64(2) {
		t.Errorf("replicas %v, want 2", at(dep, "spec", "replicas"))
	}
	pod := at(dep, "spec", "template", "spec")
	if at(pod, "topologySpreadConstraints", 0, "topologyKey") != "kubernetes.io/hostname" {
		t.Error("no spread of the pods over nodes")
	}
	env := map[string]any{}
	for _, e := range at(pod, "containers", 0, "env").([]any) {
		env[at(e, "name").(string)] = e
	}
	if at(env["REDIS_PASSWORD"], "valueFrom", "secretKeyRef", "key") != "redis-password" {
		t.Error("REDIS_PASSWORD does not come from the Secret")
	}
	url, _ := at(env["REDIS_URL"], "value").(string)
	if url != "redis://:$(REDIS_PASSWORD)@runai-sa-redis:6379/0" {
		t.Errorf("REDIS_URL %q", url)
	}

	pdb := docs(t, "pdb.yaml")[0]
	if at(pdb, "kind") != "PodDisruptionBudget" || at(pdb, "spec", "minAvailable") != float64(1) ||
		at(pdb, "spec", "selector", "matchLabels", "app.kubernetes.io/name") != "runai-sa-dashboard" {
		t.Errorf("disruption budget %v", pdb)
	}

	byKind := map[string]map[string]any{}
	for _, d := range docs(t, "redis.yaml") {
		byKind[at(d, "kind").(string)] = d
	}
	redis := byKind["Deployment"]
	args := at(redis, "spec", "template", "spec", "containers", 0, "args").([]any)
	if len(args) < 2 || args[0] != "--requirepass" || args[1] != "$(REDIS_PASSWORD)" ||
		at(redis, "spec", "template", "spec", "containers", 0, "env", 0, "valueFrom", "secretKeyRef", "key") != "redis-password" {
		t.Errorf("Redis without the Secret's password: %v", args)
	}
	if at(byKind["Service"], "metadata", "name") != "runai-sa-redis" || at(byKind["Service"], "spec", "ports", 0, "port") != float64(6379) {
		t.Error("no Service runai-sa-redis:6379 for the URL")
	}
	if at(byKind["NetworkPolicy"], "spec", "ingress", 0, "from", 0, "podSelector", "matchLabels", "app.kubernetes.io/name") != "runai-sa-dashboard" {
		t.Error("Redis is not limited to the dashboard's pods")
	}
	if sec := load(t, "secret.yaml"); sec.StringData["redis-password"] == "" {
		t.Error("no redis-password in the Secret")
	}
	kust, err := os.ReadFile(filepath.Join("k8s", "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"deployment.yaml", "service.yaml", "secret.yaml", "pdb.yaml", "redis.yaml"} {
		if !strings.Contains(string(kust), "- "+f) {
			t.Errorf("kustomization.yaml lacks %s", f)
		}
	}
}

// TestMemoryLimitAndGOMEMLIMIT: the dashboard's garbage collector keeps
// the heap well under the container's memory limit (GOMEMLIMIT at most
// four fifths of it), so a burst of sign-ins is collected, not killed;
// make bench measures the dashboard with the same GOMEMLIMIT.
func TestMemoryLimitAndGOMEMLIMIT(t *testing.T) {
	dep := load(t, "deployment.yaml")
	for _, c := range dep.Spec.Template.Spec.Containers {
		if c.Name != "dashboard" {
			continue
		}
		limit, err := humanize.ParseBytes(c.Resources.Limits["memory"] + "B") // "256Mi" → "256MiB"
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range c.Env {
			if e.Name != "GOMEMLIMIT" {
				continue
			}
			soft, err := humanize.ParseBytes(e.Value)
			if err != nil {
				t.Fatalf("GOMEMLIMIT %q: %v", e.Value, err)
			}
			if float64(soft) > 0.8*float64(limit) || float64(soft) < 0.5*float64(limit) {
				t.Errorf("GOMEMLIMIT %s is not between half and four fifths of the memory limit %s", e.Value, c.Resources.Limits["memory"])
			}
			return
		}
		t.Fatal("the dashboard container sets no GOMEMLIMIT")
	}
	t.Fatal("no dashboard container")
}
