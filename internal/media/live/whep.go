package live

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/bluenviron/gortsplib/v5/pkg/format/rtph264"
	"github.com/bluenviron/gortsplib/v5/pkg/format/rtpsimpleaudio"
	"github.com/pion/interceptor"
	"github.com/pion/logging"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/media"
)

// whepServer serves WebRTC viewers (WHEP, RFC 9725): a viewer POSTs an SDP
// offer and gets the answer; video (H.264) and sound (Opus, PCMU, PCMA) are
// passed through as RTP, starting with the GOP cache's keyframe. All ICE
// traffic shares one UDP port.
type whepServer struct {
	svc  *Service
	api  *webrtc.API
	conn net.PacketConn

	mu       sync.Mutex
	sessions map[string]*whepViewer

	stop chan struct{} // ends the sweeper
	done chan struct{}
	// added wakes the sweeper when a viewer comes: without viewers it
	// sleeps, so an idle server does not wake every second.
	added chan struct{}
}

const maxWHEPSessions = 1000

func newWHEP(svc *Service) (*whepServer, error) {
	conn, err := net.ListenPacket("udp", svc.opts.WebRTCUDP)
	if err != nil {
		return nil, err
	}
	// pion's own logs go nowhere: failures show as connection states,
	// and closing the shared port at shutdown is not an error.
	quiet := &logging.DefaultLoggerFactory{Writer: io.Discard, DefaultLogLevel: logging.LogLevelDisabled}
	se := webrtc.SettingEngine{LoggerFactory: quiet}
	se.SetICEUDPMux(webrtc.NewICEUDPMux(quiet.NewLogger("ice"), conn))
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6})
	se.SetIncludeLoopbackCandidate(true)
	if ip := svc.opts.WebRTCPublicIP; ip != "" {
		se.SetNAT1To1IPs([]string{ip}, webrtc.ICECandidateTypeHost)
	}
	me := &webrtc.MediaEngine{}
	for i, fmtp := range []string{
		"level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
		"level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f",
		"level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640032",
		"level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f",
	} {
		err := me.RegisterCodec(webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000, SDPFmtpLine: fmtp,
				RTCPFeedback: []webrtc.RTCPFeedback{{Type: "nack"}, {Type: "nack", Parameter: "pli"}, {Type: "ccm", Parameter: "fir"}}},
			PayloadType: webrtc.PayloadType(102 + 2*i),
		}, webrtc.RTPCodecTypeVideo)
		if err != nil {
			conn.Close()
			return nil, err
		}
	}
	for _, c := range []webrtc.RTPCodecParameters{
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"}, PayloadType: 111},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000}, PayloadType: 0},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMA, ClockRate: 8000}, PayloadType: 8},
	} {
		if err := me.RegisterCodec(c, webrtc.RTPCodecTypeAudio); err != nil {
			conn.Close()
			return nil, err
		}
	}
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(me, ir); err != nil {
		conn.Close()
		return nil, err
	}
	api := webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se))
	w := &whepServer{svc: svc, api: api, conn: conn, sessions: map[string]*whepViewer{}, stop: make(chan struct{}), done: make(chan struct{}),
		added: make(chan struct{}, 1)}
	go w.sweeper()
	return w, nil
}

// sweepEvery is how often WebRTC viewers are checked against their
// tokens, besides at once on every revocation.
const sweepEvery = time.Second

// sweeper ends viewers whose token expired or whose trusts were withdrawn:
// a WebRTC session lives no longer than the token it was opened with.
func (w *whepServer) sweeper() {
	defer close(w.done)
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		w.mu.Lock()
		idle := len(w.sessions) == 0
		w.mu.Unlock()
		if idle {
			select {
			case <-w.stop:
				return
			case <-w.added:
				t.Reset(sweepEvery)
			}
			continue
		}
		select {
		case <-w.stop:
			return
		case <-t.C:
			w.sweep()
		}
	}
}

// sweep closes the viewers whose grant no longer holds; it returns how
// many.
func (w *whepServer) sweep() int {
	tokens := w.svc.opts.Tokens
	if tokens == nil {
		return 0
	}
	w.mu.Lock()
	vs := make([]*whepViewer, 0, len(w.sessions))
	for _, v := range w.sessions {
		vs = append(vs, v)
	}
	w.mu.Unlock()
	n := 0
	ctx := context.Background()
	for _, v := range vs {
		if !tokens.Holds(ctx, v.grant) {
			v.close()
			n++
		}
	}
	return n
}

