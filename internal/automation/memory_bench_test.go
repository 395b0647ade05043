package automation_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/runai-tools/sa-dashboard/apiclient"
	"github.com/runai-tools/sa-dashboard/internal/automation"
	"github.com/runai-tools/sa-dashboard/internal/delivery"
	"github.com/runai-tools/sa-dashboard/internal/kubetest"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/internal/stub"
)

// BenchmarkController1000 is the controller's memory at 1000 accounts:
// 1000 automated Secrets (each delivered, not due) watched by their
// metadata, 1000 accounts at the stub; the heap in use after every Secret
// was reconciled once, against before the controller started. Run it
// alone: go test -run '^$' -bench Controller1000 -benchtime 1x ./internal/automation
func BenchmarkController1000(b *testing.B) {
	const n = 1000
	k := kubetest.Shared(b)
	ns := k.Namespace(b, "mem")
	s := stub.New(stub.Config{AdminClientID: "automation", AdminClientSecret: "standing-secret-value"})
	srv := httptest.NewServer(s)
	b.Cleanup(srv.Close)
	ctx := context.Background()
	now := time.Now().UTC()
	for i := range n {
		name := fmt.Sprintf("pipeline-%04d", i)
		a := s.Insert(runai.ServiceAccount{Name: name, Enabled: true, CreatedAt: now}, "x")
		_, err := k.Admin.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name,
			Labels: map[string]string{delivery.LabelManagedBy: delivery.ManagedBy},
			Annotations: map[string]string{delivery.AnnServiceAccount: name, delivery.AnnServiceAccountID: a.ID, delivery.AnnClientID: a.ClientID,
				delivery.AnnDeliveredAt: now.Format(time.RFC3339), delivery.AnnKeys: "RUNAI_CLIENT_ID,RUNAI_CLIENT_SECRET,RUNAI_URL",
				automation.AnnRotateEvery: "30d"}},
			StringData: map[string]string{"RUNAI_CLIENT_ID": a.ClientID, "RUNAI_CLIENT_SECRET": "x", "RUNAI_URL": srv.URL}}, metav1.CreateOptions{})
		if err != nil {
			b.Fatal(err)
		}
	}
	api, err := apiclient.New(srv.URL)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		r := &automation.Reconciler{API: api, ClientID: "automation", Secret: "standing-secret-value", Logger: discard, Namespaces: []string{ns},
			RunaiURL: srv.URL, MaxRotating: 3, Now: time.Now}
		c, err := automation.NewController(k.Config, r, automation.Election{Namespace: ns})
		if err != nil {
			b.Fatal(err)
		}
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- c.Run(runCtx) }()
		start := time.Now()
		for waiting := 0; waiting < n; {
			if time.Since(start) > 5*time.Minute {
				b.Fatalf("%d of %d Secrets reconciled in 5 minutes", waiting, n)
			}
			time.Sleep(time.Second)
			list, err := k.Admin.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				b.Fatal(err)
			}
			waiting = 0
			for _, s := range list.Items {
				if s.Annotations[automation.AnnPhase] == string(automation.Wait) {
					waiting++
				}
			}
		}
		took := time.Since(start)
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapInuse)/(1<<20), "heap-MB")
		b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/(1<<20), "heap-added-MB")
		b.ReportMetric(took.Seconds(), "s-to-reconcile-all")
		stop()
		<-done
	}
}
