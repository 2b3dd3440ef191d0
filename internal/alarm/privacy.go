package alarm

import (
	"bytes"
	"context"
	"io"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
)

// PrivacyFilter narrows what a data-subject request or a retention job
// touches in one account: some devices (all when empty) and a time range.
type PrivacyFilter struct {
	AccountID string
	Devices   []string
	From, To  time.Time
}

// PrivacyStore reads and erases alarm data for the privacy centre. Every
// method requires the gate's decision for the category and the subject.
type PrivacyStore interface {
	ExportAlarms(ctx context.Context, d access.Decision, subjectID string, f PrivacyFilter, emit func(Alarm) error) error
	ExportSnapshots(ctx context.Context, d access.Decision, subjectID string, f PrivacyFilter, emit func(Snapshot) error) error
	ExportRules(ctx context.Context, d access.Decision, subjectID string, f PrivacyFilter, emit func(Rule) error) error
	ExportQuietHours(ctx context.Context, d access.Decision, subjectID string, emit func(accountID string, q QuietHours) error) error
	// Erase deletes the category's rows in the filter (for media.snapshot
	// it returns the snapshots whose blobs must go).
	Erase(ctx context.Context, d access.Decision, cat datamap.CategoryID, subjectID string, f PrivacyFilter) (int64, []Snapshot, error)
	// EraseQuietHours deletes the subject's own quiet hours everywhere.
	EraseQuietHours(ctx context.Context, d access.Decision, subjectID string) (int64, error)
	// Expired lists accounts with rows of the category older than cutoff.
	Expired(ctx context.Context, cat datamap.CategoryID, cutoff time.Time) ([]string, error)
	// Purge deletes an account's rows of the category older than cutoff.
	Purge(ctx context.Context, d access.Decision, cat datamap.CategoryID, accountID string, cutoff time.Time) (int64, []Snapshot, error)
}

// RegisterPrivacy gives the privacy centre the exporters, erasers and
// retention purgers of alarms, snapshots and alarm rules (rules and quiet
// hours go 30 days after their account closed).
func (s *Service) RegisterPrivacy(r *fulfil.Registry) error {
	for _, c := range []datamap.CategoryID{datamap.AlarmEvent, datamap.MediaSnapshot, datamap.AlarmRule} {
		h := handler{s: s, cat: c}
		hs := fulfil.Handlers{Export: h, Erase: h, Purge: h}
		if err := r.Register(c, hs); err != nil {
			return err
		}
	}
	return nil
}

type handler struct {
	s   *Service
	cat datamap.CategoryID
}

func (h handler) filters(s fulfil.Subject, sc fulfil.Scope) []PrivacyFilter {
	var out []PrivacyFilter
	for _, acct := range s.OwnedAccounts() {
		out = append(out, PrivacyFilter{AccountID: acct, Devices: sc.Devices, From: sc.From, To: sc.To})
	}
	return out
}

// Export writes the category's records of the accounts the subject owns
// (and, for alarm rules, the subject's own quiet hours).
func (h handler) Export(ctx context.Context, d access.Decision, s fulfil.Subject, sc fulfil.Scope, emit func(fulfil.Record) error) error {
	st := h.s.store
	if h.cat == datamap.MediaSnapshot && len(s.Footage) > 0 {
		if err := h.exportFootage(ctx, d, s, sc, emit, nil); err != nil {
			return err
		}
	}
	for _, f := range h.filters(s, sc) {
		var err error
		switch h.cat {
		case datamap.AlarmEvent:
			err = st.ExportAlarms(ctx, d, s.ID, f, func(a Alarm) error { return emit(fulfil.Record{ID: a.ID, Data: a}) })
		case datamap.MediaSnapshot:
			err = st.ExportSnapshots(ctx, d, s.ID, f, func(sn Snapshot) error {
				return emit(fulfil.Record{ID: sn.ID, Data: map[string]any{"device_id": sn.DeviceID, "event_id": sn.EventID,
					"size": sn.Size, "created_at": sn.CreatedAt, "file": "media/" + string(datamap.MediaSnapshot) + "/" + sn.ID + ".jpg"}})
			})
		case datamap.AlarmRule:
			err = st.ExportRules(ctx, d, s.ID, f, func(r Rule) error { return emit(fulfil.Record{ID: r.ID, Data: r}) })
		}
		if err != nil {
			return err
		}
	}
	if h.cat == datamap.AlarmRule {
		return st.ExportQuietHours(ctx, d, s.ID, func(accountID string, q QuietHours) error {
			return emit(fulfil.Record{ID: "quiet-" + accountID, Data: map[string]any{"account_id": accountID, "quiet_hours": q}})
		})
	}
	return nil
}

