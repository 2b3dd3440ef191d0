package store

import (
	"context"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/media"
	"github.com/vigil-cloud/vigil/internal/media/record"
)

// RecordingStore keeps the recordings index: segments, session inits, the
// ranges the timeline lists, event marks, usage, settings and the purge
// log.
type RecordingStore struct{ db *DB }

// NewRecordingStore returns the recordings store on db.
func NewRecordingStore(db *DB) *RecordingStore { return &RecordingStore{db: db} }

var _ record.Store = (*RecordingStore)(nil)

// contiguous is the largest gap between two segments of a session that a
// range bridges (timestamps are rounded to microseconds and segment
// durations to the frame).
const contiguous = 500 * time.Millisecond

func recRes(accountID, deviceID string) access.Resource {
	return access.Resource{Category: datamap.MediaSegment, AccountID: accountID, ID: deviceID}
}

// requireRec accepts a decision about the device (in its site) or about
// the account's whole collection.
func requireRec(d access.Decision, a access.Action, accountID, deviceID string) error {
	return d.Require(a, recRes(accountID, deviceID))
}

// requireDevice checks a decision about a device's data of a category,
// with the device's site.
func (s *RecordingStore) requireDevice(ctx context.Context, d access.Decision, a access.Action, cat datamap.CategoryID, accountID, deviceID string) error {
	site := ""
	if deviceID != "" {
		var err error
		if site, err = s.DeviceSite(ctx, accountID, deviceID); err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
	}
	return d.Require(a, access.Resource{Category: cat, AccountID: accountID, SiteID: site, ID: deviceID})
}

// BeginInit writes the intent row of a session's init.
func (s *RecordingStore) BeginInit(ctx context.Context, r record.InitRow, writer string) (int64, error) {
	var id int64
	err := s.db.Write(ctx, func(tx *Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO rec_inits (account_id, device_id, channel, session, bytes, state, writer, created_at)
			SELECT ?, ?, ?, ?, ?, 0, ?, ?`+whereClaimed+` RETURNING id`,
			r.AccountID, r.DeviceID, r.Channel, r.Session, r.Bytes, writer, Micros(tx.Now), r.DeviceID, r.AccountID, claimMicros(r.ClaimedAt), claimMicros(r.ClaimedAt)).Scan(&id)
		return claimErr(tx, err, "recording session")
	})
	return id, err
}

// FindInit returns the stored init of a session.
func (s *RecordingStore) FindInit(ctx context.Context, accountID, deviceID string, channel int, session string) (record.InitRow, error) {
	var r record.InitRow
	err := s.db.Read(ctx, func(tx *Tx) error {
		var created int64
		err := tx.QueryRow(ctx, `SELECT id, bytes, created_at FROM rec_inits
			WHERE account_id = ? AND device_id = ? AND channel = ? AND session = ? AND state = 1`,
			accountID, deviceID, channel, session).Scan(&r.ID, &r.Bytes, &created)
		r.AccountID, r.DeviceID, r.Channel, r.Session, r.CreatedAt = accountID, deviceID, channel, session, FromMicros(created)
		return tx.Err(err, "recording session")
	})
	return r, err
}

// CompleteInit marks an init stored.
func (s *RecordingStore) CompleteInit(ctx context.Context, id int64) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE rec_inits SET state = 1 WHERE id = ? AND state = 0`, id)
		if err != nil {
			return err
		}
		return MustAffect(res, "recording session")
	})
}

// whereClaimed keeps a recording row out unless the device is still claimed
// into the row's account under the claim the session was opened under
// (any claim of that account when the claim is 0): a camera released or
// claimed by someone else never writes into the former owner's account,
// whatever its open session still sends.
const whereClaimed = ` WHERE EXISTS (SELECT 1 FROM devices WHERE id = ? AND account_id = ? AND (claimed_at = ? OR CAST(? AS BIGINT) = 0))`

func claimMicros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return Micros(t)
}

// errClaimEnded refuses a recording row of a claim that has ended.
var errClaimEnded = errs.E(errs.Gone, "the device is no longer claimed into this account under the claim its stream was opened with")

func claimErr(tx *Tx, err error, what string) error {
	if err = tx.Err(err, what); errs.Is(err, errs.NotFound) {
		return errClaimEnded
	}
	return err
}

