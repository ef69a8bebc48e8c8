package vocab

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestContractDocumented checks that every name declared here appears, in
// backquotes, in docs/TELEMETRY.md: a name added to the code without its
// meaning written down fails here.
func TestContractDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "TELEMETRY.md"))
	if err != nil {
		t.Fatal(err)
	}
	names := declaredNames(t)
	if len(names) < 50 {
		t.Fatalf("found only %d names in vocab.go; the parser missed some", len(names))
	}
	for ident, value := range names {
		if !strings.Contains(string(doc), "`"+value+"`") && !strings.Contains(string(doc), "`"+value+" ") {
			t.Errorf("%s = %q is not in docs/TELEMETRY.md", ident, value)
		}
	}
}

// declaredNames returns the string value of every constant of vocab.go,
// whether written "x" or attribute.Key("x").
func declaredNames(t *testing.T) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "vocab.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if i >= len(vs.Values) {
					continue
				}
				expr := vs.Values[i]
				if call, ok := expr.(*ast.CallExpr); ok && len(call.Args) == 1 {
					expr = call.Args[0]
				}
				lit, ok := expr.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					continue
				}
				v, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				out[name.Name] = v
			}
		}
	}
	return out
}

func TestListsComplete(t *testing.T) {
	names := declaredNames(t)
	kinds, outcomes, skips := 0, 0, 0
	for ident := range names {
		switch {
		case strings.HasPrefix(ident, "Kind"):
			kinds++
		case strings.HasPrefix(ident, "Outcome"):
			outcomes++
		case strings.HasPrefix(ident, "Skip"):
			skips++
		}
	}
	if kinds != len(Kinds) {
		t.Errorf("%d Kind constants, %d in Kinds", kinds, len(Kinds))
	}
	if outcomes != len(Outcomes) {
		t.Errorf("%d Outcome constants, %d in Outcomes", outcomes, len(Outcomes))
	}
	if skips != len(SkipReasons) {
		t.Errorf("%d Skip constants, %d in SkipReasons", skips, len(SkipReasons))
	}
	seen := map[Kind]bool{}
	for _, k := range Kinds {
		if seen[k] {
			t.Errorf("kind %q listed twice", k)
		}
		seen[k] = true
	}
}
