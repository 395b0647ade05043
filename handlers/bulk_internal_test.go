package handlers

import (
	"testing"

	"github.com/runai-tools/sa-dashboard/internal/form"
)

// TestEveryBulkActionHasAVerb: each bulk action is audited and worded as
// the single-account action it repeats.
func TestEveryBulkActionHasAVerb(t *testing.T) {
	for _, a := range form.BulkActions {
		v, ok := bulkVerbs[a]
		if !ok || !(action{verb: v}).mutates() {
			t.Errorf("%s has no mutating verb (%q)", a, v)
		}
	}
}
