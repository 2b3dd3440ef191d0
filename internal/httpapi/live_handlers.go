package httpapi

import (
	"net/http"
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
	Sources  *live.Sources // nil unless pulling cameras is enabled
}

// startLive lets a viewer watch a device channel live: the access gate
// decides (and records in the account's access log) the read of the
// channel's video, then a short-lived stream token opens the HLS and WHEP
// URLs.
// deviceChannel reads the account, device and channel of a path and
// checks, as the caller, that the device is the account's and has the
// channel.
func (s *Server) deviceChannel(r *http.Request, a *account.Auth) (device.Device, int, error) {
	accountID, deviceID, channel, err := channelPath(r)
	if err != nil {
		return device.Device{}, 0, err
	}
	// The device first: another tenant learns nothing, and is audited.
	d, err := s.Devices.Device(r.Context(), a.Principal, accountID, deviceID)
	if err != nil {
		return device.Device{}, 0, err
	}
	if (d.Kind == device.NVR && (channel < 1 || channel > d.Channels)) || (d.Kind != device.NVR && channel != 0) {
		return device.Device{}, 0, errs.E(errs.NotFound, "this device has no channel %d", channel)
	}
	return d, channel, nil
}

func (s *Server) startLive(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	d, channel, err := s.deviceChannel(r, a)
	if err != nil {
		return err
	}
	if s.Live == nil {
		return errs.E(errs.Unavailable, "live video is not running on this server")
	}
	accountID, deviceID := d.AccountID, d.ID
	res := access.Resource{Category: datamap.MediaSegment, AccountID: accountID, SiteID: d.SiteID, ID: deviceID}
	dec, err := s.Gate.Check(r.Context(), a.Principal, access.Read, res, datamap.PurposeAlarms)
	if err != nil {
		return err
	}
	if sc, shared := dec.Share(); shared && !sc.Live {
		return errs.E(errs.Forbidden, "this share opens recordings, not live view")
	}
	exp := s.Clock.Now().Add(s.Live.TokenTTL)
	token, err := s.Live.Tokens.Issue(r.Context(), media.Grant{Scope: media.ScopeLive, ViewerID: a.Principal.ID,
		AccountID: accountID, DeviceID: deviceID, Channel: channel, Expires: exp, Via: dec.Via()})
	if err != nil {
		return err
	}
	base := "/media/live/" + token + "/"
	// streaming tells an app whether the camera sends video now (to any
	// node), so that a grid of cameras does not try (and fail) to play the
	// silent ones.
	streaming := s.Live.Service != nil && s.Live.Service.Streaming(r.Context(), live.Key{AccountID: accountID, DeviceID: deviceID, Channel: channel})
	return reply(w, http.StatusOK, map[string]any{"hls": base + "index.m3u8", "whep": base + "whep", "expires_at": exp, "streaming": streaming}, nil)
}

// setPull has vigil pull a LAN camera's RTSP URL into a device channel
// (admin); the URL is sealed and never shown back.
func (s *Server) setPull(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	d, channel, err := s.deviceChannel(r, a)
	if err != nil {
		return err
	}
	if s.Live == nil || s.Live.Sources == nil {
		return errs.E(errs.NotFound, "pulling cameras is not enabled on this server")
	}
	var in struct {
		URL string `json:"url"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	k := live.Key{AccountID: d.AccountID, DeviceID: d.ID, Channel: channel}
	if err := s.Live.Sources.Set(r.Context(), a.Principal, k, d.ClaimedAt, in.URL); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) removePull(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	d, channel, err := s.deviceChannel(r, a)
	if err != nil {
		return err
	}
	if s.Live == nil || s.Live.Sources == nil {
		return errs.E(errs.NotFound, "pulling cameras is not enabled on this server")
	}
	if err := s.Live.Sources.Remove(r.Context(), a.Principal, live.Key{AccountID: d.AccountID, DeviceID: d.ID, Channel: channel}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
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