// IndexSegments takes the steps of many segments' index in one
// transaction: one commit (and on SQLite one fsync) for all the streams
// whose segments arrived while the previous commit ran.
func (s *RecordingStore) IndexSegments(ctx context.Context, steps []record.IndexStep, writer string) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		for i := range steps {
			st := &steps[i]
			if st.Complete {
				st.Err = completeSegment(ctx, tx, st.Row)
			} else {
				st.Row.ID, st.Err = beginSegment(ctx, tx, st.Row, writer)
			}
			// A step refused on its own leaves the transaction usable
			// (nothing failed in the database); anything else ends it.
			if st.Err != nil && !errs.Is(st.Err, errs.Gone) && !errs.Is(st.Err, errs.NotFound) {
				return st.Err
			}
		}
		return nil
	})
}

// beginSegment writes the intent row of a segment.
func beginSegment(ctx context.Context, tx *Tx, r record.SegmentRow, writer string) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO rec_segments (account_id, device_id, channel, init_id, seq, start_us, end_us, bytes,
		has_audio, codecs, marked, state, writer, created_at) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?`+whereClaimed+` RETURNING id`,
		r.AccountID, r.DeviceID, r.Channel, r.InitID, int64(r.Seq), Micros(r.Start), Micros(r.End), r.Bytes,
		b2i(r.HasAudio), r.Codecs, b2i(r.Marked), writer, Micros(tx.Now), r.DeviceID, r.AccountID, claimMicros(r.ClaimedAt), claimMicros(r.ClaimedAt)).Scan(&id)
	return id, claimErr(tx, err, "recorded segment")
}

// completeSegment marks a segment stored, extends its channel's last range
// when the segment continues it (same session, next number, no gap) or
// opens a new one, and counts its bytes.
func completeSegment(ctx context.Context, tx *Tx, r record.SegmentRow) error {
	res, err := tx.Exec(ctx, `UPDATE rec_segments SET state = 1 WHERE id = ? AND state = 0`, r.ID)
	if err != nil {
		return err
	}
	if err := MustAffect(res, "recorded segment"); err != nil {
		return err
	}
	var id, end, lastSeq, initID int64
	err = tx.QueryRow(ctx, `SELECT id, end_us, last_seq, init_id FROM rec_ranges
		WHERE account_id = ? AND device_id = ? AND channel = ? ORDER BY end_us DESC LIMIT 1`,
		r.AccountID, r.DeviceID, r.Channel).Scan(&id, &end, &lastSeq, &initID)
	if err != nil && !errs.Is(tx.Err(err, "range"), errs.NotFound) {
		return tx.Err(err, "range")
	}
	start := Micros(r.Start)
	if err == nil && r.DroppedBefore == 0 && initID == r.InitID && uint64(lastSeq)+1 == r.Seq && abs(start-end) <= contiguous.Microseconds() {
		_, err = tx.Exec(ctx, `UPDATE rec_ranges SET end_us = ?, last_seq = ?, has_audio = has_audio | ? WHERE id = ?`,
			max(end, Micros(r.End)), int64(r.Seq), b2i(r.HasAudio), id)
	} else {
		_, err = tx.Exec(ctx, `INSERT INTO rec_ranges (account_id, device_id, channel, init_id, start_us, end_us, last_seq, has_audio, dropped_before)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.AccountID, r.DeviceID, r.Channel, r.InitID, start, Micros(r.End), int64(r.Seq), b2i(r.HasAudio), r.DroppedBefore)
	}
	if err != nil {
		return err
	}
	return addUsage(ctx, tx, r.AccountID, r.DeviceID, r.Bytes, 1)
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

func addUsage(ctx context.Context, tx *Tx, accountID, deviceID string, bytes, segments int64) error {
	_, err := tx.Exec(ctx, `INSERT INTO rec_usage (account_id, device_id, bytes, segments) VALUES (?, ?, ?, ?)
		ON CONFLICT (account_id, device_id) DO UPDATE SET bytes = rec_usage.bytes + excluded.bytes, segments = rec_usage.segments + excluded.segments`,
		accountID, deviceID, bytes, segments)
	return err
}

