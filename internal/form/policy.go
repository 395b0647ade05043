package form

import (
	"cmp"
	"errors"
	"net/url"
	"strings"

	"github.com/runai-tools/sa-dashboard/internal/automation"
)

// Fields of the automatic-rotation form on an account's page.
const (
	FieldPolicySecret      = "secret" // namespace/name of the Secret the policy is for
	FieldRotateEvery       = "rotate_every"
	FieldRetireAfterUnused = "retire_after_unused"
	FieldDeleteAfter       = "delete_after"
	FieldRestartWorkloads  = "restart_workloads"
	FieldPaused            = "paused"
)

// Policy is the automatic-rotation policy of one Secret, as typed.
type Policy struct {
	Namespace, Name                             string // the Secret
	RotateEvery, RetireAfterUnused, DeleteAfter string
	Restart, Paused                             bool
}

// ParsePolicy reads the form; an empty rotate-every means not automated.
func ParsePolicy(v url.Values) Policy {
	ns, name, _ := strings.Cut(one(v, FieldPolicySecret), "/")
	return Policy{Namespace: ns, Name: name, RotateEvery: one(v, FieldRotateEvery), RetireAfterUnused: one(v, FieldRetireAfterUnused),
		DeleteAfter: one(v, FieldDeleteAfter), Restart: v.Get(FieldRestartWorkloads) == "1", Paused: v.Get(FieldPaused) == "1"}
}

// Validate checks the policy by the rules the automation applies to the
// annotations, and returns it.
func (f Policy) Validate() (automation.Policy, Errors) {
	e := Errors{}
	if f.Namespace == "" || f.Name == "" {
		e[FieldPolicySecret] = "Choose the Secret the policy is for."
	}
	if f.RotateEvery == "" {
		return automation.Policy{}, e.orNil() // not automated
	}
	ann := map[string]string{automation.AnnRotateEvery: f.RotateEvery, automation.AnnRetireAfterUnused: f.RetireAfterUnused,
		automation.AnnDeleteAfter: f.DeleteAfter}
	for k, v := range ann {
		if v == "" {
			delete(ann, k) // the default
		}
	}
	p, err := automation.ParsePolicy(ann)
	var pe *automation.PolicyError
	if errors.As(err, &pe) {
		field := map[string]string{automation.AnnRetireAfterUnused: FieldRetireAfterUnused, automation.AnnDeleteAfter: FieldDeleteAfter}[pe.Annotation]
		e[cmp.Or(field, FieldRotateEvery)] = "Want " + pe.Want + "."
	}
	p.RestartWorkloads, p.Paused = f.Restart, f.Paused
	return p, e.orNil()
}
