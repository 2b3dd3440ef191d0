package record

import (
	"context"
	"net/url"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/media"
)

// MaxSpan bounds the time range of one timeline, playback or export.
const MaxSpan = 62 * 24 * time.Hour

// Service is what people do with recordings: read the timeline, watch and
// export a range, change the recording settings, read the purge log. Every
// call passes the access gate; watching and exporting hand out a stream
// token, and serving a stream checks the token alone.
type Service struct {
	rec    *Recorder
	st     Store
	gate   *access.Gate
	tokens *media.Tokens
}

// NewService returns the service over rec's recordings.
func NewService(rec *Recorder, tokens *media.Tokens) *Service {
	return &Service{rec: rec, st: rec.st, gate: rec.gate, tokens: tokens}
}

// Recorder returns the recorder, the media.Sink and media.Marker.
func (s *Service) Recorder() *Recorder { return s.rec }

// Timeline is what a channel recorded in a time range.
type Timeline struct {
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	Ranges []Range   `json:"ranges"`
	Marks  []MarkRow `json:"marks"`
}

// Stream is a playback or an export handed to a viewer.
type Stream struct {
	HLS       string    `json:"hls,omitempty"`
	MP4       string    `json:"mp4,omitempty"` // only for those who may export (download)
	ExpiresAt time.Time `json:"expires_at"`
}

func checkSpan(from, to time.Time) error {
	if from.IsZero() || to.IsZero() || !to.After(from) {
		return errs.E(errs.Invalid, "give a time range with from before to")
	}
	if to.Sub(from) > MaxSpan {
		return errs.E(errs.Invalid, "a time range may span at most %d days", int(MaxSpan/(24*time.Hour)))
	}
	return nil
}

// check asks the gate for p to take action on a device's recordings; a
// device the account does not own is not found.
func (s *Service) check(ctx context.Context, p access.Principal, action access.Action, cat datamap.CategoryID, accountID, deviceID string, channel int) (access.Decision, error) {
	if channel < 0 || channel > 1024 {
		return access.Decision{}, errs.E(errs.Invalid, "channel must be between 0 and 1024")
	}
	site, err := s.st.DeviceSite(ctx, accountID, deviceID)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return access.Decision{}, errs.E(errs.NotFound, "device not found")
		}
		return access.Decision{}, err
	}
	purpose := datamap.PurposeAlarms
	if cat == datamap.DeviceConfig {
		purpose = datamap.PurposeRemoteConfig
	}
	return s.gate.Check(ctx, p, action, access.Resource{Category: cat, AccountID: accountID, SiteID: site, ID: deviceID}, purpose)
}

// Timeline lists the recorded ranges and event marks of a channel.
func (s *Service) Timeline(ctx context.Context, p access.Principal, accountID, deviceID string, channel int, from, to time.Time) (Timeline, error) {
	d, err := s.check(ctx, p, access.List, datamap.MediaSegment, accountID, deviceID, channel)
	if err != nil {
		return Timeline{}, err
	}
	if err := checkSpan(from, to); err != nil {
		return Timeline{}, err
	}
	if sc, shared := d.Share(); shared {
		// A share shows only the recordings it opens.
		if !sc.Recordings {
			return Timeline{}, errs.E(errs.Forbidden, "this share opens live view, not recordings")
		}
		if !sc.From.IsZero() && from.Before(sc.From) {
			from = sc.From
		}
		if !sc.To.IsZero() && to.After(sc.To) {
			to = sc.To
		}
		if !to.After(from) {
			return Timeline{From: from.UTC(), To: from.UTC(), Ranges: []Range{}, Marks: []MarkRow{}}, nil
		}
	}
	t := Timeline{From: from.UTC(), To: to.UTC()}
	if t.Ranges, err = s.st.Ranges(ctx, d, accountID, deviceID, channel, from, to); err != nil {
		return t, err
	}
	t.Marks, err = s.st.Marks(ctx, d, accountID, deviceID, channel, from, to)
	if t.Ranges == nil {
		t.Ranges = []Range{}
	}
	if t.Marks == nil {
		t.Marks = []MarkRow{}
	}
	return t, err
}

// streamTTL is how long a playback or export token lives, whatever the
// range: a player asks for a new one to go on, so that a withdrawn right
// (or a lapsed grant) stops playback soon even without a revocation.
const streamTTL = 10 * time.Minute

// checkRecorded refuses a range that ends in the future: a token for
// recordings not made yet would open them as they arrive.
func (s *Service) checkRecorded(from, to time.Time) error {
	if err := checkSpan(from, to); err != nil {
		return err
	}
	if to.After(s.rec.clk.Now()) {
		return errs.E(errs.Invalid, "to lies in the future: play or export what is recorded, up to now")
	}
	return nil
}

