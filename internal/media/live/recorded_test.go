package live_test

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/media/live"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
	"github.com/vigil-cloud/vigil/internal/waittest"
)

type recordedRanges struct {
	Ranges []struct {
		Start, End time.Time
		HasAudio   bool `json:"has_audio"`
	}
}

type recordedURLs struct {
	HLS string `json:"hls"`
	MP4 string `json:"mp4"`
}

// The whole path in one run: ffmpeg publishes a camera over RTSP with its
// device credential, vigil records it through the recorder the app wires to
// the live side, the recording appears in the channel's timeline, and
// ffprobe reads both the VOD playlist of the recorded range and its MP4
// export, with video and sound.
// proves: C4
// proves: U-G
func TestPublishedStreamIsRecorded(t *testing.T) {
	ffmpeg, ffprobe := ffmpegTools(t)
	e := vigiltest.Start(t)
	owner := e.SignUp("recorded@example.com")
	cred := owner.Claim(e.Operator().Manufacture("vc-100", 1)[0], "Garden")
	started := e.Clock.Now()
	stop := publish(t, ffmpeg, rtspURL(e, cred, cred.DeviceID+"/0"))
	waitLive(t, e, live.Key{AccountID: owner.AccountID, DeviceID: cred.DeviceID, Channel: 0})

	base := "/api/v1/accounts/" + owner.AccountID + "/devices/" + cred.DeviceID + "/channels/0/"
	from, to := started.Add(-time.Minute), started.Add(time.Hour)
	window := map[string]any{"from": from, "to": to}
	timeline := base + "timeline?from=" + from.Format(time.RFC3339Nano) + "&to=" + to.Format(time.RFC3339Nano)
	var tl recordedRanges
	waittest.Within(t, "two recorded segments in the timeline", 30*time.Second, func() bool {
		owner.Must(http.StatusOK, "GET", timeline, nil).Decode(t, &tl)
		return len(tl.Ranges) == 1 && tl.Ranges[0].End.Sub(tl.Ranges[0].Start) >= 4*time.Second
	})
	stop()
	// The fake clock stood still while ffmpeg published in real time: move
	// it past the recording, which playback and export ask to be over.
	e.Clock.Advance(2 * time.Hour)
	if !tl.Ranges[0].HasAudio {
		t.Errorf("the recorded range has no sound: %+v", tl.Ranges)
	}

	var pb recordedURLs
	owner.Must(http.StatusCreated, "POST", base+"playback", window).Decode(t, &pb)
	if c := ffprobeJSON(t, ffprobe, e.URL+pb.HLS).codecs(); c["video"] != "h264" || c["audio"] != "aac" {
		t.Fatalf("ffprobe on the VOD playlist finds %v", c)
	}

	var ex recordedURLs
	owner.Must(http.StatusCreated, "POST", base+"exports", window).Decode(t, &ex)
	r := e.Client().Do("GET", ex.MP4, nil)
	if r.Status != http.StatusOK || !bytes.Contains(r.Body[:min(len(r.Body), 64)], []byte("ftyp")) {
		t.Fatalf("export: %d, %d bytes", r.Status, len(r.Body))
	}
	file := filepath.Join(t.TempDir(), "export.mp4")
	if err := os.WriteFile(file, r.Body, 0o600); err != nil {
		t.Fatal(err)
	}
	if c := ffprobeJSON(t, ffprobe, file).codecs(); c["video"] != "h264" || c["audio"] != "aac" {
		t.Fatalf("ffprobe on the export finds %v", c)
	}
	// And the file decodes to the end, frame by frame.
	out, err := exec.Command(ffmpeg, "-v", "error", "-i", file, "-f", "null", "-").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "" {
		t.Fatalf("decoding the export: %v\n%s", err, out)
	}
}
