package face_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/jpeg"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/face"
	"github.com/vigil-cloud/vigil/internal/face/engine"
	"github.com/vigil-cloud/vigil/internal/privacy"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// scene lays real portraits side by side on a 1280×720 snapshot: Paul
// Rudd (paul-rudd-1) among seven other people.
func scene(t *testing.T, eng *engine.Engine) []byte {
	t.Helper()
	out := engine.NewRGB(1280, 720)
	for i := range out.Pix {
		out.Pix[i] = 96
	}
	x, y := 0, 0
	for _, name := range []string{"chris-pratt", "paul-rudd-1", "flickr-5", "codait-luciano", "flickr-26", "flickr-18", "flickr-11", "flickr-9"} {
		m, err := eng.Decode(photo(t, name))
		if err != nil {
			t.Fatal(err)
		}
		if x+m.W > out.W {
			x, y = 0, y+360
		}
		for yy := 0; yy < m.H && y+yy < out.H; yy++ {
			copy(out.Pix[3*((y+yy)*out.W+x):], m.Pix[3*yy*m.W:3*(yy+1)*m.W])
		}
		x += m.W + 4
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, out.Image(), &jpeg.Options{Quality: 92}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func newRedactor(t *testing.T, ffmpeg string) (*face.Redactor, *engine.Engine) {
	t.Helper()
	eng, err := engine.New(engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := face.New(nil, nil, nil, nil, nil, nil, func() (*engine.Engine, error) { return eng, nil }, clock.Real{},
		slog.New(slog.DiscardHandler), face.Options{})
	r, err := s.NewRedactor(photo(t, "paul-rudd-2"), ffmpeg)
	if err != nil {
		t.Fatal(err)
	}
	return r, eng
}

// onlyRequester checks a frame: the requester is still found and
// recognised, and every other face found is unrecognisable (does not match
// any face of the original scene but the requester's).
func onlyRequester(t *testing.T, eng *engine.Engine, orig, got *engine.RGB, what string) {
	t.Helper()
	selfie, _ := eng.Decode(photo(t, "paul-rudd-2"))
	keep := eng.Describe(selfie, eng.Detect(selfie)[0])
	var others []engine.Embedding
	for _, f := range eng.Detect(orig) {
		if e := eng.Describe(orig, f); !engine.Matches(e, keep) {
			others = append(others, e)
		}
	}
	if len(others) < 5 {
		t.Fatalf("%s: the scene shows only %d other faces", what, len(others))
	}
	found := false
	for _, f := range eng.Detect(got) {
		e := eng.Describe(got, f)
		if engine.Matches(e, keep) {
			found = true
			continue
		}
		for _, o := range others {
			if engine.Matches(e, o) {
				t.Errorf("%s: another person's face is still recognisable at %v", what, f.Box)
			}
		}
	}
	if !found {
		t.Errorf("%s: the requester's own face was lost", what)
	}
}

// A data-subject export for Paul shows Paul and no one else: in a snapshot
// of eight people every other face is blurred (checked by running
// detection and the embedding on the exported picture); a video made by
// ffmpeg from that snapshot is decoded, blurred frame by frame and
// re-encoded, and every decoded frame of the result holds the same; where
// ffmpeg is missing the video is withheld with the reason.
// proves: R7
func TestExportShowsNobodyElse(t *testing.T) {
	r, eng := newRedactor(t, "")
	pic := scene(t, eng)
	orig, _ := eng.Decode(pic)
	out, err := r.RedactJPEG(context.Background(), pic)
	if err != nil {
		t.Fatal(err)
	}
	got, err := eng.Decode(out)
	if err != nil {
		t.Fatal(err)
	}
	onlyRequester(t, eng, orig, got, "snapshot")

	// Nobody to blur: the picture is passed on untouched.
	solo := photo(t, "paul-rudd-1")
	if same, _ := r.RedactJPEG(context.Background(), solo); !bytes.Equal(same, solo) {
		t.Error("a picture of the requester alone was re-encoded")
	}

	// Without ffmpeg, video is withheld, with the reason for the letter.
	none, _ := newRedactor(t, "none")
	if err := none.RedactVideo(context.Background(), bytes.NewReader(nil), io.Discard); !errs.Is(err, errs.Unavailable) || none.CanRedactVideo() {
		t.Fatalf("no ffmpeg: %v", err)
	}

	if os.Getenv("VIGIL_TEST_FFMPEG") == "" {
		t.Skip("video part needs VIGIL_TEST_FFMPEG=1 (ffmpeg installed)")
	}
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/scene.jpg", pic, 0o600); err != nil {
		t.Fatal(err)
	}
	// A 2-second clip at 5 fps of the scene, as a camera recording.
	if b, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-loop", "1", "-i", dir+"/scene.jpg", "-t", "2", "-r", "5",
		"-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart", dir+"/clip.mp4").CombinedOutput(); err != nil {
		t.Fatalf("make clip: %v %s", err, b)
	}
	clip, _ := os.ReadFile(dir + "/clip.mp4")
	var red bytes.Buffer
	if err := r.RedactVideo(context.Background(), bytes.NewReader(clip), &red); err != nil {
		t.Fatal(err)
	}
	// Decode the result independently and check every frame.
	dec := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-i", "pipe:0", "-f", "image2pipe", "-c:v", "ppm", "pipe:1")
	dec.Stdin = bytes.NewReader(red.Bytes())
	frames, err := dec.Output()
	if err != nil {
		t.Fatalf("decode the redacted clip: %v", err)
	}
	br := bufio.NewReader(bytes.NewReader(frames))
	n := 0
	for {
		var magic string
		var w, h, maxv int
		if _, err := fmt.Fscan(br, &magic, &w, &h, &maxv); err != nil {
			break
		}
		br.ReadByte()
		m := engine.NewRGB(w, h)
		if _, err := io.ReadFull(br, m.Pix); err != nil {
			t.Fatal(err)
		}
		onlyRequester(t, eng, orig, m, fmt.Sprintf("frame %d", n))
		n++
	}
	if n < 8 {
		t.Fatalf("the redacted clip has %d frames, want 10", n)
	}
}

// The whole path of R7: the owner asks for their snapshots and gives a
// selfie for this request alone; the package's snapshot of eight people
// shows the owner and blurs every other face; the letter says so; the
// selfie is destroyed when the request closes.
// proves: R7
func TestAccessRequestBlursOthersWithSelfie(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		eng, err := engine.New(engine.Options{})
		if err != nil {
			t.Fatal(err)
		}
		h := newHome(t, e, "paul@example.com")
		pic := scene(t, eng)
		b, _ := json.Marshal(map[string]any{"id": "ev-1", "type": "person", "snapshot": true})
		if err := e.App.Devices.Ingest(t.Context(), []device.Uplink{{DeviceID: h.cam.DeviceID, Topic: "alarm", Payload: b, Received: e.Clock.Now()}})[0]; err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequestWithContext(t.Context(), "PUT", e.URL+"/api/v1/devices/"+h.cam.DeviceID+"/alarms/ev-1/snapshot", bytes.NewReader(pic))
		req.Header.Set("Content-Type", "image/jpeg")
		req.SetBasicAuth(h.cam.DeviceID, h.cam.Secret)
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != http.StatusCreated {
			t.Fatalf("snapshot: %v %v", res.StatusCode, err)
		}
		res.Body.Close()

		h.owner.WithMFA()
		dpo := e.StaffMember("dpo@vigil.test", access.StaffDPO)
		var dsr privacy.Request
		h.owner.Must(http.StatusCreated, "POST", "/api/v1/me/privacy-requests", map[string]any{"kind": "access", "region": "eu",
			"scope": map[string]any{"categories": []string{"media.snapshot"}, "from": e.Clock.Now().Add(-time.Hour), "to": e.Clock.Now().Add(time.Hour)}}).Decode(t, &dsr)
		if r := h.owner.DoType("PUT", "/api/v1/me/privacy-requests/"+dsr.ID+"/selfie", "image/jpeg", []byte("not a jpeg")); r.Status != http.StatusBadRequest {
			t.Fatalf("a selfie that is not a JPEG: %d", r.Status)
		}
		if r := h.owner.DoType("PUT", "/api/v1/me/privacy-requests/"+dsr.ID+"/selfie", "image/jpeg", photo(t, "paul-rudd-2")); r.Status != http.StatusNoContent {
			t.Fatalf("selfie: %d %s", r.Status, r.Body)
		}
		dpo.Must(http.StatusAccepted, "POST", "/api/v1/staff/privacy-requests/"+dsr.ID+"/grant", nil)
		letter := e.Mail.Wait(t, "paul@example.com", "Our answer")
		if !strings.Contains(letter.Body, "blurred") {
			t.Errorf("the letter does not say other faces were blurred:\n%s", letter.Body)
		}
		files := vigiltest.Unzip(t, h.owner.Must(http.StatusOK, "GET", "/api/v1/me/privacy-requests/"+dsr.ID+"/package", nil).Body)
		n := 0
		orig, _ := eng.Decode(pic)
		for name, body := range files {
			if !strings.HasPrefix(name, "media/media.snapshot/") {
				continue
			}
			n++
			got, err := eng.Decode(body)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			onlyRequester(t, eng, orig, got, name)
		}
		if n != 1 {
			t.Fatalf("snapshots in the package: %d", n)
		}
		if _, err := e.App.Blobs.Open(t.Context(), dsr.ID+".selfie", "selfie.jpg"); err == nil {
			t.Fatal("the selfie outlived its request")
		}
	})
}
