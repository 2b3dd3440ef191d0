package sim

import (
	"bytes"
	"context"
	"crypto/tls"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gortsplib/v5"
	"github.com/bluenviron/gortsplib/v5/pkg/description"
	"github.com/bluenviron/gortsplib/v5/pkg/format"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mpegts"
	mtscodecs "github.com/bluenviron/mediacommon/v2/pkg/formats/mpegts/codecs"
)

// clipTS is a 4-second H.264 (640x360, 25 fps, 2 s GOP, 2 Mbps CBR) and
// AAC (440 Hz tone) clip, made once with:
//
//	ffmpeg -f lavfi -i testsrc=size=640x360:rate=25 -f lavfi -i sine=frequency=440:sample_rate=48000 -t 4 \
//	  -c:v libx264 -preset veryfast -profile:v main -g 50 -keyint_min 50 -sc_threshold 0 -pix_fmt yuv420p \
//	  -b:v 2M -minrate 2M -maxrate 2M -bufsize 1M -x264-params nal-hrd=cbr:force-cfr=1 \
//	  -c:a aac -b:a 64k -ac 1 -f mpegts clip.ts
//
// so that the simulator needs no ffmpeg.
//
//go:embed testdata/clip.ts
var clipTS []byte

// Clip is a short recording the simulator publishes in a loop.
type Clip struct {
	SPS, PPS []byte
	AAC      mpeg4audio.AudioSpecificConfig
	Frames   []ClipFrame // in decode order
	Duration time.Duration
}

// ClipFrame is one video access unit or one AAC frame. Times are 90 kHz
// from the clip's start.
type ClipFrame struct {
	Video    bool
	PTS, DTS int64
	AU       [][]byte
}

// LoadClip demuxes the embedded clip.
func LoadClip() (*Clip, error) {
	r := &mpegts.Reader{R: bytes.NewReader(clipTS)}
	if err := r.Initialize(); err != nil {
		return nil, err
	}
	c := &Clip{}
	lastVideo, firstVideo := int64(-1<<62), int64(1<<62)
	for _, t := range r.Tracks() {
		switch codec := t.Codec.(type) {
		case *mtscodecs.H264:
			r.OnDataH264(t, func(pts, dts int64, au [][]byte) error {
				for _, n := range au {
					switch h264.NALUType(n[0] & 0x1f) {
					case h264.NALUTypeSPS:
						c.SPS = n
					case h264.NALUTypePPS:
						c.PPS = n
					}
				}
				c.Frames = append(c.Frames, ClipFrame{Video: true, PTS: pts, DTS: dts, AU: au})
				lastVideo, firstVideo = max(lastVideo, pts), min(firstVideo, pts)
				return nil
			})
		case *mtscodecs.MPEG4Audio:
			c.AAC = codec.Config
			rate := int64(codec.Config.SampleRate)
			r.OnDataMPEG4Audio(t, func(pts int64, aus [][]byte) error {
				for i, au := range aus {
					p := pts + int64(i)*mpeg4audio.SamplesPerAccessUnit*90000/rate
					c.Frames = append(c.Frames, ClipFrame{PTS: p, DTS: p, AU: [][]byte{au}})
				}
				return nil
			})
		}
	}
	for {
		if err := r.Read(); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, err
		}
	}
	if len(c.Frames) == 0 || c.SPS == nil || c.PPS == nil || c.AAC.SampleRate == 0 {
		return nil, errors.New("clip: no H.264 with parameter sets and AAC")
	}
	sort.SliceStable(c.Frames, func(i, j int) bool { return c.Frames[i].DTS < c.Frames[j].DTS })
	zero := c.Frames[0].DTS
	for i := range c.Frames {
		c.Frames[i].PTS -= zero
		c.Frames[i].DTS -= zero
	}
	c.Duration = time.Duration(lastVideo-firstVideo+3600) * time.Second / 90000 // + one frame at 25 fps
	return c, nil
}

// VideoConfig says how simulated cameras publish.
type VideoConfig struct {
	Members []Member
	// RTSPURL is vigil's RTSP address, e.g. rtsp://127.0.0.1:8554.
	RTSPURL  string
	Duration time.Duration
	TLS      *tls.Config
	// Ready, when set, is called once every stream publishes.
	Ready func()
}

// VideoReport is what the simulated cameras sent.
type VideoReport struct {
	Streams   int
	Failed    int
	Frames    int64
	Bytes     int64
	Elapsed   time.Duration
	FirstErrs []string
}

func (r VideoReport) String() string {
	mbps := float64(r.Bytes) * 8 / r.Elapsed.Seconds() / 1e6
	return fmt.Sprintf("%d streams published (%d failed): %d frames, %.1f MB in %s = %.1f Mbit/s (%.2f per stream)",
		r.Streams, r.Failed, r.Frames, float64(r.Bytes)/1e6, r.Elapsed.Round(time.Millisecond), mbps, mbps/float64(max(r.Streams, 1)))
}

