package live_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/media/live"
	"github.com/vigil-cloud/vigil/internal/waittest"
)

const testDevice = "dev_aaaaaaaaaaaaaaaaaaaaaaaaaa"

// devices is an Authenticator over fixed credentials.
type devices map[string]live.Publisher // "id:secret" -> publisher

func (d devices) AuthenticatePublisher(_ context.Context, id, secret string) (live.Publisher, error) {
	if p, ok := d[id+":"+secret]; ok {
		return p, nil
	}
	return live.Publisher{}, errs.E(errs.Unauthenticated, "refused")
}

func startService(t *testing.T, sink *collect) *live.Service {
	t.Helper()
	svc := live.New(live.Options{
		RTSPListen:    "127.0.0.1:0",
		SegmentTarget: 2 * time.Second,
		Sink:          sink,
		Auth:          devices{testDevice + ":vdk_secret": {AccountID: "acc_aaaaaaaaaaaaaaaaaaaaaaaaaa", DeviceID: testDevice}},
	})
	if err := svc.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	return svc
}

// ffmpeg publishes H.264 and AAC; the segments handed to the Sink are
// fMP4 that ffprobe reads with both tracks, cut at keyframes near the
// target, numbered in order within one session.
// proves: C4
func TestSegmentsReachTheSink(t *testing.T) {
	ffmpeg, ffprobe := ffmpegTools(t)
	sink := &collect{}
	svc := startService(t, sink)
	url := fmt.Sprintf("rtsp://%s:vdk_secret@%s/%s/0", testDevice, svc.RTSPAddr(), testDevice)
	stop := publish(t, ffmpeg, url)
	waittest.Within(t, "three segments", 20*time.Second, func() bool { return len(sink.all()) >= 3 })
	stop()
	waittest.Within(t, "the stream to end", 5*time.Second, func() bool { return len(svc.Hub().Streams()) == 0 })

	segs := sink.all()
	for i, s := range segs {
		if s.Seq != uint64(i) || s.Session != segs[0].Session || s.DeviceID != testDevice || s.Channel != 0 {
			t.Fatalf("segment %d: seq %d session %q device %q channel %d", i, s.Seq, s.Session, s.DeviceID, s.Channel)
		}
		if len(s.Tracks) != 2 || !strings.HasPrefix(s.Tracks[0].Codec, "avc1.") || s.Tracks[1].Codec != "mp4a.40.2" || !s.HasAudio() {
			t.Fatalf("segment %d tracks %+v", i, s.Tracks)
		}
		last := i == len(segs)-1
		if !last && (s.Duration < 2*time.Second || s.Duration > 2100*time.Millisecond) {
			t.Errorf("segment %d lasts %s; want a 2s GOP cut at the first keyframe after 2s", i, s.Duration)
		}
		if i > 0 && !s.Start.Equal(segs[i-1].Start.Add(segs[i-1].Duration)) {
			t.Errorf("segment %d starts at %s, previous ended at %s", i, s.Start, segs[i-1].Start.Add(segs[i-1].Duration))
		}
		p := ffprobeJSON(t, ffprobe, writeFile(t, "seg"+strconv.Itoa(i)+".mp4", s.Init, s.Fragments.Bytes()), "-show_frames", "-read_intervals", "%+#1", "-select_streams", "v")
		if len(p.Frames) == 0 || p.Frames[0].KeyFrame != 1 {
			t.Errorf("segment %d does not start with a keyframe: %+v", i, p.Frames)
		}
		full := ffprobeJSON(t, ffprobe, writeFile(t, "full"+strconv.Itoa(i)+".mp4", s.Init, s.Fragments.Bytes()))
		if c := full.codecs(); c["video"] != "h264" || c["audio"] != "aac" {
			t.Errorf("segment %d: ffprobe finds %v", i, c)
		}
		end, _ := strconv.ParseFloat(full.Format.Duration, 64)
		start, _ := strconv.ParseFloat(full.Format.StartTime, 64)
		// The container's span may exceed the segment by the B-frame
		// reordering delay and the audio frame around the cut.
		if d := end - start; d < s.Duration.Seconds()-0.3 || d > s.Duration.Seconds()+0.3 {
			t.Errorf("segment %d: ffprobe finds %.3fs, segment says %s", i, d, s.Duration)
		}
	}
}