// Intents lists the rows not stored: written but not yet stored (with
// their writer), or being deleted.
func (s *RecordingStore) Intents(ctx context.Context) ([]record.Intent, error) {
	var out []record.Intent
	err := s.db.Read(ctx, func(tx *Tx) error {
		for _, q := range []struct {
			init bool
			sql  string
		}{
			{true, `SELECT id, account_id, device_id, channel, writer FROM rec_inits WHERE state = 0`},
			{false, `SELECT id, account_id, device_id, channel, writer FROM rec_segments WHERE state = 0`},
			{false, `SELECT id, account_id, device_id, channel, '' FROM rec_segments WHERE state = 2`},
			{true, `SELECT id, account_id, device_id, channel, '' FROM rec_inits WHERE state = 2`},
		} {
			err := forEachRow(ctx, tx, "unfinished recording", func(sc scanner) (record.Intent, error) {
				in := record.Intent{Init: q.init}
				return in, sc.Scan(&in.ID, &in.AccountID, &in.DeviceID, &in.Channel, &in.Writer)
			}, func(in record.Intent) error { out = append(out, in); return nil }, q.sql)
			if err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// DropIntent deletes a row that is not stored.
func (s *RecordingStore) DropIntent(ctx context.Context, in record.Intent) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		if in.Init {
			_, err := tx.Exec(ctx, `DELETE FROM rec_inits WHERE id = ? AND state != 1`, in.ID)
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM rec_segments WHERE id = ? AND state != 1`, in.ID)
		return err
	})
}

// AddMarks stores event marks and marks the segments around each, in one
// transaction: one commit for a whole fan-out pass of alarms.
func (s *RecordingStore) AddMarks(ctx context.Context, ms []media.Mark, before, after time.Duration) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		for _, m := range ms {
			from, to := m.At.Add(-before), m.At.Add(after)
			if _, err := tx.Exec(ctx, `INSERT INTO rec_marks (account_id, device_id, channel, at_us, kind, ref) VALUES (?, ?, ?, ?, ?, ?)`,
				m.AccountID, m.DeviceID, m.Channel, Micros(m.At), m.Kind, m.Ref); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE rec_segments SET marked = 1 WHERE account_id = ? AND device_id = ? AND channel = ?
				AND start_us <= ? AND start_us >= ? AND end_us >= ?`,
				m.AccountID, m.DeviceID, m.Channel, Micros(to), Micros(from.Add(-time.Hour)), Micros(from)); err != nil {
				return err
			}
		}
		return nil
	})
}

// Settings returns the stored settings at the three levels.
func (s *RecordingStore) Settings(ctx context.Context, accountID, deviceID string, channel int) (acct, dev, ch record.Settings, err error) {
	err = s.db.Read(ctx, func(tx *Tx) error {
		return forEachRow(ctx, tx, "recording settings", scanSettings, func(st record.Settings) error {
			switch {
			case st.DeviceID == "":
				acct = st
			case st.Channel == record.AllChannels:
				dev = st
			default:
				ch = st
			}
			return nil
		}, `SELECT device_id, channel, mode, retention_s, event_retention_s, quota_bytes, updated_by, updated_at FROM rec_settings
			WHERE account_id = ? AND ((device_id = '' AND channel = -1) OR (device_id = ? AND channel IN (-1, ?)))`,
			accountID, deviceID, channel)
	})
	return
}

func scanSettings(sc scanner) (record.Settings, error) {
	var st record.Settings
	var mode string
	var ret, evt, at int64
	err := sc.Scan(&st.DeviceID, &st.Channel, &mode, &ret, &evt, &st.QuotaBytes, &st.UpdatedBy, &at)
	st.Mode, st.Retention, st.EventRetention, st.UpdatedAt = record.Mode(mode), time.Duration(ret)*time.Second, time.Duration(evt)*time.Second, FromMicros(at)
	return st, err
}

// PutSettings stores the settings of one level.
func (s *RecordingStore) PutSettings(ctx context.Context, d access.Decision, accountID string, st record.Settings) error {
	if err := s.requireDevice(ctx, d, access.Update, datamap.DeviceConfig, accountID, st.DeviceID); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO rec_settings (account_id, device_id, channel, mode, retention_s, event_retention_s, quota_bytes, updated_by, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account_id, device_id, channel) DO UPDATE SET mode = excluded.mode,
			retention_s = excluded.retention_s, event_retention_s = excluded.event_retention_s, quota_bytes = excluded.quota_bytes,
			updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			accountID, st.DeviceID, st.Channel, string(st.Mode), int64(st.Retention/time.Second), int64(st.EventRetention/time.Second),
			st.QuotaBytes, st.UpdatedBy, Micros(tx.Now))
		return err
	})
}

// DeviceSite returns the site of a device the account owns.
func (s *RecordingStore) DeviceSite(ctx context.Context, accountID, deviceID string) (string, error) {
	return NewDeviceStore(s.db).DeviceSite(ctx, accountID, deviceID)
}

