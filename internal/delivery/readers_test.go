package delivery_test

// Who reads a Secret, against a real kube-apiserver (internal/kubetest).
// No kubelet or controller runs there: Pods, ReplicaSets and Jobs are
// objects made by the test, with the owner references their controllers
// would give them.

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/runai-tools/sa-dashboard/internal/delivery"
	"github.com/runai-tools/sa-dashboard/internal/kubetest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	kubetest.Stop()
	os.Exit(code)
}

const readSecret = "creds"

var labels = map[string]string{"app": "x"}

func podSpec(reads func(*corev1.PodSpec)) corev1.PodSpec {
	s := corev1.PodSpec{RestartPolicy: corev1.RestartPolicyAlways, Containers: []corev1.Container{{Name: "main", Image: "busybox"}}}
	reads(&s)
	return s
}

func template(reads func(*corev1.PodSpec)) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: podSpec(reads)}
}

// The ways of reading readSecret.
var (
	byEnv = func(s *corev1.PodSpec) {
		s.Containers[0].Env = []corev1.EnvVar{{Name: "RUNAI_CLIENT_SECRET", ValueFrom: &corev1.EnvVarSource{
			SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: readSecret}, Key: "RUNAI_CLIENT_SECRET"}}}}
	}
	byEnvFrom = func(s *corev1.PodSpec) {
		s.Containers[0].EnvFrom = []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: readSecret}}}}
	}
	byVolume = func(s *corev1.PodSpec) {
		s.Volumes = []corev1.Volume{{Name: "creds", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: readSecret}}}}
		s.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "creds", MountPath: "/etc/runai"}}
	}
	bySubPath = func(s *corev1.PodSpec) {
		byVolume(s)
		s.Containers[0].VolumeMounts[0].SubPath = "secret"
		s.Containers[0].VolumeMounts[0].MountPath = "/etc/runai/secret"
	}
	byProjected = func(s *corev1.PodSpec) {
		s.Volumes = []corev1.Volume{{Name: "all", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
			{Secret: &corev1.SecretProjection{LocalObjectReference: corev1.LocalObjectReference{Name: readSecret}}}}}}}}
		s.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "all", MountPath: "/etc/all"}}
	}
	byInit = func(s *corev1.PodSpec) {
		s.InitContainers = []corev1.Container{{Name: "login", Image: "busybox"}}
		s.InitContainers[0].EnvFrom = []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: readSecret}}}}
	}
	byOther = func(s *corev1.PodSpec) {
		s.Volumes = []corev1.Volume{{Name: "other", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "another"}}}}
		s.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "other", MountPath: "/etc/other"}}
	}
)

func controlledBy(kind, name string, uid types.UID, apiVersion string) []metav1.OwnerReference {
	yes := true
	return []metav1.OwnerReference{{APIVersion: apiVersion, Kind: kind, Name: name, UID: uid, Controller: &yes}}
}

// workloads makes, in ns, one workload for each way of reading the
// Secret, with the Pods (and ReplicaSets, Jobs) their controllers would
// make, plus a Pod that has ended and one that reads another Secret.
func workloads(t *testing.T, cs kubernetes.Interface, ns string) {
	t.Helper()
	ctx := context.Background()
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	pod := func(name string, owners []metav1.OwnerReference, reads func(*corev1.PodSpec)) *corev1.Pod {
		p, err := cs.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels, OwnerReferences: owners},
			Spec: podSpec(reads)}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	sel := &metav1.LabelSelector{MatchLabels: labels}
	deployment := func(name string, reads func(*corev1.PodSpec)) {
		d, err := cs.AppsV1().Deployments(ns).Create(ctx, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: appsv1.DeploymentSpec{Selector: sel, Template: template(reads)}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		rs, err := cs.AppsV1().ReplicaSets(ns).Create(ctx, &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: name + "-5d4f8",
			OwnerReferences: controlledBy("Deployment", d.Name, d.UID, "apps/v1")},
			Spec: appsv1.ReplicaSetSpec{Selector: sel, Template: template(reads)}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		pod(name+"-5d4f8-a", controlledBy("ReplicaSet", rs.Name, rs.UID, "apps/v1"), reads)
		pod(name+"-5d4f8-b", controlledBy("ReplicaSet", rs.Name, rs.UID, "apps/v1"), reads)
	}
	deployment("env-reader", byEnv)
	deployment("file-reader", byVolume)

	sts, err := cs.AppsV1().StatefulSets(ns).Create(ctx, &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "subpath-reader"},
		Spec: appsv1.StatefulSetSpec{Selector: sel, Template: template(bySubPath)}}, metav1.CreateOptions{})
	must(sts, err)
	pod("subpath-reader-0", controlledBy("StatefulSet", sts.Name, sts.UID, "apps/v1"), bySubPath)

	ds, err := cs.AppsV1().DaemonSets(ns).Create(ctx, &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: "envfrom-reader"},
		Spec: appsv1.DaemonSetSpec{Selector: sel, Template: template(byEnvFrom)}}, metav1.CreateOptions{})
	must(ds, err)
	pod("envfrom-reader-x7", controlledBy("DaemonSet", ds.Name, ds.UID, "apps/v1"), byEnvFrom)

	jt := template(byProjected)
	jt.Spec.RestartPolicy = corev1.RestartPolicyNever
	cj, err := cs.BatchV1().CronJobs(ns).Create(ctx, &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: "nightly"},
		Spec: batchv1.CronJobSpec{Schedule: "0 3 * * *", JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: jt}}}}, metav1.CreateOptions{})
	must(cj, err)
	job, err := cs.BatchV1().Jobs(ns).Create(ctx, &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "nightly-2901",
		OwnerReferences: controlledBy("CronJob", cj.Name, cj.UID, "batch/v1")}, Spec: batchv1.JobSpec{Template: jt}}, metav1.CreateOptions{})
	must(job, err)
	pod("nightly-2901-q", controlledBy("Job", job.Name, job.UID, "batch/v1"), byProjected)

	pod("login-once", nil, byInit)
	pod("other-reader", nil, byOther)
	done := pod("finished", nil, byEnv)
	done.Status.Phase = corev1.PodSucceeded
	must(cs.CoreV1().Pods(ns).UpdateStatus(ctx, done, metav1.UpdateOptions{}))
}

