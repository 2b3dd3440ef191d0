package alarm_test

import (
	"io/fs"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/alarm"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
	"github.com/vigil-cloud/vigil/internal/waittest"
)

// vigil raises an offline alarm for a device that drops off and stays
// away longer than the configured time, once per absence; releasing the
// device erases its alarms and snapshots.
// proves: U-C
func TestOfflineAlarmAndRelease(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		rec := &recorder{}
		e.App.Alarms.SetNotifier(rec)
		owner := e.SignUp("owner@example.com")
		cred := owner.Claim(e.Operator().Manufacture("vc-100", 1)[0], "Shed")
		cam := connect(t, cred, 0)
		if err := cam.Publish(t.Context(), "alarm", map[string]any{"id": "ev-1", "type": "tamper", "snapshot": true}); err != nil {
			t.Fatal(err)
		}
		if got := putSnapshot(t, e, cred.DeviceID, cred.Secret, cred.DeviceID, "ev-1", jpeg("shed")); got != http.StatusCreated {
			t.Fatalf("snapshot: %d", got)
		}
		cam.Drop() // gone without a goodbye: the broker sends its last will
		waittest.Eventually(t, "the camera offline", func() bool {
			var d device.Device
			owner.Must(http.StatusOK, "GET", "/api/v1/accounts/"+owner.AccountID+"/devices/"+cred.DeviceID, nil).Decode(t, &d)
			return !d.Online
		})
		raise := func() int {
			n, err := e.App.Alarms.RaiseOffline(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		e.Clock.Advance(time.Minute)
		if n := raise(); n != 0 {
			t.Fatalf("%d offline alarms after a minute, want none before two", n)
		}
		e.Clock.Advance(90 * time.Second)
		if n := raise(); n != 1 {
			t.Fatalf("%d offline alarms after 2.5 minutes, want 1", n)
		}
		e.Clock.Advance(10 * time.Minute)
		if n := raise(); n != 0 {
			t.Fatalf("%d more offline alarms for the same absence", n)
		}
		waittest.Eventually(t, "the offline notice", func() bool {
			_, _ = e.App.Alarms.FanOut(t.Context())
			for _, m := range rec.to(owner.UserID) {
				if m.AlarmType == alarm.TypeOffline && m.DeviceID == cred.DeviceID {
					return true
				}
			}
			return false
		})
		if as := listAlarms(t, owner, "?type=offline"); len(as) != 1 {
			t.Fatalf("offline alarms %+v", as)
		}

		// Releasing the device erases its alarms and snapshots.
		if n := snapshotBlobs(t, e); n != 1 {
			t.Fatalf("%d snapshot blobs before release, want 1", n)
		}
		owner.Must(http.StatusNoContent, "DELETE", "/api/v1/accounts/"+owner.AccountID+"/devices/"+cred.DeviceID, nil)
		if as := listAlarms(t, owner, ""); len(as) != 0 {
			t.Fatalf("alarms of a released device: %+v", as)
		}
		if n := snapshotBlobs(t, e); n != 0 {
			t.Fatalf("%d snapshot blobs left after release", n)
		}
	})
}

func snapshotBlobs(t *testing.T, e *vigiltest.Env) int {
	n := 0
	_ = filepath.WalkDir(e.Config.Blob.Dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(path, "alarm-snapshots") {
			n++
		}
		return nil
	})
	return n
}
