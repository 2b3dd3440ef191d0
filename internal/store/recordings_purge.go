package store

import (
	"context"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/media/record"
)

// Accounts lists the accounts that have recordings.
func (s *RecordingStore) Accounts(ctx context.Context) ([]string, error) {
	var out []string
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		out, err = txIDs(ctx, tx, "recording accounts", `SELECT DISTINCT account_id FROM rec_usage ORDER BY account_id`)
		return err
	})
	return out, err
}

// Usage returns the space each device's recordings take in the account.
func (s *RecordingStore) Usage(ctx context.Context, accountID string) ([]record.Usage, error) {
	return queryAll(ctx, s.db, "recording usage", func(sc scanner) (record.Usage, error) {
		var u record.Usage
		return u, sc.Scan(&u.DeviceID, &u.Bytes, &u.Segments)
	}, `SELECT device_id, bytes, segments FROM rec_usage WHERE account_id = ? ORDER BY device_id`, accountID)
}

// Orphans lists devices with recordings that the account no longer owns.
func (s *RecordingStore) Orphans(ctx context.Context, accountID string) ([]string, error) {
	var out []string
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		out, err = txIDs(ctx, tx, "released devices", `SELECT u.device_id FROM rec_usage u WHERE u.account_id = ?
			AND NOT EXISTS (SELECT 1 FROM devices d WHERE d.id = u.device_id AND d.account_id = u.account_id) ORDER BY u.device_id`, accountID)
		return err
	})
	return out, err
}

// Victims lists stored segments to purge, oldest first.
func (s *RecordingStore) Victims(ctx context.Context, accountID, deviceID string, f record.VictimFilter, limit int) ([]record.Victim, error) {
	q := `SELECT id, device_id, channel, init_id, start_us, end_us, bytes FROM rec_segments WHERE account_id = ? AND state = 1`
	args := []any{accountID}
	if deviceID != "" {
		q += ` AND device_id = ?`
		args = append(args, deviceID)
	}
	if f.Marked != nil {
		q += ` AND marked = ?`
		args = append(args, b2i(*f.Marked))
	}
	for _, c := range []struct {
		cond string
		t    time.Time
	}{{` AND end_us < ?`, f.EndBefore}, {` AND start_us >= ?`, f.StartFrom}, {` AND start_us < ?`, f.StartUntil}} {
		if !c.t.IsZero() {
			q += c.cond
			args = append(args, Micros(c.t))
		}
	}
	q += ` ORDER BY end_us, id LIMIT ?`
	args = append(args, limit)
	return queryAll(ctx, s.db, "recorded segments", func(sc scanner) (record.Victim, error) {
		var v record.Victim
		var a, b int64
		err := sc.Scan(&v.ID, &v.DeviceID, &v.Channel, &v.InitID, &a, &b, &v.Bytes)
		v.Start, v.End = FromMicros(a), FromMicros(b)
		return v, err
	}, q, args...)
}

// inClause returns "(?, ?, ?)" for n values.
func inClause(n int) string {
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
}

