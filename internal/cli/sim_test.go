package cli_test

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/cli"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// vigil sim registers, claims and connects devices to a running vigil, has
// them publish, and reports what the broker acknowledged and what vigil
// stored.
func TestSimCommand(t *testing.T) {
	e := vigiltest.Start(t)
	// The simulator opens vigil's data with the real clock: the token must
	// be valid now.
	e.Clock.Set(time.Now())
	owner := e.SignUp("fleet@example.com")
	var tok struct {
		Token string `json:"token"`
	}
	owner.Must(http.StatusCreated, "POST", "/api/v1/me/tokens", map[string]any{"label": "sim"}).Decode(t, &tok)

	var out, errOut bytes.Buffer
	code := cli.Run(context.Background(), []string{"sim", "--url", e.URL, "--token", tok.Token, "--data", e.Config.DataDir, "--mqtt", e.App.MQTTURL(),
		"--devices", "6", "--nvr-every", "3", "--rate", "5", "--duration", "2s"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("sim exited %d: %s %s", code, out.String(), errOut.String())
	}
	m := regexp.MustCompile(`(\d+) of 6 devices connected .*; (\d+) messages acknowledged`).FindStringSubmatch(out.String())
	if m == nil || m[1] != "6" {
		t.Fatalf("sim output: %s", out.String())
	}
	acked, _ := strconv.Atoi(m[2])
	if acked < 6*5 {
		t.Fatalf("only %d messages acknowledged from 6 devices at 5/s for 2s", acked)
	}
	stored := regexp.MustCompile(`vigil stored (\d+) device messages`).FindStringSubmatch(out.String())
	if stored == nil {
		t.Fatalf("sim output: %s", out.String())
	}
	if n, _ := strconv.Atoi(stored[1]); n < acked {
		t.Fatalf("vigil stored %d of %d acknowledged messages", n, acked)
	}
	var list struct{ Devices []device.Device }
	owner.Must(http.StatusOK, "GET", "/api/v1/accounts/"+owner.AccountID+"/devices", nil).Decode(t, &list)
	nvrs := 0
	for _, d := range list.Devices {
		if d.Kind == device.NVR {
			nvrs++
		}
		if d.Info.FirmwareVersion != "1.0.0" || d.Ingest.RejectedMessages != 0 {
			t.Errorf("device %s after the run: %+v", d.ID, d)
		}
	}
	if len(list.Devices) != 6 || nvrs != 2 {
		t.Fatalf("%d devices (%d NVRs) in the account, want 6 (2 NVRs)", len(list.Devices), nvrs)
	}
}

// Bad flags get a clear message, not a crash.
func TestSimNeedsToken(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := cli.Run(context.Background(), []string{"sim", "--devices", "3"}, &out, &errOut); code == 0 || !bytes.Contains(errOut.Bytes(), []byte("--token")) {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
}
