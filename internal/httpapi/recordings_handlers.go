package httpapi

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/media"
	"github.com/vigil-cloud/vigil/internal/media/record"
)

// channelPath reads the account, device and channel of a path; a path
// without a channel means every channel of the device.
func channelPath(r *http.Request) (accountID, deviceID string, channel int, err error) {
	if accountID, err = pathID(r, "accountID"); err != nil {
		return
	}
	channel = record.AllChannels
	if r.PathValue("deviceID") == "" {
		return
	}
	if deviceID, err = pathID(r, "deviceID"); err != nil {
		return
	}
	if c := r.PathValue("channel"); c != "" {
		n, perr := strconv.Atoi(c)
		if perr != nil || n < 0 || n > 1024 {
			return "", "", 0, errs.E(errs.Invalid, "channel must be a number from 0 to 1024")
		}
		channel = n
	}
	return
}

// timeRange reads from and to (RFC 3339), or day=YYYY-MM-DD or
// month=YYYY-MM in the time zone tz (an IANA name; UTC by default).
func timeRange(q map[string][]string) (from, to time.Time, err error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	loc := time.UTC
	if tz := get("tz"); tz != "" {
		if loc, err = time.LoadLocation(tz); err != nil {
			return from, to, errs.E(errs.Invalid, "tz must be a time zone name such as Europe/Paris")
		}
	}
	switch {
	case get("day") != "":
		d, perr := time.ParseInLocation("2006-01-02", get("day"), loc)
		if perr != nil {
			return from, to, errs.E(errs.Invalid, "day must look like 2026-03-02")
		}
		return d, d.AddDate(0, 0, 1), nil
	case get("month") != "":
		m, perr := time.ParseInLocation("2006-01", get("month"), loc)
		if perr != nil {
			return from, to, errs.E(errs.Invalid, "month must look like 2026-03")
		}
		return m, m.AddDate(0, 1, 0), nil
	}
	from, err1 := time.Parse(time.RFC3339Nano, get("from"))
	to, err2 := time.Parse(time.RFC3339Nano, get("to"))
	if err1 != nil || err2 != nil {
		return from, to, errs.E(errs.Invalid, "give from and to as RFC 3339 times, or day or month")
	}
	return from, to, nil
}

func (s *Server) timeline(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	acct, dev, ch, err := channelPath(r)
	if err != nil {
		return err
	}
	from, to, rerr := timeRange(r.URL.Query())
	t, err := s.Recordings.Timeline(r.Context(), a.Principal, acct, dev, ch, from, to)
	if rerr != nil && errs.Is(err, errs.Invalid) {
		// The gate has answered (another tenant gets its 404); say what is
		// wrong with the range.
		return rerr
	}
	return reply(w, http.StatusOK, t, err)
}

type rangeInput struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

func (s *Server) playback(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	acct, dev, ch, err := channelPath(r)
	if err != nil {
		return err
	}
	var in rangeInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	st, err := s.Recordings.Playback(r.Context(), a.Principal, acct, dev, ch, in.From, in.To)
	return reply(w, http.StatusCreated, st, err)
}

func (s *Server) exportRecording(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	acct, dev, ch, err := channelPath(r)
	if err != nil {
		return err
	}
	var in rangeInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	st, err := s.Recordings.Export(r.Context(), a.Principal, acct, dev, ch, in.From, in.To)
	return reply(w, http.StatusCreated, st, err)
}

func (s *Server) recordingSettings(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	acct, dev, ch, err := channelPath(r)
	if err != nil {
		return err
	}
	e, err := s.Recordings.Settings(r.Context(), a.Principal, acct, dev, ch)
	return reply(w, http.StatusOK, e, err)
}

func (s *Server) setRecordingSettings(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	acct, dev, ch, err := channelPath(r)
	if err != nil {
		return err
	}
	var in record.SettingsInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	e, err := s.Recordings.SetSettings(r.Context(), a.Principal, acct, dev, ch, in)
	return reply(w, http.StatusOK, e, err)
}

func (s *Server) recordingPurges(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	acct, err := pathID(r, "accountID")
	if err != nil {
		return err
	}
	ps, err := s.Recordings.Purges(r.Context(), a.Principal, acct)
	return reply(w, http.StatusOK, map[string]any{"purges": ps}, err)
}

// mountRecordings serves recorded video to holders of a stream token:
// the token is the only credential (a <video> element or a player sends no
// header), checked on every request; what it opens was decided, and
// logged, by the gate when it was issued.
// mediaRoutes are the recorded video's routes outside /api: a stream token
// in the path stands for the session.
var mediaRoutes = [...]string{
	"GET /media/vod/{token}/{file}",
	"GET /media/vod/{token}/{kind}/{file}",
	"GET /media/export/{token}/{file}",
}

