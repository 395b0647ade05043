package deploy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

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
