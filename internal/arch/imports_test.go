package arch

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/runai-tools/sa-dashboard"

// layer ranks a package of the module: a package may import only packages
// of a higher rank (further down the flow). The flow is
// cmd/web → handlers → (apiclient, views) → internal, static.
// Packages of the internal layer may import each other (the compiler
// rules out cycles); no other layer may import a peer.
func layer(pkg string) (rank int, known bool) {
	p := rel(pkg)
	switch {
	case strings.HasPrefix(p, "cmd/"), p == "e2e", p == "deploy":
		return 0, true
	case p == "handlers":
		return 1, true
	case p == "apiclient", p == "views":
		return 2, true
	case strings.HasPrefix(p, "internal/"), p == "static":
		return 3, true
	}
	return 0, false
}

const internalLayer = 3

// forbidden are edges the layers allow but the design does not.
var forbidden = map[[2]string]string{
	{"cmd/web", "views"}: "cmd/web wires config → apiclient → handlers and builds no view models",
}

func rel(pkg string) string { return strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/") }

type pkgInfo struct {
	ImportPath string
	Imports    []string
}

// TestImportsPointDown reads every package of the module with `go list`
// and checks each import against the layers.
func TestImportsPointDown(t *testing.T) {
	out, err := exec.Command("go", "list", "-json", module+"/...").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for {
		var p pkgInfo
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		seen++
		from, ok := layer(p.ImportPath)
		if !ok {
			t.Errorf("%s has no layer: add it to layer()", p.ImportPath)
			continue
		}
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module) {
				continue
			}
			to, ok := layer(imp)
			if !ok {
				t.Errorf("%s imports %s, which has no layer", p.ImportPath, imp)
				continue
			}
			if why, bad := forbidden[[2]string{rel(p.ImportPath), rel(imp)}]; bad {
				t.Errorf("%s imports %s: %s", rel(p.ImportPath), rel(imp), why)
			}
			if to > from || (to == internalLayer && from == internalLayer) {
				continue
			}
			t.Errorf("%s (layer %d) imports %s (layer %d): imports must point down the flow cmd/web → handlers → (apiclient, views) → internal",
				rel(p.ImportPath), from, rel(imp), to)
		}
	}
	if seen < 10 {
		t.Fatalf("go list found only %d packages", seen)
	}
}

// TestLayerRule proves the check can fail: it feeds the rule known-bad
// edges.
func TestLayerRule(t *testing.T) {
	bad := [][2]string{
		{"internal/listview", "views"},
		{"views", "apiclient"},
		{"apiclient", "handlers"},
		{"views", "handlers"},
		{"handlers", "cmd/web"},
		{"static", "views"},
	}
	for _, e := range bad {
		from, _ := layer(module + "/" + e[0])
		to, _ := layer(module + "/" + e[1])
		if to > from || (to == internalLayer && from == internalLayer) {
			t.Errorf("%s → %s would be allowed", e[0], e[1])
		}
	}
}
