// Package modroot finds the module's directory from a running test, where
// e2e/ and its node_modules are. It is a leaf: test harnesses import it, so
// none of them has to import another (a capability's harness never imports
// the whole-vigil harness).
package modroot

import (
	"os"
	"path/filepath"
)

// Dir is the nearest directory at or above the working directory holding
// go.mod; the working directory itself when there is none.
func Dir() string {
	dir, _ := os.Getwd()
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}
