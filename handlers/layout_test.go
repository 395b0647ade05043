package handlers

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOneActionPerFile: every handler routes.go registers is defined in
// a file of its own (STYLE's convention: a reader finds the file for any
// route from its name), and that file defines no other.
func TestOneActionPerFile(t *testing.T) {
	fset := token.NewFileSet()
	routes, err := parser.ParseFile(fset, "routes.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	// The handler methods routes.go hands to Echo: h.<name> as an
	// argument of e.GET/e.POST (or of a factory such as h.rotationStep).
	registered := map[string]bool{}
	ast.Inspect(routes, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || (sel.Sel.Name != "GET" && sel.Sel.Name != "POST") {
			return true
		}
		for _, arg := range call.Args[1:2] {
			switch a := arg.(type) {
			case *ast.SelectorExpr:
				registered[a.Sel.Name] = true
			case *ast.CallExpr: // a factory: h.rotationStep(step)
				if s, ok := a.Fun.(*ast.SelectorExpr); ok {
					registered[s.Sel.Name] = true
				}
			}
		}
		return true
	})
	if len(registered) < 30 {
		t.Fatalf("found only %d handlers in routes.go: %v", len(registered), registered)
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	where := map[string]string{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		var here []string
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv != nil && registered[fd.Name.Name] {
				here = append(here, fd.Name.Name)
				where[fd.Name.Name] = name
			}
		}
		if len(here) > 1 {
			t.Errorf("%s defines %d actions (%s): one action per file", name, len(here), strings.Join(here, ", "))
		}
		if name == "routes.go" && len(here) > 0 {
			t.Errorf("routes.go defines the action %s: it only lists the routes", here[0])
		}
	}
	for h := range registered {
		if where[h] == "" && h != "WrapHandler" && h != "Handler" {
			t.Errorf("the handler %s is registered but defined nowhere this test looked", h)
		}
	}
}
