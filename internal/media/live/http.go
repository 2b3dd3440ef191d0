package live

import (
	"errors"
	"net/http"
	"strings"

	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/media"
)

var (
	errNotLive = errs.E(errs.NotFound, "the camera is not streaming now")
	errNoHLS   = errs.E(errs.Invalid, "this stream's codecs cannot be served over HLS")
)

// ServeViewer answers a viewer's request under /media/live/{token}/{file}:
// the LL-HLS playlists, init, parts and segments, or WHEP (file "whep" or
// "whep/{session}"). The token is checked on every request; a missing,
// altered or expired one is errs.Unauthenticated. The token sits in the
// path so that the relative URLs inside playlists carry it.
func (s *Service) ServeViewer(w http.ResponseWriter, r *http.Request, token, file string) error {
	g, err := s.opts.Tokens.Verify(r.Context(), token)
	if err == nil && g.Scope != media.ScopeLive {
		err = errs.E(errs.Unauthenticated, "stream token missing, invalid or expired")
	}
	if err != nil {
		s.metrics.viewerDeny.Inc()
		return err
	}
	if s.relay(w, r, Key{AccountID: g.AccountID, DeviceID: g.DeviceID, Channel: g.Channel}) {
		return nil
	}
	w.Header().Set("Cache-Control", "private, no-store")
	if file == "whep" || strings.HasPrefix(file, "whep/") {
		if s.whep == nil {
			return errs.E(errs.NotFound, "WebRTC is not enabled on this server")
		}
		return s.whep.serve(w, r, g, strings.TrimPrefix(strings.TrimPrefix(file, "whep"), "/"))
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return errs.E(errs.Invalid, "HLS is read with GET")
	}
	if file == "" || strings.Contains(file, "/") {
		return errs.E(errs.NotFound, "no such stream file")
	}
	st := s.hub.Stream(Key{AccountID: g.AccountID, DeviceID: g.DeviceID, Channel: g.Channel})
	if st == nil {
		return errNotLive
	}
	o, err := st.hlsMuxer()
	if err != nil {
		if errors.Is(err, errNoHLS) || errors.Is(err, errNotLive) {
			return err
		}
		return errs.Wrap(err, errs.Internal, "live HLS")
	}
	if !o.serve(w, r) {
		return errs.E(errs.NotFound, "no such stream file")
	}
	return nil
}
