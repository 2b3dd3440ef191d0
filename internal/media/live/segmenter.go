package live

import (
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/g711"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/opus"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4/seekablebuffer"

	"github.com/vigil-cloud/vigil/internal/media"
)

// timeOrigin is added to every decode time in segments (the same span in
// each track's clock), so that a video frame decoded before its
// presentation at the very start still has a positive decode time.
const timeOrigin = time.Second

// segTrack is one track of the segment being cut.
type segTrack struct {
	t       *Track
	id      int
	samples []*fmp4.Sample
	// video: each sample's NAL units, made into its payload only when the
	// segment is cut (the GOP cache holds the same bytes meanwhile).
	aus  [][][]byte
	base int64 // decode time of the first sample, in the track's clock
	// video: the last frame, waiting for the next one to know its duration.
	pending    *fmp4.Sample
	pendingAU  [][]byte
	pendingDTS int64
}

// segmenter cuts a stream into fragmented MP4 segments: each starts at a
// video keyframe and lasts at least the target, or the target exactly for a
// stream without video.
type segmenter struct {
	s        *Stream
	target   time.Duration
	session  string
	seq      uint64
	init     []byte
	video    *segTrack
	audio    *segTrack
	started  bool  // the current segment has its first keyframe
	start    int64 // decode time of the segment's first sample, in the leading track's clock
	startPTS int64 // presentation time of its keyframe: segments are timed by it
}

func newSegmenter(s *Stream, target time.Duration) *segmenter {
	g := &segmenter{s: s, target: target, session: s.Session}
	id := 1
	if s.Video != nil {
		g.video = &segTrack{t: s.Video, id: id}
		id++
	}
	if s.Audio != nil {
		g.audio = &segTrack{t: s.Audio, id: id}
	}
	return g
}

func durationOf(ticks int64, rate int) time.Duration {
	return time.Duration(ticks) * time.Second / time.Duration(rate)
}

func ticksOf(d time.Duration, rate int) int64 {
	return int64(d) * int64(rate) / int64(time.Second)
}

// write adds u and returns a finished segment when u starts the next one.
func (g *segmenter) write(u *Unit) *media.Segment {
	if u.Track.Codec.Video() {
		return g.writeVideo(u)
	}
	return g.writeAudio(u)
}

func (g *segmenter) writeVideo(u *Unit) *media.Segment {
	v := g.video
	if !g.started {
		if !u.Key {
			return nil
		}
		g.begin(u.PTS, u.DTS)
		v.pending, v.pendingAU, v.pendingDTS = videoSample(u), u.AU, u.DTS
		return nil
	}
	var done *media.Segment
	// Keyframes are compared by presentation time: with B-frames a
	// keyframe's decode time comes early by the reordering delay.
	if u.Key && durationOf(u.PTS-g.startPTS, v.t.ClockRate) >= g.target {
		g.closePending(u.DTS)
		done = g.cut(u.PTS)
		g.begin(u.PTS, u.DTS)
	} else {
		g.closePending(u.DTS)
	}
	v.pending, v.pendingAU, v.pendingDTS = videoSample(u), u.AU, u.DTS
	return done
}

func (g *segmenter) closePending(next int64) {
	v := g.video
	if v.pending == nil {
		return
	}
	d := next - v.pendingDTS
	if d <= 0 {
		d = 1
	}
	v.pending.Duration = uint32(d)
	if len(v.samples) == 0 {
		v.base = v.pendingDTS
	}
	v.samples = append(v.samples, v.pending)
	v.aus = append(v.aus, v.pendingAU)
	v.pending, v.pendingAU = nil, nil
}

func videoSample(u *Unit) *fmp4.Sample {
	return &fmp4.Sample{PTSOffset: int32(u.PTS - u.DTS), IsNonSyncSample: !u.Key}
}

func (g *segmenter) writeAudio(u *Unit) *media.Segment {
	a := g.audio
	var done *media.Segment
	if g.video == nil {
		// No video: cut by time alone.
		if !g.started {
			g.begin(u.PTS, u.DTS)
		} else if durationOf(u.DTS-g.start, a.t.ClockRate) >= g.target {
			done = g.cut(u.PTS)
			g.begin(u.PTS, u.DTS)
		}
	} else if !g.started {
		return nil // sound starts with the first video keyframe
	}
	smp := audioSample(u)
	if smp == nil {
		return done
	}
	if len(a.samples) == 0 {
		a.base = u.DTS
	}
	a.samples = append(a.samples, smp)
	return done
}

func audioSample(u *Unit) *fmp4.Sample {
	f := u.AU[0]
	t := u.Track
	switch t.Codec {
	case AAC:
		return &fmp4.Sample{Duration: mpeg4audio.SamplesPerAccessUnit, Payload: f}
	case Opus:
		d := opus.PacketDuration2(f)
		if d <= 0 {
			return nil
		}
		return &fmp4.Sample{Duration: uint32(d * int64(t.ClockRate) / 48000), Payload: f}
	case G711:
		var pcm []byte
		if t.MULaw {
			var m g711.Mulaw
			m.Unmarshal(f)
			pcm = m
		} else {
			var a g711.Alaw
			a.Unmarshal(f)
			pcm = a
		}
		ch := max(t.Channels, 1)
		return &fmp4.Sample{Duration: uint32(len(f) / ch), Payload: pcm}
	}
	return nil
}

