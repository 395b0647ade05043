package kubetest

import (
	"context"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Reads is how a test workload reads its Secret.
type Reads int

// The ways.
const (
	ReadsEnv     Reads = iota // envFrom
	ReadsFiles                // a volume mounted as a directory
	ReadsSubPath              // one file of a volume, mounted with subPath
)

// Workload makes a workload of kind (a Deployment with its ReplicaSet, or
// a StatefulSet) in ns, and the Pod its controllers would make, reading
// the Secret secret as how says. No controller runs on the test server:
// the objects and their owner references are what there is to find.
func (e *Env) Workload(t testing.TB, ns, kind, name, secret string, how Reads) {
	t.Helper()
	ctx := context.Background()
	spec := corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "busybox"}}}
	switch how {
	case ReadsEnv:
		spec.Containers[0].EnvFrom = []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: secret}}}}
	default:
		spec.Volumes = []corev1.Volume{{Name: "creds", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: secret}}}}
		spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "creds", MountPath: "/etc/runai"}}
		if how == ReadsSubPath {
			spec.Containers[0].VolumeMounts[0].SubPath, spec.Containers[0].VolumeMounts[0].MountPath = "secret", "/etc/runai/secret"
		}
	}
	labels := map[string]string{"app": name}
	tpl := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: spec}
	sel := &metav1.LabelSelector{MatchLabels: labels}
	var owners []metav1.OwnerReference
	switch kind {
	case "Deployment":
		d, err := e.Admin.AppsV1().Deployments(ns).Create(ctx, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: appsv1.DeploymentSpec{Selector: sel, Template: tpl}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		rs, err := e.Admin.AppsV1().ReplicaSets(ns).Create(ctx, &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: name + "-7c9",
			OwnerReferences: controlledBy("Deployment", d.Name, d.UID)}, Spec: appsv1.ReplicaSetSpec{Selector: sel, Template: tpl}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		owners = controlledBy("ReplicaSet", rs.Name, rs.UID)
	case "StatefulSet":
		s, err := e.Admin.AppsV1().StatefulSets(ns).Create(ctx, &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: appsv1.StatefulSetSpec{Selector: sel, Template: tpl}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		owners = controlledBy("StatefulSet", s.Name, s.UID)
	default:
		t.Fatalf("kubetest: no workload of kind %s", kind)
	}
	_, err := e.Admin.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name + "-0", Labels: labels, OwnerReferences: owners},
		Spec: spec}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
}

func controlledBy(kind, name string, uid types.UID) []metav1.OwnerReference {
	yes := true
	return []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: kind, Name: name, UID: uid, Controller: &yes}}
}