// RunVideo publishes the clip in a loop, in real time, from every member
// over RTSP (TCP) with its device credential, for cfg.Duration.
func RunVideo(ctx context.Context, cfg VideoConfig) (VideoReport, error) {
	clip, err := LoadClip()
	if err != nil {
		return VideoReport{}, err
	}
	base, err := url.Parse(cfg.RTSPURL)
	if err != nil || (base.Scheme != "rtsp" && base.Scheme != "rtsps") {
		return VideoReport{}, fmt.Errorf("RTSP URL %q: want rtsp:// or rtsps://", cfg.RTSPURL)
	}
	var rep VideoReport
	var frames, sent atomic.Int64
	var mu sync.Mutex
	var wg, up sync.WaitGroup
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	up.Add(len(cfg.Members))
	for i, m := range cfg.Members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Spread the streams' keyframes over the GOP, as real cameras are.
			delay := time.Duration(rand.Int64N(int64(2 * time.Second)))
			if len(cfg.Members) == 1 {
				delay = 0
			}
			u := *base
			u.User = url.UserPassword(m.DeviceID, m.Secret)
			u.Path = "/" + m.DeviceID + "/0"
			err := publishClip(ctx, clip, u.String(), cfg.TLS, delay, &up, &frames, &sent)
			if err != nil && ctx.Err() == nil {
				mu.Lock()
				rep.Failed++
				if len(rep.FirstErrs) < 3 {
					rep.FirstErrs = append(rep.FirstErrs, fmt.Sprintf("stream %d: %v", i, err))
				}
				mu.Unlock()
			}
		}()
	}
	if cfg.Ready != nil {
		go func() { up.Wait(); cfg.Ready() }()
	}
	wg.Wait()
	rep.Streams = len(cfg.Members)
	rep.Frames, rep.Bytes, rep.Elapsed = frames.Load(), sent.Load(), time.Since(start)
	return rep, nil
}

func publishClip(ctx context.Context, clip *Clip, u string, tlsConf *tls.Config, delay time.Duration, up *sync.WaitGroup, frames, sent *atomic.Int64) error {
	var once sync.Once
	ready := func() { once.Do(up.Done) }
	defer ready()
	select {
	case <-ctx.Done():
		return nil
	case <-time.After(delay):
	}
	vf := &format.H264{PayloadTyp: 96, SPS: clip.SPS, PPS: clip.PPS, PacketizationMode: 1}
	af := &format.MPEG4Audio{PayloadTyp: 97, Config: &clip.AAC, SizeLength: 13, IndexLength: 3, IndexDeltaLength: 3}
	desc := &description.Session{Medias: []*description.Media{
		{Type: description.MediaTypeVideo, Formats: []format.Format{vf}},
		{Type: description.MediaTypeAudio, Formats: []format.Format{af}},
	}}
	tcp := gortsplib.ProtocolTCP
	// A deep write queue rides out a busy machine instead of dropping the camera.
	c := &gortsplib.Client{Protocol: &tcp, TLSConfig: tlsConf, WriteQueueSize: 8192}
	if err := c.StartRecording(u, desc); err != nil {
		return err
	}
	defer c.Close()
	ready()
	venc, err := vf.CreateEncoder()
	if err != nil {
		return err
	}
	aenc, err := af.CreateEncoder()
	if err != nil {
		return err
	}
	vbase, abase := rand.Uint32(), rand.Uint32()
	rate := int64(clip.AAC.SampleRate)
	loopTicks := int64(clip.Duration) * 90000 / int64(time.Second)
	start := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for loop := int64(0); ; loop++ {
		for _, f := range clip.Frames {
			at := start.Add(time.Duration(loop*loopTicks+f.DTS) * time.Second / 90000)
			if d := time.Until(at); d > 0 {
				timer.Reset(d)
				select {
				case <-ctx.Done():
					return nil
				case <-timer.C:
				}
			} else if ctx.Err() != nil {
				return nil
			}
			pts := loop*loopTicks + f.PTS // timestamps go on across loops
			if f.Video {
				pkts, err := venc.Encode(f.AU)
				if err != nil {
					return err
				}
				for _, p := range pkts {
					p.Timestamp = vbase + uint32(pts)
					if err := c.WritePacketRTP(desc.Medias[0], p); err != nil {
						return err
					}
					sent.Add(int64(len(p.Payload)))
				}
			} else {
				pkts, err := aenc.Encode(f.AU)
				if err != nil {
					return err
				}
				for _, p := range pkts {
					p.Timestamp = abase + uint32(pts*rate/90000)
					if err := c.WritePacketRTP(desc.Medias[1], p); err != nil {
						return err
					}
					sent.Add(int64(len(p.Payload)))
				}
			}
			frames.Add(1)
		}
	}
}
