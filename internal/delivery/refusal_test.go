package delivery

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/runai-tools/sa-dashboard/internal/kube"
)

// TestKindAndReason: every failure is of one kind and says why, in the
// cluster's words when the cluster refused.
func TestKindAndReason(t *testing.T) {
	secrets := schema.GroupResource{Resource: "secrets"}
	tests := []struct {
		name string
		err  error
		kind Kind
		says string
	}{
		{"not managed", &ForeignError{Keys: []string{"a", "b"}}, InTheWay, "its keys a, b"},
		{"another account's", fmt.Errorf("wrapped: %w", &ForeignError{Holds: "etl"}), InTheWay, "holds the service account etl"},
		{"TLS", &NotOpaqueError{Type: corev1.SecretTypeTLS}, NotWritable, "of type kubernetes.io/tls"},
		{"own", ErrOwnSecret, NotWritable, "this dashboard's own"},
		{"RBAC", apierrors.NewForbidden(secrets, "x", errors.New(`User "eve" cannot create resource "secrets"`)), Forbidden, `User "eve" cannot create`},
		{"no person", kube.ErrNoPerson, Forbidden, "no SSO identity"},
		{"conflict", apierrors.NewConflict(secrets, "x", errors.New("changed")), Conflict, "changed while it was being written"},
		{"namespace gone", apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, "creds"), Invalid, `namespaces "creds" not found`},
		{"down", errors.New("dial tcp: connection refused"), Unreachable, "did not answer (dial tcp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := KindOf(tt.err); got != tt.kind {
				t.Errorf("KindOf = %d, want %d", got, tt.kind)
			}
			if got := Reason(tt.err); !strings.Contains(got, tt.says) {
				t.Errorf("Reason = %q, want it to say %q", got, tt.says)
			}
		})
	}
}
