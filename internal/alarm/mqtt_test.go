package alarm_test

import (
	"bytes"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/media"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
	"github.com/vigil-cloud/vigil/internal/waittest"
)

func putSnapshot(t *testing.T, e *vigiltest.Env, user, secret, deviceID, eventID string, body []byte) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "PUT", e.URL+"/api/v1/devices/"+deviceID+"/alarms/"+eventID+"/snapshot", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "image/jpeg")
	if user != "" {
		req.SetBasicAuth(user, secret)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode
}

// A camera's alarm over MQTT is stored once however often it is sent,
// reaches the owner through the notifier under the alarm's ID, and carries
// its snapshot, uploaded with the device credential and kept encrypted. A
// malformed alarm is rejected and counted while the camera stays
// connected; another account sees neither alarm nor snapshot.
// proves: U-C
// proves: P2
func TestAlarmOverMQTT(t *testing.T) {
	vigiltest.EachBus(t, func(t *testing.T, e *vigiltest.Env) {
		rec, mk := &recorder{}, &marks{}
		e.App.Alarms.SetNotifier(rec)
		e.App.Alarms.SetMarker(mk)
		made := e.Operator().Manufacture("vc-100", 2)
		owner, mallory := e.SignUp("owner@example.com"), e.SignUp("mallory@example.com")
		cred := owner.Claim(made[0], "Driveway")
		other := mallory.Claim(made[1], "Mine")
		cam := connect(t, cred, 0)
		ctx := t.Context()

		// The snapshot may come before the alarm: it is linked by event ID.
		picture := jpeg("a burglar in the driveway")
		if got := putSnapshot(t, e, cred.DeviceID, cred.Secret, cred.DeviceID, "ev-1", picture); got != http.StatusCreated {
			t.Fatalf("snapshot upload: %d, want 201", got)
		}
		alarm := map[string]any{"id": "ev-1", "type": "person", "time": e.Clock.Now().Format(time.RFC3339), "snapshot": true, "confidence": 0.9}
		for range 2 {
			if err := cam.Publish(ctx, "alarm", alarm); err != nil {
				t.Fatal(err)
			}
		}
		for _, bad := range [][]byte{
			[]byte(`{"id":"ev-2","type":"banana"}`),
			[]byte(`{"type":"motion"}`),
			[]byte("\x00\xff not json"),
			[]byte(`{"id":"ev-3","type":"motion","time":"yesterday"}`),
		} {
			if err := cam.PublishRaw(ctx, "dev/"+cred.DeviceID+"/up/alarm", bad); err != nil {
				t.Fatal(err)
			}
		}
		// A channel alarm on a camera (no channels) is refused too.
		if err := cam.Publish(ctx, "ch/2/alarm", map[string]any{"id": "ev-4", "type": "motion"}); err != nil {
			t.Fatal(err)
		}
		if err := cam.Publish(ctx, "alarm", map[string]any{"id": "ev-5", "type": "motion"}); err != nil {
			t.Fatal(err)
		}
		waittest.Eventually(t, "two alarms and their notices", func() bool { return len(listAlarms(t, owner, "")) == 2 && len(rec.all()) == 2 })
		waittest.Eventually(t, "the malformed alarms counted", func() bool {
			return ingestCount(t, e, "alarm", "rejected_malformed") == 4 && ingestCount(t, e, "alarm", "rejected_bad_channel") == 1
		})
		if !cam.Connected() {
			t.Fatal("a malformed alarm disconnected the camera")
		}
		as := listAlarms(t, owner, "?type=person")
		if len(as) != 1 || as[0].EventID != "ev-1" || !as[0].HasSnapshot || as[0].DeviceID != cred.DeviceID {
			t.Fatalf("alarms %+v", as)
		}
		a := as[0]
		// The alarm links to the recording around it.
		if r := a.Recording; r == nil || !r.From.Equal(a.At.Add(-10*time.Second)) || !r.To.Equal(a.At.Add(20*time.Second)) ||
			r.Playback != "/api/v1/accounts/"+owner.AccountID+"/devices/"+cred.DeviceID+"/channels/0/playback" {
			t.Fatalf("recording link %+v of alarm at %v", a.Recording, a.At)
		}
		if got := mk.all(); len(got) != 2 || !slices.ContainsFunc(got, func(m media.Mark) bool {
			return m.Ref == a.ID && m.Kind == "person" && m.DeviceID == cred.DeviceID && m.AccountID == owner.AccountID
		}) {
			t.Fatalf("video marks %+v", got)
		}
		msgs := rec.to(owner.UserID)
		if len(msgs) != 2 {
			t.Fatalf("owner got %d notices, want 2", len(msgs))
		}
		for _, m := range msgs {
			if m.ID == a.ID && (m.SnapshotID == "" || m.AlarmType != "person" || m.DeviceID != cred.DeviceID) {
				t.Fatalf("notice %+v", m)
			}
		}

		// The device re-sending the snapshot changes nothing; a wrong
		// credential, another device's path, or not a JPEG is refused.
		for _, c := range []struct {
			name, user, secret, device string
			body                       []byte
			want                       int
		}{
			{"again", cred.DeviceID, cred.Secret, cred.DeviceID, picture, http.StatusOK},
			{"no credential", "", "", cred.DeviceID, picture, http.StatusUnauthorized},
			{"wrong secret", cred.DeviceID, "vdk_wrong", cred.DeviceID, picture, http.StatusUnauthorized},
			{"another device's credential", other.DeviceID, other.Secret, cred.DeviceID, picture, http.StatusForbidden},
			{"another device's path", cred.DeviceID, cred.Secret, other.DeviceID, picture, http.StatusForbidden},
			{"not a JPEG", cred.DeviceID, cred.Secret, cred.DeviceID, []byte("GIF89a..."), http.StatusBadRequest},
			{"too large", cred.DeviceID, cred.Secret, cred.DeviceID, jpeg(string(make([]byte, 3<<20))), http.StatusRequestEntityTooLarge},
		} {
			if got := putSnapshot(t, e, c.user, c.secret, c.device, "ev-9", c.body); got != c.want && !(c.name == "again" && got == http.StatusCreated) {
				t.Errorf("%s: %d, want %d", c.name, got, c.want)
			}
		}
		if got := putSnapshot(t, e, cred.DeviceID, cred.Secret, cred.DeviceID, "ev-1", picture); got != http.StatusOK {
			t.Errorf("the same snapshot again: %d, want 200", got)
		}

		res := owner.Do("GET", "/api/v1/accounts/"+owner.AccountID+"/alarms/"+a.ID+"/snapshot", nil)
		if res.Status != http.StatusOK || !bytes.Equal(res.Body, picture) {
			t.Fatalf("owner's snapshot: %d, %d bytes", res.Status, len(res.Body))
		}
		owner.Must(http.StatusOK, "POST", "/api/v1/accounts/"+owner.AccountID+"/alarms/"+a.ID+"/ack", nil)

		// An NVR raises alarms per channel.
		nvrCred := owner.Claim(e.Operator().Manufacture("vn-800", 1)[0], "Recorder")
		nvr := connect(t, nvrCred, 8)
		if err := nvr.Publish(ctx, "ch/3/alarm", map[string]any{"id": "n-1", "type": "line_crossing"}); err != nil {
			t.Fatal(err)
		}
		waittest.Eventually(t, "the NVR channel's alarm", func() bool {
			as := listAlarms(t, owner, "?device="+nvrCred.DeviceID)
			return len(as) == 1 && as[0].Channel == 3 && as[0].Type == "line_crossing"
		})

		// Another account: not found, whatever the path.
		for _, p := range []string{"/alarms", "/alarms/" + a.ID, "/alarms/" + a.ID + "/snapshot"} {
			if got := mallory.Do("GET", "/api/v1/accounts/"+owner.AccountID+p, nil).Status; got != http.StatusNotFound {
				t.Errorf("mallory GET %s: %d, want 404", p, got)
			}
		}
		for _, p := range []string{"/alarms/" + a.ID, "/alarms/" + a.ID + "/snapshot"} {
			if got := mallory.Do("GET", "/api/v1/accounts/"+mallory.AccountID+p, nil).Status; got != http.StatusNotFound {
				t.Errorf("mallory GET her own account's %s: %d, want 404", p, got)
			}
		}

		// No JPEG in clear anywhere in the blob store.
		assertNoJPEG(t, e.Config.Blob.Dir)
	})
}

// assertNoJPEG scans every byte of the blob store for the JPEG marker.
func assertNoJPEG(t *testing.T, dir string) {
	t.Helper()
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		if bytes.Contains(b, []byte{0xFF, 0xD8, 0xFF}) || bytes.Contains(b, []byte("burglar")) {
			t.Errorf("%s holds a JPEG in clear", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatal("no blob stored: the scan proves nothing")
	}
}
