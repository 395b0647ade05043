package automation

import (
	"context"
	"errors"
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/runai-tools/sa-dashboard/internal/delivery"
)

// ErrNotTheAccounts is a Secret that no longer holds (or declares) the
// account a change was asked for.
var ErrNotTheAccounts = errors.New("automation: the Secret does not hold or declare this account any more")

// edit changes the annotations of the Secret ns/name, which must hold
// the account id or declare the account called name, at the resource
// version it read (a change made meanwhile is a conflict).
func edit(ctx context.Context, cs kubernetes.Interface, ns, secret, id, name string, change func(map[string]string)) error {
	s, err := cs.CoreV1().Secrets(ns).Get(ctx, secret, metav1.GetOptions{})
	if err != nil {
		return err
	}
	holds := id != "" && delivery.Managed(s.Labels) && s.Annotations[delivery.AnnServiceAccountID] == id
	declares := !delivery.Managed(s.Labels) && s.Annotations[delivery.AnnServiceAccount] == name
	if !holds && !declares {
		return ErrNotTheAccounts
	}
	if s.Annotations == nil {
		s.Annotations = map[string]string{}
	}
	change(s.Annotations)
	_, err = cs.CoreV1().Secrets(ns).Update(ctx, s, metav1.UpdateOptions{FieldManager: delivery.ManagedBy})
	return err
}

// SetPolicy writes p as the policy of the Secret ns/name of the account
// (id, name); a zero RotateEvery removes the policy (not automated).
func SetPolicy(ctx context.Context, cs kubernetes.Interface, ns, secret, id, name string, p Policy) error {
	return edit(ctx, cs, ns, secret, id, name, func(a map[string]string) {
		if p.RotateEvery == 0 {
			for _, k := range []string{AnnRotateEvery, AnnRetireAfterUnused, AnnDeleteAfter, AnnRestartWorkloads, AnnPaused} {
				delete(a, k)
			}
			return
		}
		a[AnnRotateEvery] = Duration(p.RotateEvery)
		a[AnnRetireAfterUnused] = Duration(p.RetireAfterUnused)
		a[AnnDeleteAfter] = Duration(p.DeleteAfter)
		if p.DeleteNever {
			a[AnnDeleteAfter] = "never"
		}
		a[AnnRestartWorkloads] = strconv.FormatBool(p.RestartWorkloads)
		a[AnnPaused] = strconv.FormatBool(p.Paused)
	})
}

// Approve records that by approved the declaration of the account called
// name in the Secret ns/name: the automation then adopts it.
func Approve(ctx context.Context, cs kubernetes.Interface, ns, secret, name, by string, now time.Time) error {
	return edit(ctx, cs, ns, secret, "", name, func(a map[string]string) {
		a[AnnApprovedBy] = by
		a[AnnApprovedAt] = now.UTC().Format(time.RFC3339)
	})
}