// Ranges lists the recorded ranges of a channel overlapping [from, to).
func (s *RecordingStore) Ranges(ctx context.Context, d access.Decision, accountID, deviceID string, channel int, from, to time.Time) ([]record.Range, error) {
	if err := s.requireDevice(ctx, d, access.List, datamap.MediaSegment, accountID, deviceID); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "recorded ranges", func(sc scanner) (record.Range, error) {
		var r record.Range
		var a, b, audio int64
		err := sc.Scan(&a, &b, &audio, &r.InitID, &r.DroppedBefore)
		r.Start, r.End, r.HasAudio = FromMicros(a), FromMicros(b), audio != 0
		return r, err
	}, `SELECT start_us, end_us, has_audio, init_id, dropped_before FROM rec_ranges WHERE account_id = ? AND device_id = ? AND channel = ?
		AND end_us > ? AND start_us < ? ORDER BY start_us`, accountID, deviceID, channel, Micros(from), Micros(to))
}

// Marks lists the event marks of a channel in [from, to).
func (s *RecordingStore) Marks(ctx context.Context, d access.Decision, accountID, deviceID string, channel int, from, to time.Time) ([]record.MarkRow, error) {
	if err := s.requireDevice(ctx, d, access.List, datamap.MediaSegment, accountID, deviceID); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "event marks", scanMark, `SELECT at_us, kind, ref FROM rec_marks WHERE account_id = ? AND device_id = ? AND channel = ?
		AND at_us >= ? AND at_us < ? ORDER BY at_us`, accountID, deviceID, channel, Micros(from), Micros(to))
}

func scanMark(sc scanner) (record.MarkRow, error) {
	var m record.MarkRow
	var at int64
	err := sc.Scan(&at, &m.Kind, &m.Ref)
	m.At = FromMicros(at)
	return m, err
}

const segmentColumns = `id, account_id, device_id, channel, init_id, seq, start_us, end_us, bytes, has_audio, codecs, marked`

func scanSegment(sc scanner) (record.SegmentRow, error) {
	var r record.SegmentRow
	var seq, start, end, audio, marked int64
	err := sc.Scan(&r.ID, &r.AccountID, &r.DeviceID, &r.Channel, &r.InitID, &seq, &start, &end, &r.Bytes, &audio, &r.Codecs, &marked)
	r.Seq, r.Start, r.End, r.HasAudio, r.Marked = uint64(seq), FromMicros(start), FromMicros(end), audio != 0, marked != 0
	return r, err
}

// maxSegment bounds how far before a range's start a segment overlapping it
// may start.
const maxSegment = time.Minute

// GrantSegments streams the stored segments of the grant's channel and
// range.
func (s *RecordingStore) GrantSegments(ctx context.Context, g media.Grant, fn func(record.SegmentRow) error) error {
	return scanEach(ctx, s.db, "recorded segments", scanSegment, fn, `SELECT `+segmentColumns+` FROM rec_segments
		WHERE account_id = ? AND device_id = ? AND channel = ? AND start_us >= ? AND start_us < ? AND end_us > ? AND state = 1
		ORDER BY start_us, id`, g.AccountID, g.DeviceID, g.Channel, Micros(g.From.Add(-maxSegment)), Micros(g.To), Micros(g.From))
}

// GrantSegment returns one stored segment of the grant's channel and range.
func (s *RecordingStore) GrantSegment(ctx context.Context, g media.Grant, id int64) (record.SegmentRow, error) {
	var r record.SegmentRow
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		r, err = scanSegment(tx.QueryRow(ctx, `SELECT `+segmentColumns+` FROM rec_segments WHERE id = ? AND account_id = ? AND device_id = ?
			AND channel = ? AND start_us < ? AND end_us > ? AND state = 1`, id, g.AccountID, g.DeviceID, g.Channel, Micros(g.To), Micros(g.From)))
		return tx.Err(err, "recorded segment")
	})
	return r, err
}

// GrantInit returns a stored init of the grant's channel.
func (s *RecordingStore) GrantInit(ctx context.Context, g media.Grant, id int64) (record.InitRow, error) {
	var r record.InitRow
	err := s.db.Read(ctx, func(tx *Tx) error {
		var created int64
		err := tx.QueryRow(ctx, `SELECT session, bytes, created_at FROM rec_inits WHERE id = ? AND account_id = ? AND device_id = ? AND channel = ? AND state = 1`,
			id, g.AccountID, g.DeviceID, g.Channel).Scan(&r.Session, &r.Bytes, &created)
		r.ID, r.AccountID, r.DeviceID, r.Channel, r.CreatedAt = id, g.AccountID, g.DeviceID, g.Channel, FromMicros(created)
		return tx.Err(err, "recording session")
	})
	return r, err
}