func idArgs(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// StartPurge moves segments to StateDeleting, takes their bytes off the
// usage and rebuilds the ranges they leave.
func (s *RecordingStore) StartPurge(ctx context.Context, d access.Decision, accountID, deviceID string, vs []record.Victim) error {
	if err := requireRec(d, access.Delete, accountID, deviceID); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		type span struct{ from, to time.Time }
		spans := map[int]span{}
		var bytes, n int64
		for _, v := range vs {
			res, err := tx.Exec(ctx, `UPDATE rec_segments SET state = 2 WHERE id = ? AND account_id = ? AND device_id = ? AND state = 1`, v.ID, accountID, deviceID)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 0 {
				continue
			}
			bytes += v.Bytes
			n++
			sp, ok := spans[v.Channel]
			if !ok || v.Start.Before(sp.from) {
				sp.from = v.Start
			}
			if v.End.After(sp.to) {
				sp.to = v.End
			}
			spans[v.Channel] = sp
		}
		for ch, sp := range spans {
			if err := rebuildRanges(ctx, tx, accountID, deviceID, ch, sp.from, sp.to); err != nil {
				return err
			}
		}
		if err := addUsage(ctx, tx, accountID, deviceID, -bytes, -n); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM rec_usage WHERE account_id = ? AND device_id = ? AND segments <= 0`, accountID, deviceID)
		return err
	})
}

type rangeRow struct {
	id, initID, start, end, lastSeq, audio int64
}

type segLite struct {
	initID, seq, start, end, audio int64
}

// rebuildRanges recomputes the ranges of a channel that overlap the purged
// span [from, to]: what remains of them before `to` is scanned (after a
// purge, oldest first, little remains there), and each range reaching
// past `to` keeps its tail as it was, from its first remaining segment.
func rebuildRanges(ctx context.Context, tx *Tx, accountID, deviceID string, channel int, from, to time.Time) error {
	f, t := Micros(from), Micros(to)
	var affected []rangeRow
	err := forEachRow(ctx, tx, "ranges", func(sc scanner) (rangeRow, error) {
		var r rangeRow
		return r, sc.Scan(&r.id, &r.initID, &r.start, &r.end, &r.lastSeq, &r.audio)
	}, func(r rangeRow) error { affected = append(affected, r); return nil },
		`SELECT id, init_id, start_us, end_us, last_seq, has_audio FROM rec_ranges WHERE account_id = ? AND device_id = ? AND channel = ?
		AND end_us >= ? AND start_us <= ?`, accountID, deviceID, channel, f, t)
	if err != nil || len(affected) == 0 {
		return err
	}
	lo := affected[0].start
	for _, r := range affected {
		lo = min(lo, r.start)
		if _, err := tx.Exec(ctx, `DELETE FROM rec_ranges WHERE id = ?`, r.id); err != nil {
			return err
		}
	}
	var runs []rangeRow
	extend := func(sg segLite) {
		for i := range runs {
			r := &runs[i]
			if r.initID == sg.initID && r.lastSeq+1 == sg.seq && abs(sg.start-r.end) <= contiguous.Microseconds() {
				r.end, r.lastSeq, r.audio = max(r.end, sg.end), sg.seq, r.audio|sg.audio
				return
			}
		}
		runs = append(runs, rangeRow{initID: sg.initID, start: sg.start, end: sg.end, lastSeq: sg.seq, audio: sg.audio})
	}
	scan := func(sc scanner) (segLite, error) {
		var sg segLite
		return sg, sc.Scan(&sg.initID, &sg.seq, &sg.start, &sg.end, &sg.audio)
	}
	err = forEachRow(ctx, tx, "segments", scan, func(sg segLite) error { extend(sg); return nil },
		`SELECT init_id, seq, start_us, end_us, has_audio FROM rec_segments WHERE account_id = ? AND device_id = ? AND channel = ?
		AND start_us >= ? AND start_us < ? AND state = 1 ORDER BY start_us, id`, accountID, deviceID, channel, lo, t)
	if err != nil {
		return err
	}
	for _, r := range affected {
		if r.end <= t {
			continue
		}
		// The range's tail after the purged span is untouched: it starts at
		// its first segment there and ends where the range ended.
		var first segLite
		err := tx.QueryRow(ctx, `SELECT init_id, seq, start_us, end_us, has_audio FROM rec_segments WHERE account_id = ? AND device_id = ?
			AND channel = ? AND init_id = ? AND start_us >= ? AND start_us < ? AND state = 1 ORDER BY start_us, id LIMIT 1`,
			accountID, deviceID, channel, r.initID, t, r.end).Scan(&first.initID, &first.seq, &first.start, &first.end, &first.audio)
		if err != nil {
			if err := tx.Err(err, "segment"); errs.Is(err, errs.NotFound) {
				continue
			}
			return tx.Err(err, "segment")
		}
		extend(first)
		for i := range runs {
			if runs[i].initID == r.initID && runs[i].lastSeq == first.seq {
				runs[i].end, runs[i].lastSeq, runs[i].audio = r.end, r.lastSeq, runs[i].audio|r.audio
			}
		}
	}
	for _, r := range runs {
		if _, err := tx.Exec(ctx, `INSERT INTO rec_ranges (account_id, device_id, channel, init_id, start_us, end_us, last_seq, has_audio)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, accountID, deviceID, channel, r.initID, r.start, r.end, r.lastSeq, r.audio); err != nil {
			return err
		}
	}
	return nil
}