// Playback lets p watch a channel's recordings of a range: the gate
// decides (and logs who watched what, when), and the token opens the HLS
// playlist. Downloading the range as one MP4 file is an export: the token
// opens recording.mp4 only when p may export (a second decision, logged),
// and the answer has an mp4 link only then.
func (s *Service) Playback(ctx context.Context, p access.Principal, accountID, deviceID string, channel int, from, to time.Time) (Stream, error) {
	d, err := s.check(ctx, p, access.Read, datamap.MediaSegment, accountID, deviceID, channel)
	if err != nil {
		return Stream{}, err
	}
	if err := s.checkRecorded(from, to); err != nil {
		return Stream{}, err
	}
	if sc, shared := d.Share(); shared && (!sc.Recordings || !sc.InWindow(from, to)) {
		return Stream{}, errs.E(errs.Forbidden, "this share does not open these recordings")
	}
	g := media.Grant{Scope: media.ScopePlayback, Via: d.Via()}
	export := access.Resource{Category: datamap.MediaSegment, AccountID: accountID, SiteID: d.Resource().SiteID, ID: deviceID}
	if s.gate.Permits(ctx, p, access.Export, export, datamap.PurposeAlarms) {
		if _, err := s.gate.Check(ctx, p, access.Export, export, datamap.PurposeAlarms); err == nil {
			g.Download = true
		}
	}
	tok, exp, err := s.issue(ctx, g, p, accountID, deviceID, channel, from, to)
	if err != nil {
		return Stream{}, err
	}
	base := "/media/vod/" + url.PathEscape(tok) + "/"
	st := Stream{HLS: base + "index.m3u8", ExpiresAt: exp}
	if g.Download {
		st.MP4 = base + "recording.mp4"
	}
	return st, nil
}

// Export lets p download a channel's recordings of a range as one MP4.
func (s *Service) Export(ctx context.Context, p access.Principal, accountID, deviceID string, channel int, from, to time.Time) (Stream, error) {
	d, err := s.check(ctx, p, access.Export, datamap.MediaSegment, accountID, deviceID, channel)
	if err != nil {
		return Stream{}, err
	}
	if err := s.checkRecorded(from, to); err != nil {
		return Stream{}, err
	}
	tok, exp, err := s.issue(ctx, media.Grant{Scope: media.ScopeExport, Via: d.Via(), Download: true}, p, accountID, deviceID, channel, from, to)
	if err != nil {
		return Stream{}, err
	}
	return Stream{MP4: "/media/export/" + url.PathEscape(tok) + "/" + ExportName(deviceID, channel, from), ExpiresAt: exp}, nil
}

// ExportName is the file name of an export.
func ExportName(deviceID string, channel int, from time.Time) string {
	return "vigil-" + deviceID + "-ch" + itoa(int64(channel)) + "-" + from.UTC().Format("20060102T150405Z") + ".mp4"
}

func (s *Service) issue(ctx context.Context, g media.Grant, p access.Principal, accountID, deviceID string, channel int, from, to time.Time) (string, time.Time, error) {
	exp := s.rec.clk.Now().Add(streamTTL).UTC().Truncate(time.Second)
	g.ViewerID, g.AccountID, g.DeviceID, g.Channel, g.From, g.To, g.Expires = p.ID, accountID, deviceID, channel, from.UTC(), to.UTC(), exp
	tok, err := s.tokens.Issue(ctx, g)
	return tok, exp, err
}

// Holds reports whether a verified grant is still good: long streams (an
// MP4 download) ask it as they go.
func (s *Service) Holds(ctx context.Context, g media.Grant) bool { return s.tokens.Holds(ctx, g) }

// Verify returns the grant of a stream token of one of the scopes.
func (s *Service) Verify(ctx context.Context, token string, scopes ...media.Scope) (media.Grant, error) {
	g, err := s.tokens.Verify(ctx, token)
	if err != nil {
		return g, err
	}
	for _, sc := range scopes {
		if g.Scope == sc {
			return g, nil
		}
	}
	return media.Grant{}, errs.E(errs.Unauthenticated, "stream token missing, invalid or expired")
}

// SettingsInput changes recording settings; nil fields are left as they
// are, zero values inherit from the level above.
type SettingsInput struct {
	Mode             *Mode  `json:"mode"`
	RetentionDays    *int   `json:"retention_days"`
	EventRetentionDs *int   `json:"event_retention_days"`
	QuotaBytes       *int64 `json:"quota_bytes"`
}

// SettingsView is a level of settings as the API shows it.
type SettingsView struct {
	Settings
	RetentionDays      int `json:"retention_days,omitempty"`
	EventRetentionDays int `json:"event_retention_days,omitempty"`
}

func view(st Settings) SettingsView {
	return SettingsView{Settings: st, RetentionDays: int(st.Retention / (24 * time.Hour)), EventRetentionDays: int(st.EventRetention / (24 * time.Hour))}
}

