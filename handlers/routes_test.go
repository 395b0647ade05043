package handlers_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/runai-tools/sa-dashboard/internal/paths"
)

// TestRoutesAreThePaths: routes.go registers exactly the patterns of
// internal/paths (which every link is built from), under the base path.
func TestRoutesAreThePaths(t *testing.T) {
	for _, base := range []string{"", "/runai-sa"} {
		h := newHarness(t, options{basePath: base})
		registered := map[string]bool{}
		for _, r := range h.e.Routes() {
			p, ok := strings.CutPrefix(r.Path, base)
			if !ok {
				t.Errorf("%s %s is outside the base path %q", r.Method, r.Path, base)
			}
			if p == "" { // the bare base path, an alias of Home
				p = string(paths.Home)
			}
			if !slices.Contains(paths.All, paths.Route(p)) {
				t.Errorf("%s %s is not a route of internal/paths", r.Method, r.Path)
			}
			registered[p] = true
		}
		for _, r := range paths.All {
			if !registered[string(r)] {
				t.Errorf("paths.%s (%s) is not registered under %q", r, r, base)
			}
		}
	}
}