// FinishPurge deletes purged rows, writes the purge log entry, and hands
// back the device's inits made before initsBefore that no segment refers
// to any more, moved to StateDeleting.
func (s *RecordingStore) FinishPurge(ctx context.Context, d access.Decision, accountID, deviceID string, ids []int64, p record.Purge, initsBefore time.Time) ([]record.Intent, error) {
	if err := requireRec(d, access.Delete, accountID, deviceID); err != nil {
		return nil, err
	}
	var out []record.Intent
	err := s.db.Write(ctx, func(tx *Tx) error {
		for len(ids) > 0 {
			chunk := ids[:min(len(ids), 500)]
			ids = ids[len(chunk):]
			if _, err := tx.Exec(ctx, `DELETE FROM rec_segments WHERE account_id = ? AND state = 2 AND id IN `+inClause(len(chunk)),
				append([]any{accountID}, idArgs(chunk)...)...); err != nil {
				return err
			}
		}
		err := forEachRow(ctx, tx, "recording sessions", func(sc scanner) (record.Intent, error) {
			in := record.Intent{Init: true, AccountID: accountID, DeviceID: deviceID}
			return in, sc.Scan(&in.ID, &in.Channel)
		}, func(in record.Intent) error { out = append(out, in); return nil },
			`SELECT i.id, i.channel FROM rec_inits i WHERE i.account_id = ? AND i.device_id = ? AND i.state = 1 AND i.created_at < ?
			AND NOT EXISTS (SELECT 1 FROM rec_segments s WHERE s.init_id = i.id)`, accountID, deviceID, Micros(initsBefore))
		if err != nil {
			return err
		}
		for _, in := range out {
			if _, err := tx.Exec(ctx, `UPDATE rec_inits SET state = 2 WHERE id = ?`, in.ID); err != nil {
				return err
			}
		}
		if p.Segments == 0 {
			return nil
		}
		_, err = tx.Exec(ctx, `INSERT INTO rec_purges (account_id, device_id, reason, segments, bytes, from_us, to_us, audit_seq, at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, accountID, deviceID, p.Reason, p.Segments, p.Bytes, Micros(p.From), Micros(p.To), d.AuditSeq(), Micros(tx.Now))
		return err
	})
	return out, err
}

// DeleteInit deletes an init row being purged.
func (s *RecordingStore) DeleteInit(ctx context.Context, in record.Intent) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM rec_inits WHERE id = ? AND account_id = ? AND state = 2`, in.ID, in.AccountID)
		return err
	})
}

// Purges returns the account's purge log, newest first.
func (s *RecordingStore) Purges(ctx context.Context, d access.Decision, accountID string, limit int) ([]record.Purge, error) {
	if err := requireRec(d, access.List, accountID, ""); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "purge log", func(sc scanner) (record.Purge, error) {
		var p record.Purge
		var a, b, at int64
		err := sc.Scan(&p.ID, &p.DeviceID, &p.Reason, &p.Segments, &p.Bytes, &a, &b, &p.AuditSeq, &at)
		p.From, p.To, p.At = FromMicros(a), FromMicros(b), FromMicros(at)
		return p, err
	}, `SELECT id, device_id, reason, segments, bytes, from_us, to_us, audit_seq, at FROM rec_purges WHERE account_id = ?
		ORDER BY id DESC LIMIT ?`, accountID, limit)
}

// filterClause narrows a query of the account's rows to devices and a time
// column range.
func filterClause(col string, devices []string, from, to time.Time) (string, []any) {
	var q string
	var args []any
	if len(devices) > 0 {
		q += ` AND device_id IN ` + inClause(len(devices))
		for _, d := range devices {
			args = append(args, d)
		}
	}
	if !from.IsZero() {
		q += ` AND ` + col + ` >= ?`
		args = append(args, Micros(from))
	}
	if !to.IsZero() {
		q += ` AND ` + col + ` < ?`
		args = append(args, Micros(to))
	}
	return q, args
}

// ExportSegments streams the account's stored segments in the filter.
func (s *RecordingStore) ExportSegments(ctx context.Context, d access.Decision, subjectID, accountID string, devices []string, from, to time.Time, fn func(record.SegmentRow) error) error {
	if err := requireExport(d, subjectID); err != nil {
		return err
	}
	q, args := filterClause("start_us", devices, from, to)
	return scanEach(ctx, s.db, "recorded segments", scanSegment, fn, `SELECT `+segmentColumns+` FROM rec_segments WHERE account_id = ? AND state = 1`+q+
		` ORDER BY device_id, channel, start_us, id`, append([]any{accountID}, args...)...)
}

// ExportMarks streams the account's event marks in the filter.
func (s *RecordingStore) ExportMarks(ctx context.Context, d access.Decision, subjectID, accountID string, devices []string, from, to time.Time, fn func(string, int, record.MarkRow) error) error {
	if err := requireExport(d, subjectID); err != nil {
		return err
	}
	type mk struct {
		dev string
		ch  int
		m   record.MarkRow
	}
	q, args := filterClause("at_us", devices, from, to)
	return scanEach(ctx, s.db, "event marks", func(sc scanner) (mk, error) {
		var x mk
		var at int64
		err := sc.Scan(&x.dev, &x.ch, &at, &x.m.Kind, &x.m.Ref)
		x.m.At = FromMicros(at)
		return x, err
	}, func(x mk) error { return fn(x.dev, x.ch, x.m) }, `SELECT device_id, channel, at_us, kind, ref FROM rec_marks WHERE account_id = ?`+q+
		` ORDER BY device_id, channel, at_us`, append([]any{accountID}, args...)...)
}

// requireExport checks the privacy centre's decision to export recordings
// for a subject.
func requireExport(d access.Decision, subjectID string) error {
	return d.Require(access.Export, access.Resource{Category: datamap.MediaSegment, SubjectID: subjectID})
}
