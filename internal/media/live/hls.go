package live

import (
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gohlslib/v2"
	hlscodecs "github.com/bluenviron/gohlslib/v2/pkg/codecs"
)

// hlsOut is a stream's live LL-HLS muxer. It is made for the first viewer,
// primed with the GOP cache (so a whole segment, and the parts of the
// current GOP, are there at once) and closed once viewers are gone.
type hlsOut struct {
	s      *Stream
	m      *gohlslib.Muxer
	vt, at *gohlslib.Track
	last   atomic.Int64 // unix nanoseconds of the last request
	done   chan struct{}
	closed atomic.Bool
}

func hlsTracks(s *Stream) (vt, at *gohlslib.Track) {
	if v := s.Video; v != nil {
		switch v.Codec {
		case H264:
			vt = &gohlslib.Track{Codec: &hlscodecs.H264{SPS: v.SPS, PPS: v.PPS}, ClockRate: v.ClockRate}
		case H265:
			vt = &gohlslib.Track{Codec: &hlscodecs.H265{VPS: v.VPS, SPS: v.SPS, PPS: v.PPS}, ClockRate: v.ClockRate}
		}
	}
	if a := s.Audio; a != nil {
		switch a.Codec {
		case AAC:
			at = &gohlslib.Track{Codec: &hlscodecs.MPEG4Audio{Config: *a.AACConfig}, ClockRate: a.ClockRate}
		case Opus:
			at = &gohlslib.Track{Codec: &hlscodecs.Opus{ChannelCount: max(a.Channels, 1)}, ClockRate: a.ClockRate}
		}
		// G.711 has no place in HLS; it reaches WebRTC viewers.
	}
	return vt, at
}

// hlsMuxer returns the stream's muxer, making and priming it if needed.
func (s *Stream) hlsMuxer() (*hlsOut, error) {
	s.mu.Lock()
	o := s.hls
	s.mu.Unlock()
	if o != nil && !o.closed.Load() {
		o.touch()
		return o, nil
	}
	s.mu.Lock()
	vt, at := hlsTracks(s)
	s.mu.Unlock()
	var tracks []*gohlslib.Track
	for _, t := range []*gohlslib.Track{vt, at} {
		if t != nil {
			tracks = append(tracks, t)
		}
	}
	if len(tracks) == 0 {
		return nil, errNoHLS
	}
	log := s.hub.log
	m := &gohlslib.Muxer{
		Tracks:             tracks,
		Variant:            gohlslib.MuxerVariantLowLatency,
		SegmentCount:       7,
		SegmentMinDuration: time.Second,
		PartMinDuration:    200 * time.Millisecond,
		OnEncodeError: func(err error) {
			s.hub.metrics.dropped.WithLabelValues("hls").Inc()
			log.Debug("hls mux", "device", s.DeviceID, "err", err)
		},
	}
	if err := m.Start(); err != nil {
		return nil, err
	}
	o = &hlsOut{s: s, m: m, vt: vt, at: at, done: make(chan struct{})}
	o.touch()
	s.mu.Lock()
	if s.hls != nil && !s.hls.closed.Load() {
		// Another viewer made one first.
		cur := s.hls
		s.mu.Unlock()
		m.Close()
		cur.touch()
		return cur, nil
	}
	s.hls = o
	s.mu.Unlock()
	if !s.attach(o, true) {
		o.close()
		return nil, errNotLive
	}
	s.hub.metrics.viewers.WithLabelValues("hls").Inc()
	go o.idle(s.hub.viewerIdle, log)
	return o, nil
}

func (o *hlsOut) touch() {
	now := time.Now().UnixNano()
	o.last.Store(now)
	o.s.hlsAsked.Store(now)
}

func (o *hlsOut) unit(u *Unit) {
	ntp := o.s.Started.Add(durationOf(u.PTS, u.Track.ClockRate))
	var err error
	switch {
	case u.Track.Codec == H264 && o.vt != nil:
		err = o.m.WriteH264(o.vt, ntp, u.PTS, u.AU)
	case u.Track.Codec == H265 && o.vt != nil:
		err = o.m.WriteH265(o.vt, ntp, u.PTS, u.AU)
	case u.Track.Codec == AAC && o.at != nil:
		err = o.m.WriteMPEG4Audio(o.at, ntp, u.PTS, u.AU)
	case u.Track.Codec == Opus && o.at != nil:
		err = o.m.WriteOpus(o.at, ntp, u.PTS, u.AU)
	}
	if err != nil {
		o.s.hub.metrics.dropped.WithLabelValues("hls").Inc()
	}
}

func (o *hlsOut) ended() { o.close() }

func (o *hlsOut) close() {
	if o.closed.Swap(true) {
		return
	}
	close(o.done)
	o.m.Close()
}

// idle closes the muxer once no viewer asked for it for a while.
func (o *hlsOut) idle(after time.Duration, log *slog.Logger) {
	t := time.NewTicker(min(after/2, 5*time.Second))
	defer t.Stop()
	for {
		select {
		case <-o.done:
			return
		case <-t.C:
			if time.Since(time.Unix(0, o.last.Load())) > after {
				o.s.detach(o)
				o.close()
				log.Debug("hls muxer closed: no viewers", "device", o.s.DeviceID)
				return
			}
		}
	}
}

// serve answers one HLS request (playlist, init, part or segment); it
// reports false when the muxer had no such file, for the caller's error.
func (o *hlsOut) serve(w http.ResponseWriter, r *http.Request) bool {
	o.touch()
	sw := &statusWriter{ResponseWriter: w}
	o.m.Handle(sw, r)
	return sw.wrote
}

type statusWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *statusWriter) WriteHeader(code int) {
	w.wrote = true
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}
