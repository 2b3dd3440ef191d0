package live_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/media"
)

// ffmpegTools finds ffmpeg and ffprobe, or skips (fails when
// VIGIL_TEST_FFMPEG is set, as CI does, so a missing tool is noticed).
func ffmpegTools(t testing.TB) (ffmpeg, ffprobe string) {
	t.Helper()
	var err error
	for _, p := range []*string{&ffmpeg, &ffprobe} {
		name := "ffmpeg"
		if p == &ffprobe {
			name = "ffprobe"
		}
		if *p, err = exec.LookPath(name); err != nil {
			if os.Getenv("VIGIL_TEST_FFMPEG") != "" {
				t.Fatalf("VIGIL_TEST_FFMPEG is set but %s is not installed", name)
			}
			t.Skipf("video test skipped: %s is not installed (apt-get install ffmpeg, or use .ci/run)", name)
		}
	}
	return ffmpeg, ffprobe
}

// publish runs ffmpeg sending a test pattern and a tone to url over RTSP
// (TCP) in real time until the test ends or stop is called: by default the
// command of the issue (H.264 with B-frames, AAC); extra arguments replace
// the audio codec and may tune the video.
func publish(t testing.TB, ffmpeg, url string, extra ...string) (stop func()) {
	t.Helper()
	args := []string{"-hide_banner", "-loglevel", "error", "-re",
		"-f", "lavfi", "-i", "testsrc=size=640x360:rate=25", "-f", "lavfi", "-i", "sine=frequency=440",
		"-c:v", "libx264", "-g", "50", "-pix_fmt", "yuv420p"}
	args = append(args, extra...)
	if len(extra) == 0 {
		args = append(args, "-c:a", "aac")
	}
	args = append(args, "-f", "rtsp", "-rtsp_transport", "tcp", url)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, ffmpeg, args...)
	out := &lockedBuf{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			<-done
		})
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("ffmpeg said: %s", out.String())
		}
	})
	return stop
}

type lockedBuf struct {
	mu sync.Mutex
	b  []byte
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b = append(l.b, p...)
	return len(p), nil
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.b)
}

// collect is a Sink that keeps segments in memory.
type collect struct {
	mu   sync.Mutex
	segs []media.Segment
}

func (c *collect) Segment(_ context.Context, s media.Segment) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.segs = append(c.segs, s)
	return nil
}

func (c *collect) all() []media.Segment {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]media.Segment(nil), c.segs...)
}

type probeStream struct {
	Index     int    `json:"index"`
	CodecType string `json:"codec_type"`
	CodecName string `json:"codec_name"`
	Width     int    `json:"width"`
}

type probe struct {
	Streams []probeStream `json:"streams"`
	Frames  []struct {
		KeyFrame int `json:"key_frame"`
	} `json:"frames"`
	Format struct {
		Duration  string `json:"duration"`
		StartTime string `json:"start_time"`
	} `json:"format"`
}

// ffprobeJSON runs ffprobe on what (a file or URL).
func ffprobeJSON(t testing.TB, ffprobe, what string, extra ...string) probe {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args := append([]string{"-v", "error", "-show_streams", "-show_format", "-of", "json"}, extra...)
	out, err := exec.CommandContext(ctx, ffprobe, append(args, what)...).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe %s: %v\n%s", what, err, out)
	}
	var p probe
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatalf("ffprobe output: %v\n%s", err, out)
	}
	return p
}

func (p probe) codecs() map[string]string {
	m := map[string]string{}
	for _, s := range p.Streams {
		m[s.CodecType] = s.CodecName
	}
	return m
}

func writeFile(t *testing.T, name string, parts ...[]byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	var b []byte
	for _, x := range parts {
		b = append(b, x...)
	}
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
