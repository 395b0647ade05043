package automation_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/runai-tools/sa-dashboard/internal/automation"
	"github.com/runai-tools/sa-dashboard/internal/delivery"
	"github.com/runai-tools/sa-dashboard/internal/kubetest"
)

const (
	dashboardSA    = "system:serviceaccount:runai-sa:runai-sa-dashboard"
	credsNamespace = "runai-credentials"
)

// asDeployed applies the project's delivery and automation components
// to the test server and returns a world whose controller acts as the
// dashboard's service account with exactly the rights they give.
func asDeployed(t *testing.T) *world {
	t.Helper()
	k := kubetest.Shared(t)
	k.Apply(t, kubetest.Only(kubetest.KustomizeWith(t, "../../deploy/k8s", "delivery", "automation"), "Namespace", "Role", "RoleBinding"))
	k.EnsureNamespace(t, "runai-sa")
	w := newWorld(t, k.User(t, dashboardSA, "system:serviceaccounts", "system:serviceaccounts:runai-sa"))
	w.ns = credsNamespace
	w.r.Namespaces = []string{credsNamespace}
	return w
}

// leaderOnly counts how often it ran: started on the leader only.
type leaderOnly struct{ runs atomic.Int32 }

func (l *leaderOnly) Start(ctx context.Context) error {
	l.runs.Add(1)
	<-ctx.Done()
	return nil
}

// controller runs a controller for a Reconciler like w's, as the
// dashboard's service account, with a short lease, and lead on the
// leader only (as the inventory); stop ends it.
func (w *world) controller(t *testing.T, name string, lead *leaderOnly) (c *automation.Controller, stop func()) {
	t.Helper()
	r := w.reconciler(nil, nil)
	r.Namespaces = []string{credsNamespace}
	r.Logger = discard.With("replica", name)
	lease := 2 * time.Second
	c, err := automation.NewController(w.k.User(t, dashboardSA, "system:serviceaccounts", "system:serviceaccounts:runai-sa"), r,
		automation.Election{Namespace: "runai-sa", LeaseDuration: lease, RenewDeadline: 1500 * time.Millisecond, Retry: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Lead(lead); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var (
		wg     sync.WaitGroup
		runErr error
	)
	wg.Go(func() { runErr = c.Run(ctx) })
	return c, func() {
		cancel()
		wg.Wait()
		if runErr != nil && ctx.Err() == nil {
			t.Errorf("%s stopped: %v", name, runErr)
		}
	}
}

func elected(c *automation.Controller, within time.Duration) bool {
	select {
	case <-c.Elected():
		return true
	case <-time.After(within):
		return false
	}
}

// TestControllerAsDeployed: with the shipped RBAC, the controller elects
// itself on its Lease, watches the Secrets' metadata, acts on a declared
// Secret (an Event on it, waiting for approval), and when its replica
// stops another takes over: the only test that waits, for a 2 s lease.
func TestControllerAsDeployed(t *testing.T) {
	w := asDeployed(t)
	_, err := w.k.Admin.CoreV1().Secrets(credsNamespace).Create(context.Background(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{
		Name: "declared-by-git", Annotations: map[string]string{delivery.AnnServiceAccount: "team-x-etl", automation.AnnRotateEvery: "30d"}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var leadA, leadB leaderOnly
	a, stopA := w.controller(t, "a", &leadA)
	if !elected(a, 10*time.Second) {
		t.Fatal("the first replica was not elected")
	}
	b, stopB := w.controller(t, "b", &leadB)
	defer stopB()
	if elected(b, time.Second) {
		t.Fatal("two replicas lead at once")
	}
	if leadA.runs.Load() != 1 || leadB.runs.Load() != 0 {
		t.Errorf("the leader-only work ran %d times on the leader, %d on the other", leadA.runs.Load(), leadB.runs.Load())
	}
	deadline := time.Now().Add(10 * time.Second)
	for w.secret("declared-by-git").Annotations[automation.AnnPhase] != string(automation.AwaitApproval) {
		if time.Now().After(deadline) {
			t.Fatalf("the declared Secret was not looked at: %v", w.secret("declared-by-git").Annotations)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for {
		list, err := w.k.Admin.EventsV1().Events(credsNamespace).List(context.Background(), metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if found := func() bool {
			for _, e := range list.Items {
				if e.Regarding.Name == "declared-by-git" && e.Reason == "WaitingForApproval" {
					return true
				}
			}
			return false
		}(); found {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no WaitingForApproval Event on the Secret (RBAC for events.k8s.io?)")
		}
		time.Sleep(100 * time.Millisecond)
	}
	stopA()
	if !elected(b, 10*time.Second) {
		t.Fatal("the second replica did not take over when the first stopped")
	}
	for i := 0; i < 50 && leadB.runs.Load() == 0; i++ { // the runnables start as it is elected
		time.Sleep(100 * time.Millisecond)
	}
	if leadB.runs.Load() != 1 {
		t.Error("the leader-only work did not start on the new leader")
	}
	lease, err := w.k.Admin.CoordinationV1().Leases("runai-sa").Get(context.Background(), automation.LeaseName, metav1.GetOptions{})
	if err != nil || lease.Spec.HolderIdentity == nil || *lease.Spec.HolderIdentity == "" {
		t.Fatalf("the Lease: %v %v", lease, err)
	}
}