// TestReaders: each way of reading a Secret is found (env, envFrom, a
// volume, a projected volume, an init container, and subPath), grouped by
// the workload a person manages, marked by whether it needs a restart;
// a Pod that has ended, or reads another Secret, is no reader.
func TestReaders(t *testing.T) {
	k := kubetest.Shared(t)
	ns := k.Namespace(t, "readers")
	workloads(t, k.Admin, ns)

	got, err := delivery.Readers(context.Background(), k.Admin, ns, []string{readSecret, "unread"})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		reader  string
		modes   []delivery.Mode
		pods    int
		restart bool
	}{
		{"CronJob nightly", []delivery.Mode{delivery.ModeFile}, 1, false},
		{"DaemonSet envfrom-reader", []delivery.Mode{delivery.ModeEnv}, 1, true},
		{"Deployment env-reader", []delivery.Mode{delivery.ModeEnv}, 2, true},
		{"Deployment file-reader", []delivery.Mode{delivery.ModeFile}, 2, false},
		{"Pod login-once", []delivery.Mode{delivery.ModeInit}, 1, true},
		{"StatefulSet subpath-reader", []delivery.Mode{delivery.ModeSubPath}, 1, true},
	}
	rs := got[readSecret]
	if len(rs) != len(want) {
		t.Fatalf("readers %v, want %d", rs, len(want))
	}
	for i, w := range want {
		r := rs[i]
		if r.String() != w.reader || !slices.Equal(r.Modes, w.modes) || len(r.Pods) != w.pods || r.NeedsRestart() != w.restart {
			t.Errorf("reader %d: %s %v %v restart %v, want %+v", i, r, r.Modes, r.Pods, r.NeedsRestart(), w)
		}
		if r.Started.IsZero() {
			t.Errorf("%s: no start time", r)
		}
	}
	if len(got["unread"]) != 0 {
		t.Errorf("a Secret nobody reads has readers %v", got["unread"])
	}
}

// TestReadersWithoutOwnerAccess: an identity that may list Pods but not
// get ReplicaSets or Jobs still learns who reads the Secret, named by the
// ReplicaSet or Job itself.
func TestReadersWithoutOwnerAccess(t *testing.T) {
	k := kubetest.Shared(t)
	ns := k.Namespace(t, "readers-rbac")
	workloads(t, k.Admin, ns)
	k.Grant(t, ns, "pod-lister", []string{""}, []string{"pods"}, []string{"list"})
	cs, err := kubernetes.NewForConfig(k.User(t, "pod-lister"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := delivery.Readers(context.Background(), cs, ns, []string{readSecret})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range got[readSecret] {
		names = append(names, r.String())
	}
	want := []string{"DaemonSet envfrom-reader", "Job nightly-2901", "Pod login-once", "ReplicaSet env-reader-5d4f8", "ReplicaSet file-reader-5d4f8", "StatefulSet subpath-reader"}
	if !slices.Equal(names, want) {
		t.Errorf("readers %v, want %v", names, want)
	}
}

// TestRestart: a restart is the patch kubectl rollout restart makes, on
// the Deployments, StatefulSets and DaemonSets; other readers are not
// restarted.
func TestRestart(t *testing.T) {
	k := kubetest.Shared(t)
	ns := k.Namespace(t, "restart")
	workloads(t, k.Admin, ns)
	ctx := context.Background()
	got, err := delivery.Readers(ctx, k.Admin, ns, []string{readSecret})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 6, 7, 0, 0, 0, time.UTC)
	for _, r := range got[readSecret] {
		err := delivery.Restart(ctx, k.Admin, ns, r, now)
		if r.Restartable() != (err == nil) {
			t.Errorf("%s: restart %v", r, err)
		}
	}
	d, _ := k.Admin.AppsV1().Deployments(ns).Get(ctx, "env-reader", metav1.GetOptions{})
	s, _ := k.Admin.AppsV1().StatefulSets(ns).Get(ctx, "subpath-reader", metav1.GetOptions{})
	ds, _ := k.Admin.AppsV1().DaemonSets(ns).Get(ctx, "envfrom-reader", metav1.GetOptions{})
	for name, ann := range map[string]map[string]string{"Deployment": d.Spec.Template.Annotations, "StatefulSet": s.Spec.Template.Annotations, "DaemonSet": ds.Spec.Template.Annotations} {
		if ann[delivery.RestartedAt] != "2026-12-06T07:00:00Z" {
			t.Errorf("%s: pod template annotations %v", name, ann)
		}
	}
}
