package triage

import (
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoFunctionIsOverEightyLines keeps the engine's functions small
// enough to read one at a time, as issue 10 asked of Decide's rules.
func TestNoFunctionIsOverEightyLines(t *testing.T) {
	fset, sources := packageSources(t)
	checked := 0
	for _, f := range sources {
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			checked++
			lines := fset.Position(fn.End()).Line - fset.Position(fn.Pos()).Line + 1
			if lines > 80 {
				t.Errorf("%s: %s is %d lines, want at most 80", fset.Position(fn.Pos()), fn.Name.Name, lines)
			}
		}
	}
	if checked < 50 {
		t.Fatalf("checked %d functions; the package has more: is the glob right?", checked)
	}
}

// packageSources parses the package's Go files, tests left out.
func packageSources(t *testing.T) (*gotoken.FileSet, []*ast.File) {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := gotoken.NewFileSet()
	var out []*ast.File
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, f)
	}
	return fset, out
}
