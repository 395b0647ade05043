package delivery

import (
	"errors"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/runai-tools/sa-dashboard/internal/kube"
)

// Kind sorts why a delivery, a deletion or a listing failed, for the page
// that says so: each error is of exactly one kind.
type Kind int

// The kinds.
const (
	Unreachable Kind = iota // the cluster did not answer (or answered what no kind below covers)
	InTheWay                // a Secret in the way, which a confirmation may overwrite (*ForeignError)
	NotWritable             // a Secret never written: not Opaque, or the dashboard's own
	Forbidden               // RBAC refused, or there is no person to act as
	Conflict                // the Secret changed while it was being written
	Invalid                 // the API server refused the request itself (invalid, namespace gone)
)

// KindOf is err's kind.
func KindOf(err error) Kind {
	var (
		fe *ForeignError
		no *NotOpaqueError
	)
	switch {
	case errors.As(err, &fe):
		return InTheWay
	case errors.As(err, &no), errors.Is(err, ErrOwnSecret), errors.Is(err, ErrKeysUnknown), errors.Is(err, ErrNotRestartable):
		return NotWritable
	case errors.Is(err, ErrTooManyPods):
		return Invalid
	case apierrors.IsForbidden(err), errors.Is(err, kube.ErrNoPerson):
		return Forbidden
	case apierrors.IsConflict(err):
		return Conflict
	case apierrors.IsInvalid(err), apierrors.IsNotFound(err), apierrors.IsBadRequest(err):
		return Invalid
	}
	return Unreachable
}

// Reason says in a sentence why err refused a delivery: the cluster's own
// reason when it refused.
func Reason(err error) string {
	var (
		fe *ForeignError
		no *NotOpaqueError
		st apierrors.APIStatus
	)
	switch {
	case errors.As(err, &fe) && fe.Holds != "":
		return "it holds the service account " + fe.Holds + ": confirm below to give it this account's credentials instead."
	case errors.As(err, &fe):
		return "it exists and this dashboard does not manage it: confirm below to overwrite it (its keys " + strings.Join(fe.Keys, ", ") + ")."
	case errors.As(err, &no):
		return "it is a Secret of type " + string(no.Type) + ", and only Opaque Secrets are written."
	case errors.Is(err, ErrOwnSecret):
		return "it is one of this dashboard's own Secrets, which are never written."
	case errors.Is(err, ErrKeysUnknown):
		return "it does not say which keys it holds (the " + AnnKeys + " annotation): deliver into it from the create or regenerate form instead."
	case errors.Is(err, ErrNotRestartable):
		return "only Deployments, StatefulSets and DaemonSets are restarted: restart it by hand."
	case errors.Is(err, ErrTooManyPods):
		return fmt.Sprintf("the namespace has more than %d Pods, too many to look through.", MaxPods)
	case errors.Is(err, kube.ErrNoPerson):
		return "the dashboard writes Secrets as the person signed in behind the SSO proxy, and this request carries no SSO identity."
	case apierrors.IsConflict(err):
		return "it changed while it was being written (another writer): nothing was lost; deliver again to write over the new version."
	case errors.As(err, &st):
		return "the cluster refused: " + st.Status().Message + "."
	}
	return "the cluster did not answer (" + err.Error() + ")."
}
