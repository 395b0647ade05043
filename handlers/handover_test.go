package handlers_test

// The hand-over into the Secrets that hold an account (regenerate, a
// rotation's successor), against a real kube-apiserver: the workloads
// that read them are Deployments, StatefulSets, ReplicaSets and Pods made
// by the test (no controller runs there), the project's own RBAC applied.

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"

	"github.com/runai-tools/sa-dashboard/internal/delivery"
	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/kube"
	"github.com/runai-tools/sa-dashboard/internal/kubetest"
	"github.com/runai-tools/sa-dashboard/internal/paths"
)

// restartedAt is the restart annotation of a workload's pod template.
func restartedAt(t *testing.T, k *kubetest.Env, ns, kind, name string) string {
	t.Helper()
	ctx := context.Background()
	switch kind {
	case "StatefulSet":
		s, err := k.Admin.AppsV1().StatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return s.Spec.Template.Annotations[delivery.RestartedAt]
	}
	d, err := k.Admin.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return d.Spec.Template.Annotations[delivery.RestartedAt]
}

// deliveredTwice creates an account delivered into two Secrets of
// credsNamespace, one with the file keys and one with the environment's,
// and returns its name and id and the two Secrets' names.
func deliveredTwice(t *testing.T, h *harness) (name, id, files, env string) {
	t.Helper()
	name = secretName("handover")
	files, env = name, name+"-env"
	if r := h.post(paths.Accounts.Link(), with(deliverTo(credsNamespace, files, delivery.PresetFile, true), "name", name), false); r.StatusCode != http.StatusOK {
		t.Fatalf("create: %d\n%s", r.StatusCode, r.body)
	}
	a, _ := h.stub.AccountByName(name)
	// A second Secret: the regenerate form delivers there, and writes the
	// first one anew.
	if r := h.post(paths.AccountRegenerate.ID(a.ID), deliverTo(credsNamespace, env, delivery.PresetEnv, true), false); r.StatusCode != http.StatusOK {
		t.Fatalf("regenerate: %d\n%s", r.StatusCode, r.body)
	}
	return name, a.ID, files, env
}

func handoverValues(restart bool) url.Values {
	v := url.Values{form.FieldHandoverOffered: {"1"}, form.FieldHandover: {"1"}, form.FieldDeliverOnly: {"1"}}
	if restart {
		v.Set(form.FieldRestart, "1")
	}
	return v
}

// TestRegenerateIntoTheSecrets: regenerating a delivered account writes
// the new secret into every Secret that holds it, in the same step, each
// under its own keys; the confirmation lists them with their readers and
// says which need a restart; the new secret obtains a token from each
// Secret and the old one is refused; with "deliver only" (checked by
// default) it is shown nowhere.
func TestRegenerateIntoTheSecrets(t *testing.T) {
	k := cluster(t)
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			h := deliveryHarness(t, options{seed: 1}, asDashboard(t, k), kube.Config{}, credsNamespace)
			h.signIn()
			name, id, files, env := deliveredTwice(t, h)
			k.Workload(t, credsNamespace, "Deployment", name+"-web", env, kubetest.ReadsEnv)
			k.Workload(t, credsNamespace, "Deployment", name+"-batch", files, kubetest.ReadsFiles)
			before := getSecret(t, k, credsNamespace, env)

			confirm := h.get(paths.AccountRegenerate.ID(id)).doc(t)
			rows := confirm.Find(`[data-testid="handover-row"]`)
			if rows.Length() != 2 {
				t.Fatalf("the confirmation lists %d Secrets, want 2", rows.Length())
			}
			readers := rows.Text()
			if !strings.Contains(readers, "Deployment "+name+"-web") || !strings.Contains(readers, "environment") || !strings.Contains(readers, "Deployment "+name+"-batch") || !strings.Contains(readers, "file") {
				t.Errorf("readers listed: %q", readers)
			}
			if got := confirm.Find(`[data-testid="handover-restart-needed"]`).Text(); !strings.Contains(got, "Deployment "+name+"-web") || strings.Contains(got, "-batch") {
				t.Errorf("needs a restart: %q", got)
			}
			if _, on := confirm.Find(`[data-testid="handover"]`).Attr("checked"); !on {
				t.Error("writing into the Secrets is not the default")
			}
			if _, on := confirm.Find(`#deliver-only`).Attr("checked"); !on {
				t.Error("deliver only is not the default for a delivered account")
			}

			r := h.post(paths.AccountRegenerate.ID(id), handoverValues(false), v.htmx)
			if r.StatusCode != http.StatusOK || r.Header.Get("Cache-Control") != "no-store" {
				t.Fatalf("regenerate: %d\n%s", r.StatusCode, r.body)
			}
			doc := r.doc(t)
			if doc.Find(`[data-testid="secret-value"]`).Length() != 0 {
				t.Error("the secret is shown (deliver only)")
			}
			if got := doc.Find(`[data-testid="handed-over"].success`).Length(); got != 2 {
				t.Errorf("%d Secrets written, want 2:\n%s", got, doc.Find(`[data-testid="handed-over"]`).Text())
			}
			if got := doc.Find(`[data-testid="restart-by-hand"]`).Text(); !strings.Contains(got, "Deployment "+name+"-web") {
				t.Errorf("the readers left to restart: %q", got)
			}
			for _, s := range []struct {
				name string
				keys delivery.Keys
			}{{files, delivery.FileKeys}, {env, delivery.EnvKeys}} {
				after := getSecret(t, k, credsNamespace, s.name)
				if !obtainsToken(t, after, s.keys) {
					t.Errorf("%s: the new credentials obtain no token", s.name)
				}
			}
			if obtainsToken(t, before, delivery.EnvKeys) {
				t.Error("the old secret still obtains a token")
			}
		})
	}
}

