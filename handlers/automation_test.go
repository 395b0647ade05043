package handlers_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/runai-tools/sa-dashboard/internal/automation"
	"github.com/runai-tools/sa-dashboard/internal/delivery"
	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/kube"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/runai"
)

func policyValues(secret, every string, kv ...string) url.Values {
	v := url.Values{form.FieldPolicySecret: {secret}, form.FieldRotateEvery: {every}}
	return with(v, kv...)
}

// TestPolicyFromTheAccountPage: the account page shows each Secret's
// policy and where the automation stands; its form writes the policy
// annotations (bounds checked, input kept on an error), pauses, and
// removes the policy; a Secret of another account is refused.
func TestPolicyFromTheAccountPage(t *testing.T) {
	k := cluster(t)
	h := deliveryHarness(t, options{seed: 1}, asDashboard(t, k), kube.Config{}, credsNamespace)
	h.signIn()
	name := secretName("policy")
	h.post(paths.Accounts.Link(), with(deliverTo(credsNamespace, name, delivery.PresetEnv, true), "name", name), false)
	a, _ := h.stub.AccountByName(name)
	key := credsNamespace + "/" + name

	page := h.get(paths.Account.ID(a.ID)).doc(t)
	if got := page.Find(`[data-testid="automation-policy"]`).Text(); !strings.Contains(got, "none") {
		t.Errorf("a Secret without a policy shows %q", got)
	}
	if page.Find(`[data-testid="automation-off"]`).Length() != 1 {
		t.Error("the page does not say the automation is not running here")
	}

	r := h.post(paths.AccountAutomation.ID(a.ID), policyValues(key, "12h", form.FieldDeleteAfter, "never"), false)
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a policy under 24h: %d", r.StatusCode)
	}
	doc := r.doc(t)
	if msg := doc.Find(`[data-testid="error-` + form.FieldRotateEvery + `"]`).Text(); !strings.Contains(msg, "at least 24h") {
		t.Errorf("the error says %q", msg)
	}
	if v, _ := doc.Find(`input[name="` + form.FieldDeleteAfter + `"]`).Attr("value"); v != "never" {
		t.Errorf("the input was not kept: %q", v)
	}

	r = h.post(paths.AccountAutomation.ID(a.ID), policyValues(key, "30d", form.FieldRetireAfterUnused, "2h", form.FieldRestartWorkloads, "1"), false)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", r.StatusCode, r.body)
	}
	ann := getSecret(t, k, credsNamespace, name).Annotations
	want := map[string]string{automation.AnnRotateEvery: "30d", automation.AnnRetireAfterUnused: "2h", automation.AnnDeleteAfter: "7d",
		automation.AnnRestartWorkloads: "true", automation.AnnPaused: "false"}
	for k, v := range want {
		if ann[k] != v {
			t.Errorf("%s = %q, want %q", k, ann[k], v)
		}
	}
	if got := h.get(paths.Account.ID(a.ID)).doc(t).Find(`[data-testid="automation-policy"]`).Text(); !strings.Contains(got, "rotate every 30d") {
		t.Errorf("the page shows %q", got)
	}
	h.post(paths.AccountAutomation.ID(a.ID), policyValues(key, "30d", form.FieldPaused, "1"), false)
	if getSecret(t, k, credsNamespace, name).Annotations[automation.AnnPaused] != "true" {
		t.Error("not paused")
	}
	h.post(paths.AccountAutomation.ID(a.ID), policyValues(key, ""), false)
	if _, ok := getSecret(t, k, credsNamespace, name).Annotations[automation.AnnRotateEvery]; ok {
		t.Error("the policy was not removed")
	}

	other := h.stub.Accounts()[0]
	if r := h.post(paths.AccountAutomation.ID(other.ID), policyValues(key, "30d"), true); r.StatusCode != http.StatusNotFound {
		t.Errorf("another account's Secret: %d", r.StatusCode)
	}
	h.post(paths.AccountAutomation.ID(other.ID), policyValues(key, "30d"), false)
	if _, ok := getSecret(t, k, credsNamespace, name).Annotations[automation.AnnRotateEvery]; ok {
		t.Error("another account's page set this Secret's policy")
	}
}

// TestApproveDeclaration: a Secret declared in Git for an account waits
// for approval on its page; an admin approves it (recorded with their
// identity), and the automation then rotates the account at once and
// fills the Secret.
func TestApproveDeclaration(t *testing.T) {
	k := cluster(t)
	h := deliveryHarness(t, options{seed: 1}, asDashboard(t, k), kube.Config{}, credsNamespace)
	h.signIn()
	name := secretName("declared")
	a := h.stub.Insert(runai.ServiceAccount{Name: name, Enabled: true, CreatedAt: h.clock.Now()}, "unknown-to-anyone")
	_, err := k.Admin.CoreV1().Secrets(credsNamespace).Create(context.Background(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name,
		Annotations: map[string]string{delivery.AnnServiceAccount: name, automation.AnnRotateEvery: "30d"}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(11e9) // past the Secrets listing of the sign-in

	list := h.reload(paths.Accounts.Link().Query(url.Values{"automation": {"waiting"}})).doc(t)
	if got := list.Find(`[data-testid="summary-waiting for approval"]`).Text(); !strings.Contains(got, "1") {
		t.Errorf("the summary says %q", got)
	}
	if rows := list.Find(`tr[id^="r-"]`); rows.Length() != 1 || !strings.Contains(rows.Text(), name) {
		t.Errorf("the waiting filter shows %d rows: %s", rows.Length(), rows.Text())
	}
	item := h.get(paths.Account.ID(a.ID)).doc(t).Find(`[data-testid="automation-item"]`)
	if !strings.Contains(item.Find(`[data-testid="waiting-for-approval"]`).Text(), "waiting for approval") {
		t.Fatalf("the declaration is not shown waiting: %s", item.Text())
	}
	if r := h.post(paths.AccountApprove.ID(a.ID), url.Values{form.FieldPolicySecret: {credsNamespace + "/" + name}}, false); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d\n%s", r.StatusCode, r.body)
	}
	if by := getSecret(t, k, credsNamespace, name).Annotations[automation.AnnApprovedBy]; by != "admin" {
		t.Fatalf("approved-by %q", by)
	}

	rec := &automation.Reconciler{API: h.api, ClientID: "admin", Secret: "admin-secret-value-123", Kube: k.Admin, Metadata: metadata.NewForConfigOrDie(k.Config),
		Recorder: events.NewFakeRecorder(50), Logger: slog.New(slog.DiscardHandler), Namespaces: []string{credsNamespace}, RunaiURL: h.stubURL, Now: h.clock.Now}
	for i := 0; i < 6 && getSecret(t, k, credsNamespace, name).Annotations[delivery.AnnClientID] == ""; i++ {
		if _, err := rec.Reconcile(context.Background(), reconcile.Request{NamespacedName: types.NamespacedName{Namespace: credsNamespace, Name: name}}); err != nil {
			t.Fatal(err)
		}
	}
	s := getSecret(t, k, credsNamespace, name)
	succ, ok := h.stub.AccountByName(name + "-r2")
	if !ok || string(s.Data["RUNAI_CLIENT_ID"]) != succ.ClientID || !obtainsToken(t, s, delivery.EnvKeys) {
		t.Fatalf("after approval the Secret does not hold the successor's working credentials: %v", s.Annotations)
	}
}
