package live_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/media/live"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// browserTools finds node, Chromium and playwright-core, or skips (fails
// when VIGIL_TEST_BROWSER is set, as CI does).
func browserTools(t *testing.T) (node, chromium, script string) {
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
	root, _ := filepath.Abs("../../..")
	if _, err := os.Stat(filepath.Join(root, "e2e", "node_modules", "playwright-core")); err != nil {
		missing("playwright-core is not installed in e2e/node_modules")
	}
	return node, chromium, filepath.Join(root, "e2e", "live.mjs")
}

// The owner presses Live on the Devices page and headless Chromium plays
// the camera ffmpeg publishes (WebRTC: Chromium has no native HLS), under
// the production CSP and with no console errors.
// proves: U-C
func TestLiveViewInChromium(t *testing.T) {
	ffmpeg, _ := ffmpegTools(t)
	node, chromium, script := browserTools(t)
	e := vigiltest.Start(t)
	owner := e.SignUp("viewer@example.com")
	cred := owner.Claim(e.Operator().Manufacture("vc-100", 1)[0], "Garden")
	// Chromium's WebRTC plays constrained baseline H.264 and Opus.
	publish(t, ffmpeg, rtspURL(e, cred, cred.DeviceID+"/0"), "-profile:v", "baseline", "-preset", "veryfast", "-tune", "zerolatency", "-c:a", "libopus", "-ar", "48000")
	waitLive(t, e, live.Key{AccountID: owner.AccountID, DeviceID: cred.DeviceID})

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Dir = filepath.Dir(script)
	cmd.Env = append(os.Environ(), "VIGIL_URL="+e.URL, "CHROMIUM="+chromium, "EMAIL="+owner.Email, "PASSWORD="+owner.Password,
		"DEVICE_ID="+cred.DeviceID, "SHOT="+os.Getenv("VIGIL_SCREENSHOT"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("browser live view failed: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "live flow passed") {
		t.Fatalf("unexpected output: %s", out)
	}
	t.Logf("%s", out)
}
