package store

import (
	"context"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/alarm"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/errs"
)

func alarmWhere(f alarm.PrivacyFilter, prefix, timeCol string) (string, []any) {
	cond, args := where(device.Filter{AccountID: f.AccountID, Devices: f.Devices, From: f.From, To: f.To}, prefix+"device_id", timeCol)
	return strings.Replace(cond, "account_id", prefix+"account_id", 1), args
}

// ExportAlarms streams an account's alarms.
func (s *AlarmStore) ExportAlarms(ctx context.Context, d access.Decision, subjectID string, f alarm.PrivacyFilter, emit func(alarm.Alarm) error) error {
	if err := requireFor(d, access.Export, datamap.AlarmEvent, subjectID); err != nil {
		return err
	}
	cond, args := alarmWhere(f, "a.", "a.received_at")
	return scanEach(ctx, s.db, "alarms", scanAlarm, emit, `SELECT `+alarmColumns+alarmFrom+` WHERE `+cond+` ORDER BY a.received_at, a.id`, args...)
}

// ExportSnapshots streams an account's snapshot records.
func (s *AlarmStore) ExportSnapshots(ctx context.Context, d access.Decision, subjectID string, f alarm.PrivacyFilter, emit func(alarm.Snapshot) error) error {
	if err := requireFor(d, access.Export, datamap.MediaSnapshot, subjectID); err != nil {
		return err
	}
	cond, args := alarmWhere(f, "s.", "s.created_at")
	return scanEach(ctx, s.db, "snapshots", scanSnapshot, emit, `SELECT `+snapshotColumns+` FROM alarm_snapshots s WHERE `+cond+` ORDER BY s.created_at, s.id`, args...)
}

// ExportRules streams an account's alarm rules.
func (s *AlarmStore) ExportRules(ctx context.Context, d access.Decision, subjectID string, f alarm.PrivacyFilter, emit func(alarm.Rule) error) error {
	if err := requireFor(d, access.Export, datamap.AlarmRule, subjectID); err != nil {
		return err
	}
	return scanEach(ctx, s.db, "alarm rules", scanRule, emit, `SELECT `+ruleColumns+` FROM alarm_rules WHERE account_id = ? ORDER BY id`, f.AccountID)
}

// ExportQuietHours streams the subject's own quiet hours.
func (s *AlarmStore) ExportQuietHours(ctx context.Context, d access.Decision, subjectID string, emit func(string, alarm.QuietHours) error) error {
	if err := requireFor(d, access.Export, datamap.AlarmRule, subjectID); err != nil {
		return err
	}
	type row struct {
		account string
		q       alarm.QuietHours
	}
	return scanEach(ctx, s.db, "quiet hours", func(sc scanner) (r row, err error) {
		var st, en int
		err = sc.Scan(&r.account, &r.q.UserID, &st, &en, &r.q.TimeZone)
		r.q.Start, r.q.End = hhmm(st), hhmm(en)
		return r, err
	}, func(r row) error { return emit(r.account, r.q) },
		`SELECT account_id, user_id, start_minute, end_minute, time_zone FROM alarm_quiet_hours WHERE user_id = ? ORDER BY account_id`, subjectID)
}

// Erase deletes the category's rows in the filter.
func (s *AlarmStore) Erase(ctx context.Context, d access.Decision, cat datamap.CategoryID, subjectID string, f alarm.PrivacyFilter) (int64, []alarm.Snapshot, error) {
	if err := requireFor(d, access.Delete, cat, subjectID); err != nil {
		return 0, nil, err
	}
	return s.deleteWhere(ctx, cat, f)
}