// Effective is the settings in force for a channel, and what is stored at
// each level.
type Effective struct {
	Mode               Mode         `json:"mode"`
	RetentionDays      int          `json:"retention_days"`
	EventRetentionDays int          `json:"event_retention_days"`
	Account            SettingsView `json:"account"`
	Device             SettingsView `json:"device"`
	Channel            SettingsView `json:"channel"`
}

// Settings returns the recording settings of a device channel (channel
// AllChannels for the device's).
func (s *Service) Settings(ctx context.Context, p access.Principal, accountID, deviceID string, channel int) (Effective, error) {
	ch := max(channel, 0)
	if _, err := s.check(ctx, p, access.Read, datamap.DeviceConfig, accountID, deviceID, ch); err != nil {
		return Effective{}, err
	}
	return s.effective(ctx, accountID, deviceID, channel)
}

// effective reads the settings in force for a device channel; the caller
// holds the gate's decision.
func (s *Service) effective(ctx context.Context, accountID, deviceID string, channel int) (Effective, error) {
	a, d, c, err := s.st.Settings(ctx, accountID, deviceID, channel)
	if err != nil {
		return Effective{}, err
	}
	e := s.rec.effective(a, d, c)
	return Effective{Mode: e.Mode, RetentionDays: int(e.Retention / (24 * time.Hour)), EventRetentionDays: int(e.EventRetention / (24 * time.Hour)),
		Account: view(a), Device: view(d), Channel: view(c)}, nil
}

// SetSettings changes the recording settings of an account (deviceID ""),
// a device (channel AllChannels) or a device channel. Admins and owners
// may; the change is in the access log.
func (s *Service) SetSettings(ctx context.Context, p access.Principal, accountID, deviceID string, channel int, in SettingsInput) (Effective, error) {
	if deviceID == "" && channel != AllChannels {
		return Effective{}, errs.E(errs.Invalid, "account settings apply to every channel")
	}
	if in.Mode != nil && *in.Mode != "" && !in.Mode.Valid() {
		return Effective{}, errs.E(errs.Invalid, "mode must be continuous, events or off")
	}
	for _, v := range []*int{in.RetentionDays, in.EventRetentionDs} {
		if v != nil && (*v < 0 || *v > 3650) {
			return Effective{}, errs.E(errs.Invalid, "retention days must be between 0 (inherit) and 3650")
		}
	}
	if in.QuotaBytes != nil && *in.QuotaBytes < 0 {
		return Effective{}, errs.E(errs.Invalid, "quota_bytes must be 0 (none) or more")
	}
	var d access.Decision
	var err error
	if deviceID == "" {
		d, err = s.gate.Check(ctx, p, access.Update, access.Resource{Category: datamap.DeviceConfig, AccountID: accountID}, datamap.PurposeRemoteConfig)
	} else {
		d, err = s.check(ctx, p, access.Update, datamap.DeviceConfig, accountID, deviceID, max(channel, 0))
	}
	if err != nil {
		return Effective{}, err
	}
	a, dv, c, err := s.st.Settings(ctx, accountID, deviceID, channel)
	if err != nil {
		return Effective{}, err
	}
	cur := c
	switch {
	case deviceID == "":
		cur = a
	case channel == AllChannels:
		cur = dv
	}
	cur.DeviceID, cur.Channel, cur.UpdatedBy = deviceID, channel, p.ID
	if in.Mode != nil {
		cur.Mode = *in.Mode
	}
	if in.RetentionDays != nil {
		cur.Retention = time.Duration(*in.RetentionDays) * 24 * time.Hour
	}
	if in.EventRetentionDs != nil {
		cur.EventRetention = time.Duration(*in.EventRetentionDs) * 24 * time.Hour
	}
	if in.QuotaBytes != nil {
		cur.QuotaBytes = *in.QuotaBytes
	}
	if err := s.st.PutSettings(ctx, d, accountID, cur); err != nil {
		return Effective{}, err
	}
	s.rec.Forget(accountID)
	if deviceID == "" {
		return Effective{Account: view(cur)}, nil
	}
	// The decision to change the settings covers reading them back.
	return s.effective(ctx, accountID, deviceID, channel)
}

// Purges returns the account's purge log: what retention, quotas, releases
// and erasures deleted, when and why.
func (s *Service) Purges(ctx context.Context, p access.Principal, accountID string) ([]Purge, error) {
	d, err := s.gate.Check(ctx, p, access.List, access.Resource{Category: datamap.MediaSegment, AccountID: accountID}, datamap.PurposeAlarms)
	if err != nil {
		return nil, err
	}
	ps, err := s.st.Purges(ctx, d, accountID, 500)
	if ps == nil {
		ps = []Purge{}
	}
	return ps, err
}
