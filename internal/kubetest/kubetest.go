// Package kubetest runs a real Kubernetes API server for tests:
// controller-runtime's envtest starts kube-apiserver and etcd (built by
// scripts/envtest-deps.sh, found through KUBEBUILDER_ASSETS), once per
// test process, on first use. RBAC is enforced: identities added with
// User have only the rights the objects applied to the server grant them.
//
// Without KUBEBUILDER_ASSETS the tests that need the server are skipped,
// unless ENVTEST_REQUIRED=1 (set by the test command), where they fail.
package kubetest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	crlog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// Env is a running API server, with an administrator's clients.
type Env struct {
	env *envtest.Environment
	// Config is the administrator's (system:masters).
	Config *rest.Config
	Admin  kubernetes.Interface
	// StartedIn is how long the API server and etcd took to start.
	StartedIn time.Duration

	dyn    dynamic.Interface
	mapper meta.RESTMapper
}

var (
	once     sync.Once
	shared   *Env
	startErr error
	seq      atomic.Int64
)

// Shared is the process's API server, started on first use. A test
// without the binaries is skipped (failed with ENVTEST_REQUIRED=1).
func Shared(t testing.TB) *Env {
	t.Helper()
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		if os.Getenv("ENVTEST_REQUIRED") == "1" {
			t.Fatal("ENVTEST_REQUIRED=1 but KUBEBUILDER_ASSETS is not set: eval \"$(scripts/envtest-deps.sh)\"")
		}
		t.Skip("no kube-apiserver: eval \"$(scripts/envtest-deps.sh)\" to run the Kubernetes tests")
	}
	once.Do(func() { shared, startErr = Start() })
	if startErr != nil {
		t.Fatalf("kubetest: %v", startErr)
	}
	return shared
}

// Stop stops the process's API server, if it was started; TestMain calls
// it after the tests.
func Stop() {
	if shared != nil {
		shared.Stop()
	}
}

// Stop stops the API server and etcd.
func (e *Env) Stop() { _ = e.env.Stop() }

// Start starts an API server of its own (tests use Shared; a benchmark
// outside the tests, this), from the binaries in KUBEBUILDER_ASSETS.
func Start() (*Env, error) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		return nil, errors.New("KUBEBUILDER_ASSETS is not set: eval \"$(scripts/envtest-deps.sh)\"")
	}
	crlog.SetLogger(logr.Discard()) // envtest's progress lines; failures come back as errors
	env := &envtest.Environment{ControlPlaneStartTimeout: 2 * time.Minute, ControlPlaneStopTimeout: 30 * time.Second}
	began := time.Now()
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("start kube-apiserver and etcd: %w", err)
	}
	cfg.WarningHandler = rest.NoWarnings{} // the server's warnings of odd test data
	e := &Env{env: env, Config: cfg, StartedIn: time.Since(began)}
	if e.Admin, err = kubernetes.NewForConfig(cfg); err == nil {
		e.dyn, err = dynamic.NewForConfig(cfg)
	}
	if err != nil {
		_ = env.Stop()
		return nil, err
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		_ = env.Stop()
		return nil, err
	}
	e.mapper = restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
	fmt.Fprintf(os.Stderr, "kubetest: kube-apiserver and etcd started in %s\n", e.StartedIn.Round(10*time.Millisecond))
	return e, nil
}

// WriteKubeconfig writes a kubeconfig file for the administrator, for a
// process (the dashboard) that reads KUBECONFIG.
func (e *Env) WriteKubeconfig(path string) error {
	c := e.Config
	kc := clientcmdapi.NewConfig()
	kc.Clusters["envtest"] = &clientcmdapi.Cluster{Server: c.Host, CertificateAuthorityData: c.CAData}
	kc.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: c.CertData, ClientKeyData: c.KeyData, Token: c.BearerToken}
	kc.Contexts["envtest"] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: "admin"}
	kc.CurrentContext = "envtest"
	return clientcmd.WriteToFile(*kc, path)
}

