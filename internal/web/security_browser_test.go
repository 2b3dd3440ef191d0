package web_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// The public security pages, the report form and the console's triage in
// Chromium at 1280×800 and 390×844 (see e2e/security.mjs): a finder
// reports with a file and follows the report with its code; the security
// officer triages one report into an advisory and publishes it, and
// rejects another with a reason the finder reads; the advisory is on the
// public list and links the firmware release that fixes it, which lists
// it back.
// proves: I6
func TestSecurityPagesInChromium(t *testing.T) {
	node, chromium, script := vigiltest.Browser(t, "security.mjs")
	e := vigiltest.Start(t)
	image := sha256.Sum256([]byte("firmware 1.2.0"))
	_, priv, _ := ed25519.GenerateKey(nil)
	e.Operator().Must(http.StatusCreated, "POST", "/api/v1/staff/firmware", map[string]any{"model": "vc-100", "version": "1.2.0",
		"notes": "Security fixes.", "sha256": hex.EncodeToString(image[:]), "signature": base64.StdEncoding.EncodeToString(ed25519.Sign(priv, image[:])),
		"url": "https://updates.vigil.test/vc-100/1.2.0.bin", "rollout_percent": 100})
	sec := e.StaffMember("security@vigil.test", access.StaffSecurity)
	// A customer's camera still on firmware 1.1.0, which the advisory
	// published in the browser affects.
	owner := e.SignUp("porch-owner@example.com")
	cam := owner.Claim(e.Operator().Manufacture("vc-100", 1)[0], "Porch")
	for _, err := range e.App.Devices.Ingest(t.Context(), []device.Uplink{{DeviceID: cam.DeviceID, Topic: "info",
		Payload: []byte(`{"firmware_version":"1.1.0"}`), Received: e.Clock.Now()}}) {
		if err != nil {
			t.Fatal(err)
		}
	}

	helper := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/totp" {
			http.NotFound(w, r)
			return
		}
		e.Clock.Advance(31 * time.Second)
		code, err := account.TOTPCode(r.URL.Query().Get("secret"), e.Clock.Now())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprint(w, code)
	}))
	defer helper.Close()

	shots := os.Getenv("VIGIL_SCREENSHOTS")
	if shots == "" {
		shots = filepath.Join(filepath.Dir(script), "screenshots")
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Dir = filepath.Dir(script)
	cmd.Env = append(os.Environ(), "VIGIL_URL="+e.URL, "HELPER_URL="+helper.URL, "CHROMIUM="+chromium, "SHOTS="+shots,
		"OWNER_EMAIL="+owner.Email, "OWNER_PASSWORD="+owner.Password, "DEVICE_PATH="+owner.AccountID+"/"+cam.DeviceID,
		"STAFF_EMAIL="+sec.Email, "STAFF_PASSWORD="+sec.Password, "STAFF_SECRET="+sec.TOTPSecret())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("security pages failed: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "security pages passed") {
		t.Fatalf("unexpected output: %s", out)
	}
	t.Logf("%s", out)
}