// Addr is the UDP address WebRTC viewers reach.
func (w *whepServer) addr() net.Addr { return w.conn.LocalAddr() }

func (w *whepServer) close() {
	close(w.stop)
	<-w.done
	w.mu.Lock()
	vs := make([]*whepViewer, 0, len(w.sessions))
	for _, v := range w.sessions {
		vs = append(vs, v)
	}
	w.mu.Unlock()
	for _, v := range vs {
		v.close()
	}
	w.conn.Close()
}

func (w *whepServer) serve(rw http.ResponseWriter, r *http.Request, g media.Grant, session string) error {
	switch {
	case session == "" && r.Method == http.MethodPost:
		return w.offer(rw, r, g)
	case session != "" && r.Method == http.MethodDelete:
		w.mu.Lock()
		v := w.sessions[session]
		w.mu.Unlock()
		if v == nil || v.grant.ViewerID != g.ViewerID || v.key != (Key{AccountID: g.AccountID, DeviceID: g.DeviceID, Channel: g.Channel}) {
			return errs.E(errs.NotFound, "no such WebRTC session")
		}
		v.close()
		rw.WriteHeader(http.StatusNoContent)
		return nil
	}
	return errs.E(errs.Invalid, "WHEP takes POST of an SDP offer, and DELETE of a session")
}

var (
	errH265WebRTC = errs.E(errs.Invalid, "this camera sends H.265, which browsers cannot receive over WebRTC; watch it over HLS")
	errNoVideo    = errs.E(errs.Invalid, "this stream has no video")
)

func (w *whepServer) offer(rw http.ResponseWriter, r *http.Request, g media.Grant) error {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/sdp" {
		return errs.E(errs.Invalid, "send the SDP offer as application/sdp")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10+1))
	if err != nil {
		return errs.Wrap(err, errs.Invalid, "reading the offer")
	}
	if len(body) > 64<<10 {
		return errs.E(errs.TooLarge, "the SDP offer is too large")
	}
	key := Key{AccountID: g.AccountID, DeviceID: g.DeviceID, Channel: g.Channel}
	st := w.svc.hub.Stream(key)
	if st == nil {
		return errNotLive
	}
	switch {
	case st.Video == nil:
		return errNoVideo
	case st.Video.Codec == H265:
		return errH265WebRTC
	}
	w.mu.Lock()
	n := len(w.sessions)
	w.mu.Unlock()
	if n >= maxWHEPSessions {
		return errs.E(errs.Unavailable, "too many WebRTC viewers now; try HLS")
	}
	v, answer, err := w.newViewer(st, g, string(body))
	if err != nil {
		return err
	}
	w.mu.Lock()
	w.sessions[v.id] = v
	w.mu.Unlock()
	select {
	case w.added <- struct{}{}:
	default:
	}
	w.svc.metrics.viewers.WithLabelValues("webrtc").Inc()
	if v.audio == nil && st.Audio != nil {
		// AAC (or a codec the browser did not offer) cannot go to WebRTC
		// without transcoding, which vigil does not do.
		rw.Header().Set("X-Vigil-Audio", "none: "+st.Audio.Codec.String()+" cannot be sent over WebRTC without transcoding")
	}
	rw.Header().Set("Content-Type", "application/sdp")
	rw.Header().Set("Location", strings.TrimSuffix(r.URL.Path, "/")+"/"+v.id)
	rw.WriteHeader(http.StatusCreated)
	_, _ = io.WriteString(rw, answer)
	return nil
}

// whepViewer is one WebRTC viewer of a stream.
type whepViewer struct {
	id    string
	srv   *whepServer
	grant media.Grant
	key   Key
	s     *Stream
	pc    *webrtc.PeerConnection
	video *webrtc.TrackLocalStaticRTP
	audio *webrtc.TrackLocalStaticRTP
	venc  *rtph264.Encoder
	aenc  *rtpsimpleaudio.Encoder

	// Catching up: the cached GOP is sent at once with timestamps a tick
	// apart, so the browser shows the newest frame now instead of playing
	// the GOP back; live frames follow at their own pace.
	priming bool
	next    int64
	offset  int64

	once sync.Once
}

