package handlers_test

// Delivery into Kubernetes Secrets, against a real kube-apiserver and
// etcd (internal/kubetest): the project's own RBAC manifests applied to
// it, the dashboard's service account and people as the identities.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/runai-tools/sa-dashboard/handlers"
	"github.com/runai-tools/sa-dashboard/internal/delivery"
	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/kube"
	"github.com/runai-tools/sa-dashboard/internal/kubetest"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/record"
)

// The dashboard's identity in the shipped manifests, and the namespace
// their delivery component lets it write to.
const (
	dashboardSA    = "system:serviceaccount:runai-sa:runai-sa-dashboard"
	credsNamespace = "runai-credentials"
)

var dashboardGroups = []string{"system:serviceaccounts", "system:serviceaccounts:runai-sa"}

var applyManifests sync.Once

// cluster is the shared API server with the project's delivery RBAC
// applied (deploy/k8s with components/delivery): the namespace, its Role
// and the RoleBinding to the dashboard's service account.
func cluster(t *testing.T) *kubetest.Env {
	t.Helper()
	k := kubetest.Shared(t)
	applyManifests.Do(func() {
		objs := kubetest.KustomizeWith(t, "../deploy/k8s", "delivery")
		k.Apply(t, kubetest.Only(objs, "Namespace", "Role", "RoleBinding"))
	})
	return k
}

// deliveryHarness is a dashboard that delivers into namespaces of the
// test server, calling it with as (and kc's impersonation settings).
func deliveryHarness(t *testing.T, o options, as *rest.Config, kc kube.Config, namespaces ...string) *harness {
	t.Helper()
	cl, err := kube.FromREST(as, kc)
	if err != nil {
		t.Fatal(err)
	}
	d := &handlers.Delivery{Cluster: cl, Namespaces: namespaces}
	h := newHarnessWith(t, o, func(deps *handlers.Deps) { deps.Delivery = d })
	d.RunaiURL = h.stubURL // before any request
	return h
}

// asDashboard is the dashboard's service account's client configuration.
func asDashboard(t *testing.T, k *kubetest.Env) *rest.Config {
	return k.User(t, dashboardSA, dashboardGroups...)
}

// behind sends every request of h as the SSO proxy would, with hdr.
func (h *harness) behind(hdr map[string]string) {
	h.client.Transport = headerTransport{hdr: hdr, next: http.DefaultTransport}
}

type headerTransport struct {
	hdr  map[string]string
	next http.RoundTripper
}

func (t headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range t.hdr {
		r.Header.Set(k, v)
	}
	return t.next.RoundTrip(r)
}

// secretName is a Secret name of its own for each test (they share the
// server and the namespace).
var secretSeq atomic.Int64

func secretName(prefix string) string { return fmt.Sprintf("%s-%d", prefix, secretSeq.Add(1)) }

func getSecret(t *testing.T, k *kubetest.Env, ns, name string) *corev1.Secret {
	t.Helper()
	s, err := k.Admin.CoreV1().Secrets(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("Secret %s/%s: %v", ns, name, err)
	}
	return s
}

// obtainsToken reports whether the credentials in s's data, as a workload
// reading it would use them (its URL key included), obtain a token.
func obtainsToken(t *testing.T, s *corev1.Secret, keys delivery.Keys) bool {
	t.Helper()
	v := url.Values{"grant_type": {"client_credentials"}, "client_id": {string(s.Data[keys.ClientID])}, "client_secret": {string(s.Data[keys.ClientSecret])}}
	res, err := http.PostForm(string(s.Data[keys.URL])+"/api/v2/token", v)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(res.Body).Decode(&tok)
	return res.StatusCode == http.StatusOK && tok.AccessToken != ""
}

func deliverTo(ns, name string, preset delivery.Preset, only bool) url.Values {
	v := url.Values{form.FieldDeliverNamespace: {ns}, form.FieldDeliverName: {name}, form.FieldDeliverKeys: {string(preset)}}
	if only {
		v.Set(form.FieldDeliverOnly, "1")
	}
	return v
}

