package device

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
)

// Events lists a device's events, newest first, before the event ID given
// (0 for the newest).
func (s *Service) Events(ctx context.Context, p access.Principal, accountID, deviceID string, before int64, limit int) ([]EventRow, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	d, err := s.check(ctx, p, access.List, res(datamap.DeviceEvent, accountID, deviceID), datamap.PurposeService)
	if err != nil {
		return nil, err
	}
	return s.store.Events(ctx, d, accountID, deviceID, before, limit)
}

// Address is an address a device connected from. After the retention period
// only the network prefix remains.
type Address struct {
	IP          string    `json:"ip,omitempty"`
	Prefix      string    `json:"prefix"`
	FirstSeenAt time.Time `json:"first_seen_at"`
	LastSeenAt  time.Time `json:"last_seen_at"`
}

// Addresses lists the addresses a device connected from.
func (s *Service) Addresses(ctx context.Context, p access.Principal, accountID, deviceID string) ([]Address, error) {
	d, err := s.check(ctx, p, access.List, res(datamap.NetIP, accountID, deviceID), datamap.PurposeAntiFraud)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.IPs(ctx, d, accountID, deviceID)
	if err != nil {
		return nil, err
	}
	out := make([]Address, 0, len(rows))
	for _, r := range rows {
		out = append(out, Address{Prefix: r.Prefix, FirstSeenAt: r.FirstSeenAt, LastSeenAt: r.LastSeenAt,
			IP: string(s.open(ctx, accountID, "device_ips.ip_sealed", deviceID, r.IPSealed))})
	}
	return out, nil
}

// Report is an error report as its owner sees it.
type Report struct {
	ID         string    `json:"id"`
	DeviceID   string    `json:"device_id,omitempty"`
	UserID     string    `json:"user_id,omitempty"`
	Kind       string    `json:"kind"`
	Body       string    `json:"body"`
	ReceivedAt time.Time `json:"received_at"`
}

// Reports lists the error reports of an account, newest first.
func (s *Service) Reports(ctx context.Context, p access.Principal, accountID string) ([]Report, error) {
	d, err := s.check(ctx, p, access.List, res(datamap.DeviceErrorReport, accountID, ""), datamap.PurposeTroubleshooting)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.Reports(ctx, d, accountID, 200)
	if err != nil {
		return nil, err
	}
	out := make([]Report, 0, len(rows))
	for _, r := range rows {
		out = append(out, Report{ID: r.ID, DeviceID: r.DeviceID, UserID: r.UserID, Kind: r.Kind, ReceivedAt: r.ReceivedAt,
			Body: string(s.open(ctx, accountID, "error_reports.body_sealed", r.ID, r.BodySealed))})
	}
	return out, nil
}

// Prefs are a user's own choices about the app.
type Prefs struct {
	SendErrorDetails bool `json:"send_error_details"`
}

// MyPrefs returns the caller's preferences.
func (s *Service) MyPrefs(ctx context.Context, p access.Principal) (Prefs, error) {
	on, err := s.store.PrefErrorDetails(ctx, p.ID)
	return Prefs{SendErrorDetails: on}, err
}

// SetMyPrefs changes the caller's preferences.
func (s *Service) SetMyPrefs(ctx context.Context, p access.Principal, in Prefs) (Prefs, error) {
	d, err := s.check(ctx, p, access.Update, access.Resource{Category: datamap.DeviceErrorReport, SubjectID: p.ID}, datamap.PurposeTroubleshooting)
	if err != nil {
		return Prefs{}, err
	}
	if err := s.store.SetPrefErrorDetails(ctx, d, p.ID, in.SendErrorDetails); err != nil {
		return Prefs{}, err
	}
	return in, nil
}

// AppReport is an error report from the app.
type AppReport struct {
	AccountID string `json:"account_id"`
	Kind      string `json:"kind"`
	Body      string `json:"body"`
}

// SubmitAppReport stores an error report from the caller's app, only if
// they turned sending error details on; otherwise it is refused and nothing
// is kept.
func (s *Service) SubmitAppReport(ctx context.Context, p access.Principal, in AppReport) (Report, error) {
	on, err := s.store.PrefErrorDetails(ctx, p.ID)
	if err != nil {
		return Report{}, err
	}
	if !on {
		return Report{}, errs.E(errs.Forbidden, "sending error details is turned off; turn it on in your preferences first")
	}
	if (in.Kind != "crash" && in.Kind != "error") || strings.TrimSpace(in.Body) == "" || utf8.RuneCountInString(in.Body) > maxReportPayload {
		return Report{}, errs.E(errs.Invalid, "kind (crash or error) and a body of at most %d characters are required", maxReportPayload)
	}
	d, err := s.check(ctx, p, access.Create, res(datamap.DeviceErrorReport, in.AccountID, ""), datamap.PurposeTroubleshooting)
	if err != nil {
		return Report{}, err
	}
	id := id.New("err")
	sealed, err := s.seal(ctx, in.AccountID, "error_reports.body_sealed", id, []byte(in.Body))
	if err != nil {
		return Report{}, err
	}
	now := s.clk.Now()
	if err := s.store.AddReport(ctx, d, ReportRow{ID: id, AccountID: in.AccountID, UserID: p.ID, Kind: in.Kind, BodySealed: sealed, ReceivedAt: now}); err != nil {
		return Report{}, err
	}
	return Report{ID: id, UserID: p.ID, Kind: in.Kind, Body: in.Body, ReceivedAt: now}, nil
}