func (w *whepServer) newViewer(st *Stream, g media.Grant, offer string) (*whepViewer, string, error) {
	pc, err := w.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, "", errs.Wrap(err, errs.Internal, "WebRTC")
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	v := &whepViewer{id: hex.EncodeToString(b), srv: w, grant: g, key: st.Key, s: st, pc: pc, priming: true}
	fail := func(err error) (*whepViewer, string, error) {
		pc.Close()
		return nil, "", err
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return fail(errs.Wrap(err, errs.Invalid, "the SDP offer is not valid"))
	}
	v.video, err = webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000}, "video", "vigil")
	if err != nil {
		return fail(errs.Wrap(err, errs.Internal, "WebRTC"))
	}
	if _, err := pc.AddTrack(v.video); err != nil {
		return fail(errs.Wrap(err, errs.Invalid, "the offer does not receive H.264 video"))
	}
	v.venc = &rtph264.Encoder{PayloadType: 96, PacketizationMode: 1, PayloadMaxSize: 1200}
	if err := v.venc.Init(); err != nil {
		return fail(errs.Wrap(err, errs.Internal, "WebRTC"))
	}
	if a := st.Audio; a != nil && (a.Codec == Opus || a.Codec == G711) {
		capab := webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}
		if a.Codec == G711 {
			capab = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMA, ClockRate: 8000}
			if a.MULaw {
				capab.MimeType = webrtc.MimeTypePCMU
			}
		}
		at, err := webrtc.NewTrackLocalStaticRTP(capab, "audio", "vigil")
		if err == nil {
			if _, err := pc.AddTrack(at); err == nil {
				v.audio = at
				v.aenc = &rtpsimpleaudio.Encoder{PayloadType: 0, PayloadMaxSize: 1200}
				if err := v.aenc.Init(); err != nil {
					return fail(errs.Wrap(err, errs.Internal, "WebRTC"))
				}
			}
		}
	}
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		switch s {
		case webrtc.PeerConnectionStateConnected:
			if !st.attach(v, false) {
				v.close()
			}
		case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed, webrtc.PeerConnectionStateDisconnected:
			v.close()
		}
	})
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return fail(errs.Wrap(err, errs.Invalid, "no answer to this offer: it must receive H.264"))
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(answer); err != nil {
		return fail(errs.Wrap(err, errs.Internal, "WebRTC"))
	}
	select {
	case <-gathered:
	case <-time.After(5 * time.Second):
		return fail(errs.E(errs.Unavailable, "WebRTC: gathering candidates took too long"))
	}
	// An unanswered viewer is dropped after a while.
	time.AfterFunc(30*time.Second, func() {
		if pc.ConnectionState() != webrtc.PeerConnectionStateConnected {
			v.close()
		}
	})
	return v, pc.LocalDescription().SDP, nil
}

func (v *whepViewer) unit(u *Unit) {
	if u.Track.Codec.Video() {
		if u.Track.Codec != H264 {
			return
		}
		var ts int64
		if v.priming {
			ts = v.next
			v.offsetFrom(u.PTS)
		} else {
			ts = u.PTS + v.offset
		}
		pkts, err := v.venc.Encode(u.AU)
		if err != nil {
			return
		}
		for _, p := range pkts {
			p.Timestamp = uint32(ts)
			if err := v.video.WriteRTP(p); err != nil && !errors.Is(err, io.ErrClosedPipe) {
				return
			}
		}
		return
	}
	if v.priming || v.audio == nil {
		return // cached sound is skipped: it would play late
	}
	p, err := v.aenc.Encode(u.AU[0])
	if err != nil {
		return
	}
	p.Timestamp = uint32(u.PTS)
	_ = v.audio.WriteRTP(&rtp.Packet{Header: p.Header, Payload: p.Payload})
}

// offsetFrom moves on past a cached frame at pts: the next cached frame is
// a tick later, and live frames keep their spacing from the last one.
func (v *whepViewer) offsetFrom(pts int64) {
	v.next++
	v.offset = v.next - pts
}

func (v *whepViewer) primed() { v.priming = false }

func (v *whepViewer) ended() { go v.close() }

func (v *whepViewer) close() {
	v.once.Do(func() {
		v.s.detach(v)
		v.srv.mu.Lock()
		delete(v.srv.sessions, v.id)
		v.srv.mu.Unlock()
		go v.pc.Close()
	})
}
