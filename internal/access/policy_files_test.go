package access_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
)

// categoryConsts maps the data map's constant names (AccountProfile) to
// the category IDs they hold, read from internal/datamap's source.
func categoryConsts(t *testing.T) map[string]datamap.CategoryID {
	t.Helper()
	files, _ := filepath.Glob("../datamap/*.go")
	out := map[string]datamap.CategoryID{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(af, func(n ast.Node) bool {
			vs, ok := n.(*ast.ValueSpec)
			if !ok || len(vs.Values) != len(vs.Names) {
				return true
			}
			for i, v := range vs.Values {
				if lit, ok := v.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					s, _ := strconv.Unquote(lit.Value)
					out[vs.Names[i].Name] = datamap.CategoryID(s)
				}
			}
			return true
		})
	}
	return out
}

// Each category's access rules live in exactly one file, named after the
// capability that keeps the category (policy_<capability>.go): a reader
// finds them in one place and a new category's rules have one home.
// Assigning a rule anywhere else, or twice, fails here, and so does a
// declared category without rules.
func TestEveryCategoryRuledInOnePolicyFile(t *testing.T) {
	consts := categoryConsts(t)
	files, _ := filepath.Glob("*.go")
	where := map[datamap.CategoryID][]string{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(af, func(n ast.Node) bool {
			as, ok := n.(*ast.AssignStmt)
			if !ok {
				return true
			}
			for _, l := range as.Lhs {
				ix, ok := l.(*ast.IndexExpr)
				if !ok {
					continue
				}
				sel, ok := ix.Index.(*ast.SelectorExpr)
				if !ok {
					continue
				}
				if x, isIdent := sel.X.(*ast.Ident); !isIdent || x.Name != "datamap" {
					continue
				}
				id, known := consts[sel.Sel.Name]
				if !known {
					t.Errorf("%s rules datamap.%s, which is not a category constant", f, sel.Sel.Name)
				}
				if !strings.HasPrefix(f, "policy_") {
					t.Errorf("%s sets the rules of %s outside a policy_<capability>.go file", f, id)
				}
				where[id] = append(where[id], f)
			}
			return true
		})
	}
	dm := datamap.Default()
	p := access.DefaultPolicy(dm)
	for _, c := range dm.Categories() {
		switch fs := where[c.ID]; {
		case len(fs) == 0:
			t.Errorf("%s has no rules in any policy file", c.ID)
		case len(fs) > 1:
			t.Errorf("%s is ruled in %d places: %v", c.ID, len(fs), fs)
		}
		if _, ok := p[c.ID]; !ok {
			t.Errorf("the default policy has no rule for %s", c.ID)
		}
	}
}

// The privacy jobs' rights come from the data map: export where the
// category has an exporter, delete where it has an eraser or a purger,
// update where a field is correctable; nothing where the data map says no
// handler is needed.
func TestJobRightsDerivedFromTheDataMap(t *testing.T) {
	dm := datamap.Default()
	p := access.DefaultPolicy(dm)
	has := func(c datamap.CategoryID, a access.Action) bool {
		for _, x := range p[c].System {
			if x == a {
				return true
			}
		}
		return false
	}
	for _, c := range dm.Categories() {
		if c.Exempt.Export == "" && !has(c.ID, access.Export) {
			t.Errorf("the privacy jobs may not export %s", c.ID)
		}
		if (c.Exempt.Erasure == "" || c.Exempt.Retention == "") && !has(c.ID, access.Delete) {
			t.Errorf("the privacy jobs may not delete %s", c.ID)
		}
	}
	for _, c := range []datamap.CategoryID{datamap.NotifyWebhook, datamap.DeviceStreamSource} {
		if !has(c, access.Export) || !has(c, access.Delete) {
			t.Errorf("%s: the jobs' rights were not derived", c)
		}
	}
	if has(datamap.MediaSegment, access.Update) {
		t.Error("the jobs may update recordings, which have nothing to correct")
	}
}