// TestRestartWorkloads: with "restart workloads", exactly the
// Deployments and StatefulSets that read the Secret through environment
// variables or subPath are restarted (the pod template's restartedAt, as
// kubectl rollout restart does), after the write; without the restart
// component's RBAC, the page names what would have been restarted and the
// cluster's reason.
func TestRestartWorkloads(t *testing.T) {
	k := cluster(t)
	h := deliveryHarness(t, options{seed: 1}, asDashboard(t, k), kube.Config{}, credsNamespace)
	h.signIn()
	name, id, files, env := deliveredTwice(t, h)
	k.Workload(t, credsNamespace, "Deployment", name+"-web", env, kubetest.ReadsEnv)
	k.Workload(t, credsNamespace, "Deployment", name+"-batch", files, kubetest.ReadsFiles)
	k.Workload(t, credsNamespace, "StatefulSet", name+"-db", files, kubetest.ReadsSubPath)

	if !restartComponentApplied {
		r := h.post(paths.AccountRegenerate.ID(id), handoverValues(true), false)
		not := r.doc(t).Find(`[data-testid="not-restarted"]`).Text()
		for _, want := range []string{"Deployment " + name + "-web", "StatefulSet " + name + "-db", `cannot patch resource`} {
			if !strings.Contains(not, want) {
				t.Errorf("without the restart component the page says %q; want %q in it", not, want)
			}
		}
		if restartedAt(t, k, credsNamespace, "Deployment", name+"-web") != "" {
			t.Fatal("restarted without the RBAC for it")
		}
	}
	applyRestartComponent(t, k)
	r := h.post(paths.AccountRegenerate.ID(id), handoverValues(true), false)
	if got := r.doc(t).Find(`[data-testid="restarted"]`).Text(); !strings.Contains(got, name+"-web") || !strings.Contains(got, name+"-db") {
		t.Errorf("restarted: %q", got)
	}
	for _, w := range []struct {
		kind, name string
		restarted  bool
	}{{"Deployment", name + "-web", true}, {"StatefulSet", name + "-db", true}, {"Deployment", name + "-batch", false}} {
		if got := restartedAt(t, k, credsNamespace, w.kind, w.name) != ""; got != w.restarted {
			t.Errorf("%s %s restarted: %v, want %v", w.kind, w.name, got, w.restarted)
		}
	}
}

var restartComponentApplied bool

// applyRestartComponent applies components/restart as kustomize builds
// it: the Role that lets the dashboard patch Deployments, StatefulSets
// and DaemonSets in the delivery namespace.
func applyRestartComponent(t *testing.T, k *kubetest.Env) {
	if restartComponentApplied {
		return
	}
	objs := kubetest.KustomizeWith(t, "../deploy/k8s", "delivery", "restart")
	k.Apply(t, kubetest.Only(objs, "Role", "RoleBinding"))
	restartComponentApplied = true
}