func (s *Server) mountRecordings(mux *http.ServeMux) {
	if s.Recordings == nil {
		return
	}
	mux.Handle(mediaRoutes[0], s.media(s.vodFile))
	mux.Handle(mediaRoutes[1], s.media(s.vodPart))
	mux.Handle(mediaRoutes[2], s.media(s.exportFile))
	// Anything else under the recorded video's paths lacks its token.
	for _, p := range []string{"GET /media/vod/", "GET /media/export/"} {
		mux.Handle(p, s.media(func(http.ResponseWriter, *http.Request) error {
			return errs.E(errs.Unauthenticated, "stream token missing, invalid or expired")
		}))
	}
}

func (s *Server) media(h func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "private, no-store")
		tw := &trackWriter{ResponseWriter: w, rc: http.NewResponseController(w)}
		r = r.WithContext(access.WithRoute(r.Context(), r.Pattern))
		if err := h(tw, r); err != nil {
			if tw.written {
				s.Log.Warn("recorded video stream ended early", "err", err)
				return
			}
			writeError(w, r, s.Log, err)
		}
	})
}

func (s *Server) vodFile(w http.ResponseWriter, r *http.Request) error {
	g, err := s.Recordings.Verify(r.Context(), r.PathValue("token"), media.ScopePlayback)
	if err != nil {
		return err
	}
	switch r.PathValue("file") {
	case "index.m3u8":
		w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
		return s.Recordings.Playlist(r.Context(), g, w)
	case "recording.mp4":
		// Downloading the range as a file is an export: only a token
		// issued to someone who may export opens it.
		if !g.Download {
			return errs.E(errs.Forbidden, "downloading recordings needs the right to export them; watch with the HLS playlist")
		}
		w.Header().Set("Content-Type", "video/mp4")
		return s.Recordings.MP4(r.Context(), g, w)
	}
	return errs.E(errs.NotFound, "no such file")
}

func (s *Server) vodPart(w http.ResponseWriter, r *http.Request) error {
	g, err := s.Recordings.Verify(r.Context(), r.PathValue("token"), media.ScopePlayback)
	if err != nil {
		return err
	}
	kind, file := r.PathValue("kind"), r.PathValue("file")
	ext := map[string]string{"init": ".mp4", "seg": ".m4s"}[kind]
	id, perr := strconv.ParseInt(strings.TrimSuffix(file, ext), 10, 64)
	if ext == "" || !strings.HasSuffix(file, ext) || perr != nil || id <= 0 {
		return errs.E(errs.NotFound, "no such file")
	}
	var rc io.ReadCloser
	if kind == "init" {
		rc, err = s.Recordings.Init(r.Context(), g, id)
		w.Header().Set("Content-Type", "video/mp4")
	} else {
		var n int64
		rc, n, err = s.Recordings.Segment(r.Context(), g, id)
		w.Header().Set("Content-Type", "video/iso.segment")
		if err == nil {
			w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
		}
	}
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = io.Copy(w, rc)
	return err
}

func (s *Server) exportFile(w http.ResponseWriter, r *http.Request) error {
	g, err := s.Recordings.Verify(r.Context(), r.PathValue("token"), media.ScopeExport)
	if err != nil {
		return err
	}
	name := record.ExportName(g.DeviceID, g.Channel, g.From)
	if r.PathValue("file") != name {
		return errs.E(errs.NotFound, "no such file")
	}
	w.Header().Set("Content-Type", "video/mp4")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	return s.Recordings.MP4(r.Context(), g, w)
}

// trackWriter remembers whether the response started, so an error before
// the first byte still gets its status and one after it is only logged. A
// long export keeps streaming past the server's write timeout: each write
// moves the deadline a minute on, so only a stalled client is cut off.
type trackWriter struct {
	http.ResponseWriter
	rc       *http.ResponseController
	written  bool
	deadline time.Time
}

func (t *trackWriter) WriteHeader(code int) { t.written = true; t.ResponseWriter.WriteHeader(code) }

func (t *trackWriter) Write(p []byte) (int, error) {
	t.written = true
	if now := time.Now(); now.After(t.deadline.Add(-50 * time.Second)) {
		t.deadline = now.Add(time.Minute)
		t.rc.SetWriteDeadline(t.deadline) //nolint:errcheck // not every writer has a deadline (tests)
	}
	return t.ResponseWriter.Write(p)
}

func (t *trackWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }
