package alarm_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/notify"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
	"github.com/vigil-cloud/vigil/internal/waittest"
)

func release(version string, percent int) map[string]any {
	image := []byte("firmware image " + version)
	sum := sha256.Sum256(image)
	_, priv, _ := ed25519.GenerateKey(nil)
	return map[string]any{"model": "vc-100", "version": version, "notes": "Fixes night vision.",
		"sha256": hex.EncodeToString(sum[:]), "signature": base64.StdEncoding.EncodeToString(ed25519.Sign(priv, sum[:])),
		"url": "https://updates.vigil.test/vc-100/" + version + ".bin", "rollout_percent": percent}
}

// Publishing a firmware release, and widening its rollout, tells the owners
// of the devices newly offered it through the notifier: one notice per
// device and release under a stable ID, never to a device already on it,
// never to people other than owners.
// proves: U-B
func TestFirmwareNotices(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		rec := &recorder{}
		e.App.Alarms.SetNotifier(rec)
		op := e.Operator()
		made := op.Manufacture("vc-100", 20)
		owner := e.SignUp("owner@example.com")
		admin := invite(t, e, owner, "admin@example.com", "admin")
		for i, m := range made {
			owner.Claim(m, fmt.Sprintf("cam %d", i))
			fw := "1.0.0"
			if i == 0 {
				fw = "2.0.0" // already there
			}
			for _, err := range e.App.Devices.Ingest(t.Context(), []device.Uplink{{DeviceID: m.ID, Topic: "info",
				Payload: []byte(`{"firmware_version":"` + fw + `"}`), Received: e.Clock.Now()}}) {
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		notices := func() map[string]notify.Message {
			out := map[string]notify.Message{}
			for _, s := range rec.all() {
				if s.msg.Kind != notify.KindFirmware {
					t.Fatalf("unexpected %s notice", s.msg.Kind)
				}
				if !slices.Equal(s.users, []string{owner.UserID}) {
					t.Fatalf("firmware notice to %v, want the owner only (not admin %s)", s.users, admin.UserID)
				}
				out[s.msg.ID] = s.msg
			}
			return out
		}
		expect := func(rel device.Release) map[string]bool {
			want := map[string]bool{}
			for i, m := range made {
				if i > 0 && rel.Reaches(m.ID, "1.0.0") {
					want["fw_"+rel.ID+"_"+m.ID] = true
				}
			}
			return want
		}
		check := func(rel device.Release) {
			t.Helper()
			got, want := notices(), expect(rel)
			if len(got) != len(want) {
				t.Fatalf("at %d%%: %d devices' owners told, want %d", rel.RolloutPercent, len(got), len(want))
			}
			for id, m := range got {
				if !want[id] || m.AccountID != owner.AccountID || m.DeviceID == made[0].ID {
					t.Fatalf("notice %s %+v not expected", id, m)
				}
				// The owner's name for the camera, never its ID.
				if !strings.Contains(m.Body, "cam ") || !strings.Contains(m.Body, "(vc-100)") || strings.Contains(m.Title+m.Body, m.DeviceID) {
					t.Fatalf("notice text %q / %q", m.Title, m.Body)
				}
			}
		}

		var rel device.Release
		op.Must(http.StatusCreated, "POST", "/api/v1/staff/firmware", release("2.0.0", 30)).Decode(t, &rel)
		check(rel)
		// check compared the notices with Reaches device by device; the
		// devices' IDs are random, so about once in a thousand runs a 30%
		// rollout holds none or all of them, and partialness says nothing.
		if n := len(notices()); n == 0 || n == 19 {
			t.Logf("this run's 19 random devices all fell on one side of a 30%% rollout (%d told)", n)
		}
		before := len(rec.all())
		op.Must(http.StatusOK, "PATCH", "/api/v1/staff/firmware/"+rel.ID, map[string]any{"rollout_percent": 100}).Decode(t, &rel)
		check(rel)
		if len(notices()) != 19 || len(rec.all()) <= before {
			t.Fatalf("widening to 100%%: %d devices told", len(notices()))
		}

		// vigil stops before the notices of a new release are queued (here:
		// the delivery side refuses them): after a restart they go out.
		rec.mu.Lock()
		rec.fail = errors.New("delivery down")
		rec.mu.Unlock()
		var rel3 device.Release
		op.Must(http.StatusCreated, "POST", "/api/v1/staff/firmware", release("3.0.0", 100)).Decode(t, &rel3)
		e = e.Restart(vigiltest.Online)
		rec2 := &recorder{}
		e.App.Alarms.SetNotifier(rec2)
		waittest.Eventually(t, "the new release's notices after the restart", func() bool {
			n := 0
			for _, s := range rec2.all() {
				if strings.HasPrefix(s.msg.ID, "fw_"+rel3.ID+"_") {
					n++
				}
			}
			return n >= 20 // every device, the one on 2.0.0 too
		})
	})
}
