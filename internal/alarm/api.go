package alarm

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
)

// Alarms lists an account's alarms, newest first.
func (s *Service) Alarms(ctx context.Context, p access.Principal, accountID string, f Filter) ([]Alarm, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	if f.Type != "" && !slices.Contains(allTypes(), f.Type) {
		return nil, errs.E(errs.Invalid, "unknown alarm type %q", f.Type)
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return nil, errs.E(errs.Invalid, "from must be before to")
	}
	// People whose role covers some sites only list those sites' cameras'
	// alarms, under a decision per site.
	wheres := p.ListScopes(access.Resource{Category: datamap.AlarmEvent, AccountID: accountID})
	var as []Alarm
	for _, where := range wheres {
		d, err := s.gate.Check(ctx, p, access.List, where, datamap.PurposeAlarms)
		if err != nil {
			return nil, err
		}
		got, err := s.store.Alarms(ctx, d, accountID, f)
		if err != nil {
			return nil, err
		}
		as = append(as, got...)
	}
	if len(wheres) > 1 { // newest first across the sites, one page
		slices.SortFunc(as, func(a, b Alarm) int {
			if c := b.ReceivedAt.Compare(a.ReceivedAt); c != 0 {
				return c
			}
			return strings.Compare(b.ID, a.ID)
		})
		as = as[:min(len(as), f.Limit)]
	}
	if as == nil {
		as = []Alarm{}
	}
	for i := range as {
		s.link(&as[i])
	}
	return as, nil
}

// link adds the recording link of a camera alarm.
func (s *Service) link(a *Alarm) {
	if a.Type == TypeOffline || a.ID == "" {
		return
	}
	base := fmt.Sprintf("/api/v1/accounts/%s/devices/%s/channels/%d/", a.AccountID, a.DeviceID, a.Channel)
	a.Recording = &RecordingLink{Timeline: base + "timeline", Playback: base + "playback", From: a.At.Add(-s.opts.Before), To: a.At.Add(s.opts.After)}
}

// Alarm returns one alarm of the account.
func (s *Service) Alarm(ctx context.Context, p access.Principal, accountID, id string) (Alarm, error) {
	d, err := s.checkAlarm(ctx, p, access.Read, datamap.AlarmEvent, accountID, id)
	if err != nil {
		return Alarm{}, err
	}
	a, err := s.store.Alarm(ctx, d, accountID, id)
	if err == nil {
		s.link(&a)
	}
	return a, err
}

// checkAlarm asks the gate about one alarm, naming the site of the camera
// that raised it, so that people of that site are decided by their role
// there. An unknown alarm names no site, and the gate decides as usual.
func (s *Service) checkAlarm(ctx context.Context, p access.Principal, a access.Action, cat datamap.CategoryID, accountID, id string) (access.Decision, error) {
	site, _ := s.store.AlarmSite(ctx, accountID, id)
	return s.gate.Check(ctx, p, a, access.Resource{Category: cat, AccountID: accountID, ID: id, SiteID: site}, datamap.PurposeAlarms)
}

// Ack marks an alarm acknowledged (read) by the caller.
func (s *Service) Ack(ctx context.Context, p access.Principal, accountID, id string) (Alarm, error) {
	d, err := s.checkAlarm(ctx, p, access.Update, datamap.AlarmEvent, accountID, id)
	if err != nil {
		return Alarm{}, err
	}
	return s.store.Ack(ctx, d, accountID, id, p.ID)
}

// OpenSnapshot returns the JPEG of an alarm's snapshot. The gate decides
// on media.snapshot: vendor staff never see one without the customer's
// grant. Errors: errs.NotFound when the alarm or its snapshot is not there.
func (s *Service) OpenSnapshot(ctx context.Context, p access.Principal, accountID, alarmID string) (io.ReadCloser, int64, error) {
	d, err := s.checkAlarm(ctx, p, access.Read, datamap.MediaSnapshot, accountID, alarmID)
	if err != nil {
		return nil, 0, err
	}
	sn, err := s.store.Snapshot(ctx, d, accountID, alarmID)
	if err != nil {
		return nil, 0, err
	}
	rc, err := s.blobs.Open(ctx, accountID, sn.blobKey())
	if err != nil {
		return nil, 0, err
	}
	return rc, sn.Size, nil
}

