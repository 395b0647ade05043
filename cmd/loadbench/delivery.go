package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/runai-tools/sa-dashboard/internal/delivery"
	"github.com/runai-tools/sa-dashboard/internal/kubetest"
	"github.com/runai-tools/sa-dashboard/internal/runai"
)

// measureDelivery repeats the memory measure with delivery into
// Kubernetes Secrets on, against a real kube-apiserver whose allowed
// namespace holds one delivered Secret per account: every list read then
// also lists those Secrets' metadata.
func measureDelivery(ctx context.Context, o options, rep *report, log io.Writer) error {
	fmt.Fprintln(log, "loadbench: starting kube-apiserver and etcd (envtest)")
	k, err := kubetest.Start()
	if err != nil {
		return err
	}
	defer k.Stop()
	dir, err := os.MkdirTemp("", "loadbench-kube")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := k.WriteKubeconfig(kubeconfig); err != nil {
		return err
	}
	const ns = "runai-credentials"
	if _, err := k.Admin.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		return err
	}
	t, err := start(ctx, o.dashboard, o.accounts, o.rules, variant{env: []string{"DELIVERY_NAMESPACES=" + ns, "KUBECONFIG=" + kubeconfig}})
	if err != nil {
		return err
	}
	defer t.stop()
	accounts := t.stub.Accounts()
	fmt.Fprintf(log, "loadbench: delivering %d Secrets\n", len(accounts))
	for i, a := range accounts {
		tg := delivery.Target{Namespace: ns, Name: fmt.Sprintf("runai-sa-%04d", i), Keys: delivery.EnvKeys} // account names may hold "_"
		cr := delivery.Credentials{Account: a, ClientID: a.ClientID, Secret: runai.Secret(randomHex(24)), URL: t.stubURL}
		if err := delivery.Write(ctx, k.Admin, tg, cr, "loadbench", time.Now(), delivery.Overwrite{}, false); err != nil {
			return fmt.Errorf("deliver %s: %w", a.Name, err)
		}
	}
	if err := measureSessions(ctx, t, o, fmt.Sprintf(", delivery on (%d Secrets)", len(accounts)), rep, log); err != nil {
		return fmt.Errorf("%w\n%s", err, t.output())
	}
	return nil
}
