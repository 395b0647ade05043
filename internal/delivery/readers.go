package delivery

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// Mode is how a workload reads a Secret, which decides whether it sees a
// new secret by itself.
type Mode string

// The modes.
const (
	// ModeFile is a volume (or a projected volume's source) mounted as a
	// directory: the kubelet refreshes the files within about a minute.
	ModeFile Mode = "file"
	// ModeEnv is an environment variable (env or envFrom): read once,
	// when the container starts.
	ModeEnv Mode = "environment"
	// ModeSubPath is a file mounted with subPath: never refreshed
	// (kubernetes/kubernetes#50345).
	ModeSubPath Mode = "subPath"
	// ModeInit is an init container's read, of any kind: done once, when
	// the Pod starts.
	ModeInit Mode = "init container"
)

// Restarts reports whether a reader of this mode sees a new secret only
// after a restart.
func (m Mode) Restarts() bool { return m != ModeFile }

// Reader is a workload that reads a Secret: the Pods' owner (a
// ReplicaSet followed up to its Deployment, a Job up to its CronJob), its
// Pods, and how they read it.
type Reader struct {
	Kind string // Deployment, StatefulSet, DaemonSet, CronJob, Job, ReplicaSet, or Pod (none owns it)
	Name string
	Pods []string
	// Modes are how its Pods read the Secret, each once, in a fixed order.
	Modes []Mode
	// Started is when its oldest Pod was created: a reader that needs a
	// restart and started before a write still runs with what it read.
	Started time.Time
}

// String is "Deployment etl".
func (r Reader) String() string { return r.Kind + " " + r.Name }

// NeedsRestart reports whether it sees a new secret only once restarted.
func (r Reader) NeedsRestart() bool { return slices.ContainsFunc(r.Modes, Mode.Restarts) }

// Restartable reports whether the dashboard can restart it the way
// kubectl rollout restart does.
func (r Reader) Restartable() bool {
	return r.Kind == "Deployment" || r.Kind == "StatefulSet" || r.Kind == "DaemonSet"
}

// StillOld reports whether it still runs with what the Secret held before
// it was written at: it needs a restart and started before then.
func (r Reader) StillOld(written time.Time) bool {
	return r.NeedsRestart() && !written.IsZero() && r.Started.Before(written)
}

// MaxPods bounds the Pods read in one namespace (in pages of 500).
const MaxPods = 5000

// ErrTooManyPods is a namespace with more than MaxPods Pods: its readers
// are not listed.
var ErrTooManyPods = fmt.Errorf("delivery: the namespace has more than %d Pods; their readers are not listed", MaxPods)

// Readers lists, for each Secret of names in namespace ns, the workloads
// whose Pods read it, from one listing of the namespace's Pods (never
// cached: who reads a Secret is asked at the moment it matters). Pods
// that have ended are not readers. Owners are followed through
// ReplicaSets and Jobs when the identity may get them; otherwise the
// ReplicaSet or Job itself is the reader.
func Readers(ctx context.Context, cs kubernetes.Interface, ns string, names []string) (map[string][]Reader, error) {
	var pods []corev1.Pod
	opts := metav1.ListOptions{Limit: 500}
	for {
		list, err := cs.CoreV1().Pods(ns).List(ctx, opts)
		if err != nil {
			return nil, err
		}
		pods = append(pods, list.Items...)
		if len(pods) > MaxPods {
			return nil, ErrTooManyPods
		}
		if opts.Continue = list.Continue; opts.Continue == "" {
			break
		}
	}
	owners := ownerResolver{ctx: ctx, cs: cs, ns: ns, seen: map[types.UID]owner{}}
	out := map[string][]Reader{}
	for _, name := range names {
		byOwner := map[owner]*Reader{}
		var order []owner
		for i := range pods {
			p := &pods[i]
			if p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
				continue
			}
			modes := readsOf(&p.Spec, name)
			if len(modes) == 0 {
				continue
			}
			o := owners.of(p)
			r := byOwner[o]
			if r == nil {
				r = &Reader{Kind: o.kind, Name: o.name, Started: p.CreationTimestamp.Time}
				byOwner[o] = r
				order = append(order, o)
			}
			r.Pods = append(r.Pods, p.Name)
			if p.CreationTimestamp.Time.Before(r.Started) {
				r.Started = p.CreationTimestamp.Time
			}
			for _, m := range modes {
				if !slices.Contains(r.Modes, m) {
					r.Modes = append(r.Modes, m)
				}
			}
		}
		for _, o := range order {
			r := byOwner[o]
			slices.Sort(r.Pods)
			slices.SortFunc(r.Modes, func(a, b Mode) int { return modeRank(a) - modeRank(b) })
			out[name] = append(out[name], *r)
		}
		slices.SortFunc(out[name], func(a, b Reader) int { return strings.Compare(a.String(), b.String()) })
	}
	return out, nil
}

func modeRank(m Mode) int { return slices.Index([]Mode{ModeFile, ModeEnv, ModeSubPath, ModeInit}, m) }

