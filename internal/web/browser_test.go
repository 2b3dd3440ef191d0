package web_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// A new customer signs up, confirms, signs in, reads the access log, turns
// on an authenticator and signs in again with it, in headless Chromium,
// under the production Content-Security-Policy (no console errors allowed).
func TestWebAppInChromium(t *testing.T) {
	node, chromium, script := vigiltest.Browser(t, "webapp.mjs")
	e := vigiltest.Start(t)
	if _, err := e.App.Devices.RegisterManufactured(t.Context(), "test", []device.Manufactured{{Serial: "SN-WEB-1", Model: "vc-100", ClaimCode: "WEBCLAIM01"}}); err != nil {
		t.Fatal(err)
	}
	helper := stepHelper(t, e, nil)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Dir = filepath.Dir(script)
	cmd.Env = append(os.Environ(), "VIGIL_URL="+e.URL, "HELPER_URL="+helper, "CHROMIUM="+chromium,
		"SHOT="+os.Getenv("VIGIL_SCREENSHOT"),
		"DEVICE_SERIAL=SN-WEB-1", "DEVICE_CODE=WEBCLAIM01")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("browser flow failed: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "web app flow passed") {
		t.Fatalf("unexpected output: %s", out)
	}
}
