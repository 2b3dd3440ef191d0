package live

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"

	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/media"
)

// Key names one live stream: a device channel of an account.
type Key struct {
	AccountID string
	DeviceID  string
	Channel   int
}

// maxGOPBytes bounds the GOP cache of a stream whose keyframes are far
// apart (or never come): past it the cache is dropped until the next one.
const maxGOPBytes = 16 << 20

// reader takes a stream's units in order, on the publisher's goroutine; it
// must not block.
type reader interface {
	unit(u *Unit)
	// ended is called once when the stream ends (its publisher left or was
	// replaced).
	ended()
}

// primer is a reader told, under the stream's lock, that the cached units
// are all handed over and live ones follow.
type primer interface{ primed() }

// Stream is one publishing session of a device channel: it fixes the
// units the publisher sends, keeps the GOP cache, cuts segments for the
// Sink and hands units to live readers (the HLS muxer, WebRTC viewers).
type Stream struct {
	Key
	Session string
	Started time.Time // wall time of media time 0
	// ClaimedAt is the device's claim the stream was opened under; every
	// segment carries it (media.Segment.ClaimedAt).
	ClaimedAt time.Time
	Video     *Track // nil when the stream has no video
	Audio     *Track // nil when the stream has no sound

	hub    *Hub
	stop   func() // stops the publisher
	vp     params
	dts264 *h264.DTSExtractor
	dts265 *h265.DTSExtractor

	segMu sync.Mutex
	seg   *segmenter

	mu       sync.Mutex
	closed   bool
	gop      []*Unit // from the last keyframe (the one before it when HLS-warm) up to now
	gopBytes int
	lastKey  int // index in gop of the last keyframe; -1 when none
	readers  map[reader]struct{}
	hls      *hlsOut
	hlsAsked atomic.Int64 // unix nanoseconds of the last HLS request; 0: never
}

func newSessionID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return "ses_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// WriteVideo takes one video access unit (NAL units) at pts, in the video
// track's clock rate. Units before the first keyframe are dropped.
func (s *Stream) WriteVideo(pts int64, au [][]byte) {
	if s.Video == nil || len(au) == 0 {
		return
	}
	au, key := s.vp.fix(au)
	if len(au) == 0 {
		return
	}
	if s.vp.changed {
		// A new resolution or profile: the session's init no longer
		// describes the stream; later segments start a new one.
		s.vp.changed = false
		s.segMu.Lock()
		s.seg.restart()
		s.segMu.Unlock()
	}
	if v := s.Video; !bytes.Equal(v.SPS, s.vp.sps) || !bytes.Equal(v.PPS, s.vp.pps) || !bytes.Equal(v.VPS, s.vp.vps) {
		// Viewers read the parameter sets under the lock.
		s.mu.Lock()
		v.VPS, v.SPS, v.PPS = s.vp.vps, s.vp.sps, s.vp.pps
		s.mu.Unlock()
	}
	var dts int64
	var err error
	switch s.Video.Codec {
	case H264:
		if s.dts264 == nil {
			if !key {
				return
			}
			s.dts264 = h264.NewDTSExtractor()
		}
		dts, err = s.dts264.Extract(au, pts)
	case H265:
		if s.dts265 == nil {
			if !key {
				return
			}
			s.dts265 = h265.NewDTSExtractor()
		}
		dts, err = s.dts265.Extract(au, pts)
	}
	if err != nil {
		s.hub.metrics.dropped.WithLabelValues("dts").Inc()
		return
	}
	s.write(&Unit{Track: s.Video, PTS: pts, DTS: dts, AU: copyAU(au), Key: key})
}

// WriteAudio takes one audio frame (an AAC access unit, an Opus packet or
// G.711 samples) at pts, in the audio track's clock rate.
func (s *Stream) WriteAudio(pts int64, frame []byte) {
	if s.Audio == nil || len(frame) == 0 {
		return
	}
	s.write(&Unit{Track: s.Audio, PTS: pts, DTS: pts, AU: [][]byte{append([]byte(nil), frame...)}, Key: true})
}

// copyAU copies the NAL units into one buffer: decoders may reuse theirs.
func copyAU(au [][]byte) [][]byte {
	n := 0
	for _, b := range au {
		n += len(b)
	}
	buf := make([]byte, 0, n)
	out := make([][]byte, len(au))
	for i, b := range au {
		buf = append(buf, b...)
		out[i] = buf[len(buf)-len(b) : len(buf) : len(buf)]
	}
	return out
}

