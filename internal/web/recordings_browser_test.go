package web_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/media"
	"github.com/vigil-cloud/vigil/internal/media/record/recordtest"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// An owner opens the recordings view in headless Chromium, under the
// production Content-Security-Policy (no console errors allowed), sees the
// day's recorded range and alarm mark, clicks the range and the <video>
// plays it (its currentTime advances), then exports it.
// proves: U-C
func TestRecordingsInChromium(t *testing.T) {
	node, chromium, script := vigiltest.Browser(t, "recordings.mjs")
	e := vigiltest.Start(t)
	owner := e.SignUp("viewer@example.com")
	made := e.Operator().Manufacture("vc-100", 1)
	owner.Claim(made[0], "Garden")
	clip, err := recordtest.Load()
	if err != nil {
		t.Fatal(err)
	}
	start := e.Clock.Now().Add(-time.Hour).Truncate(time.Second)
	s := &recordtest.Stream{Clip: clip, AccountID: owner.AccountID, DeviceID: made[0].ID, Session: "web", Next: start}
	for range 5 {
		if err := e.App.Recorder.Segment(context.Background(), s.Segment()); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.App.Recorder.Mark(context.Background(), media.Mark{AccountID: owner.AccountID, DeviceID: made[0].ID, At: start.Add(3 * time.Second), Kind: "motion", Ref: "alm_web"}); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Dir = filepath.Dir(script)
	cmd.Env = append(os.Environ(), "VIGIL_URL="+e.URL, "CHROMIUM="+chromium, "SHOT="+os.Getenv("VIGIL_SCREENSHOT"),
		"EMAIL="+owner.Email, "PASSWORD="+owner.Password, "DEVICE_ID="+made[0].ID, "DAY="+start.Format("2006-01-02"), "TZ=UTC")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("browser flow failed: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "recordings flow passed") {
		t.Fatalf("unexpected output: %s", out)
	}
	t.Logf("%s", out)
}