func with(v url.Values, kv ...string) url.Values {
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// TestDeliverAtCreate: the create form's secret goes into the Secret
// chosen on it (both key presets, with and without JavaScript), whose
// data obtains a token at Run:ai as it is, and which says what it holds
// and who delivered it, never the secret.
func TestDeliverAtCreate(t *testing.T) {
	k := cluster(t)
	for _, preset := range delivery.Presets {
		for _, v := range variants() {
			t.Run(string(preset)+"/"+v.name, func(t *testing.T) {
				h := deliveryHarness(t, options{seed: 1}, asDashboard(t, k), kube.Config{}, credsNamespace)
				h.signIn()
				name := secretName("ci-" + string(preset))
				r := h.post(paths.Accounts.Link(), with(deliverTo(credsNamespace, name, preset, false), "name", name), v.htmx)
				if r.StatusCode != http.StatusOK || r.Header.Get("Cache-Control") != "no-store" {
					t.Fatalf("create: %d %q\n%s", r.StatusCode, r.Header.Get("Cache-Control"), r.body)
				}
				doc := r.doc(t)
				shown := doc.Find(`[data-testid="secret-value"]`).Text()
				if !strings.Contains(doc.Find(`[data-testid="delivered"]`).Text(), "Delivered to the Secret "+credsNamespace+"/"+name) || shown == "" {
					t.Fatalf("delivered notice %q, secret shown %v", doc.Find(`[data-testid="delivered"]`).Text(), shown != "")
				}
				a, ok := h.stub.AccountByName(name)
				if !ok {
					t.Fatal("not created")
				}
				s := getSecret(t, k, credsNamespace, name)
				keys, _ := preset.Keys()
				if string(s.Data[keys.ClientSecret]) != shown || string(s.Data[keys.ClientID]) != a.ClientID || string(s.Data[keys.URL]) != h.stubURL {
					t.Errorf("data %v", s.Data)
				}
				if !obtainsToken(t, s, keys) {
					t.Error("the Secret's credentials obtain no token")
				}
				want := map[string]string{delivery.AnnServiceAccount: name, delivery.AnnServiceAccountID: a.ID, delivery.AnnClientID: a.ClientID,
					delivery.AnnDeliveredBy: "admin"}
				for key, val := range want {
					if s.Annotations[key] != val {
						t.Errorf("annotation %s = %q, want %q", key, s.Annotations[key], val)
					}
				}
				if s.Labels[delivery.LabelManagedBy] != "runai-sa-dashboard" || s.Annotations[delivery.AnnDeliveredAt] == "" || s.Type != corev1.SecretTypeOpaque {
					t.Errorf("labels %v, annotations %v, type %s", s.Labels, s.Annotations, s.Type)
				}
				noSecretIn(t, s, shown)
			})
		}
	}
}

// noSecretIn fails when the Secret's metadata holds the secret.
func noSecretIn(t *testing.T, s *corev1.Secret, secret string) {
	t.Helper()
	b, _ := json.Marshal(s.ObjectMeta)
	if strings.Contains(string(b), secret) {
		t.Errorf("Secret %s/%s: its metadata holds the secret", s.Namespace, s.Name)
	}
}

// TestDeliverOnly: "deliver only" never sends the secret to the browser;
// the Secret has it, and it works. A new account with its first rule is
// usable with no hand-over at all.
func TestDeliverOnly(t *testing.T) {
	k := cluster(t)
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			h := deliveryHarness(t, options{seed: 1}, asDashboard(t, k), kube.Config{}, credsNamespace)
			h.signIn()
			name := secretName("only")
			proj := h.stub.Scopes().Projects[0]
			r := h.post(paths.Accounts.Link(), with(deliverTo(credsNamespace, name, delivery.PresetEnv, true), "name", name,
				"role", "28", "scope", "project:"+proj.ID), v.htmx)
			if r.StatusCode != http.StatusOK || r.Header.Get("Cache-Control") != "no-store" {
				t.Fatalf("create: %d\n%s", r.StatusCode, r.body)
			}
			s := getSecret(t, k, credsNamespace, name)
			secret := string(s.Data[delivery.EnvKeys.ClientSecret])
			if secret == "" || strings.Contains(r.body, secret) || strings.Contains(r.body, `data-testid="secret-value"`) {
				t.Fatal("the secret reached the browser")
			}
			if !strings.Contains(r.doc(t).Find(`[data-testid="delivered"]`).Text(), "It is not shown here") {
				t.Error("no word of where the secret went")
			}
			if !obtainsToken(t, s, delivery.EnvKeys) {
				t.Error("the delivered credentials obtain no token")
			}
			a, _ := h.stub.AccountByName(name)
			granted := false
			for _, rule := range h.stub.Rules() {
				granted = granted || (rule.SubjectID == a.ClientID && rule.ScopeID == proj.ID)
			}
			if !granted {
				t.Error("the account was created without its first rule")
			}
		})
	}
}

