package vigiltest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/vigil-cloud/vigil/internal/modroot"
)

// Browser finds node, Chromium and playwright-core for a browser test
// driving e2e/<script>, or skips the test (fails it when VIGIL_TEST_BROWSER
// is set, as CI does, so a missing tool is noticed). It returns node,
// Chromium and the script's path.
func Browser(t *testing.T, script string) (node, chromium, path string) {
	t.Helper()
	missing := func(what string) {
		if os.Getenv("VIGIL_TEST_BROWSER") != "" {
			t.Fatalf("VIGIL_TEST_BROWSER is set but %s", what)
		}
		t.Skipf("browser test skipped: %s (install Chromium and run npm ci in e2e/, or use .ci/run)", what)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not installed")
	}
	chromium = os.Getenv("VIGIL_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		missing("Chromium is not at " + chromium)
	}
	root := ModuleRoot()
	if _, err := os.Stat(filepath.Join(root, "e2e", "node_modules", "playwright-core")); err != nil {
		missing("playwright-core is not installed in e2e/node_modules")
	}
	return node, chromium, filepath.Join(root, "e2e", script)
}

// ModuleRoot is the nearest directory above the test's holding go.mod:
// where e2e/ and its node_modules are.
func ModuleRoot() string { return modroot.Dir() }