// User is a client configuration that authenticates as name, a member of
// groups, with only the rights RBAC objects give them.
func (e *Env) User(t testing.TB, name string, groups ...string) *rest.Config {
	t.Helper()
	u, err := e.env.AddUser(envtest.User{Name: name, Groups: groups}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return u.Config()
}

// Grant lets the user name do verbs on resources of apiGroups in
// namespace ns: a Role and a RoleBinding, named after the user.
func (e *Env) Grant(t testing.TB, ns, name string, apiGroups, resources, verbs []string) {
	t.Helper()
	ctx := context.Background()
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Rules: []rbacv1.PolicyRule{{APIGroups: apiGroups, Resources: resources, Verbs: verbs}}}
	if _, err := e.Admin.RbacV1().Roles(ns).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	b := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: name}},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name}}
	if _, err := e.Admin.RbacV1().RoleBindings(ns).Create(ctx, b, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// Namespace creates a namespace named prefix plus a number unique in the
// process (tests share the server), and returns its name.
func (e *Env) Namespace(t testing.TB, prefix string) string {
	t.Helper()
	name := fmt.Sprintf("%s-%d", prefix, seq.Add(1))
	e.EnsureNamespace(t, name)
	return name
}

// EnsureNamespace creates the namespace name unless it exists.
func (e *Env) EnsureNamespace(t testing.TB, name string) {
	t.Helper()
	_, err := e.Admin.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// Apply creates objs as the administrator (the namespaces they name are
// created first), or updates those that exist.
func (e *Env) Apply(t testing.TB, objs []*unstructured.Unstructured) {
	t.Helper()
	ctx := context.Background()
	for _, o := range objs {
		m, err := e.mapper.RESTMapping(o.GroupVersionKind().GroupKind(), o.GroupVersionKind().Version)
		if err != nil {
			t.Fatalf("%s %s: %v", o.GetKind(), o.GetName(), err)
		}
		var r dynamic.ResourceInterface = e.dyn.Resource(m.Resource)
		if m.Scope.Name() == meta.RESTScopeNameNamespace {
			if o.GetNamespace() == "" {
				t.Fatalf("%s %s names no namespace", o.GetKind(), o.GetName())
			}
			e.EnsureNamespace(t, o.GetNamespace())
			r = e.dyn.Resource(m.Resource).Namespace(o.GetNamespace())
		}
		_, err = r.Create(ctx, o, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			var cur *unstructured.Unstructured
			if cur, err = r.Get(ctx, o.GetName(), metav1.GetOptions{}); err == nil {
				o.SetResourceVersion(cur.GetResourceVersion())
				_, err = r.Update(ctx, o, metav1.UpdateOptions{})
			}
		}
		if err != nil {
			t.Fatalf("apply %s %s: %v", o.GetKind(), o.GetName(), err)
		}
	}
}

// Kustomize builds the kustomization in dir (a path on disk, with its
// components) as kubectl apply -k would, and returns its objects.
func Kustomize(t testing.TB, dir string) []*unstructured.Unstructured {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	rm, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	var out []*unstructured.Unstructured
	for _, r := range rm.Resources() {
		m, err := r.Map()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, &unstructured.Unstructured{Object: m})
	}
	return out
}

// KustomizeWith builds the kustomization in base with the named
// components of base/components, as an overlay that lists them would.
func KustomizeWith(t testing.TB, base string, components ...string) []*unstructured.Unstructured {
	t.Helper()
	abs, err := filepath.Abs(base)
	if err != nil {
		t.Fatal(err)
	}
	overlay := t.TempDir()
	rel, err := filepath.Rel(overlay, abs) // kustomize takes no absolute root
	if err != nil {
		t.Fatal(err)
	}
	k := "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - " + rel + "\n"
	if len(components) > 0 {
		k += "components:\n"
		for _, c := range components {
			k += "  - " + filepath.Join(rel, "components", c) + "\n"
		}
	}
	if err := os.WriteFile(filepath.Join(overlay, "kustomization.yaml"), []byte(k), 0o600); err != nil {
		t.Fatal(err)
	}
	return Kustomize(t, overlay)
}

// Only keeps the objects of objs of the given kinds.
func Only(objs []*unstructured.Unstructured, kinds ...string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		for _, k := range kinds {
			if strings.EqualFold(o.GetKind(), k) {
				out = append(out, o)
			}
		}
	}
	return out
}
