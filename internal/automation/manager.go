package automation

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/runai-tools/sa-dashboard/internal/delivery"
)

// LeaseName is the Lease the replicas elect their one acting controller
// with.
const LeaseName = "runai-sa-dashboard-automation"

// EventSource is the component the Events name.
const EventSource = "runai-sa-dashboard"

// Election tunes the leader election; zero values take
// controller-runtime's defaults (15 s lease, 10 s renewal, 2 s retries).
type Election struct {
	Namespace                           string // where the Lease lives
	LeaseDuration, RenewDeadline, Retry time.Duration
}

// Controller runs the Reconciler under a controller-runtime manager: a
// metadata-only watch of the Secrets of the delivery namespaces (their
// data is never cached: memory stays small whatever they hold), and
// leader election on a Lease, so that among replicas exactly one acts.
type Controller struct {
	mgr ctrl.Manager
	log *slog.Logger
}

// NewController builds the controller for r on the cluster rc reaches
// (the dashboard's own identity), filling r's Kubernetes clients and
// Event recorder.
func NewController(rc *rest.Config, r *Reconciler, el Election) (*Controller, error) {
	namespaces := map[string]cache.Config{}
	for _, ns := range r.Namespaces {
		namespaces[ns] = cache.Config{}
	}
	opts := ctrl.Options{
		Cache:                         cache.Options{DefaultNamespaces: namespaces},
		Metrics:                       metricsserver.Options{BindAddress: "0"}, // the dashboard serves its own
		HealthProbeBindAddress:        "0",
		LeaderElection:                true,
		LeaderElectionID:              LeaseName,
		LeaderElectionNamespace:       el.Namespace,
		LeaderElectionReleaseOnCancel: true, // a replica that stops hands over at once
		Logger:                        logr.FromSlogHandler(r.Logger.Handler()),
	}
	if el.LeaseDuration > 0 {
		opts.LeaseDuration, opts.RenewDeadline, opts.RetryPeriod = &el.LeaseDuration, &el.RenewDeadline, &el.Retry
	}
	mgr, err := ctrl.NewManager(rc, opts)
	if err != nil {
		return nil, fmt.Errorf("automation: %w", err)
	}
	if r.Kube == nil {
		if r.Kube, err = kubernetes.NewForConfig(rc); err != nil {
			return nil, err
		}
	}
	if r.Metadata == nil {
		if r.Metadata, err = metadata.NewForConfig(rc); err != nil {
			return nil, err
		}
	}
	r.Recorder = mgr.GetEventRecorder(EventSource)
	secrets := &metav1.PartialObjectMetadata{}
	secrets.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	declared := predicate.NewPredicateFuncs(func(o client.Object) bool { return o.GetAnnotations()[delivery.AnnServiceAccount] != "" })
	// The controller's own status writes are no reason to look again (it
	// requeues itself when it should): without this, a status that
	// changes at every look (next-step-at while polling for evidence)
	// would make the controller chase its own writes.
	notOwnStatus := predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		return !StatusOnly(e.ObjectOld.GetLabels(), e.ObjectNew.GetLabels(), e.ObjectOld.GetAnnotations(), e.ObjectNew.GetAnnotations())
	}}
	err = ctrl.NewControllerManagedBy(mgr).
		Named("automation").
		For(secrets).
		WithEventFilter(predicate.And(declared, notOwnStatus)).
		// One controller per process; the name check guards metrics, which
		// the dashboard does not take from controller-runtime.
		WithOptions(controller.Options{MaxConcurrentReconciles: 1, SkipNameValidation: &skipNameValidation}).
		Complete(r)
	if err != nil {
		return nil, fmt.Errorf("automation: %w", err)
	}
	return &Controller{mgr: mgr, log: r.Logger}, nil
}

var skipNameValidation = true

// Lead runs r (started with the controller) on the replica that leads
// only, as the controller's reconciles are: the inventory, say.
func (c *Controller) Lead(r interface{ Start(context.Context) error }) error {
	return c.mgr.Add(manager.RunnableFunc(r.Start))
}

// Elected is closed once this replica leads.
func (c *Controller) Elected() <-chan struct{} { return c.mgr.Elected() }

// Run runs the controller until ctx ends: it campaigns for the Lease and
// reconciles only while it holds it.
func (c *Controller) Run(ctx context.Context) error {
	go func() {
		select {
		case <-c.mgr.Elected():
			c.log.Info("automation: this replica leads (holds the Lease " + LeaseName + ")")
		case <-ctx.Done():
		}
	}()
	return c.mgr.Start(ctx)
}

// statusKeys are the annotations only the controller writes about its own
// progress.
var statusKeys = []string{AnnPhase, AnnLastError, AnnNextStepAt, AnnDisabledAt}

// StatusOnly reports whether a change of a Secret's metadata touched only
// the controller's status annotations.
func StatusOnly(oldLabels, newLabels, oldAnn, newAnn map[string]string) bool {
	if !maps.Equal(oldLabels, newLabels) {
		return false
	}
	strip := func(a map[string]string) map[string]string {
		b := maps.Clone(a)
		for _, k := range statusKeys {
			delete(b, k)
		}
		return b
	}
	return maps.Equal(strip(oldAnn), strip(newAnn))
}