// readsOf says how a Pod's containers read the Secret name: none when
// they do not.
func readsOf(spec *corev1.PodSpec, name string) []Mode {
	volumes := map[string]bool{} // the Pod's volumes that hold the Secret
	for _, v := range spec.Volumes {
		if v.Secret != nil && v.Secret.SecretName == name {
			volumes[v.Name] = true
		}
		if v.Projected != nil {
			for _, src := range v.Projected.Sources {
				if src.Secret != nil && src.Secret.Name == name {
					volumes[v.Name] = true
				}
			}
		}
	}
	var modes []Mode
	add := func(m Mode) {
		if !slices.Contains(modes, m) {
			modes = append(modes, m)
		}
	}
	read := func(c *corev1.Container, init bool) {
		var ms []Mode
		for _, e := range c.Env {
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil && e.ValueFrom.SecretKeyRef.Name == name {
				ms = append(ms, ModeEnv)
			}
		}
		for _, e := range c.EnvFrom {
			if e.SecretRef != nil && e.SecretRef.Name == name {
				ms = append(ms, ModeEnv)
			}
		}
		for _, m := range c.VolumeMounts {
			if !volumes[m.Name] {
				continue
			}
			if m.SubPath != "" || m.SubPathExpr != "" {
				ms = append(ms, ModeSubPath)
			} else {
				ms = append(ms, ModeFile)
			}
		}
		for _, m := range ms {
			if init {
				m = ModeInit
			}
			add(m)
		}
	}
	for i := range spec.InitContainers {
		read(&spec.InitContainers[i], true)
	}
	for i := range spec.Containers {
		read(&spec.Containers[i], false)
	}
	return modes
}

// owner is a workload, as a reader names it.
type owner struct{ kind, name string }

// ownerResolver follows a Pod's controller up to the workload a person
// manages, asking the API server once per ReplicaSet or Job.
type ownerResolver struct {
	ctx  context.Context
	cs   kubernetes.Interface
	ns   string
	seen map[types.UID]owner
}

func (r *ownerResolver) of(p *corev1.Pod) owner {
	ref := metav1.GetControllerOf(p)
	if ref == nil {
		return owner{"Pod", p.Name}
	}
	if o, ok := r.seen[ref.UID]; ok {
		return o
	}
	o := owner{ref.Kind, ref.Name}
	var up *metav1.OwnerReference
	var err error
	switch ref.Kind {
	case "ReplicaSet":
		rs, e := r.cs.AppsV1().ReplicaSets(r.ns).Get(r.ctx, ref.Name, metav1.GetOptions{})
		if err = e; err == nil {
			up = metav1.GetControllerOf(rs)
		}
	case "Job":
		job, e := r.cs.BatchV1().Jobs(r.ns).Get(r.ctx, ref.Name, metav1.GetOptions{})
		if err = e; err == nil {
			up = metav1.GetControllerOf(job)
		}
	}
	if up != nil && (up.Kind == "Deployment" || up.Kind == "CronJob") {
		o = owner{up.Kind, up.Name}
	}
	if err == nil || apierrors.IsNotFound(err) || apierrors.IsForbidden(err) {
		r.seen[ref.UID] = o // refused or gone: the ReplicaSet or Job is the reader
	}
	return o
}

// RestartedAt is the pod template annotation kubectl rollout restart sets.
const RestartedAt = "kubectl.kubernetes.io/restartedAt"

// ErrNotRestartable is a reader the dashboard does not restart: not a
// Deployment, StatefulSet or DaemonSet.
var ErrNotRestartable = errors.New("delivery: only Deployments, StatefulSets and DaemonSets are restarted")

// Restart restarts the reader r of namespace ns as kubectl rollout
// restart does: the pod template's RestartedAt annotation set to now, so
// that its controller replaces its Pods.
func Restart(ctx context.Context, cs kubernetes.Interface, ns string, r Reader, now time.Time) error {
	patch := fmt.Appendf(nil, `{"spec":{"template":{"metadata":{"annotations":{%q:%q}}}}}`, RestartedAt, now.UTC().Format(time.RFC3339))
	opts := metav1.PatchOptions{FieldManager: ManagedBy}
	var err error
	switch r.Kind {
	case "Deployment":
		_, err = cs.AppsV1().Deployments(ns).Patch(ctx, r.Name, types.StrategicMergePatchType, patch, opts)
	case "StatefulSet":
		_, err = cs.AppsV1().StatefulSets(ns).Patch(ctx, r.Name, types.StrategicMergePatchType, patch, opts)
	case "DaemonSet":
		_, err = cs.AppsV1().DaemonSets(ns).Patch(ctx, r.Name, types.StrategicMergePatchType, patch, opts)
	default:
		return ErrNotRestartable
	}
	return err
}

// Restarts is what RestartAll did with a Secret's readers after a write.
type Restarts struct {
	Restarted []string // restarted, to read the new secret
	Failed    []string // would have been restarted: "Deployment x: the cluster's reason"
	ByHand    []string // need a restart the dashboard does not make (not asked for, or not restartable)
	Files     []string // read it as files: they see it by themselves
}

// RestartAll restarts, after a write, the readers of rs that need it and
// that the dashboard restarts, when restart is asked; around each restart
// it calls each (when not nil) and the function it returns with the
// outcome (for the audit). It says how every reader is left.
func RestartAll(ctx context.Context, cs kubernetes.Interface, ns string, rs []Reader, restart bool, now time.Time, each func(Reader) func(error)) Restarts {
	var out Restarts
	for _, r := range rs {
		switch {
		case !r.NeedsRestart():
			out.Files = append(out.Files, r.String())
		case !restart || !r.Restartable():
			out.ByHand = append(out.ByHand, r.String())
		default:
			done := func(error) {}
			if each != nil {
				done = each(r)
			}
			err := Restart(ctx, cs, ns, r, now)
			done(err)
			if err != nil {
				out.Failed = append(out.Failed, r.String()+": "+Reason(err))
				continue
			}
			out.Restarted = append(out.Restarted, r.String())
		}
	}
	return out
}
