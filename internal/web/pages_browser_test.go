package web_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/media"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// Every page of the web app at 1280×800 and 390×844, signed in and out:
// no sideways scrolling, no console error, no serious or critical axe-core
// violation, a screenshot of each written to e2e/screenshots/ (or
// $VIGIL_SCREENSHOTS). On the way it checks the flows the pages exist for:
// the grid shows each camera with its name, site, state and unread events;
// the site filter; the phone menu opens and closes; the links vigil sends
// (alarm e-mails' #/alarms/<account>/<alarm>, snapshots, notices) open
// their page, through the sign-in page when signed out; an event is
// reviewed by camera name, marked read and its recording played from the
// timeline; a device is renamed; the data map reads in words.
// proves: U-C, P3
func TestEveryPageInChromium(t *testing.T) {
	node, chromium, script := vigiltest.Browser(t, "pages.mjs")
	e := vigiltest.Start(t)
	owner := e.SignUp("pages@example.com")
	sites := map[string]string{}
	for _, name := range []string{"Home", "Shop"} {
		var s struct{ ID string }
		owner.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+owner.AccountID+"/sites", map[string]any{"name": name, "time_zone": "UTC"}).Decode(t, &s)
		sites[name] = s.ID
	}
	made := e.Operator().Manufacture("vc-100", 3)
	garden := owner.Claim(made[0], "Garden")
	door := owner.Claim(made[1], "Front door")
	shop := owner.Claim(made[2], "Shop entrance")
	nvr := owner.Claim(e.Operator().Manufacture("vn-800", 1)[0], "Shop recorder")
	for id, site := range map[string]string{garden.DeviceID: "Home", door.DeviceID: "Home", shop.DeviceID: "Shop", nvr.DeviceID: "Shop"} {
		owner.Must(http.StatusOK, "PATCH", "/api/v1/accounts/"+owner.AccountID+"/devices/"+id, map[string]any{"site_id": sites[site]})
	}
	// The garden camera was seen (it went offline since: live video is
	// TestLiveViewInChromium's, with a camera ffmpeg publishes), and it
	// recorded a stretch an hour ago, with a person event (and its
	// snapshot) in it.
	// It runs firmware 1.0.0, and 2.0.0 is offered to every vc-100.
	ingest(t, e, garden.DeviceID, "info", map[string]any{"firmware_version": "1.0.0"})
	image := sha256.Sum256([]byte("firmware image 2.0.0"))
	_, signer, _ := ed25519.GenerateKey(nil)
	e.Operator().Must(http.StatusCreated, "POST", "/api/v1/staff/firmware", map[string]any{"model": "vc-100", "version": "2.0.0",
		"notes": "Sharper night vision; fixes a crash when the SD card is full.", "sha256": hex.EncodeToString(image[:]),
		"signature": base64.StdEncoding.EncodeToString(ed25519.Sign(signer, image[:])), "url": "https://updates.vigil.test/vc-100/2.0.0.bin", "rollout_percent": 100})
	ingest(t, e, garden.DeviceID, "heartbeat", map[string]any{"online": false})
	start := e.Clock.Now().Add(-time.Hour).Truncate(time.Second)
	record(t, e, owner.AccountID, garden.DeviceID, start, 10)
	at := start.Add(4 * time.Second)
	ingest(t, e, garden.DeviceID, "alarm", map[string]any{"id": "evt-garden-1", "type": "person", "snapshot": true, "time": at.Format(time.RFC3339)})
	putPicture(t, e.URL, garden, "evt-garden-1")
	if err := e.App.Recorder.Mark(context.Background(), media.Mark{AccountID: owner.AccountID, DeviceID: garden.DeviceID, At: at, Kind: "person", Ref: "evt-garden-1"}); err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(time.Minute)
	ingest(t, e, shop.DeviceID, "alarm", map[string]any{"id": "evt-shop-1", "type": "motion", "snapshot": false})

	var alarms struct {
		Alarms []struct {
			ID       string `json:"id"`
			DeviceID string `json:"device_id"`
		}
	}
	owner.Must(http.StatusOK, "GET", "/api/v1/accounts/"+owner.AccountID+"/alarms", nil).Decode(t, &alarms)
	gardenAlarm := ""
	for _, a := range alarms.Alarms {
		if a.DeviceID == garden.DeviceID {
			gardenAlarm = a.ID
		}
	}
	if gardenAlarm == "" || len(alarms.Alarms) != 2 {
		t.Fatalf("alarms: %+v", alarms)
	}

	shots := os.Getenv("VIGIL_SCREENSHOTS")
	if shots == "" {
		shots = filepath.Join(filepath.Dir(script), "screenshots")
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Dir = filepath.Dir(script)
	cmd.Env = append(os.Environ(), "VIGIL_URL="+e.URL, "CHROMIUM="+chromium, "SHOTS="+shots,
		"EMAIL="+owner.Email, "PASSWORD="+owner.Password, "ACCOUNT_ID="+owner.AccountID,
		"GARDEN_ID="+garden.DeviceID, "DOOR_ID="+door.DeviceID, "SHOP_ID="+shop.DeviceID, "NVR_ID="+nvr.DeviceID,
		"ALARM_ID="+gardenAlarm, "DAY="+start.Format("2006-01-02"), "EVENT_AT="+at.Format(time.RFC3339))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("browser flow failed: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "every page passed") {
		t.Fatalf("unexpected output: %s", out)
	}
	t.Logf("%s", out)
}

// putPicture uploads a small real JPEG as an alarm's snapshot, with the
// device's credential.
func putPicture(t *testing.T, base string, cred device.Credential, eventID string) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 320, 180))
	for y := range 180 {
		for x := range 320 {
			img.Set(x, y, color.RGBA{uint8(40 + y/3), uint8(90 + x/6), uint8(60 + (x+y)/10), 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), "PUT", base+"/api/v1/devices/"+cred.DeviceID+"/alarms/"+eventID+"/snapshot", &b)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "image/jpeg")
	req.SetBasicAuth(cred.DeviceID, cred.Secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("snapshot upload: %d", res.StatusCode)
	}
}
