package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/media"
	"github.com/vigil-cloud/vigil/internal/media/live"
)

// Live is the live video path as the API serves it.
type Live struct {
	Service  *live.Service
	Tokens   *media.Tokens
	TokenTTL time.Duration
}

func (s *Server) liveRoutes() []route {
	return []route{
		{"POST", "/api/v1/accounts/{accountID}/devices/{deviceID}/channels/{channel}/live", user, false, s.startLive},
		// The stream token in the path is the credential: checked on
		// every request by the live service.
		{"GET", "/media/live/{token}/{file}", public, false, s.liveMedia},
		{"POST", "/media/live/{token}/whep", public, false, s.liveWHEP},
		{"DELETE", "/media/live/{token}/whep/{session}", public, false, s.liveWHEPSession},
	}
}

// startLive lets a viewer watch a device channel live: the access gate
// decides (and records in the account's access log) the read of the
// channel's video, then a short-lived stream token opens the HLS and WHEP
// URLs.
func (s *Server) startLive(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	if s.Live == nil {
		return errs.E(errs.Unavailable, "live video is not running on this server")
	}
	accountID, deviceID, err := accountAndDevice(r)
	if err != nil {
		return err
	}
	channel, err := strconv.Atoi(r.PathValue("channel"))
	if err != nil || channel < 0 || channel > 999 {
		return errs.E(errs.Invalid, "channel is 0 for a camera or an NVR channel number")
	}
	d, err := s.Devices.Device(r.Context(), a.Principal, accountID, deviceID)
	if err != nil {
		return err
	}
	if (d.Kind == device.NVR && (channel < 1 || channel > d.Channels)) || (d.Kind != device.NVR && channel != 0) {
		return errs.E(errs.NotFound, "this device has no channel %d", channel)
	}
	res := access.Resource{Category: datamap.MediaSegment, AccountID: accountID, SiteID: d.SiteID, ID: deviceID}
	if _, err := s.Gate.Check(r.Context(), a.Principal, access.Read, res, datamap.PurposeAlarms); err != nil {
		return err
	}
	exp := s.Clock.Now().Add(s.Live.TokenTTL)
	token, err := s.Live.Tokens.Issue(r.Context(), media.Grant{Scope: media.ScopeLive, ViewerID: a.Principal.ID,
		AccountID: accountID, DeviceID: deviceID, Channel: channel, Expires: exp})
	if err != nil {
		return err
	}
	base := "/media/live/" + token + "/"
	return reply(w, http.StatusOK, map[string]any{"hls": base + "index.m3u8", "whep": base + "whep", "expires_at": exp}, nil)
}

func (s *Server) liveMedia(w http.ResponseWriter, r *http.Request, _ *account.Auth) error {
	if s.Live == nil {
		return errs.E(errs.NotFound, "live video is not running on this server")
	}
	return s.Live.Service.ServeViewer(w, r, r.PathValue("token"), r.PathValue("file"))
}

func (s *Server) liveWHEP(w http.ResponseWriter, r *http.Request, _ *account.Auth) error {
	if s.Live == nil {
		return errs.E(errs.NotFound, "live video is not running on this server")
	}
	return s.Live.Service.ServeViewer(w, r, r.PathValue("token"), "whep")
}

func (s *Server) liveWHEPSession(w http.ResponseWriter, r *http.Request, _ *account.Auth) error {
	if s.Live == nil {
		return errs.E(errs.NotFound, "live video is not running on this server")
	}
	return s.Live.Service.ServeViewer(w, r, r.PathValue("token"), "whep/"+r.PathValue("session"))
}
