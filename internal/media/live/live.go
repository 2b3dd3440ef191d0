// Package live is the live side of vigil's video path: devices publish
// RTSP (or vigil pulls a LAN camera's RTSP URL), the hub keeps one stream
// per device channel with a GOP cache, cuts fragmented MP4 segments for
// the recorder (a media.Sink), and serves viewers live LL-HLS and WebRTC
// (WHEP) from the same units, without transcoding. Viewers reach a stream
// only with a stream token (media.Tokens), which the API issues after the
// access gate allowed and recorded the view.
package live

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/media"
)

// Publisher is a device that authenticated to publish.
type Publisher struct {
	AccountID string
	DeviceID  string
	// Channels is the number of NVR channels (published as 1..Channels);
	// 0 for a camera, which publishes channel 0.
	Channels int
	// ClaimedAt is the claim the credential belongs to: the session's
	// segments are bound to it.
	ClaimedAt time.Time
}

// Authenticator checks a device credential (device ID and vdk_ secret).
// A wrong credential is an errs.Unauthenticated error; any other error
// means the check could not be made (timed out, database away) and the
// device is answered 503 to retry, counted apart from wrong credentials.
type Authenticator interface {
	AuthenticatePublisher(ctx context.Context, deviceID, secret string) (Publisher, error)
}

// Options configure the live service.
type Options struct {
	// RTSPListen is the RTSP (RTSPS with TLS) address devices publish to.
	RTSPListen string
	// TLS makes the RTSP listener RTSPS.
	TLS *tls.Config
	// SegmentTarget is the shortest segment (2s).
	SegmentTarget time.Duration
	// Sink takes finished segments; nil records nothing.
	Sink media.Sink
	// Auth checks device credentials.
	Auth Authenticator
	// Tokens verifies stream tokens on every viewer request.
	Tokens *media.Tokens
	// ViewerIdle closes a stream's HLS muxer after no request this long.
	ViewerIdle time.Duration
	// WebRTCUDP is the single UDP address of WebRTC viewers; empty turns
	// WHEP off. WebRTCPublicIP is announced instead of the local address.
	WebRTCUDP      string
	WebRTCPublicIP string
	// Locator finds the node holding a stream a viewer asks this node for;
	// nil serves only the streams published here.
	Locator Locator

	Clock   clock.Clock
	Log     *slog.Logger
	Metrics prometheus.Registerer
}

// Service is the running live side.
type Service struct {
	opts    Options
	hub     *Hub
	metrics *metrics
	rtsp    *rtspServer
	whep    *whepServer
	pulls   *pullers
}