// TestDeliverAtRegenerate: the regenerate confirmation takes a target;
// the new secret replaces the old one in the Secret that holds the
// account (no confirmation needed: it is the same account's), the old one
// stops working, and the account page lists the Secret.
func TestDeliverAtRegenerate(t *testing.T) {
	k := cluster(t)
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			h := deliveryHarness(t, options{seed: 1}, asDashboard(t, k), kube.Config{}, credsNamespace)
			h.signIn()
			name := secretName("regen")
			h.post(paths.Accounts.Link(), with(deliverTo(credsNamespace, name, delivery.PresetFile, true), "name", name), false)
			a, _ := h.stub.AccountByName(name)
			before := getSecret(t, k, credsNamespace, name)

			page := h.get(paths.Account.ID(a.ID)).doc(t)
			if got := page.Find(`[data-testid="held-row"]`).Text(); !strings.Contains(got, credsNamespace+"/"+name) || !strings.Contains(got, "this client ID") {
				t.Errorf("the account page lists %q", got)
			}
			confirm := h.get(paths.AccountRegenerate.ID(a.ID)).doc(t)
			if confirm.Find(`[data-testid="delivery-fields"]`).Length() != 1 {
				t.Fatal("the regenerate confirmation offers no delivery")
			}
			r := h.post(paths.AccountRegenerate.ID(a.ID), deliverTo(credsNamespace, name, delivery.PresetFile, false), v.htmx)
			if r.StatusCode != http.StatusOK {
				t.Fatalf("regenerate: %d\n%s", r.StatusCode, r.body)
			}
			after := getSecret(t, k, credsNamespace, name)
			shown := r.doc(t).Find(`[data-testid="secret-value"]`).Text()
			if shown == "" || string(after.Data["secret"]) != shown || string(after.Data["secret"]) == string(before.Data["secret"]) {
				t.Fatal("the new secret is not the Secret's")
			}
			if !obtainsToken(t, after, delivery.FileKeys) || obtainsToken(t, before, delivery.FileKeys) {
				t.Error("the Secret's new credentials fail, or the old ones still work")
			}
			noSecretIn(t, after, shown)
		})
	}
}

// TestDeliveryRBAC: the project's own Role and RoleBinding let the
// dashboard's service account write in the namespace they name and
// nowhere else: the refusal, checked before the account is created, is
// the cluster's, on the form, with the input kept.
func TestDeliveryRBAC(t *testing.T) {
	k := cluster(t)
	elsewhere := k.Namespace(t, "elsewhere")
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			h := deliveryHarness(t, options{seed: 1}, asDashboard(t, k), kube.Config{}, credsNamespace, elsewhere)
			h.signIn()
			// Reading is refused there too: the pages say so, not nothing.
			unread := h.reload(paths.Accounts.Link()).doc(t).Find(`[data-testid="secrets-unread"]`).Text()
			if !strings.Contains(unread, "namespace "+elsewhere) || !strings.Contains(unread, `cannot list resource "secrets"`) {
				t.Errorf("the list says %q of the unreadable namespace", unread)
			}
			name := secretName("refused")
			r := h.post(paths.Accounts.Link(), with(deliverTo(elsewhere, name, delivery.PresetEnv, false), "name", name), v.htmx)
			if r.StatusCode != http.StatusForbidden {
				t.Fatalf("status %d, want 403\n%s", r.StatusCode, r.body)
			}
			doc := r.doc(t)
			msg := doc.Find(`[data-testid="error-` + form.FieldDeliverNamespace + `"]`).Text()
			if !strings.Contains(msg, `User "`+dashboardSA+`" cannot get resource "secrets"`) && !strings.Contains(msg, `cannot create resource "secrets"`) {
				t.Errorf("the refusal says %q, not the cluster's reason", msg)
			}
			if val, _ := doc.Find(`input[name="name"]`).Attr("value"); val != name {
				t.Errorf("the form lost its input: %q", val)
			}
			if _, ok := h.stub.AccountByName(name); ok {
				t.Error("the account was created although its delivery was refused")
			}
			if _, err := k.Admin.CoreV1().Secrets(elsewhere).Get(context.Background(), name, metav1.GetOptions{}); err == nil {
				t.Error("a Secret was written where RBAC refuses it")
			}
		})
	}
}

