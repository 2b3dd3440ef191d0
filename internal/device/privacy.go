package device

import (
	"context"
	"encoding/json"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
)

// Filter narrows what a data-subject request or a retention job touches in
// one account: some devices (all when empty) and a time range (open bounds
// admit everything).
type Filter struct {
	AccountID string
	Devices   []string
	From, To  time.Time
}

// PrivacyStore reads and erases device data for the privacy centre. Every
// method requires the gate's decision for the category and the subject the
// request or job is about.
type PrivacyStore interface {
	// ExportDevices streams the device rows, for device.info or
	// device.credential.
	ExportDevices(ctx context.Context, d access.Decision, cat datamap.CategoryID, subjectID string, f Filter, emit func(Row) error) error
	ExportEvents(ctx context.Context, d access.Decision, subjectID string, f Filter, emit func(EventRow) error) error
	ExportShadows(ctx context.Context, d access.Decision, subjectID string, f Filter, emit func(ShadowRow) error) error
	ExportReports(ctx context.Context, d access.Decision, subjectID string, f Filter, emit func(ReportRow) error) error
	ExportIPs(ctx context.Context, d access.Decision, subjectID string, f Filter, emit func(deviceID string, r IPRow) error) error
	// Erase deletes the category's rows in the filter; for device.info it
	// releases the devices, which erases everything they reported, and
	// returns the devices released.
	Erase(ctx context.Context, d access.Decision, category datamap.CategoryID, subjectID string, f Filter) (n int64, released []string, err error)
	// Expired lists the accounts holding rows of the category that ended
	// before cutoff (for device.info: devices of accounts closed before
	// cutoff).
	Expired(ctx context.Context, category datamap.CategoryID, cutoff time.Time) ([]string, error)
	// Purge erases an account's rows of the category that ended before
	// cutoff; net.ip is pseudonymised (the full address goes, the prefix
	// stays).
	Purge(ctx context.Context, d access.Decision, category datamap.CategoryID, accountID string, cutoff time.Time) (int64, error)
}

// RegisterPrivacy gives the privacy centre the exporters, erasers and
// retention purgers of the device categories.
func (s *Service) RegisterPrivacy(r *fulfil.Registry, st PrivacyStore) error {
	for _, c := range []datamap.CategoryID{datamap.DeviceInfo, datamap.DeviceCredential, datamap.DeviceEvent,
		datamap.DeviceConfig, datamap.DeviceErrorReport, datamap.NetIP} {
		h := deviceHandler{s: s, st: st, cat: c}
		hs := fulfil.Handlers{Export: h, Erase: h}
		if c != datamap.DeviceCredential && c != datamap.DeviceConfig {
			hs.Purge = h
		}
		if err := r.Register(c, hs); err != nil {
			return err
		}
	}
	return nil
}

// deviceHandler exports, erases and purges one device category. Device
// data belongs to an account: a person gets the device data of the
// accounts they own.
type deviceHandler struct {
	s   *Service
	st  PrivacyStore
	cat datamap.CategoryID
}

func (h deviceHandler) filters(s fulfil.Subject, sc fulfil.Scope) []Filter {
	var out []Filter
	for _, acct := range s.OwnedAccounts() {
		out = append(out, Filter{AccountID: acct, Devices: sc.Devices, From: sc.From, To: sc.To})
	}
	return out
}

func record(id string, v any) fulfil.Record { return fulfil.Record{ID: id, Data: v} }

// Export writes the category's records of the accounts the subject owns.
func (h deviceHandler) Export(ctx context.Context, d access.Decision, s fulfil.Subject, sc fulfil.Scope, emit func(fulfil.Record) error) error {
	for _, f := range h.filters(s, sc) {
		var err error
		switch h.cat {
		case datamap.DeviceInfo:
			err = h.st.ExportDevices(ctx, d, h.cat, s.ID, f, func(r Row) error {
				return emit(record(r.ID, h.s.view(ctx, r)))
			})
		case datamap.DeviceCredential:
			err = h.st.ExportDevices(ctx, d, h.cat, s.ID, f, func(r Row) error {
				return emit(record(r.ID, map[string]any{"device_id": r.ID, "credential_issued_at": optTime(r.CredIssuedAt),
					"note": "the secret itself is never stored, only its hash, which is not exported"}))
			})
		case datamap.DeviceEvent:
			err = h.st.ExportEvents(ctx, d, s.ID, f, func(e EventRow) error {
				return emit(record("evt-"+itoa(e.ID), e))
			})
		case datamap.DeviceConfig:
			err = h.st.ExportShadows(ctx, d, s.ID, f, func(r ShadowRow) error {
				return emit(record(shadowRowID(r.DeviceID, r.Channel), h.s.shadowOf(ctx, r)))
			})
		case datamap.DeviceErrorReport:
			err = h.st.ExportReports(ctx, d, s.ID, f, func(r ReportRow) error {
				return emit(record(r.ID, Report{ID: r.ID, DeviceID: r.DeviceID, UserID: r.UserID, Kind: r.Kind, ReceivedAt: r.ReceivedAt,
					Body: string(h.s.open(ctx, r.AccountID, "error_reports.body_sealed", r.ID, r.BodySealed))}))
			})
		case datamap.NetIP:
			err = h.st.ExportIPs(ctx, d, s.ID, f, func(deviceID string, r IPRow) error {
				a := Address{Prefix: r.Prefix, FirstSeenAt: r.FirstSeenAt, LastSeenAt: r.LastSeenAt,
					IP: string(h.s.open(ctx, f.AccountID, "device_ips.ip_sealed", deviceID, r.IPSealed))}
				return emit(record("ip-"+itoa(r.ID), map[string]any{"device_id": deviceID, "address": a}))
			})
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// Erase deletes the category's data in the accounts the subject owns;
// erasing device.info releases the devices, with all they reported.
func (h deviceHandler) Erase(ctx context.Context, d access.Decision, s fulfil.Subject, sc fulfil.Scope) (fulfil.Erased, error) {
	var out fulfil.Erased
	for _, f := range h.filters(s, sc) {
		n, released, err := h.st.Erase(ctx, d, h.cat, s.ID, f)
		if err != nil {
			return out, err
		}
		out.Rows += n
		for _, id := range released {
			h.s.withdrawn(ctx, id)
			h.s.released(ctx, f.AccountID, id)
		}
	}
	return out, nil
}

// Expired lists the accounts with data of the category past its retention.
func (h deviceHandler) Expired(ctx context.Context, cutoff time.Time) ([]string, error) {
	return h.st.Expired(ctx, h.cat, cutoff)
}

// Purge erases an account's data of the category past its retention.
func (h deviceHandler) Purge(ctx context.Context, d access.Decision, owner string, cutoff time.Time) (int64, error) {
	return h.st.Purge(ctx, d, h.cat, owner, cutoff)
}