// readOnly is a namespace where the dashboard may read Secrets and list
// Pods but not write.
func readOnly(t *testing.T, k *kubetest.Env) (ns string) {
	t.Helper()
	ns = k.Namespace(t, "read-only")
	k.Grant(t, ns, "dashboard-reads", []string{""}, []string{"secrets", "pods"}, []string{"get", "list"})
	_, err := k.Admin.RbacV1().RoleBindings(ns).Patch(context.Background(), "dashboard-reads", types.MergePatchType,
		[]byte(`{"subjects":[{"kind":"ServiceAccount","name":"runai-sa-dashboard","namespace":"runai-sa"}]}`), metav1.PatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

// heldSecret makes, as an administrator, a Secret in ns that the
// dashboard delivered the account's credentials into.
func heldSecret(t *testing.T, k *kubetest.Env, ns, name, accountName, id, clientID, secret string) {
	t.Helper()
	_, err := k.Admin.CoreV1().Secrets(ns).Create(context.Background(), &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{delivery.LabelManagedBy: delivery.ManagedBy},
			Annotations: map[string]string{delivery.AnnServiceAccount: accountName, delivery.AnnServiceAccountID: id, delivery.AnnClientID: clientID,
				delivery.AnnKeys: "RUNAI_CLIENT_ID,RUNAI_CLIENT_SECRET,RUNAI_URL"}},
		Type: corev1.SecretTypeOpaque, StringData: map[string]string{"RUNAI_CLIENT_ID": clientID, "RUNAI_CLIENT_SECRET": secret}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
}

// TestHandoverRefused: a Secret holding the account that the cluster
// does not let the dashboard write stops a regenerate and a rotation
// before anything changes: the old credentials stay in it and keep
// working, no successor is made, and the page gives the cluster's reason.
func TestHandoverRefused(t *testing.T) {
	k := cluster(t)
	ns := readOnly(t, k)
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			h := deliveryHarness(t, options{seed: 1}, asDashboard(t, k), kube.Config{}, credsNamespace, ns)
			h.signIn()
			name := secretName("refused-handover")
			secret := h.post(paths.Accounts.Link(), url.Values{"name": {name}}, false).doc(t).Find(`[data-testid="secret-value"]`).Text()
			a, ok := h.stub.AccountByName(name)
			if !ok || secret == "" {
				t.Fatal("not created")
			}
			heldSecret(t, k, ns, name, name, a.ID, a.ClientID, secret)
			h.clock.Advance(11 * time.Second) // past the listing of Secrets read before it was made
			s := getSecret(t, k, ns, name)
			s.Data["RUNAI_URL"] = []byte(h.stubURL)

			r := h.post(paths.AccountRegenerate.ID(a.ID), handoverValues(false), v.htmx)
			if r.StatusCode != http.StatusForbidden {
				t.Fatalf("regenerate: %d, want 403\n%s", r.StatusCode, r.body)
			}
			if msg := r.doc(t).Find(`[data-testid="problem"]`).Text(); !strings.Contains(msg, ns+"/"+name) || !strings.Contains(msg, `cannot update resource "secrets"`) || !strings.Contains(msg, "Nothing was changed") {
				t.Errorf("the refusal says %q", msg)
			}
			if !obtainsToken(t, s, delivery.EnvKeys) {
				t.Error("the old secret was regenerated anyway")
			}

			r = h.post(paths.AccountRotate.ID(a.ID), url.Values{form.FieldName: {name + "-r2"}}, false)
			if r.StatusCode != http.StatusForbidden {
				t.Fatalf("rotate: %d, want 403\n%s", r.StatusCode, r.body)
			}
			if msg := r.doc(t).Find(`[data-testid="problem"]`).Text(); !strings.Contains(msg, `cannot update resource "secrets"`) {
				t.Errorf("the refusal says %q", msg)
			}
			if _, made := h.stub.AccountByName(name + "-r2"); made {
				t.Error("a successor was made")
			}
			if got := getSecret(t, k, ns, name); got.ResourceVersion != s.ResourceVersion || !obtainsToken(t, s, delivery.EnvKeys) {
				t.Error("the Secret changed, or its credentials stopped working")
			}
		})
	}
}