// TestImpersonation: with impersonation every call is the person's: the
// project's impersonation component lets a member of the people's group
// deliver (and the Secret says who), a person without rights is refused
// with the cluster's message (no fallback to the dashboard's rights), a
// request without an SSO identity is refused, and a system: group is
// never passed on, even without a group prefix and with rights to
// impersonate any group.
func TestImpersonation(t *testing.T) {
	k := cluster(t)
	objs := kubetest.KustomizeWith(t, "../deploy/k8s", "delivery", "impersonation")
	// The component's ClusterRole, bound to an identity of this test's own
	// (the shipped binding names the service account, which the other
	// tests use with its own rights).
	impersonator := "impersonator-" + fmt.Sprint(secretSeq.Add(1))
	role := kubetest.Only(objs, "ClusterRole")[0]
	role.SetName(impersonator)
	k.Apply(t, kubetest.Only(objs, "ClusterRole"))
	bind(t, k, impersonator, impersonator, rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: impersonator})
	// The people's group may write Secrets in the namespace, as the
	// component's RoleBinding patch says.
	for _, rb := range kubetest.Only(objs, "RoleBinding") {
		rb.SetName("people-" + impersonator)
	}
	k.Apply(t, kubetest.Only(objs, "RoleBinding"))
	kc := kube.Config{Impersonate: true, UserPrefix: "oidc:", GroupPrefix: "oidc:"}

	t.Run("a member of the people's group delivers as themselves", func(t *testing.T) {
		h := deliveryHarness(t, options{seed: 1, trusted: loopback}, k.User(t, impersonator), kc, credsNamespace)
		h.behind(ssoHeaders("grace@corp.example", "X-Forwarded-Groups", "platform-admins"))
		h.signIn()
		name := secretName("grace")
		r := h.post(paths.Accounts.Link(), with(deliverTo(credsNamespace, name, delivery.PresetEnv, false), "name", name), false)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("create: %d\n%s", r.StatusCode, r.body)
		}
		s := getSecret(t, k, credsNamespace, name)
		if s.Annotations[delivery.AnnDeliveredBy] != "grace@corp.example" {
			t.Errorf("delivered-by %q", s.Annotations[delivery.AnnDeliveredBy])
		}
		if mf := s.ManagedFields; len(mf) == 0 || mf[0].Manager != "runai-sa-dashboard" {
			t.Errorf("managed fields %v", mf)
		}
	})
	t.Run("a person without rights is refused with the cluster's message", func(t *testing.T) {
		h := deliveryHarness(t, options{seed: 1, trusted: loopback}, k.User(t, impersonator), kc, credsNamespace)
		h.behind(ssoHeaders("eve@corp.example"))
		h.signIn()
		name := secretName("eve")
		r := h.post(paths.Accounts.Link(), with(deliverTo(credsNamespace, name, delivery.PresetEnv, false), "name", name), true)
		msg := r.doc(t).Find(`[data-testid="error-` + form.FieldDeliverNamespace + `"]`).Text()
		if r.StatusCode != http.StatusForbidden || !strings.Contains(msg, `User "oidc:eve@corp.example" cannot`) {
			t.Errorf("%d: %q", r.StatusCode, msg)
		}
		if _, ok := h.stub.AccountByName(name); ok {
			t.Error("created although its delivery was refused")
		}
	})
	t.Run("no SSO identity, no call", func(t *testing.T) {
		h := deliveryHarness(t, options{seed: 1}, k.User(t, impersonator), kc, credsNamespace)
		h.signIn()
		r := h.post(paths.Accounts.Link(), with(deliverTo(credsNamespace, secretName("nobody"), delivery.PresetEnv, false), "name", "nobody"), false)
		if r.StatusCode != http.StatusForbidden || !strings.Contains(r.body, "carries no SSO identity") {
			t.Errorf("%d %s", r.StatusCode, r.body)
		}
	})
	t.Run("system: groups are never passed on", func(t *testing.T) {
		// An identity that may impersonate any group, and no prefix: were
		// system:masters passed on, eve would be the cluster's admin.
		anyGroup := impersonator + "-any"
		mustCreate(t, k, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: anyGroup}, Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"users", "groups"}, Verbs: []string{"impersonate"}}}})
		bind(t, k, anyGroup, anyGroup, rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: anyGroup})
		cl, err := kube.FromREST(k.User(t, anyGroup), kube.Config{Impersonate: true})
		if err != nil {
			t.Fatal(err)
		}
		eve, err := cl.For(kube.Person{User: "eve@corp.example", Groups: []string{"system:masters", "devs", " system:nodes"}})
		if err != nil {
			t.Fatal(err)
		}
		review, err := eve.Typed.AuthenticationV1().SelfSubjectReviews().Create(context.Background(), &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		u := review.Status.UserInfo
		for _, g := range u.Groups {
			if g == "system:masters" || g == "system:nodes" {
				t.Errorf("the API server sees eve in %s", g)
			}
		}
		if u.Username != "eve@corp.example" || !contains(u.Groups, "devs") {
			t.Errorf("the API server sees %+v", u)
		}
		h := deliveryHarness(t, options{seed: 1, trusted: loopback}, k.User(t, anyGroup), kube.Config{Impersonate: true}, credsNamespace)
		h.behind(ssoHeaders("eve@corp.example", "X-Forwarded-Groups", "system:masters"))
		h.signIn()
		r := h.post(paths.Accounts.Link(), with(deliverTo(credsNamespace, secretName("masters"), delivery.PresetEnv, false), "name", "masters"), false)
		if r.StatusCode != http.StatusForbidden {
			t.Errorf("eve with a forged system:masters group: %d", r.StatusCode)
		}
		if _, err := mustCluster(t, k.User(t, anyGroup), kube.Config{Impersonate: true}).For(kube.Person{User: "system:admin"}); err == nil {
			t.Error("a system: user would be impersonated")
		}
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func mustCluster(t *testing.T, rc *rest.Config, kc kube.Config) *kube.Cluster {
	t.Helper()
	cl, err := kube.FromREST(rc, kc)
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

func mustCreate(t *testing.T, k *kubetest.Env, r *rbacv1.ClusterRole) {
	t.Helper()
	if _, err := k.Admin.RbacV1().ClusterRoles().Create(context.Background(), r, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func bind(t *testing.T, k *kubetest.Env, name, role string, subject rbacv1.Subject) {
	t.Helper()
	_, err := k.Admin.RbacV1().ClusterRoleBindings().Create(context.Background(), &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name}, Subjects: []rbacv1.Subject{subject},
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
}

// TestDeliveryConflict: a Secret changed by another writer between the
// dashboard's read and its write is a conflict, reported with the secret
// still shown (to store by hand or deliver again), and the other writer's
// change is kept, not lost.
func TestDeliveryConflict(t *testing.T) {
	k := cluster(t)
	rc := rest.CopyConfig(asDashboard(t, k))
	var raced atomic.Bool
	rc.WrapTransport = func(next http.RoundTripper) http.RoundTripper {
		return roundTripper(func(r *http.Request) (*http.Response, error) {
			// The first real write (not the dry run) loses a race: another
			// writer changes the Secret just before it.
			if r.Method == http.MethodPut && !strings.Contains(r.URL.RawQuery, "dryRun") && raced.CompareAndSwap(false, true) {
				parts := strings.Split(r.URL.Path, "/")
				ns, name := parts[len(parts)-3], parts[len(parts)-1]
				s := getSecret(t, k, ns, name)
				s.Data["other-writer"] = []byte("was here")
				if _, err := k.Admin.CoreV1().Secrets(ns).Update(context.Background(), s, metav1.UpdateOptions{}); err != nil {
					t.Error(err)
				}
			}
			return next.RoundTrip(r)
		})
	}
	h := deliveryHarness(t, options{seed: 1}, rc, kube.Config{}, credsNamespace)
	h.signIn()
	name := secretName("race")
	r := h.post(paths.Accounts.Link(), with(deliverTo(credsNamespace, name, delivery.PresetEnv, false), "name", name), false)
	first := r.doc(t).Find(`[data-testid="secret-value"]`).Text()
	a, _ := h.stub.AccountByName(name)
	h.get(paths.Account.ID(a.ID))
	r = h.post(paths.AccountRegenerate.ID(a.ID), deliverTo(credsNamespace, name, delivery.PresetEnv, false), false)
	doc := r.doc(t)
	if !raced.Load() {
		t.Fatal("no write raced")
	}
	notice := doc.Find(`[data-testid="delivered"]`).Text()
	if r.StatusCode != http.StatusOK || !strings.Contains(notice, "changed while it was being written") || doc.Find(`[data-testid="secret-value"]`).Text() == "" {
		t.Errorf("%d: %q; secret shown: %v", r.StatusCode, notice, doc.Find(`[data-testid="secret-value"]`).Text() != "")
	}
	s := getSecret(t, k, credsNamespace, name)
	if string(s.Data["other-writer"]) != "was here" || string(s.Data[delivery.EnvKeys.ClientSecret]) != first {
		t.Error("the other writer's change was lost, or the Secret was overwritten anyway")
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestSecretsInTheWay: a Secret the dashboard does not manage, or
// manages for another account, is overwritten only after a confirmation
// that names what is there (and only as it was shown); a Secret of
// another type and the dashboard's own never. Refused before the account
// is created, with the form kept.
func TestSecretsInTheWay(t *testing.T) {
	k := cluster(t)
	put := func(name string, typ corev1.SecretType, labels, ann map[string]string, data map[string][]byte) *corev1.Secret {
		s, err := k.Admin.CoreV1().Secrets(credsNamespace).Create(context.Background(), &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels, Annotations: ann}, Type: typ, Data: data}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	tlsData := map[string][]byte{corev1.TLSCertKey: []byte("cert"), corev1.TLSPrivateKeyKey: []byte("key")}
	tests := []struct {
		name    string
		secret  func(name string) *corev1.Secret
		status  int
		says    string
		confirm bool // a confirmation is offered, and writes
	}{
		{"not managed", func(n string) *corev1.Secret {
			return put(n, corev1.SecretTypeOpaque, nil, nil, map[string][]byte{"password": []byte("db")})
		}, http.StatusConflict, "this dashboard does not manage it", true},
		{"another account's", func(n string) *corev1.Secret {
			return put(n, corev1.SecretTypeOpaque, map[string]string{delivery.LabelManagedBy: delivery.ManagedBy},
				map[string]string{delivery.AnnServiceAccount: "billing-etl", delivery.AnnServiceAccountID: "other-id"}, nil)
		}, http.StatusConflict, "holds the service account billing-etl", true},
		{"TLS", func(n string) *corev1.Secret { return put(n, corev1.SecretTypeTLS, nil, nil, tlsData) },
			http.StatusUnprocessableEntity, "of type kubernetes.io/tls", false},
		{"the dashboard's own", func(n string) *corev1.Secret {
			return put(n, corev1.SecretTypeOpaque, map[string]string{delivery.LabelOwnSecret: delivery.OwnSecret}, nil, map[string][]byte{"session-keys": []byte("k")})
		}, http.StatusUnprocessableEntity, "one of this dashboard's own Secrets", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := deliveryHarness(t, options{seed: 1}, asDashboard(t, k), kube.Config{}, credsNamespace)
			h.signIn()
			name := secretName("inway")
			was := tt.secret(name)
			values := with(deliverTo(credsNamespace, name, delivery.PresetEnv, false), "name", name)
			r := h.post(paths.Accounts.Link(), values, false)
			doc := r.doc(t)
			if r.StatusCode != tt.status || !strings.Contains(doc.Find(`[data-testid="error-`+form.FieldDeliverName+`"]`).Text(), tt.says) {
				t.Fatalf("%d %q", r.StatusCode, doc.Find(`[data-testid="error-`+form.FieldDeliverName+`"]`).Text())
			}
			if _, ok := h.stub.AccountByName(name); ok {
				t.Fatal("created although the Secret is in the way")
			}
			box := doc.Find(`input[name="` + form.FieldDeliverOverwrite + `"]`)
			if (box.Length() == 1) != tt.confirm {
				t.Fatalf("confirmation offered: %v", box.Length() == 1)
			}
			if got := getSecret(t, k, credsNamespace, name); got.ResourceVersion != was.ResourceVersion {
				t.Error("the Secret was changed")
			}
			// Confirming, even with the version it has, writes only what
			// may be written.
			r = h.post(paths.Accounts.Link(), with(values, form.FieldDeliverOverwrite, was.ResourceVersion), false)
			got := getSecret(t, k, credsNamespace, name)
			if !tt.confirm {
				if r.StatusCode != tt.status || got.ResourceVersion != was.ResourceVersion {
					t.Errorf("confirmed: %d, written %v", r.StatusCode, got.ResourceVersion != was.ResourceVersion)
				}
				return
			}
			if r.StatusCode != http.StatusOK || !delivery.Managed(got.Labels) || got.Data[delivery.EnvKeys.ClientSecret] == nil {
				t.Fatalf("confirmed: %d, managed %v", r.StatusCode, delivery.Managed(got.Labels))
			}
			for k, v := range was.Data {
				if string(got.Data[k]) != string(v) {
					t.Errorf("its key %s was not kept", k)
				}
			}
		})
	}
	t.Run("confirmed, then changed", func(t *testing.T) {
		h := deliveryHarness(t, options{seed: 1}, asDashboard(t, k), kube.Config{}, credsNamespace)
		h.signIn()
		name := secretName("stale")
		was := put(name, corev1.SecretTypeOpaque, nil, nil, map[string][]byte{"a": []byte("1")})
		was.Data["b"] = []byte("2")
		if _, err := k.Admin.CoreV1().Secrets(credsNamespace).Update(context.Background(), was, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		values := with(deliverTo(credsNamespace, name, delivery.PresetEnv, false), "name", name, form.FieldDeliverOverwrite, "1")
		r := h.post(paths.Accounts.Link(), values, false)
		if r.StatusCode != http.StatusConflict || !strings.Contains(r.body, "Its keys: a, b") {
			t.Errorf("a confirmation of what was there before: %d", r.StatusCode)
		}
	})
}

// TestHeldSecretsAndDelete: the account page lists the Secrets that hold
// the account; deleting it names them and deletes them too when asked;
// the list counts the Secrets left holding a deleted account.
func TestHeldSecretsAndDelete(t *testing.T) {
	k := cluster(t)
	h := deliveryHarness(t, options{seed: 1}, asDashboard(t, k), kube.Config{}, credsNamespace)
	h.signIn()
	name := secretName("held")
	h.post(paths.Accounts.Link(), with(deliverTo(credsNamespace, name, delivery.PresetEnv, true), "name", name), false)
	a, _ := h.stub.AccountByName(name)
	second := name + "-files"
	h.get(paths.Account.ID(a.ID))
	h.post(paths.AccountRegenerate.ID(a.ID), deliverTo(credsNamespace, second, delivery.PresetFile, true), false)

	page := h.get(paths.Account.ID(a.ID)).doc(t)
	rows := page.Find(`[data-testid="held-row"]`)
	if rows.Length() != 2 || !strings.Contains(rows.Eq(0).Text(), "an older client ID") && !strings.Contains(rows.Text(), "this client ID") {
		t.Errorf("held rows %q", rows.Text())
	}
	confirm := h.get(paths.AccountDelete.ID(a.ID)).doc(t)
	listed := confirm.Find(`[data-testid="delete-held"]`).Text()
	if !strings.Contains(listed, credsNamespace+"/"+name) || !strings.Contains(listed, credsNamespace+"/"+second) || !strings.Contains(listed, "2 Kubernetes Secrets hold") {
		t.Errorf("the delete confirmation says %q", listed)
	}
	r := h.post(paths.AccountDelete.ID(a.ID), url.Values{form.FieldDeleteSecrets: {"1"}}, false)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.StatusCode)
	}
	flash := h.get(h.location(r)).doc(t).Find(`[data-testid="flash"]`).Text()
	if !strings.Contains(flash, "Deleted its Secrets") {
		t.Errorf("flash %q", flash)
	}
	for _, n := range []string{name, second} {
		if _, err := k.Admin.CoreV1().Secrets(credsNamespace).Get(context.Background(), n, metav1.GetOptions{}); err == nil {
			t.Errorf("Secret %s was not deleted", n)
		}
	}

	// Deleted without its Secrets: they are counted as holding a dead
	// credential.
	orphan := secretName("orphan")
	h.post(paths.Accounts.Link(), with(deliverTo(credsNamespace, orphan, delivery.PresetEnv, true), "name", orphan), false)
	b, _ := h.stub.AccountByName(orphan)
	h.get(paths.AccountDelete.ID(b.ID))
	h.post(paths.AccountDelete.ID(b.ID), url.Values{}, false)
	list := h.reload(paths.Accounts.Link()).doc(t).Find(`[data-testid="orphans"]`).Text()
	if !strings.Contains(list, "holds a deleted account") && !strings.Contains(list, "hold a deleted account") || !strings.Contains(list, credsNamespace+"/"+orphan) {
		t.Errorf("orphans %q", list)
	}
}

// TestDeliveryKeepsNoSecret: deliveries are in the record and the log
// (target, account, who, outcome) with no secret in either, nor in any
// Secret's metadata.
func TestDeliveryKeepsNoSecret(t *testing.T) {
	k := cluster(t)
	path := filepath.Join(t.TempDir(), "record.jsonl")
	var rec *record.File
	cl := mustCluster(t, asDashboard(t, k), kube.Config{})
	d := &handlers.Delivery{Cluster: cl, Namespaces: []string{credsNamespace}}
	h := newHarnessWith(t, options{seed: 1, trusted: loopback}, func(deps *handlers.Deps) {
		var err error
		if rec, err = record.OpenFile(path, 100); err != nil {
			t.Fatal(err)
		}
		deps.Record, deps.Delivery = rec, d
	})
	d.RunaiURL = h.stubURL
	h.behind(ssoHeaders("ada@corp.example"))
	h.signIn()
	name := secretName("quiet")
	r := h.post(paths.Accounts.Link(), with(deliverTo(credsNamespace, name, delivery.PresetEnv, false), "name", name), false)
	first := r.doc(t).Find(`[data-testid="secret-value"]`).Text()
	a, _ := h.stub.AccountByName(name)
	h.get(paths.Account.ID(a.ID))
	h.post(paths.AccountRegenerate.ID(a.ID), deliverTo(credsNamespace, name, delivery.PresetEnv, true), false)
	second := string(getSecret(t, k, credsNamespace, name).Data[delivery.EnvKeys.ClientSecret])
	if first == "" || second == "" || first == second {
		t.Fatal("no two secrets delivered")
	}
	rec.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	logs := h.logs.String()
	for _, s := range []string{first, second} {
		if strings.Contains(string(b), s) || strings.Contains(logs, s) {
			t.Error("the record or the log holds a delivered secret")
		}
	}
	list, err := k.Admin.CoreV1().Secrets(credsNamespace).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range list.Items {
		noSecretIn(t, &list.Items[i], first)
		noSecretIn(t, &list.Items[i], second)
	}
	target := "Secret " + credsNamespace + "/" + name
	if n := strings.Count(logs, "action=deliver-secret sso=ada@corp.example"); n != 2 || !strings.Contains(logs, `detail="`+target+`" outcome=success`) {
		t.Errorf("%d audit lines of deliveries:\n%s", n, logs)
	}
	if strings.Count(string(b), target) < 2 || !strings.Contains(string(b), `"deliver-secret"`) {
		t.Errorf("the record lacks the deliveries:\n%s", b)
	}
}

// TestDeliveryOff: without DELIVERY_NAMESPACES the forms offer no
// delivery, the secret panel says in one line what it would do (linking
// the README), and a delivery posted anyway is refused with the setting
// to configure, nothing created.
func TestDeliveryOff(t *testing.T) {
	h := newHarness(t, options{seed: 1})
	h.signIn()
	if strings.Contains(h.get(paths.Accounts.Link()).body, `data-testid="delivery-fields"`) {
		t.Error("the create form offers delivery while it is off")
	}
	doc := h.post(paths.Accounts.Link(), url.Values{"name": {"plain-bot"}}, false).doc(t)
	line := doc.Find(`[data-testid="delivery-off"]`)
	if href, _ := line.Find("a").Attr("href"); line.Length() != 1 || !strings.HasSuffix(href, "#deliver-to-kubernetes") {
		t.Errorf("delivery-off line %q (%s)", line.Text(), href)
	}
	r := h.post(paths.Accounts.Link(), with(deliverTo("creds", "x", delivery.PresetEnv, false), "name", "sneaky-bot"), false)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "DELIVERY_NAMESPACES") {
		t.Errorf("a delivery while off: %d %s", r.StatusCode, r.doc(t).Find("main").Text())
	}
	if _, ok := h.stub.AccountByName("sneaky-bot"); ok {
		t.Error("created although its delivery cannot be made")
	}
}

// TestDeliveryChoiceValidated: a namespace outside the allowed list, a
// bad Secret name, an unknown preset or "deliver only" with nowhere to
// deliver are refused on the form before anything is created, with the
// input kept. No cluster is needed: nothing reaches one.
func TestDeliveryChoiceValidated(t *testing.T) {
	cl, err := kube.FromREST(&rest.Config{Host: "http://127.0.0.1:1"}, kube.Config{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		values url.Values
		field  string
	}{
		{"namespace not allowed", deliverTo("kube-system", "x", delivery.PresetEnv, false), form.FieldDeliverNamespace},
		{"bad name", deliverTo("creds", "Not_A_Name", delivery.PresetEnv, false), form.FieldDeliverName},
		{"no name", deliverTo("creds", "", delivery.PresetEnv, false), form.FieldDeliverName},
		{"unknown preset", deliverTo("creds", "x", delivery.Preset("yaml"), false), form.FieldDeliverKeys},
		{"only, nowhere", url.Values{form.FieldDeliverOnly: {"1"}}, form.FieldDeliverNamespace},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarnessWith(t, options{seed: 1}, func(d *handlers.Deps) {
				d.Delivery = &handlers.Delivery{Cluster: cl, Namespaces: []string{"creds"}}
			})
			h.signIn()
			r := h.post(paths.Accounts.Link(), with(tt.values, "name", "checked-bot"), false)
			doc := r.doc(t)
			if r.StatusCode != http.StatusUnprocessableEntity || doc.Find(`[data-testid="error-`+tt.field+`"]`).Length() != 1 {
				t.Fatalf("%d, error on %s: %q", r.StatusCode, tt.field, doc.Find(`.field-error`).Text())
			}
			if val, _ := doc.Find(`input[name="name"]`).Attr("value"); val != "checked-bot" {
				t.Error("the form lost its input")
			}
			if _, ok := h.stub.AccountByName("checked-bot"); ok {
				t.Error("created although its delivery was refused")
			}
		})
	}
}

// TestKubernetesCallsPerPage pins what loaders.go says delivery adds: one
// metadata listing per allowed namespace, shared by the pages of every
// session with the same Kubernetes identity for 10 s, and read anew after
// a delivery of this replica.
func TestKubernetesCallsPerPage(t *testing.T) {
	k := cluster(t)
	other := k.Namespace(t, "more-creds")
	rc := rest.CopyConfig(k.Config)
	var calls atomic.Int32
	rc.WrapTransport = func(next http.RoundTripper) http.RoundTripper {
		return roundTripper(func(r *http.Request) (*http.Response, error) {
			calls.Add(1)
			return next.RoundTrip(r)
		})
	}
	h := deliveryHarness(t, options{seed: 3}, rc, kube.Config{}, credsNamespace, other)
	h.signIn() // reads the list: the first listing
	a := h.stub.Accounts()[0]
	other2 := *h // another admin's browser on the same replica
	other2.client = &http.Client{Jar: newJar(), CheckRedirect: h.client.CheckRedirect}
	for _, step := range []struct {
		name string
		do   func()
		want int32
	}{
		{"list read anew within 10 s", func() { h.reload(paths.Accounts.Link()) }, 0},
		{"another session's sign-in and list", func() { other2.signIn() }, 0},
		{"account page within 10 s", func() { h.get(paths.Account.ID(a.ID)) }, 0},
		{"10 s later", func() { h.clock.Advance(11 * time.Second); h.reload(paths.Accounts.Link()) }, 2},
		{"after a delivery", func() {
			h.post(paths.AccountRegenerate.ID(a.ID), deliverTo(credsNamespace, secretName("calls"), delivery.PresetEnv, false), true) // a panel: no page read
			calls.Store(0)
			h.get(paths.Account.ID(a.ID))
		}, 3}, // a listing per namespace, and who reads its Secret: the Pods of its namespace
	} {
		calls.Store(0)
		step.do()
		if got := calls.Load(); got != step.want {
			t.Errorf("%s: %d Kubernetes calls, want %d", step.name, got, step.want)
		}
	}
}