// New builds the service; Start opens its listeners.
func New(o Options) *Service {
	if o.SegmentTarget <= 0 {
		o.SegmentTarget = 2 * time.Second
	}
	if o.ViewerIdle <= 0 {
		o.ViewerIdle = 30 * time.Second
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	m := newMetrics(o.Metrics)
	s := &Service{opts: o, metrics: m, hub: newHub(o.Sink, o.SegmentTarget, o.Clock, o.Log, m)}
	s.hub.viewerIdle = o.ViewerIdle
	s.pulls = newPullers(s)
	return s
}

// Start listens for publishers (RTSP) and WebRTC viewers.
func (s *Service) Start() error {
	r, err := startRTSP(s)
	if err != nil {
		return err
	}
	s.rtsp = r
	if s.opts.WebRTCUDP != "" {
		w, err := newWHEP(s)
		if err != nil {
			s.rtsp.close()
			return err
		}
		s.whep = w
	}
	return nil
}

// RTSPAddr is the address the RTSP listener is bound to.
func (s *Service) RTSPAddr() net.Addr {
	if s.rtsp == nil {
		return nil
	}
	return s.rtsp.addr()
}

// Hub returns the live streams.
func (s *Service) Hub() *Hub { return s.hub }

// Close stops listening, ends every stream (their last segments go to the
// Sink) and closes viewers.
func (s *Service) Close() {
	s.pulls.closeAll()
	if s.rtsp != nil {
		s.rtsp.close()
	}
	s.hub.closeAll()
	if s.whep != nil {
		s.whep.close()
	}
}

type metrics struct {
	refused    *prometheus.CounterVec
	streams    prometheus.Gauge
	replaced   prometheus.Counter
	segments   prometheus.Counter
	sinkErrors prometheus.Counter
	dropped    *prometheus.CounterVec
	viewers    *prometheus.CounterVec
	viewerDeny prometheus.Counter
	relayed    prometheus.Counter
}

func newMetrics(r prometheus.Registerer) *metrics {
	m := &metrics{
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_rtsp_refused_total",
			Help: "RTSP requests refused, by reason (credential, auth_unavailable: the check failed or timed out and the device is asked to retry with 503, path, channel, codec, read, malformed).",
		}, []string{"reason"}),
		streams: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "vigil_live_streams",
			Help: "Device channels publishing now.",
		}),
		replaced: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vigil_live_streams_replaced_total",
			Help: "Streams ended because the same device channel published again.",
		}),
		segments: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vigil_live_segments_total",
			Help: "Segments cut and handed to the recorder.",
		}),
		sinkErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vigil_live_segment_errors_total",
			Help: "Segments the recorder did not take.",
		}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_live_dropped_total",
			Help: "Media units dropped, by cause (undecodable RTP, timestamps, muxing).",
		}, []string{"cause"}),
		viewers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_live_viewers_total",
			Help: "Live viewers started, by protocol (hls, webrtc).",
		}, []string{"protocol"}),
		viewerDeny: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vigil_live_token_refused_total",
			Help: "Viewer requests refused for a missing, invalid or expired stream token.",
		}),
		relayed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vigil_live_relayed_total",
			Help: "Viewer requests relayed to the node holding the stream.",
		}),
	}
	if r != nil {
		r.MustRegister(m.refused, m.streams, m.replaced, m.segments, m.sinkErrors, m.dropped, m.viewers, m.viewerDeny, m.relayed)
	}
	return m
}

// CloseDevice ends everything live of a device whose trust was withdrawn
// (credential revoked or rotated, reported lost, released): its RTSP
// sessions close, announced or recording, and its streams end, which ends
// their LL-HLS muxers and WebRTC viewers. It returns how many sessions and
// streams it closed.
func (s *Service) CloseDevice(deviceID string) int {
	n := 0
	if s.rtsp != nil {
		n += s.rtsp.closeDevice(deviceID)
	}
	for _, st := range s.hub.Streams() {
		if st.DeviceID != deviceID {
			continue
		}
		s.hub.unpublish(st)
		if st.stop != nil {
			st.stop()
		}
		n++
	}
	return n
}

// Publishing returns how many authenticated RTSP sessions a device has on
// this node.
func (s *Service) Publishing(deviceID string) int {
	if s.rtsp == nil {
		return 0
	}
	s.rtsp.mu.Lock()
	defer s.rtsp.mu.Unlock()
	return len(s.rtsp.sessions[deviceID])
}

// WebRTCViewers returns how many WebRTC viewers of a device this node
// serves.
func (s *Service) WebRTCViewers(deviceID string) int {
	if s.whep == nil {
		return 0
	}
	s.whep.mu.Lock()
	defer s.whep.mu.Unlock()
	n := 0
	for _, v := range s.whep.sessions {
		if v.key.DeviceID == deviceID {
			n++
		}
	}
	return n
}

// CheckViewers ends at once the WebRTC viewers whose token expired or
// whose trusts were withdrawn (they are also checked every second); the
// app calls it on every revocation. LL-HLS viewers are checked on each
// request.
func (s *Service) CheckViewers() int {
	if s.whep == nil {
		return 0
	}
	return s.whep.sweep()
}
