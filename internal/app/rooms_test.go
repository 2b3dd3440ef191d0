package app_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vigil-cloud/vigil/internal/modroot"
)

const module = "github.com/vigil-cloud/vigil/"

// imports maps each package under internal/ to what its non-test files
// import.
func imports(t *testing.T) map[string][]string {
	t.Helper()
	root := modroot.Dir()
	out := map[string][]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(filepath.Join(root, "internal"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(p))
		pkg := module + filepath.ToSlash(rel)
		if _, seen := out[pkg]; !seen {
			out[pkg] = nil
		}
		for _, im := range f.Imports {
			v, _ := strconv.Unquote(im.Path.Value)
			out[pkg] = append(out[pkg], v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 20 {
		t.Fatalf("found only %d packages under internal/", len(out))
	}
	return out
}

// harness reports whether pkg is a test harness: vigiltest (a whole
// vigil), a capability's own xxxtest package, or a fake peer.
func harness(pkg string) bool {
	return strings.HasSuffix(path.Base(pkg), "test") || strings.Contains(pkg, "/smsfake")
}

// No capability, store or tool imports a test harness, and no harness but
// the whole-vigil one imports vigiltest: arrows point from tests to
// harnesses to capabilities, never back up.
func TestNoPackageImportsATestHarness(t *testing.T) {
	for pkg, ims := range imports(t) {
		for _, im := range ims {
			if !strings.HasPrefix(im, module) {
				continue
			}
			switch {
			case !harness(pkg) && harness(im):
				t.Errorf("%s imports the test harness %s", pkg, im)
			case harness(pkg) && strings.HasSuffix(im, "/vigiltest") && !strings.HasSuffix(pkg, "/vigiltest"):
				t.Errorf("the harness %s imports vigiltest (a whole vigil)", pkg)
			}
		}
	}
}
