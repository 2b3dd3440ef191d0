package httpapi_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// One place for each kind of thing: every route is in routes.go, and every
// handler (a method with the handler's signature) is in a file named
// <capability>_handlers.go.
func TestRoutesAndHandlersInTheirPlaces(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	handlers := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(af, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				if at, ok := n.Type.(*ast.ArrayType); ok {
					if id, ok := at.Elt.(*ast.Ident); ok && id.Name == "route" && f != "routes.go" {
						t.Errorf("%s lists routes; they belong in routes.go", fset.Position(n.Pos()))
					}
				}
			case *ast.FuncDecl:
				if n.Recv != nil && isHandler(n.Type) {
					handlers++
					if !strings.HasSuffix(f, "_handlers.go") {
						t.Errorf("handler %s is in %s, not a <capability>_handlers.go file", n.Name.Name, f)
					}
				}
			}
			return true
		})
	}
	if handlers < 50 {
		t.Fatalf("found only %d handlers", handlers)
	}
}

// isHandler reports whether ft is func(http.ResponseWriter, *http.Request, *account.Auth) error.
func isHandler(ft *ast.FuncType) bool {
	if ft.Results == nil || len(ft.Results.List) != 1 {
		return false
	}
	var types []string
	for _, p := range ft.Params.List {
		s := exprString(p.Type)
		for range max(len(p.Names), 1) {
			types = append(types, s)
		}
	}
	return strings.Join(types, ",") == "http.ResponseWriter,*http.Request,*account.Auth" && exprString(ft.Results.List[0].Type) == "error"
}

func exprString(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return exprString(e.X) + "." + e.Sel.Name
	case *ast.StarExpr:
		return "*" + exprString(e.X)
	}
	return "?"
}