// Rules lists the account's alarm rules.
func (s *Service) Rules(ctx context.Context, p access.Principal, accountID string) ([]Rule, error) {
	d, err := s.check(ctx, p, access.List, datamap.AlarmRule, accountID, "")
	if err != nil {
		return nil, err
	}
	return s.store.Rules(ctx, d, accountID)
}

// PutRule creates (empty ID) or replaces a rule of the account.
func (s *Service) PutRule(ctx context.Context, p access.Principal, accountID string, r Rule) (Rule, error) {
	if err := r.check(); err != nil {
		return Rule{}, err
	}
	action := access.Update
	if r.ID == "" {
		action = access.Create
	}
	d, err := s.check(ctx, p, action, datamap.AlarmRule, accountID, r.ID)
	if err != nil {
		return Rule{}, err
	}
	if r.ID == "" {
		r.ID = id.New("arl")
		r.CreatedAt = s.clk.Now().UTC()
	}
	r.AccountID, r.UpdatedAt = accountID, s.clk.Now().UTC()
	if err := s.store.PutRule(ctx, d, r); err != nil {
		return Rule{}, err
	}
	return r, nil
}

// DeleteRule deletes a rule of the account.
func (s *Service) DeleteRule(ctx context.Context, p access.Principal, accountID, id string) error {
	d, err := s.check(ctx, p, access.Delete, datamap.AlarmRule, accountID, id)
	if err != nil {
		return err
	}
	return s.store.DeleteRule(ctx, d, accountID, id)
}

func quietRes(accountID, userID string) access.Resource {
	return access.Resource{Category: datamap.AlarmRule, AccountID: accountID, ID: "quiet-" + userID, SubjectID: userID}
}

// checkQuiet asks the gate about the caller's own quiet hours in the
// account; for someone outside the account it asks about the account's
// data instead, which the gate refuses (not found) and records.
func (s *Service) checkQuiet(ctx context.Context, p access.Principal, a access.Action, accountID string) (access.Decision, error) {
	r := quietRes(accountID, p.ID)
	if !p.MemberOf(accountID) {
		r.SubjectID = ""
	}
	return s.gate.Check(ctx, p, a, r, datamap.PurposeAlarms)
}

// QuietHours returns the caller's quiet hours in the account; empty ones
// (no start) when none are set.
func (s *Service) QuietHours(ctx context.Context, p access.Principal, accountID string) (QuietHours, error) {
	d, err := s.checkQuiet(ctx, p, access.Read, accountID)
	if err != nil {
		return QuietHours{}, err
	}
	q, err := s.store.QuietHours(ctx, d, accountID, p.ID)
	if errs.Is(err, errs.NotFound) {
		// None set is an answer, not a failure: empty hours.
		return QuietHours{UserID: p.ID}, nil
	}
	return q, err
}

// SetQuietHours sets the caller's quiet hours in the account.
func (s *Service) SetQuietHours(ctx context.Context, p access.Principal, accountID string, q QuietHours) (QuietHours, error) {
	if err := q.check(); err != nil {
		return QuietHours{}, err
	}
	q.UserID = p.ID
	d, err := s.checkQuiet(ctx, p, access.Update, accountID)
	if err != nil {
		return QuietHours{}, err
	}
	return q, s.store.PutQuietHours(ctx, d, accountID, q)
}

// ClearQuietHours removes the caller's quiet hours in the account.
func (s *Service) ClearQuietHours(ctx context.Context, p access.Principal, accountID string) error {
	d, err := s.checkQuiet(ctx, p, access.Delete, accountID)
	if err != nil {
		return err
	}
	return s.store.DeleteQuietHours(ctx, d, accountID, p.ID)
}