func (s *Stream) write(u *Unit) {
	s.segMu.Lock()
	done := s.seg.write(u)
	s.segMu.Unlock()
	if done != nil {
		s.hub.emit(*done)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.cache(u)
	for r := range s.readers {
		r.unit(u)
	}
}

// cache keeps the GOP cache: the units from the last keyframe, so that a
// new WebRTC viewer starts at once. While the stream is HLS-warm (an HLS
// viewer asked for it within hlsWarm) it keeps the whole GOP before that
// too, so that a new HLS muxer has a whole segment at once; a stream nobody
// watches over HLS does not hold a second GOP (about half a megabyte at
// 2 Mbit/s) for nothing, and its first HLS viewer waits for the next
// keyframe.
func (s *Stream) cache(u *Unit) {
	if s.Video == nil {
		return
	}
	if u.Track == s.Video && u.Key {
		drop := s.lastKey // up to the last keyframe: the previous GOP stays
		if !s.hlsWarm() {
			drop = len(s.gop)
		}
		if drop > 0 {
			for _, d := range s.gop[:drop] {
				s.gopBytes -= unitSize(d)
			}
			clear(s.gop[:drop])
			s.gop = append(s.gop[:0], s.gop[drop:]...)
		}
		s.lastKey = len(s.gop)
	}
	if s.lastKey < 0 {
		return // waiting for the first keyframe
	}
	s.gop = append(s.gop, u)
	s.gopBytes += unitSize(u)
	if s.gopBytes > maxGOPBytes {
		clear(s.gop)
		s.gop, s.gopBytes, s.lastKey = s.gop[:0], 0, -1
	}
}

// hlsWarm is how long after its last HLS request a stream keeps a whole
// GOP more for the next HLS viewer (a grid revisited, a player reloaded).
const hlsWarm = 15 * time.Minute

func (s *Stream) hlsWarm() bool {
	at := s.hlsAsked.Load()
	return at != 0 && time.Since(time.Unix(0, at)) < hlsWarm
}

func unitSize(u *Unit) int {
	n := 0
	for _, b := range u.AU {
		n += len(b)
	}
	return n
}

// attach registers r and, under the same lock so that no live unit comes
// between, hands it the cached units: from the keyframe before the last
// (whole GOPs) or from the last keyframe only. It reports false when the
// stream has ended.
func (s *Stream) attach(r reader, wholeGOPs bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if s.lastKey >= 0 {
		from := s.lastKey
		if wholeGOPs {
			from = 0
		}
		for _, u := range s.gop[from:] {
			r.unit(u)
		}
	}
	if p, ok := r.(primer); ok {
		p.primed()
	}
	s.readers[r] = struct{}{}
	return true
}

func (s *Stream) detach(r reader) {
	s.mu.Lock()
	delete(s.readers, r)
	s.mu.Unlock()
}

// end closes the stream: the segment being cut goes to the Sink and every
// reader is told. It reports whether this call closed it.
func (s *Stream) end() bool {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false
	}
	s.closed = true
	readers := s.readers
	s.readers = nil
	s.gop = nil
	s.mu.Unlock()
	for r := range readers {
		r.ended()
	}
	s.segMu.Lock()
	done := s.seg.flush()
	s.segMu.Unlock()
	if done != nil {
		s.hub.emit(*done)
	}
	s.hub.metrics.streams.Dec()
	return true
}

// Hub holds the live streams, one per device channel.
type Hub struct {
	sink          media.Sink
	segmentTarget time.Duration
	viewerIdle    time.Duration
	clk           clock.Clock
	log           *slog.Logger
	metrics       *metrics

	mu      sync.Mutex
	streams map[Key]*Stream
}

func newHub(sink media.Sink, target time.Duration, clk clock.Clock, log *slog.Logger, m *metrics) *Hub {
	return &Hub{sink: sink, segmentTarget: target, clk: clk, log: log, metrics: m, streams: map[Key]*Stream{}}
}

// publish starts a new stream for k, opened under the device's claim of
// claimedAt; a stream already there (a stale connection of the same
// device) is ended and its publisher stopped.
func (h *Hub) publish(k Key, claimedAt time.Time, video, audio *Track, stop func()) *Stream {
	s := &Stream{Key: k, ClaimedAt: claimedAt, Session: newSessionID(), Started: h.clk.Now(), Video: video, Audio: audio,
		hub: h, stop: stop, lastKey: -1, readers: map[reader]struct{}{}}
	if video != nil {
		s.vp = params{codec: video.Codec, vps: video.VPS, sps: video.SPS, pps: video.PPS}
	}
	s.seg = newSegmenter(s, h.segmentTarget)
	h.metrics.streams.Inc()
	h.mu.Lock()
	old := h.streams[k]
	h.streams[k] = s
	h.mu.Unlock()
	if old != nil {
		h.metrics.replaced.Inc()
		old.end()
		if old.stop != nil {
			old.stop()
		}
	}
	return s
}

// unpublish ends s when its publisher left.
func (h *Hub) unpublish(s *Stream) {
	h.mu.Lock()
	if h.streams[s.Key] == s {
		delete(h.streams, s.Key)
	}
	h.mu.Unlock()
	s.end()
}

// Stream returns the live stream of k, or nil.
func (h *Hub) Stream(k Key) *Stream {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.streams[k]
}

// Streams lists the live streams.
func (h *Hub) Streams() []*Stream {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]*Stream, 0, len(h.streams))
	for _, s := range h.streams {
		out = append(out, s)
	}
	return out
}

func (h *Hub) emit(seg media.Segment) {
	h.metrics.segments.Inc()
	if h.sink == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := h.sink.Segment(ctx, seg); err != nil {
		h.metrics.sinkErrors.Inc()
		h.log.Warn("segment not taken", "device", seg.DeviceID, "channel", seg.Channel, "seq", seg.Seq, "err", err)
	}
}

func (h *Hub) closeAll() {
	for _, s := range h.Streams() {
		h.unpublish(s)
		if s.stop != nil {
			s.stop()
		}
	}
}