// TestRotationIntoTheSecrets: starting a rotation of a delivered account
// writes the successor into the Secrets that hold it once its rules are
// copied and a token was obtained with it, shows it nowhere, and records
// the hand-over on them; the old credentials keep working until Retire.
// The panel shows which Secrets hold the successor and which readers
// still run with the old credentials, and Retire warns of them.
func TestRotationIntoTheSecrets(t *testing.T) {
	k := cluster(t)
	h := deliveryHarness(t, options{seed: 1}, asDashboard(t, k), kube.Config{}, credsNamespace)
	h.signIn()
	name := secretName("rotating")
	h.post(paths.Accounts.Link(), with(deliverTo(credsNamespace, name, delivery.PresetEnv, true), "name", name), false)
	old, _ := h.stub.AccountByName(name)
	before := getSecret(t, k, credsNamespace, name)
	k.Workload(t, credsNamespace, "Deployment", name+"-web", name, kubetest.ReadsEnv)
	h.clock.Advance(time.Minute) // the reader started before the hand-over

	start := h.get(paths.AccountRotate.ID(old.ID)).doc(t)
	if !strings.Contains(start.Find(`[data-testid="handover-fields"]`).Text(), "Deployment "+name+"-web") {
		t.Error("the rotation's start page does not list the Secret's readers")
	}
	r := h.post(paths.AccountRotate.ID(old.ID), url.Values{form.FieldName: {name + "-r2"}}, false)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("rotate: %d\n%s", r.StatusCode, r.body)
	}
	doc := r.doc(t)
	if doc.Find(`[data-testid="secret-value"]`).Length() != 0 || doc.Find(`[data-testid="handed-over"].success`).Length() != 1 {
		t.Fatalf("the result: %s", doc.Find(`[data-testid="rotation-handed-over"]`).Text())
	}
	succ, _ := h.stub.AccountByName(name + "-r2")
	after := getSecret(t, k, credsNamespace, name)
	if string(after.Data["RUNAI_CLIENT_ID"]) != succ.ClientID || !obtainsToken(t, after, delivery.EnvKeys) {
		t.Fatal("the Secret does not hold working credentials of the successor")
	}
	if after.Annotations[delivery.AnnPredecessor] != name || after.Annotations[delivery.AnnPredecessorID] != old.ID || after.Annotations[delivery.AnnHandedOverAt] == "" {
		t.Errorf("the hand-over is not recorded: %v", after.Annotations)
	}
	if !obtainsToken(t, before, delivery.EnvKeys) {
		t.Error("the old credentials stopped working before Retire")
	}

	page := h.get(paths.Account.ID(old.ID)).doc(t)
	panel := page.Find(`[data-testid="rotation-secrets"]`)
	if !strings.Contains(panel.Text(), "Secrets that hold "+name+"-r2") || !strings.Contains(panel.Find(`[data-testid="rotation-still-old"]`).Text(), "Deployment "+name+"-web") {
		t.Errorf("the rotation panel says %q", panel.Text())
	}
	if panel.Find(`[data-testid="rotation-deliver-form"]`).Length() != 0 {
		t.Error("the panel offers to write the successor, which every Secret holds")
	}
	confirm := h.get(paths.RotationRetire.ID(old.ID)).doc(t)
	if !strings.Contains(confirm.Find(`[data-testid="rotation-readers-warning"]`).Text(), "Deployment "+name+"-web") {
		t.Error("Retire does not warn of the reader still on the old credentials")
	}
	h.post(paths.RotationRetire.ID(old.ID), nil, false)
	if obtainsToken(t, before, delivery.EnvKeys) || !obtainsToken(t, after, delivery.EnvKeys) {
		t.Error("after Retire, the old credentials work or the successor's do not")
	}
}

// TestLostSuccessorSecret: a successor whose one-time secret never
// reached the Secrets (made, then a crash) is not replaced by another
// successor: its secret is regenerated and written, from the panel.
func TestLostSuccessorSecret(t *testing.T) {
	k := cluster(t)
	h := deliveryHarness(t, options{seed: 1}, asDashboard(t, k), kube.Config{}, credsNamespace)
	h.signIn()
	name := secretName("lost")
	h.post(paths.Accounts.Link(), with(deliverTo(credsNamespace, name, delivery.PresetFile, true), "name", name), false)
	old, _ := h.stub.AccountByName(name)
	before := getSecret(t, k, credsNamespace, name)
	h.post(paths.Accounts.Link(), url.Values{"name": {name + "-r2"}}, false) // the successor, its secret gone with the crash
	succ, _ := h.stub.AccountByName(name + "-r2")

	panel := h.get(paths.Account.ID(old.ID)).doc(t).Find(`[data-testid="rotation-panel"]`)
	if panel.Find(`[data-testid="rotation-deliver-form"]`).Length() != 1 {
		t.Fatalf("the panel offers no way to write the successor: %s", panel.Text())
	}
	r := h.post(paths.RotationDeliver.ID(old.ID), url.Values{}, false)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("deliver the successor: %d\n%s", r.StatusCode, r.body)
	}
	if got := r.doc(t).Find(`[data-testid="handed-over"].success`).Length(); got != 1 {
		t.Errorf("%d Secrets written, want 1", got)
	}
	after := getSecret(t, k, credsNamespace, name)
	if string(after.Data["client-id"]) != succ.ClientID || !obtainsToken(t, after, delivery.FileKeys) || !obtainsToken(t, before, delivery.FileKeys) {
		t.Error("the Secret does not hold the successor's working credentials, or the old ones stopped working")
	}
	if n := len(h.stub.Accounts()); h.get(paths.Account.ID(old.ID)).StatusCode != http.StatusOK || n != len(h.stub.Accounts()) {
		t.Error("another account was made")
	}
}