func (s *AlarmStore) deleteWhere(ctx context.Context, cat datamap.CategoryID, f alarm.PrivacyFilter) (int64, []alarm.Snapshot, error) {
	var n int64
	var snaps []alarm.Snapshot
	err := s.db.Write(ctx, func(tx *Tx) error {
		n, snaps = 0, nil
		var q string
		var args []any
		switch cat {
		case datamap.AlarmEvent:
			var cond string
			cond, args = alarmWhere(f, "", "received_at")
			q = `DELETE FROM alarms WHERE ` + cond
		case datamap.MediaSnapshot:
			cond, a := alarmWhere(f, "s.", "s.created_at")
			var err error
			if snaps, err = txAll(ctx, tx, "snapshots", scanSnapshot, `SELECT `+snapshotColumns+` FROM alarm_snapshots s WHERE `+cond, a...); err != nil {
				return err
			}
			cond, args = alarmWhere(f, "", "created_at")
			q = `DELETE FROM alarm_snapshots WHERE ` + cond
		case datamap.AlarmRule:
			if _, err := tx.Exec(ctx, `DELETE FROM alarm_cooldowns WHERE rule_id IN (SELECT id FROM alarm_rules WHERE account_id = ?)`, f.AccountID); err != nil {
				return err
			}
			q, args = `DELETE FROM alarm_rules WHERE account_id = ?`, []any{f.AccountID}
		default:
			return errs.E(errs.Internal, "%s is not an alarm category", cat)
		}
		res, err := tx.Exec(ctx, q, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return tx.Err(err, "erase")
	})
	return n, snaps, err
}

// EraseQuietHours deletes the subject's quiet hours everywhere.
func (s *AlarmStore) EraseQuietHours(ctx context.Context, d access.Decision, subjectID string) (int64, error) {
	if err := requireFor(d, access.Delete, datamap.AlarmRule, subjectID); err != nil {
		return 0, err
	}
	var n int64
	err := s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM alarm_quiet_hours WHERE user_id = ?`, subjectID)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return tx.Err(err, "erase")
	})
	return n, err
}

// Expired lists the accounts with alarms or snapshots older than cutoff.
func (s *AlarmStore) Expired(ctx context.Context, cat datamap.CategoryID, cutoff time.Time) ([]string, error) {
	var q string
	switch cat {
	case datamap.AlarmEvent:
		q = `SELECT DISTINCT account_id FROM alarms WHERE received_at < ?`
	case datamap.MediaSnapshot:
		q = `SELECT DISTINCT account_id FROM alarm_snapshots WHERE created_at < ?`
	case datamap.AlarmRule:
		q = `SELECT DISTINCT r.account_id FROM (SELECT account_id FROM alarm_rules UNION SELECT account_id FROM alarm_quiet_hours) r
			JOIN accounts a ON a.id = r.account_id WHERE a.closed_at != 0 AND a.closed_at < ?`
	default:
		return nil, nil
	}
	return queryAll(ctx, s.db, "expired", func(sc scanner) (id string, err error) { return id, sc.Scan(&id) }, q, Micros(cutoff))
}

// Purge deletes an account's alarms or snapshots older than cutoff.
func (s *AlarmStore) Purge(ctx context.Context, d access.Decision, cat datamap.CategoryID, accountID string, cutoff time.Time) (int64, []alarm.Snapshot, error) {
	if err := requireFor(d, access.Delete, cat, accountID); err != nil {
		return 0, nil, err
	}
	switch cat {
	case datamap.AlarmEvent, datamap.MediaSnapshot:
		return s.deleteWhere(ctx, cat, alarm.PrivacyFilter{AccountID: accountID, To: cutoff})
	case datamap.AlarmRule:
		return s.purgeRules(ctx, accountID, cutoff)
	}
	return 0, nil, nil
}

// purgeRules deletes the rules, cooldowns and quiet hours of an account
// closed before cutoff.
func (s *AlarmStore) purgeRules(ctx context.Context, accountID string, cutoff time.Time) (int64, []alarm.Snapshot, error) {
	var n int64
	err := s.db.Write(ctx, func(tx *Tx) error {
		n = 0
		var closed int64
		if err := tx.QueryRow(ctx, `SELECT closed_at FROM accounts WHERE id = ?`, accountID).Scan(&closed); err != nil {
			return tx.Err(err, "account")
		}
		if closed == 0 || closed >= Micros(cutoff) {
			return nil
		}
		for _, q := range []string{
			`DELETE FROM alarm_cooldowns WHERE rule_id IN (SELECT id FROM alarm_rules WHERE account_id = ?)`,
			`DELETE FROM alarm_rules WHERE account_id = ?`,
			`DELETE FROM alarm_quiet_hours WHERE account_id = ?`,
		} {
			res, err := tx.Exec(ctx, q, accountID)
			if err != nil {
				return err
			}
			k, err := res.RowsAffected()
			if err != nil {
				return tx.Err(err, "purge")
			}
			n += k
		}
		return nil
	})
	return n, nil, err
}
