package triage

import (
	"go/ast"
	gotoken "go/token"
	"strconv"
	"strings"
	"testing"
)

// TestEveryNameTheCodeReadsIsInTheData checks that every signal name,
// indicator code and role the Go code compares against exists in the
// knowledge files, so that renaming an entry in signals.txt cannot
// silently disable a rule. Names are found in the source: constants named
// sig*, ind* and role*, and string literals compared with a signal's name
// or indicator.
func TestEveryNameTheCodeReadsIsInTheData(t *testing.T) {
	e := mustEngine(t)
	indicators, usedRoles := map[string]bool{}, map[string]bool{}
	for _, s := range e.signals {
		indicators[s.indicator] = true
		usedRoles[s.role] = true
	}
	fset, sources := packageSources(t)
	n := 0
	for _, af := range sources {
		ast.Inspect(af, func(node ast.Node) bool {
			for _, ref := range namesIn(node) {
				n++
				pos := fset.Position(ref.pos)
				switch ref.kind {
				case "sig":
					if e.signals[ref.name] == nil {
						t.Errorf("%s: signal %q is read by the code but not in signals.txt", pos, ref.name)
					}
				case "ind":
					if !indicators[ref.name] {
						t.Errorf("%s: indicator %q is read by the code but no signal of signals.txt has it", pos, ref.name)
					}
				case "reason":
					if e.texts[ref.name] == "" {
						t.Errorf("%s: reason %q is said by the code but not in reasons.txt", pos, ref.name)
					}
				case "role":
					if !roles[ref.name] {
						t.Errorf("%s: role %q is not a known role", pos, ref.name)
					}
				}
			}
			return true
		})
	}
	if n < 20 {
		t.Fatalf("found only %d names in the code: the scan is broken", n)
	}
	for _, name := range []string{roleExploit, roleNoise, roleMinor, roleDanger, roleMove, roleIntent, roleNegation, roleWork} {
		if !usedRoles[name] {
			t.Errorf("role %q is read by the code but no signal of signals.txt has it", name)
		}
	}
}

type nameRef struct {
	kind, name string
	pos        gotoken.Pos
}

// namesIn returns the names a node declares as sig*/ind*/role* string
// constants, or compares with a signal's name or indicator.
func namesIn(node ast.Node) []nameRef {
	var out []nameRef
	switch x := node.(type) {
	case *ast.ValueSpec:
		for i, id := range x.Names {
			if i >= len(x.Values) {
				continue
			}
			lit, ok := x.Values[i].(*ast.BasicLit)
			if !ok || lit.Kind != gotoken.STRING {
				continue
			}
			v, _ := strconv.Unquote(lit.Value)
			for _, kind := range []string{"sig", "ind", "role"} {
				if strings.HasPrefix(id.Name, kind) && len(id.Name) > len(kind) && id.Name[len(kind)] >= 'A' && id.Name[len(kind)] <= 'Z' {
					out = append(out, nameRef{kind, v, lit.Pos()})
				}
			}
		}
	case *ast.CallExpr:
		sel, ok := x.Fun.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "say" || len(x.Args) == 0 {
			break
		}
		if lit, ok := x.Args[0].(*ast.BasicLit); ok && lit.Kind == gotoken.STRING {
			v, _ := strconv.Unquote(lit.Value)
			out = append(out, nameRef{"reason", v, lit.Pos()})
		}
	case *ast.BinaryExpr:
		if x.Op != gotoken.EQL && x.Op != gotoken.NEQ {
			break
		}
		for _, pair := range [][2]ast.Expr{{x.X, x.Y}, {x.Y, x.X}} {
			sel, ok := pair[0].(*ast.SelectorExpr)
			lit, ok2 := pair[1].(*ast.BasicLit)
			if !ok || !ok2 || lit.Kind != gotoken.STRING {
				continue
			}
			v, _ := strconv.Unquote(lit.Value)
			switch sel.Sel.Name {
			case "name":
				out = append(out, nameRef{"sig", v, lit.Pos()})
			case "indicator":
				if v != "" && v != "-" {
					out = append(out, nameRef{"ind", v, lit.Pos()})
				}
			}
		}
	}
	return out
}