// TestHandOverWriteRefused: a write refused after the dry run passed (the
// cluster changed its mind between the two) leaves the Secret holding the
// old account's working credentials and says so; the successor's secret,
// lost with it, is then regenerated and written from the panel, and no
// second successor is made.
func TestHandOverWriteRefused(t *testing.T) {
	k := cluster(t)
	rc := rest.CopyConfig(asDashboard(t, k))
	var refuse atomic.Bool
	rc.WrapTransport = func(next http.RoundTripper) http.RoundTripper {
		return roundTripper(func(r *http.Request) (*http.Response, error) {
			if refuse.Load() && r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/secrets/") && r.URL.Query().Get("dryRun") == "" {
				body := `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Forbidden","code":403,"message":"secrets is forbidden: refused by an admission webhook"}`
				return &http.Response{StatusCode: http.StatusForbidden, Header: http.Header{"Content-Type": {"application/json"}},
					Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
			}
			return next.RoundTrip(r)
		})
	}
	h := deliveryHarness(t, options{seed: 1}, rc, kube.Config{}, credsNamespace)
	h.signIn()
	name := secretName("refused-write")
	h.post(paths.Accounts.Link(), with(deliverTo(credsNamespace, name, delivery.PresetEnv, true), "name", name), false)
	old, _ := h.stub.AccountByName(name)
	before := getSecret(t, k, credsNamespace, name)

	refuse.Store(true)
	r := h.post(paths.AccountRotate.ID(old.ID), url.Values{form.FieldName: {name + "-r2"}}, false)
	doc := r.doc(t)
	failed := doc.Find(`[data-testid="handed-over"].error`).Text()
	if !strings.Contains(failed, "refused by an admission webhook") || !strings.Contains(failed, "still holds the credentials of "+name+", which keep working") {
		t.Errorf("the refused write says %q", failed)
	}
	if doc.Find(`[data-testid="secret-value"]`).Length() != 0 {
		t.Error("the successor's secret is shown")
	}
	if got := getSecret(t, k, credsNamespace, name); got.ResourceVersion != before.ResourceVersion || !obtainsToken(t, got, delivery.EnvKeys) {
		t.Fatal("the Secret changed, or its credentials stopped working")
	}

	refuse.Store(false)
	accounts := len(h.stub.Accounts())
	panel := h.get(paths.Account.ID(old.ID)).doc(t).Find(`[data-testid="rotation-panel"]`)
	if !strings.Contains(panel.Find(`[data-testid="rotation-deliver-used"]`).Text(), name+"-r2 last obtained a token") {
		t.Error("the panel does not say the successor obtained a token (the dashboard's own check)")
	}
	r = h.post(paths.RotationDeliver.ID(old.ID), url.Values{}, false)
	if r.doc(t).Find(`[data-testid="handed-over"].success`).Length() != 1 {
		t.Fatalf("deliver the successor: %d\n%s", r.StatusCode, r.doc(t).Find(`main`).Text())
	}
	succ, _ := h.stub.AccountByName(name + "-r2")
	if after := getSecret(t, k, credsNamespace, name); string(after.Data["RUNAI_CLIENT_ID"]) != succ.ClientID || !obtainsToken(t, after, delivery.EnvKeys) {
		t.Error("the Secret does not hold the successor's working credentials")
	}
	if len(h.stub.Accounts()) != accounts {
		t.Error("another successor was made")
	}
}
