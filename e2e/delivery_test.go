package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/runai-tools/sa-dashboard/handlers"
	"github.com/runai-tools/sa-dashboard/internal/delivery"
	"github.com/runai-tools/sa-dashboard/internal/kube"
	"github.com/runai-tools/sa-dashboard/internal/kubetest"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/views"
)

// accountPage is the page of the stub's account called name.
func accountPage(en *env, name string) paths.Path {
	a, _ := en.stub.AccountByName(name)
	return paths.Account.ID(a.ID)
}

const credsNamespace = "runai-credentials" // the delivery component's namespace

// deliveryTo is delivery into a real API server (kubetest) with the
// project's own RBAC applied, as the dashboard's service account.
func deliveryTo(t *testing.T) (*kubetest.Env, *handlers.Delivery) {
	t.Helper()
	if browser == nil {
		t.Skip(skipWhy)
	}
	k := kubetest.Shared(t)
	k.Apply(t, kubetest.Only(kubetest.KustomizeWith(t, "../deploy/k8s", "delivery"), "Namespace", "Role", "RoleBinding"))
	cl, err := kube.FromREST(k.User(t, "system:serviceaccount:runai-sa:runai-sa-dashboard", "system:serviceaccounts"), kube.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return k, &handlers.Delivery{Cluster: cl, Namespaces: []string{credsNamespace}}
}

// TestDeliverToKubernetes: with and without JavaScript, an account is
// created straight into a Secret (its secret never shown), its page lists
// the Secret, a regenerated secret is delivered into it, a Secret in the
// way is written only once confirmed, and deleting the account deletes
// its Secrets when asked. Every state passes axe.
func TestDeliverToKubernetes(t *testing.T) {
	for _, js := range []bool{true, false} {
		t.Run(mode(js), func(t *testing.T) {
			k, d := deliveryTo(t)
			en := newEnv(t, envOptions{delivery: d})
			p := en.page(js)
			en.signIn(p)
			name := "etl-" + mode(js)
			secretOf := func(n string) *corev1.Secret {
				t.Helper()
				s, err := k.Admin.CoreV1().Secrets(credsNamespace).Get(context.Background(), n, metav1.GetOptions{})
				must(t, err)
				return s
			}
			a11y := func(state string) {
				if js { // axe runs in the page
					checkA11y(t, p, state)
				}
			}

			// Create, delivered only: the browser never sees the secret.
			must(t, p.GetByLabel("Name", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}).Fill(name))
			must(t, p.GetByText("Deliver to Kubernetes (optional)").Click())
			_, err := p.Locator(views.Sel(views.DeliverNamespaceID)).SelectOption(playwright.SelectOptionValues{Values: &[]string{credsNamespace}})
			must(t, err)
			must(t, p.GetByLabel("Secret name").Fill(name))
			must(t, p.GetByLabel("Deliver only: never show the secret in this browser").Check())
			screenshot(t, p, "deliver-form-"+mode(js))
			a11y("create form with delivery")
			must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Create", Exact: playwright.Bool(true)}).Click())
			must(t, expect.Locator(p.GetByTestId("delivered")).ToContainText("Delivered to the Secret "+credsNamespace+"/"+name))
			must(t, expect.Locator(p.GetByTestId("secret-value")).ToHaveCount(0))
			s := secretOf(name)
			if err := en.exchange(string(s.Data["RUNAI_CLIENT_ID"]), string(s.Data["RUNAI_CLIENT_SECRET"])); err != nil {
				t.Fatalf("the delivered credentials do not work: %v", err)
			}
			if html, _ := p.Content(); strings.Contains(html, string(s.Data["RUNAI_CLIENT_SECRET"])) {
				t.Fatal("the secret is in the page")
			}
			screenshot(t, p, "delivered-"+mode(js))
			a11y("secret panel, delivered only")

			// Its page lists the Secret; regenerate into it.
			must(t, p.GetByRole("link", playwright.PageGetByRoleOptions{Name: "Done"}).Click())
			must(t, row(p, name).GetByRole("link", playwright.LocatorGetByRoleOptions{Name: name, Exact: playwright.Bool(true)}).Click())
			held := p.GetByTestId("held-row")
			must(t, expect.Locator(held).ToContainText(credsNamespace+"/"+name))
			must(t, expect.Locator(held).ToContainText("this client ID"))
			screenshot(t, p, "held-"+mode(js))
			a11y("account page with its Secrets")
			// Regenerate: the new secret goes into the Secret that holds the
			// account, by default, and is shown nowhere.
			must(t, p.GetByRole("link", playwright.PageGetByRoleOptions{Name: "Regenerate secret"}).Click())
			confirm := p.GetByTestId("confirm")
			must(t, expect.Locator(confirm.GetByTestId("handover-row")).ToContainText(credsNamespace+"/"+name))
			a11y("regenerate confirmation with the Secrets that hold the account")
			must(t, confirm.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Regenerate secret"}).Click())
			must(t, expect.Locator(p.GetByTestId("handed-over")).ToContainText("Written into the Secret "+credsNamespace+"/"+name))
			must(t, expect.Locator(p.GetByTestId("secret-value")).ToHaveCount(0))
			regenerated := secretOf(name)
			if string(regenerated.Data["RUNAI_CLIENT_SECRET"]) == string(s.Data["RUNAI_CLIENT_SECRET"]) {
				t.Fatal("the Secret still holds the old secret")
			}
			if err := en.exchange(string(regenerated.Data["RUNAI_CLIENT_ID"]), string(regenerated.Data["RUNAI_CLIENT_SECRET"])); err != nil {
				t.Fatalf("the regenerated credentials do not work: %v", err)
			}

			// A Secret in the way: named, and written only once confirmed.
			other := name + "-db"
			_, err = k.Admin.CoreV1().Secrets(credsNamespace).Create(context.Background(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: other},
				Type: corev1.SecretTypeOpaque, Data: map[string][]byte{"password": []byte("db")}}, metav1.CreateOptions{})
			must(t, err)
			_, err = p.Goto(at(accountPage(en, name)))
			must(t, err)
			must(t, p.GetByRole("link", playwright.PageGetByRoleOptions{Name: "Regenerate secret"}).Click())
			_, err = confirm.Locator(views.Sel(views.DeliverNamespaceID)).SelectOption(playwright.SelectOptionValues{Values: &[]string{credsNamespace}})
			must(t, err)
			must(t, confirm.GetByLabel("Secret name").Fill(other))
			a11y("regenerate confirmation with delivery")
			must(t, confirm.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Regenerate secret"}).Click())
			must(t, expect.Locator(p.GetByTestId("delivery-foreign")).ToContainText("Its keys: password"))
			a11y("a Secret in the way")
			must(t, p.GetByLabel("Write into "+credsNamespace+"/"+other+" anyway").Check())
			must(t, p.GetByTestId("confirm").GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Regenerate secret"}).Click())
			must(t, expect.Locator(p.GetByTestId("delivered")).ToContainText("Delivered to the Secret "+credsNamespace+"/"+other))
			if got := secretOf(other); string(got.Data["password"]) != "db" || !delivery.Managed(got.Labels) {
				t.Error("the confirmed Secret lost its key or was not written")
			}

			// Delete, with its Secrets.
			_, err = p.Goto(at(accountPage(en, name)))
			must(t, err)
			must(t, p.GetByRole("link", playwright.PageGetByRoleOptions{Name: "Delete", Exact: playwright.Bool(true)}).Click())
			must(t, expect.Locator(p.GetByTestId("delete-held")).ToContainText("2 Kubernetes Secrets hold "+name))
			a11y("delete confirmation naming the Secrets")
			must(t, p.GetByTestId("confirm").GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Delete " + name}).Click())
			must(t, expect.Locator(p.GetByTestId("flash")).ToContainText("Deleted its Secrets"))
			for _, n := range []string{name, other} {
				if _, err := k.Admin.CoreV1().Secrets(credsNamespace).Get(context.Background(), n, metav1.GetOptions{}); err == nil {
					t.Errorf("Secret %s is still there", n)
				}
			}
		})
	}
}

// TestHandOverInTheBrowser: with and without JavaScript, an account's
// page says who reads its Secret and how; a rotation writes the successor
// into it, never shown; the rotation panel shows the Secret holding the
// successor and the reader still running with the old credentials, and
// Retire warns of it. Every state passes axe.
func TestHandOverInTheBrowser(t *testing.T) {
	for _, js := range []bool{true, false} {
		t.Run(mode(js), func(t *testing.T) {
			k, d := deliveryTo(t)
			en := newEnv(t, envOptions{delivery: d})
			p := en.page(js)
			en.signIn(p)
			a11y := func(state string) {
				if js {
					checkA11y(t, p, state)
				}
			}
			name := "ingest-" + mode(js)
			createDelivered(t, p, name)
			old, err := k.Admin.CoreV1().Secrets(credsNamespace).Get(context.Background(), name, metav1.GetOptions{})
			must(t, err)
			k.Workload(t, credsNamespace, "Deployment", name+"-api", name, kubetest.ReadsEnv)
			k.Workload(t, credsNamespace, "Deployment", name+"-worker", name, kubetest.ReadsFiles)
			time.Sleep(1100 * time.Millisecond) // the readers start a second before the hand-over (times are to the second)

			_, err = p.Goto(at(accountPage(en, name)))
			must(t, err)
			readers := p.GetByTestId("held-row").GetByTestId("reader")
			must(t, expect.Locator(readers).ToHaveCount(2))
			must(t, expect.Locator(readers.First()).ToContainText("Deployment "+name+"-api (environment; 1 Pod) needs a restart"))
			must(t, expect.Locator(readers.Last()).ToContainText("Deployment "+name+"-worker (file; 1 Pod) picks it up"))
			a11y("account page with the readers of its Secret")

			must(t, p.GetByRole("link", playwright.PageGetByRoleOptions{Name: "Rotate without outage"}).Click())
			must(t, expect.Locator(p.GetByTestId("handover-restart-needed")).ToContainText("Deployment "+name+"-api"))
			a11y("rotation start with the Secrets that hold the account")
			must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Start the rotation"}).Click())
			must(t, expect.Locator(p.GetByTestId("rotation-handed-over")).ToContainText(name+"-r2 is handed over"))
			must(t, expect.Locator(p.GetByTestId("secret-value")).ToHaveCount(0))
			a11y("rotation handed over")
			now, err := k.Admin.CoreV1().Secrets(credsNamespace).Get(context.Background(), name, metav1.GetOptions{})
			must(t, err)
			succ, _ := en.stub.AccountByName(name + "-r2")
			if string(now.Data["RUNAI_CLIENT_ID"]) != succ.ClientID || en.exchange(succ.ClientID, string(now.Data["RUNAI_CLIENT_SECRET"])) != nil {
				t.Fatal("the Secret does not hold the successor's working credentials")
			}
			if err := en.exchange(string(old.Data["RUNAI_CLIENT_ID"]), string(old.Data["RUNAI_CLIENT_SECRET"])); err != nil {
				t.Fatalf("the old credentials stopped working before Retire: %v", err)
			}

			_, err = p.Goto(at(accountPage(en, name)))
			must(t, err)
			panel := p.GetByTestId("rotation-panel")
			must(t, expect.Locator(panel.GetByTestId("rotation-secrets")).ToContainText("Secrets that hold "+name+"-r2"))
			must(t, expect.Locator(panel.GetByTestId("rotation-still-old")).ToContainText("Deployment "+name+"-api"))
			must(t, expect.Locator(panel.GetByTestId("rotation-still-old")).Not().ToContainText(name+"-worker"))
			must(t, panel.ScrollIntoViewIfNeeded())
			screenshot(t, p, "rotation-readers-"+mode(js))
			a11y("rotation panel with the readers still on the old credentials")
			must(t, panel.GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "Retire " + name}).Click())
			must(t, expect.Locator(p.GetByTestId("rotation-readers-warning")).ToContainText("Deployment "+name+"-api"))
			a11y("retire confirmation warning of a reader on the old credentials")
		})
	}
}

// TestAutomationInTheBrowser: with and without JavaScript, the account
// page sets a Secret's rotation policy (a value out of bounds is refused
// with the input kept), and a Secret declared in Git waits for approval
// until an admin approves it. Every state passes axe.
func TestAutomationInTheBrowser(t *testing.T) {
	for _, js := range []bool{true, false} {
		t.Run(mode(js), func(t *testing.T) {
			k, d := deliveryTo(t)
			en := newEnv(t, envOptions{delivery: d})
			p := en.page(js)
			en.signIn(p)
			a11y := func(state string) {
				if js {
					checkA11y(t, p, state)
				}
			}
			name := "nightly-" + mode(js)
			declared := name + "-from-git" // declared in Git before the account is delivered
			_, err := k.Admin.CoreV1().Secrets(credsNamespace).Create(context.Background(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: declared,
				Annotations: map[string]string{delivery.AnnServiceAccount: name, "runai-tools.github.io/rotate-every": "7d"}}}, metav1.CreateOptions{})
			must(t, err)
			createDelivered(t, p, name)

			_, err = p.Goto(at(accountPage(en, name)))
			must(t, err)
			item := p.GetByTestId("automation-item").First() // the Secret that holds it, then the declaration
			must(t, item.GetByLabel("Rotate every").Fill("12h"))
			must(t, item.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Save the policy of " + credsNamespace + "/" + name}).Click())
			must(t, expect.Locator(p.GetByTestId("error-rotate_every").First()).ToContainText("at least 24h"))
			a11y("a policy out of bounds")
			item = p.GetByTestId("automation-item").First()
			must(t, expect.Locator(item.GetByLabel("Rotate every")).ToHaveValue("12h"))
			must(t, item.GetByLabel("Rotate every").Fill("30d"))
			must(t, item.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Save the policy of " + credsNamespace + "/" + name}).Click())
			must(t, expect.Locator(p.GetByTestId("flash")).ToContainText("The policy of "+credsNamespace+"/"+name+" is saved: rotate every 30d"))
			must(t, expect.Locator(p.GetByTestId("waiting-for-approval")).ToContainText("Declared in Git for "+name))
			must(t, p.GetByTestId("automation").ScrollIntoViewIfNeeded())
			screenshot(t, p, "automation-"+mode(js))
			a11y("automatic rotation with a declaration waiting")
			must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Approve " + credsNamespace + "/" + declared}).Click())
			must(t, expect.Locator(p.GetByTestId("flash")).ToContainText("Approved: "+credsNamespace+"/"+declared))
			s, err := k.Admin.CoreV1().Secrets(credsNamespace).Get(context.Background(), declared, metav1.GetOptions{})
			must(t, err)
			if s.Annotations["runai-tools.github.io/approved-by"] == "" {
				t.Error("the approval is not recorded on the Secret")
			}
		})
	}
}

// createDelivered creates the account name with the create form,
// delivered only into the Secret of the same name in credsNamespace.
func createDelivered(t *testing.T, p playwright.Page, name string) {
	t.Helper()
	must(t, p.GetByLabel("Name", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}).Fill(name))
	must(t, p.GetByText("Deliver to Kubernetes (optional)").Click())
	_, err := p.Locator(views.Sel(views.DeliverNamespaceID)).SelectOption(playwright.SelectOptionValues{Values: &[]string{credsNamespace}})
	must(t, err)
	must(t, p.GetByLabel("Secret name").Fill(name))
	must(t, p.GetByLabel("Deliver only: never show the secret in this browser").Check())
	must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Create", Exact: playwright.Bool(true)}).Click())
	must(t, expect.Locator(p.GetByTestId("delivered")).ToContainText("Delivered to the Secret "+credsNamespace+"/"+name))
}
