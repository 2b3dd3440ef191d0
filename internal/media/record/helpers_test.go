package record_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/media/record/recordtest"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// cam is an owner with a claimed camera.
type cam struct {
	e      *vigiltest.Env
	owner  *vigiltest.Client
	device string
	// claimCode is the label's code, to claim the camera again.
	claimCode string
	clip      *recordtest.Clip
}

func newCam(t testing.TB, e *vigiltest.Env, email string) *cam {
	t.Helper()
	owner := e.SignUp(email)
	made := e.Operator().Manufacture("vc-100", 1)
	owner.Claim(made[0], "Front door")
	clip, err := recordtest.Load()
	if err != nil {
		t.Fatal(err)
	}
	return &cam{e: e, owner: owner, device: made[0].ID, claimCode: made[0].ClaimCode, clip: clip}
}

// stream returns a publishing session of the camera starting at start.
func (c *cam) stream(session string, start time.Time) *recordtest.Stream {
	return &recordtest.Stream{Clip: c.clip, AccountID: c.owner.AccountID, DeviceID: c.device, Session: session, Next: start}
}

// record hands n segments of s to the recorder.
func (c *cam) record(t testing.TB, s *recordtest.Stream, n int) {
	t.Helper()
	for range n {
		if err := c.e.App.Recorder.Segment(context.Background(), s.Segment()); err != nil {
			t.Fatalf("record: %v", err)
		}
	}
}

func (c *cam) path(rest string) string {
	return "/api/v1/accounts/" + c.owner.AccountID + "/devices/" + c.device + "/channels/0/" + rest
}

type timeline struct {
	Ranges []struct {
		Start, End    time.Time
		HasAudio      bool `json:"has_audio"`
		DroppedBefore int  `json:"dropped_before"`
	}
	Marks []struct {
		At   time.Time
		Kind string
	}
}

func (c *cam) timeline(t testing.TB, from, to time.Time) timeline {
	t.Helper()
	var tl timeline
	c.owner.Must(http.StatusOK, "GET", c.path("timeline?from="+from.Format(time.RFC3339Nano)+"&to="+to.Format(time.RFC3339Nano)), nil).Decode(t, &tl)
	return tl
}

type streamURLs struct {
	HLS       string    `json:"hls"`
	MP4       string    `json:"mp4"`
	ExpiresAt time.Time `json:"expires_at"`
}

// get fetches a path of vigil with no credential but what the URL holds.
func get(t testing.TB, e *vigiltest.Env, path string) (int, http.Header, []byte) {
	t.Helper()
	res, err := http.Get(e.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header, b
}

// ffprobeTool finds ffprobe, or skips (fails when VIGIL_TEST_FFMPEG is
// set, as CI does).
func ffprobeTool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("ffprobe")
	if err != nil {
		if os.Getenv("VIGIL_TEST_FFMPEG") != "" {
			t.Fatal("VIGIL_TEST_FFMPEG is set but ffprobe is not installed")
		}
		t.Skip("ffprobe test skipped: install ffmpeg (apt-get install ffmpeg), or use .ci/run")
	}
	return p
}

type probed struct {
	Streams []struct {
		CodecType string `json:"codec_type"`
		CodecName string `json:"codec_name"`
	}
	Format struct {
		Duration string `json:"duration"`
	}
}

// ffprobe reads input (a URL or a file) and returns its streams.
func ffprobe(t *testing.T, tool, input string) probed {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tool, "-v", "error", "-print_format", "json", "-show_streams", "-show_format", input)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v\n%s", input, err, stderr.String())
	}
	var p probed
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p probed) kinds() string {
	var ks []string
	for _, s := range p.Streams {
		ks = append(ks, s.CodecType+":"+s.CodecName)
	}
	return strings.Join(ks, ",")
}

func (p probed) duration() float64 {
	var d float64
	fmt.Sscanf(p.Format.Duration, "%g", &d)
	return d
}

// invite signs email up and makes them a member of the owner's account
// with role.
func invite(t *testing.T, e *vigiltest.Env, owner *vigiltest.Client, email, role string) *vigiltest.Client {
	t.Helper()
	c := e.SignUp(email)
	owner.Must(http.StatusAccepted, "POST", "/api/v1/accounts/"+owner.AccountID+"/invitations", map[string]string{"email": email, "role": role})
	c.Must(http.StatusOK, "POST", "/api/v1/invitations/accept", map[string]string{"token": e.Mail.Wait(t, email, "invited").Token(t)})
	c.AccountID = owner.AccountID
	return c
}
