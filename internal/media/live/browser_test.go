package live_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/media/live"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// The owner opens the camera grid, where the tiles of the two cameras
// ffmpeg publishes play by themselves at the same time, then a camera's page, and headless Chromium
// plays it (WebRTC: Chromium has no native HLS), under the production CSP
// and with no console errors.
// proves: U-C
func TestLiveViewInChromium(t *testing.T) {
	ffmpeg, _ := ffmpegTools(t)
	node, chromium, script := vigiltest.Browser(t, "live.mjs")
	e := vigiltest.Start(t)
	owner := e.SignUp("viewer@example.com")
	made := e.Operator().Manufacture("vc-100", 2)
	cred := owner.Claim(made[0], "Garden")
	porch := owner.Claim(made[1], "Porch")
	for _, c := range []device.Credential{cred, porch} {
		// Chromium's WebRTC plays constrained baseline H.264 and Opus.
		publish(t, ffmpeg, rtspURL(e, c, c.DeviceID+"/0"), "-profile:v", "baseline", "-preset", "veryfast", "-tune", "zerolatency", "-c:a", "libopus", "-ar", "48000")
		waitLive(t, e, live.Key{AccountID: owner.AccountID, DeviceID: c.DeviceID})
		// The camera is online (its heartbeat), so the grid plays it.
		b, _ := json.Marshal(map[string]any{"online": true})
		for _, err := range e.App.Devices.Ingest(t.Context(), []device.Uplink{{DeviceID: c.DeviceID, Topic: "heartbeat", Payload: b, Received: e.Clock.Now()}}) {
			if err != nil {
				t.Fatal(err)
			}
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Dir = filepath.Dir(script)
	cmd.Env = append(os.Environ(), "VIGIL_URL="+e.URL, "CHROMIUM="+chromium, "EMAIL="+owner.Email, "PASSWORD="+owner.Password,
		"DEVICE_ID="+cred.DeviceID, "OTHER_ID="+porch.DeviceID, "SHOT="+os.Getenv("VIGIL_SCREENSHOT"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("browser live view failed: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "live flow passed") {
		t.Fatalf("unexpected output: %s", out)
	}
	t.Logf("%s", out)
}
