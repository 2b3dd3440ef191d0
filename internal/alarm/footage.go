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

// MaxFootageSnapshots bounds the snapshots one footage search looks at per
// camera: a request names a camera and a time, not a year of events.
const MaxFootageSnapshots = 5000

// SearchSnapshots hands fn, one at a time, the stored snapshots of one
// camera taken in [from, to), decrypted, for a person's search of
// themselves (find footage of me). d is the request job's decision to
// export media.snapshot for subjectID. The list is read first, so no
// database read stays open while pictures are looked at.
func (s *Service) SearchSnapshots(ctx context.Context, d access.Decision, subjectID, accountID, deviceID string, from, to time.Time,
	fn func(snapshotID, eventID string, at time.Time, jpeg []byte) error) error {
	var snaps []Snapshot
	err := s.store.ExportSnapshots(ctx, d, subjectID, PrivacyFilter{AccountID: accountID, Devices: []string{deviceID}, From: from, To: to},
		func(sn Snapshot) error {
			if len(snaps) >= MaxFootageSnapshots {
				return errs.E(errs.TooLarge, "more than %d snapshots on one camera in the time named: narrow the time range", MaxFootageSnapshots)
			}
			snaps = append(snaps, sn)
			return nil
		})
	if err != nil {
		return err
	}
	for _, sn := range snaps {
		pic, err := s.readSnapshot(ctx, sn)
		if errs.Is(err, errs.NotFound) || errs.Is(err, errs.Gone) {
			continue // deleted meanwhile
		}
		if err != nil {
			return err
		}
		if err := fn(sn.ID, sn.EventID, sn.CreatedAt, pic); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) readSnapshot(ctx context.Context, sn Snapshot) ([]byte, error) {
	rc, err := s.blobs.Open(ctx, sn.AccountID, sn.blobKey())
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, s.opts.SnapshotMax))
}

// exportFootage writes, for a person without an account, the snapshots
// camera owners released to them, each with everyone else blurred (R7); a
// picture that cannot be redacted is withheld. emitRecord writes the
// record, put (when set) the picture.
func (h handler) exportFootage(ctx context.Context, d access.Decision, s fulfil.Subject, sc fulfil.Scope,
	emit func(fulfil.Record) error, put func(name string, r io.Reader) error) error {
	for _, ref := range s.Footage {
		err := h.s.store.ExportSnapshots(ctx, d, s.ID, PrivacyFilter{AccountID: ref.AccountID, Devices: []string{ref.DeviceID}, From: sc.From, To: sc.To},
			func(sn Snapshot) error {
				if sn.ID != ref.SnapshotID {
					return nil
				}
				if emit != nil {
					return emit(fulfil.Record{ID: sn.ID, Data: map[string]any{"device_id": sn.DeviceID, "created_at": sn.CreatedAt,
						"file": "media/media.snapshot/" + sn.ID + ".jpg"}})
				}
				if s.Redact == nil {
					s.Withheld(datamap.MediaSnapshot, sn.ID+".jpg", "other people in the picture could not be blurred")
					return nil
				}
				pic, err := h.s.readSnapshot(ctx, sn)
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