// ExportMedia streams the snapshot pictures, decrypted, into the package.
func (h handler) ExportMedia(ctx context.Context, d access.Decision, s fulfil.Subject, sc fulfil.Scope, put func(name string, r io.Reader) error) error {
	if h.cat != datamap.MediaSnapshot {
		return nil
	}
	if len(s.Footage) > 0 {
		if err := h.exportFootage(ctx, d, s, sc, nil, put); err != nil {
			return err
		}
	}
	for _, f := range h.filters(s, sc) {
		err := h.s.store.ExportSnapshots(ctx, d, s.ID, f, func(sn Snapshot) error {
			rc, err := h.s.blobs.Open(ctx, sn.AccountID, sn.blobKey())
			if err != nil {
				return err
			}
			defer rc.Close()
			if s.Redact == nil {
				return put(sn.ID+".jpg", rc)
			}
			// Everyone but the requester is blurred (R7); a picture that
			// cannot be checked is withheld rather than shown.
			pic, err := io.ReadAll(io.LimitReader(rc, h.s.opts.SnapshotMax))
			if err != nil {
				return err
			}
			out, err := s.Redact.RedactJPEG(ctx, pic)
			if errs.Is(err, errs.Invalid) {
				s.Withheld(datamap.MediaSnapshot, sn.ID+".jpg", "the picture could not be checked for other people's faces")
				return nil
			} else if err != nil {
				return err
			}
			return put(sn.ID+".jpg", bytes.NewReader(out))
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Erase deletes the category's data in the accounts the subject owns.
func (h handler) Erase(ctx context.Context, d access.Decision, s fulfil.Subject, sc fulfil.Scope) (fulfil.Erased, error) {
	var out fulfil.Erased
	for _, f := range h.filters(s, sc) {
		n, snaps, err := h.s.store.Erase(ctx, d, h.cat, s.ID, f)
		if err != nil {
			return out, err
		}
		out.Rows += n
		out.Blobs += h.s.deleteBlobs(ctx, snaps)
	}
	if h.cat == datamap.AlarmRule {
		n, err := h.s.store.EraseQuietHours(ctx, d, s.ID)
		out.Rows += n
		return out, err
	}
	return out, nil
}

func (s *Service) deleteBlobs(ctx context.Context, snaps []Snapshot) int {
	n := 0
	for _, sn := range snaps {
		if err := s.blobs.Delete(ctx, sn.AccountID, sn.blobKey()); err != nil {
			s.log.Warn("snapshot blob not deleted", "snapshot", sn.ID, "err", err)
			continue
		}
		n++
	}
	return n
}

// Expired lists the accounts with data of the category past its retention.
func (h handler) Expired(ctx context.Context, cutoff time.Time) ([]string, error) {
	return h.s.store.Expired(ctx, h.cat, cutoff)
}

// Purge erases an account's data of the category past its retention.
func (h handler) Purge(ctx context.Context, d access.Decision, owner string, cutoff time.Time) (int64, error) {
	n, snaps, err := h.s.store.Purge(ctx, d, h.cat, owner, cutoff)
	h.s.deleteBlobs(ctx, snaps)
	return n, err
}
