package deploy

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/runai-tools/sa-dashboard/internal/kubetest"
)

// build kustomizes the base with the named components.
func build(t *testing.T, components ...string) []*unstructured.Unstructured {
	t.Helper()
	return kubetest.KustomizeWith(t, "k8s", components...)
}

func find(objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	for _, o := range objs {
		if o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	return nil
}

func dashboardEnv(t *testing.T, objs []*unstructured.Unstructured) (pod map[string]any, env map[string]string) {
	t.Helper()
	dep := find(objs, "Deployment", "runai-sa-dashboard")
	if dep == nil {
		t.Fatal("no Deployment runai-sa-dashboard")
	}
	pod, _ = at(dep.Object, "spec", "template", "spec").(map[string]any)
	env = map[string]string{}
	for _, c := range at(pod, "containers").([]any) {
		if at(c, "name") != "dashboard" {
			continue
		}
		for _, e := range at(c, "env").([]any) {
			v, _ := at(e, "value").(string)
			env[at(e, "name").(string)] = v
		}
	}
	return pod, env
}

// TestBaseHasNoKubernetesRights: without delivery the dashboard has a
// service account of its own, no token in its pods and no rights.
func TestBaseHasNoKubernetesRights(t *testing.T) {
	objs := build(t)
	sa := find(objs, "ServiceAccount", "runai-sa-dashboard")
	if sa == nil || at(sa.Object, "automountServiceAccountToken") != false {
		t.Fatalf("service account %v: want one that mounts no token", sa)
	}
	pod, env := dashboardEnv(t, objs)
	if at(pod, "serviceAccountName") != "runai-sa-dashboard" || at(pod, "automountServiceAccountToken") != false {
		t.Errorf("pod runs as %v with token %v", at(pod, "serviceAccountName"), at(pod, "automountServiceAccountToken"))
	}
	if env["DELIVERY_NAMESPACES"] != "" {
		t.Error("delivery is on in the base")
	}
	if rbac := kubetest.Only(objs, "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"); len(rbac) > 0 {
		t.Errorf("the base grants rights: %v", rbac[0].GetName())
	}
	for _, o := range objs {
		if o.GetNamespace() != "runai-sa" {
			t.Errorf("%s %s is in namespace %q, not runai-sa", o.GetKind(), o.GetName(), o.GetNamespace())
		}
	}
}

// grants is what a Role's rules grant: "group/resource" to its verbs.
func grants(role *unstructured.Unstructured) map[string][]string {
	out := map[string][]string{}
	for _, r := range at(role.Object, "rules").([]any) {
		for _, g := range strs(at(r, "apiGroups")) {
			for _, res := range strs(at(r, "resources")) {
				out[g+"/"+res] = append(out[g+"/"+res], strs(at(r, "verbs"))...)
			}
		}
	}
	return out
}

// TestDeliveryComponent: with delivery the token is mounted, and every
// namespace in DELIVERY_NAMESPACES has a Role with exactly the verbs the
// feature uses (Secrets, and listing Pods with their ReplicaSets and Jobs
// to say who reads them), bound to the dashboard's account; none
// elsewhere.
func TestDeliveryComponent(t *testing.T) {
	objs := build(t, "delivery")
	pod, env := dashboardEnv(t, objs)
	if at(pod, "automountServiceAccountToken") != true {
		t.Error("delivery without the pod's token")
	}
	namespaces := strings.Split(env["DELIVERY_NAMESPACES"], ",")
	if len(namespaces) == 0 || namespaces[0] == "" {
		t.Fatal("no DELIVERY_NAMESPACES")
	}
	roles := kubetest.Only(objs, "Role")
	if len(roles) != len(namespaces) {
		t.Errorf("%d Roles for %d namespaces", len(roles), len(namespaces))
	}
	for _, ns := range namespaces {
		if find(objs, "Namespace", ns) == nil {
			t.Errorf("namespace %s is not created", ns)
		}
		var role, binding *unstructured.Unstructured
		for _, o := range objs {
			if o.GetNamespace() == ns && o.GetKind() == "Role" {
				role = o
			}
			if o.GetNamespace() == ns && o.GetKind() == "RoleBinding" {
				binding = o
			}
		}
		if role == nil || binding == nil {
			t.Fatalf("namespace %s: Role %v, RoleBinding %v", ns, role != nil, binding != nil)
		}
		want := map[string][]string{
			"/secrets":         {"get", "list", "watch", "create", "update", "patch", "delete"},
			"/pods":            {"list"}, // who reads a Secret
			"apps/replicasets": {"get"},  // ... named by its Deployment
			"batch/jobs":       {"get"},  // ... or its CronJob
		}
		if got := grants(role); !maps.EqualFunc(got, want, slices.Equal) {
			t.Errorf("namespace %s: the Role grants %v, want exactly %v", ns, got, want)
		}
		if at(binding.Object, "roleRef", "name") != role.GetName() ||
			at(binding.Object, "subjects", 0, "kind") != "ServiceAccount" || at(binding.Object, "subjects", 0, "name") != "runai-sa-dashboard" ||
			at(binding.Object, "subjects", 0, "namespace") != "runai-sa" {
			t.Errorf("namespace %s: binding %v", ns, binding.Object)
		}
	}
}

// TestImpersonationComponent: the dashboard may impersonate users and the
// listed groups only (never a system: one), holds no Secret rights of its
// own (the people's group does), and is told to impersonate.
func TestImpersonationComponent(t *testing.T) {
	objs := build(t, "delivery", "impersonation")
	_, env := dashboardEnv(t, objs)
	if env["DELIVERY_IMPERSONATE"] != "true" || env["DELIVERY_IMPERSONATE_GROUP_PREFIX"] == "" || env["DELIVERY_IMPERSONATE_USER_PREFIX"] == "" {
		t.Errorf("env %v", env)
	}
	cr := find(objs, "ClusterRole", "runai-sa-dashboard-impersonate")
	if cr == nil {
		t.Fatal("no impersonation ClusterRole")
	}
	for _, r := range at(cr.Object, "rules").([]any) {
		if !slices.Equal(strs(at(r, "verbs")), []string{"impersonate"}) {
			t.Errorf("rule %v grants more than impersonate", r)
		}
		res := strs(at(r, "resources"))
		if slices.Contains(res, "groups") {
			names := strs(at(r, "resourceNames"))
			if len(names) == 0 {
				t.Error("any group may be impersonated, system:masters included")
			}
			for _, g := range names {
				if strings.HasPrefix(g, "system:") || !strings.HasPrefix(g, env["DELIVERY_IMPERSONATE_GROUP_PREFIX"]) {
					t.Errorf("group %q: want the identity provider's groups, prefixed", g)
				}
			}
		}
		if !slices.Contains(res, "users") && !slices.Contains(res, "groups") {
			t.Errorf("rule %v impersonates %v", r, res)
		}
	}
	crb := find(objs, "ClusterRoleBinding", "runai-sa-dashboard-impersonate")
	if crb == nil || at(crb.Object, "subjects", 0, "name") != "runai-sa-dashboard" {
		t.Error("the impersonation ClusterRole is not bound to the dashboard")
	}
	for _, rb := range kubetest.Only(objs, "RoleBinding") {
		for _, s := range at(rb.Object, "subjects").([]any) {
			if at(s, "kind") == "ServiceAccount" {
				t.Errorf("RoleBinding %s/%s still grants the dashboard Secrets of its own", rb.GetNamespace(), rb.GetName())
			}
		}
	}
}

func strs(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, x := range l {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// TestRestartComponent: restarting readers adds, in each delivery
// namespace, exactly patch on Deployments, StatefulSets and DaemonSets,
// bound to the dashboard's account; nothing else changes.
func TestRestartComponent(t *testing.T) {
	without, with := build(t, "delivery"), build(t, "delivery", "restart")
	added := map[string]*unstructured.Unstructured{}
	for _, o := range with {
		if find(without, o.GetKind(), o.GetName()) == nil {
			added[o.GetKind()+"/"+o.GetNamespace()+"/"+o.GetName()] = o
		}
	}
	_, env := dashboardEnv(t, with)
	for _, ns := range strings.Split(env["DELIVERY_NAMESPACES"], ",") {
		role, binding := added["Role/"+ns+"/runai-sa-dashboard-restart"], added["RoleBinding/"+ns+"/runai-sa-dashboard-restart"]
		if role == nil || binding == nil {
			t.Fatalf("namespace %s: no restart Role and RoleBinding among %v", ns, slices.Collect(maps.Keys(added)))
		}
		want := map[string][]string{"apps/deployments": {"patch"}, "apps/statefulsets": {"patch"}, "apps/daemonsets": {"patch"}}
		if got := grants(role); !maps.EqualFunc(got, want, slices.Equal) {
			t.Errorf("namespace %s: the restart Role grants %v, want %v", ns, got, want)
		}
		if at(binding.Object, "roleRef", "name") != role.GetName() || at(binding.Object, "subjects", 0, "name") != "runai-sa-dashboard" ||
			at(binding.Object, "subjects", 0, "namespace") != "runai-sa" {
			t.Errorf("namespace %s: binding %v", ns, binding.Object)
		}
	}
	if len(added) != 2*len(strings.Split(env["DELIVERY_NAMESPACES"], ",")) {
		t.Errorf("the restart component adds %v", slices.Collect(maps.Keys(added)))
	}
}

// TestAutomationComponent: automatic rotation adds the standing
// credential from a Secret (never a literal), the pod's namespace for the
// Lease, and exactly: the Lease in the dashboard's namespace, Events in
// the delivery namespace, and a binding of its own to the delivery Role
// (so that it keeps it with impersonation).
func TestAutomationComponent(t *testing.T) {
	without, with := build(t, "delivery"), build(t, "delivery", "automation")
	pod, env := dashboardEnv(t, with)
	if env["AUTOMATION_CLIENT_ID"] != "" || env["AUTOMATION_CLIENT_SECRET"] != "" {
		t.Error("the standing credential is a literal in the Deployment")
	}
	refs := map[string]string{}
	for _, c := range at(pod, "containers").([]any) {
		for _, e := range at(c, "env").([]any) {
			if n, _ := at(e, "name").(string); strings.HasPrefix(n, "AUTOMATION_") || n == "POD_NAMESPACE" {
				ref, _ := at(e, "valueFrom", "secretKeyRef", "name").(string)
				if f, ok := at(e, "valueFrom", "fieldRef", "fieldPath").(string); ok {
					ref = f
				}
				refs[n] = ref
			}
		}
	}
	want := map[string]string{"AUTOMATION_CLIENT_ID": "runai-sa-dashboard-automation", "AUTOMATION_CLIENT_SECRET": "runai-sa-dashboard-automation", "POD_NAMESPACE": "metadata.namespace"}
	if !maps.Equal(refs, want) {
		t.Errorf("env %v, want %v", refs, want)
	}
	roles := map[string]map[string][]string{}
	var bound []string
	for _, o := range with {
		if find(without, o.GetKind(), o.GetName()) != nil {
			continue
		}
		switch o.GetKind() {
		case "Role":
			roles[o.GetNamespace()+"/"+o.GetName()] = grants(o)
		case "RoleBinding":
			if at(o.Object, "subjects", 0, "name") != "runai-sa-dashboard" || at(o.Object, "subjects", 0, "namespace") != "runai-sa" {
				t.Errorf("%s binds %v", o.GetName(), at(o.Object, "subjects"))
			}
			bound = append(bound, o.GetNamespace()+"/"+at(o.Object, "roleRef", "name").(string))
		case "Secret":
		default:
			t.Errorf("the component adds %s %s", o.GetKind(), o.GetName())
		}
	}
	wantRoles := map[string]map[string][]string{
		"runai-sa/runai-sa-dashboard-automation-lease":           {"coordination.k8s.io/leases": {"get", "create", "update"}, "/events": {"create", "patch"}},
		"runai-credentials/runai-sa-dashboard-automation-events": {"events.k8s.io/events": {"create", "patch"}},
	}
	if !maps.EqualFunc(roles, wantRoles, func(a, b map[string][]string) bool { return maps.EqualFunc(a, b, slices.Equal) }) {
		t.Errorf("roles %v, want %v", roles, wantRoles)
	}
	slices.Sort(bound)
	if want := []string{"runai-credentials/runai-sa-dashboard-automation-events", "runai-credentials/runai-sa-dashboard-delivery", "runai-sa/runai-sa-dashboard-automation-lease"}; !slices.Equal(bound, want) {
		t.Errorf("bindings to %v, want %v", bound, want)
	}
}
