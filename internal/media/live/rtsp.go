package live

import (
	"context"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bluenviron/gortsplib/v5"
	"github.com/bluenviron/gortsplib/v5/pkg/auth"
	"github.com/bluenviron/gortsplib/v5/pkg/base"
	"github.com/bluenviron/gortsplib/v5/pkg/headers"
	"github.com/bluenviron/gortsplib/v5/pkg/liberrors"

	"github.com/vigil-cloud/vigil/internal/errs"
)

// rtspServer takes RTSP publications from devices. Only ANNOUNCE/RECORD
// over TCP (interleaved) is served: vigil does not serve RTSP to viewers,
// and UDP is not opened.
type rtspServer struct {
	svc *Service
	srv *gortsplib.Server

	// Authenticated sessions per device, so that a revoked device's
	// sessions close whatever state they are in.
	mu       sync.Mutex
	sessions map[string]map[*gortsplib.ServerSession]struct{}
}

// publishing is what a session announced, kept on the session.
type publishing struct {
	key     Key
	claimed time.Time
	ingest  *ingest
	stream  *Stream
}

func startRTSP(svc *Service) (*rtspServer, error) {
	r := &rtspServer{svc: svc, sessions: map[string]map[*gortsplib.ServerSession]struct{}{}}
	r.srv = &gortsplib.Server{
		Handler:      r,
		RTSPAddress:  svc.opts.RTSPListen,
		TLSConfig:    svc.opts.TLS,
		ReadTimeout:  10 * time.Second,
		WriteTimeout: 10 * time.Second,
		// Device secrets are kept hashed, so only Basic can be checked;
		// with TLS configured it travels inside RTSPS.
		AuthMethods: []auth.VerifyMethod{auth.VerifyMethodBasic},
	}
	if err := r.srv.Start(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *rtspServer) addr() net.Addr { return r.srv.NetListener().Addr() }

func (r *rtspServer) close() { r.srv.Close() }

func (r *rtspServer) refuse(reason string, status base.StatusCode) *base.Response {
	r.svc.metrics.refused.WithLabelValues(reason).Inc()
	return &base.Response{StatusCode: status}
}

// credentials reads Basic credentials from a request.
func credentials(req *base.Request) (user, pass string, ok bool) {
	var a headers.Authorization
	if err := a.Unmarshal(req.Header["Authorization"]); err != nil || a.Method != headers.AuthMethodBasic {
		return "", "", false
	}
	return a.Username, a.BasicPass, true
}

// parsePath reads "<deviceID>/<channel>" from an RTSP path.
func parsePath(p string) (deviceID string, channel int, ok bool) {
	p = strings.Trim(p, "/")
	dev, ch, found := strings.Cut(p, "/")
	if !found || dev == "" || len(ch) == 0 || len(ch) > 3 {
		return "", 0, false
	}
	n, err := strconv.Atoi(ch)
	if err != nil || n < 0 || strconv.Itoa(n) != ch {
		return "", 0, false
	}
	return dev, n, true
}

// validChannel reports whether a publisher may publish channel ch: a
// camera channel 0, an NVR its channels 1..N.
func validChannel(p Publisher, ch int) bool {
	if p.Channels == 0 {
		return ch == 0
	}
	return ch >= 1 && ch <= p.Channels
}

// OnAnnounce authenticates the device, checks the path is its own and a
// channel it has, and that it sends codecs vigil carries.
func (r *rtspServer) OnAnnounce(ctx *gortsplib.ServerHandlerOnAnnounceCtx) (*base.Response, error) {
	user, pass, ok := credentials(ctx.Request)
	if !ok {
		if _, present := ctx.Request.Header["Authorization"]; present {
			return r.refuse("credential", base.StatusUnauthorized), liberrors.ErrServerAuth{}
		}
		// First request without credentials: ask for them (not counted).
		return &base.Response{StatusCode: base.StatusUnauthorized}, liberrors.ErrServerAuth{}
	}
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	pub, err := r.svc.opts.Auth.AuthenticatePublisher(c, user, pass)
	if err != nil {
		if errs.Is(err, errs.Unauthenticated) {
			return r.refuse("credential", base.StatusUnauthorized), liberrors.ErrServerAuth{}
		}
		// The check itself failed (timed out under load, database away):
		// the credential may be right, so the device is asked to retry.
		return r.refuse("auth_unavailable", base.StatusServiceUnavailable), nil
	}
	dev, ch, ok := parsePath(ctx.Path)
	if !ok || dev != pub.DeviceID {
		return r.refuse("path", base.StatusForbidden), nil
	}
	if !validChannel(pub, ch) {
		return r.refuse("channel", base.StatusNotFound), nil
	}
	in, err := newIngest(ctx.Description)
	if err != nil {
		return r.refuse("codec", base.StatusUnsupportedMediaType), nil
	}
	ctx.Session.SetUserData(&publishing{key: Key{AccountID: pub.AccountID, DeviceID: pub.DeviceID, Channel: ch}, claimed: pub.ClaimedAt, ingest: in})
	r.mu.Lock()
	if r.sessions[pub.DeviceID] == nil {
		r.sessions[pub.DeviceID] = map[*gortsplib.ServerSession]struct{}{}
	}
	r.sessions[pub.DeviceID][ctx.Session] = struct{}{}
	r.mu.Unlock()
	return &base.Response{StatusCode: base.StatusOK}, nil
}

// closeDevice closes every authenticated session of a device, announced
// or recording, and returns how many.
func (r *rtspServer) closeDevice(deviceID string) int {
	r.mu.Lock()
	ss := r.sessions[deviceID]
	delete(r.sessions, deviceID)
	r.mu.Unlock()
	for s := range ss {
		s.Close()
	}
	return len(ss)
}

// OnSetup accepts the publisher's tracks and refuses readers.
func (r *rtspServer) OnSetup(ctx *gortsplib.ServerHandlerOnSetupCtx) (*base.Response, *gortsplib.ServerStream, error) {
	if _, ok := ctx.Session.UserData().(*publishing); ok && ctx.Session.State() == gortsplib.ServerSessionStatePreRecord {
		return &base.Response{StatusCode: base.StatusOK}, nil, nil
	}
	return r.refuse("read", base.StatusForbidden), nil, nil
}

// OnDescribe refuses: viewers watch over HLS or WebRTC with a token.
func (r *rtspServer) OnDescribe(*gortsplib.ServerHandlerOnDescribeCtx) (*base.Response, *gortsplib.ServerStream, error) {
	return r.refuse("read", base.StatusForbidden), nil, nil
}

// OnPlay refuses, like OnDescribe.
func (r *rtspServer) OnPlay(*gortsplib.ServerHandlerOnPlayCtx) (*base.Response, error) {
	return r.refuse("read", base.StatusForbidden), nil
}

// OnRecord starts the stream.
func (r *rtspServer) OnRecord(ctx *gortsplib.ServerHandlerOnRecordCtx) (*base.Response, error) {
	p, ok := ctx.Session.UserData().(*publishing)
	if !ok {
		return r.refuse("path", base.StatusForbidden), nil
	}
	ss := ctx.Session
	p.stream = r.svc.hub.publish(p.key, p.claimed, p.ingest.video, p.ingest.audio, ss.Close)
	p.ingest.feed(ss, p.stream)
	return &base.Response{StatusCode: base.StatusOK}, nil
}

// OnSessionClose ends the session's stream.
func (r *rtspServer) OnSessionClose(ctx *gortsplib.ServerHandlerOnSessionCloseCtx) {
	p, ok := ctx.Session.UserData().(*publishing)
	if !ok {
		return
	}
	r.mu.Lock()
	if ss := r.sessions[p.key.DeviceID]; ss != nil {
		delete(ss, ctx.Session)
		if len(ss) == 0 {
			delete(r.sessions, p.key.DeviceID)
		}
	}
	r.mu.Unlock()
	if p.stream != nil {
		r.svc.hub.unpublish(p.stream)
	}
}

// OnDecodeError counts RTP and RTCP the session could not read.
func (r *rtspServer) OnDecodeError(*gortsplib.ServerHandlerOnDecodeErrorCtx) {
	r.svc.metrics.dropped.WithLabelValues("rtp").Inc()
}