func (g *segmenter) begin(pts, dts int64) {
	g.started = true
	g.start, g.startPTS = dts, pts
}

// restart ends the session: the segment being cut is dropped (its init
// no longer fits) and the next keyframe starts a new session.
func (g *segmenter) restart() {
	g.session = newSessionID()
	g.seq, g.init, g.started = 0, nil, false
	for _, t := range []*segTrack{g.video, g.audio} {
		if t != nil {
			t.samples, t.aus, t.pending, t.pendingAU = nil, nil, nil, nil
		}
	}
}

// flush finishes the segment being cut (the stream ended).
func (g *segmenter) flush() *media.Segment {
	if !g.started {
		return nil
	}
	end := g.start
	if v := g.video; v != nil {
		if v.pending != nil {
			// The last frame lasts as long as the one before it, or 1/25 s.
			d := int64(v.t.ClockRate / 25)
			if n := len(v.samples); n > 0 {
				d = int64(v.samples[n-1].Duration)
			}
			g.closePending(v.pendingDTS + d)
		}
		if n := len(v.samples); n > 0 {
			end = v.base
			for _, s := range v.samples {
				end += int64(s.Duration)
			}
		}
	} else if a := g.audio; a != nil {
		end = a.base
		for _, s := range a.samples {
			end += int64(s.Duration)
		}
	}
	g.started = false
	return g.cut(end + g.startPTS - g.start)
}

func (g *segmenter) leading() *segTrack {
	if g.video != nil {
		return g.video
	}
	return g.audio
}

// cut returns the segment from its keyframe up to end (presentation times
// in the leading track's clock) and empties the tracks.
func (g *segmenter) cut(end int64) *media.Segment {
	lead := g.leading()
	if len(lead.samples) == 0 {
		return nil
	}
	if g.init == nil {
		init, err := g.makeInit()
		if err != nil {
			g.s.hub.metrics.dropped.WithLabelValues("init").Inc()
			g.s.hub.log.Warn("segment init", "device", g.s.DeviceID, "err", err)
			g.clear()
			return nil
		}
		g.init = init
	}
	var frags []fragTrack
	var tracks []media.Track
	for _, t := range []*segTrack{g.video, g.audio} {
		if t == nil {
			continue
		}
		tracks = append(tracks, t.t.mediaTrack())
		if len(t.samples) == 0 {
			continue
		}
		base := t.base + ticksOf(timeOrigin, t.t.ClockRate)
		if base < 0 {
			base = 0
		}
		frags = append(frags, fragTrack{id: t.id, base: uint64(base), samples: t.samples, aus: t.aus})
	}
	fragment := marshalFragment(uint32(g.seq+1), frags)
	rate := lead.t.ClockRate
	seg := &media.Segment{
		AccountID: g.s.AccountID, DeviceID: g.s.DeviceID, Channel: g.s.Channel,
		ClaimedAt: g.s.ClaimedAt, Session: g.session, Seq: g.seq,
		Start:     g.s.Started.Add(durationOf(g.startPTS, rate)),
		Duration:  durationOf(end-g.startPTS, rate),
		Tracks:    tracks,
		Init:      g.init,
		Fragments: fragment,
	}
	g.seq++
	g.clear()
	return seg
}

func (g *segmenter) clear() {
	for _, t := range []*segTrack{g.video, g.audio} {
		if t != nil {
			t.samples, t.aus = nil, nil
		}
	}
}

func (g *segmenter) makeInit() ([]byte, error) {
	var init fmp4.Init
	for _, t := range []*segTrack{g.video, g.audio} {
		if t == nil {
			continue
		}
		it := &fmp4.InitTrack{ID: t.id, TimeScale: uint32(t.t.ClockRate)}
		switch t.t.Codec {
		case H264:
			it.Codec = &fmp4.CodecH264{SPS: t.t.SPS, PPS: t.t.PPS}
		case H265:
			it.Codec = &fmp4.CodecH265{VPS: t.t.VPS, SPS: t.t.SPS, PPS: t.t.PPS}
		case AAC:
			it.Codec = &fmp4.CodecMPEG4Audio{Config: *t.t.AACConfig}
		case Opus:
			it.Codec = &fmp4.CodecOpus{ChannelCount: max(t.t.Channels, 1)}
		case G711:
			it.Codec = &fmp4.CodecLPCM{LittleEndian: false, BitDepth: 16, SampleRate: t.t.ClockRate, ChannelCount: max(t.t.Channels, 1)}
		}
		init.Tracks = append(init.Tracks, it)
	}
	var buf seekablebuffer.Buffer
	if err := init.Marshal(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
