package store

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/alarm"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
)

// AlarmStore keeps alarms, their snapshots' records, rules, quiet hours and
// cooldowns.
type AlarmStore struct{ db *DB }

// NewAlarmStore returns the alarm store over db.
func NewAlarmStore(db *DB) *AlarmStore { return &AlarmStore{db: db} }

var _ alarm.Store = (*AlarmStore)(nil)

// AddAlarm stores an alarm in the ingest batch's transaction, once per
// device and event ID.
func (t *ingestTx) AddAlarm(a device.Alarm) (bool, error) {
	res, err := t.tx.Exec(t.ctx, `INSERT INTO alarms (id, account_id, device_id, event_id, channel, type, occurred_at, received_at, snapshot, state)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (device_id, event_id) DO NOTHING`,
		a.ID, a.AccountID, a.DeviceID, a.EventID, a.Channel, a.Type, Micros(a.At), Micros(a.ReceivedAt), b2i(a.Snapshot), alarm.StatePending)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, t.tx.Err(err, "alarm")
}

const alarmColumns = `a.id, a.account_id, a.device_id, a.event_id, a.channel, a.type, a.occurred_at, a.received_at, a.snapshot,
	a.state, a.fanned_out_at, a.acked_at, a.acked_by, s.id IS NOT NULL`
const alarmFrom = ` FROM alarms a LEFT JOIN alarm_snapshots s ON s.device_id = a.device_id AND s.event_id = a.event_id`

func scanAlarm(sc scanner) (alarm.Alarm, error) {
	var a alarm.Alarm
	var at, rec, fan, ack int64
	var snap int
	err := sc.Scan(&a.ID, &a.AccountID, &a.DeviceID, &a.EventID, &a.Channel, &a.Type, &at, &rec, &snap, &a.State, &fan, &ack, &a.AckedBy, &a.HasSnapshot)
	a.At, a.ReceivedAt, a.FannedOutAt, a.AckedAt = FromMicros(at), FromMicros(rec), FromMicros(fan), FromMicros(ack)
	a.Snapshot = snap != 0 || a.HasSnapshot
	return a, err
}

// Pending returns alarms not yet fanned out, oldest first.
func (s *AlarmStore) Pending(ctx context.Context, limit int) ([]alarm.Alarm, error) {
	return queryAll(ctx, s.db, "pending alarms", scanAlarm, `SELECT `+alarmColumns+alarmFrom+`
		WHERE a.state = ? ORDER BY a.received_at, a.id LIMIT ?`, alarm.StatePending, limit)
}

func alarmList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

const ruleColumns = `id, account_id, site_id, device_id, types, users, roles, schedule, time_zone, cooldown_seconds, snapshot_role, created_at, updated_at`

func scanRule(sc scanner) (alarm.Rule, error) {
	var r alarm.Rule
	var types, users, roles, sched string
	var created, updated int64
	err := sc.Scan(&r.ID, &r.AccountID, &r.SiteID, &r.DeviceID, &types, &users, &roles, &sched, &r.TimeZone, &r.CooldownSeconds, &r.SnapshotRole, &created, &updated)
	if err != nil {
		return r, err
	}
	r.Types, r.Users = alarmList(types), alarmList(users)
	if r.Types == nil {
		r.Types = []string{}
	}
	if r.Users == nil {
		r.Users = []string{}
	}
	r.Roles = []access.Role{}
	for _, x := range alarmList(roles) {
		r.Roles = append(r.Roles, access.Role(x))
	}
	r.Schedule = []alarm.Window{}
	if sched != "" {
		if err := json.Unmarshal([]byte(sched), &r.Schedule); err != nil {
			return r, errs.Wrap(err, errs.Internal, "alarm rule schedule")
		}
	}
	r.CreatedAt, r.UpdatedAt = FromMicros(created), FromMicros(updated)
	return r, nil
}

// Audience returns what fan-out needs to know of an account.
func (s *AlarmStore) Audience(ctx context.Context, accountID string) (alarm.Audience, error) {
	au := alarm.Audience{Quiet: map[string]alarm.QuietHours{}, Sites: map[string]string{}, Cooldowns: nil}
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		if au.Members, err = txAll(ctx, tx, "members", func(sc scanner) (m alarm.Member, err error) {
			var role string
			err = sc.Scan(&m.UserID, &m.SiteID, &role)
			m.Role = access.Role(role)
			return m, err
		}, `SELECT user_id, site_id, role FROM memberships WHERE account_id = ? ORDER BY user_id`, accountID); err != nil {
			return err
		}
		if au.Rules, err = txAll(ctx, tx, "alarm rules", scanRule, `SELECT `+ruleColumns+` FROM alarm_rules WHERE account_id = ? ORDER BY id`, accountID); err != nil {
			return err
		}
		if err := forEachRow(ctx, tx, "quiet hours", func(sc scanner) (q quiet, err error) {
			var s, e int
			err = sc.Scan(&q.UserID, &s, &e, &q.TimeZone)
			q.Start, q.End = hhmm(s), hhmm(e)
			return q, err
		}, func(q quiet) error { au.Quiet[q.UserID] = alarm.QuietHours(q); return nil },
			`SELECT user_id, start_minute, end_minute, time_zone FROM alarm_quiet_hours WHERE account_id = ?`, accountID); err != nil {
			return err
		}
		if err := forEachRow(ctx, tx, "device sites", func(sc scanner) (p [2]string, err error) {
			return p, sc.Scan(&p[0], &p[1])
		}, func(p [2]string) error { au.Sites[p[0]] = p[1]; return nil },
			`SELECT id, site_id FROM devices WHERE account_id = ?`, accountID); err != nil {
			return err
		}
		cds, err := txAll(ctx, tx, "cooldowns", func(sc scanner) (c alarm.Cooldown, err error) {
			var at int64
			err = sc.Scan(&c.RuleID, &c.DeviceID, &c.Type, &at)
			c.At = FromMicros(at)
			return c, err
		}, `SELECT c.rule_id, c.device_id, c.type, c.last_at FROM alarm_cooldowns c JOIN alarm_rules r ON r.id = c.rule_id WHERE r.account_id = ?`, accountID)
		au.SetCooldowns(cds)
		return err
	})
	return au, err
}

type quiet alarm.QuietHours

func hhmm(m int) string {
	return string([]byte{byte('0' + m/600), byte('0' + m/60%10), ':', byte('0' + m%60/10), byte('0' + m%10)})
}

func txAll[T any](ctx context.Context, tx *Tx, what string, scan func(scanner) (T, error), q string, args ...any) ([]T, error) {
	var out []T
	err := forEachRow(ctx, tx, what, scan, func(v T) error { out = append(out, v); return nil }, q, args...)
	return out, err
}

// FinishFanOut records fan-out outcomes and started cooldowns.
func (s *AlarmStore) FinishFanOut(ctx context.Context, states map[string]string, cooldowns []alarm.Cooldown) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		for id, st := range states {
			if _, err := tx.Exec(ctx, `UPDATE alarms SET state = ?, fanned_out_at = ? WHERE id = ? AND state = ?`, st, Micros(tx.Now), id, alarm.StatePending); err != nil {
				return err
			}
		}
		for _, c := range cooldowns {
			if _, err := tx.Exec(ctx, `INSERT INTO alarm_cooldowns (rule_id, device_id, type, last_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (rule_id, device_id, type) DO UPDATE SET last_at = excluded.last_at WHERE excluded.last_at > alarm_cooldowns.last_at`,
				c.RuleID, c.DeviceID, c.Type, Micros(c.At)); err != nil {
				return err
			}
		}
		return nil
	})
}

// RaiseOffline stores an offline alarm for each claimed device offline
// since a moment in (since, cutoff) without one for that absence.
func (s *AlarmStore) RaiseOffline(ctx context.Context, since, cutoff time.Time) ([]alarm.Alarm, error) {
	var out []alarm.Alarm
	err := s.db.Write(ctx, func(tx *Tx) error {
		out = out[:0]
		type dev struct {
			id, account string
			seen        int64
		}
		devs, err := txAll(ctx, tx, "offline devices", func(sc scanner) (d dev, err error) {
			return d, sc.Scan(&d.id, &d.account, &d.seen)
		}, `SELECT id, account_id, last_seen_at FROM devices WHERE account_id != '' AND online = 0 AND last_seen_at > ? AND last_seen_at < ?`,
			Micros(since), Micros(cutoff))
		if err != nil {
			return err
		}
		for _, d := range devs {
			at := FromMicros(d.seen)
			a := device.Alarm{ID: id.New("alm"), AccountID: d.account, DeviceID: d.id, EventID: "offline-" + strconv.FormatInt(d.seen, 10),
				Type: alarm.TypeOffline, At: at, ReceivedAt: tx.Now}
			stored, err := (&ingestTx{ctx: ctx, tx: tx}).AddAlarm(a)
			if err != nil {
				return err
			}
			if stored {
				out = append(out, alarm.Alarm{Alarm: a, State: alarm.StatePending})
			}
		}
		return nil
	})
	return out, err
}

// PutSnapshot records an uploaded snapshot, once per device and event.
func (s *AlarmStore) PutSnapshot(ctx context.Context, sn alarm.Snapshot) (bool, error) {
	var created bool
	err := s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `INSERT INTO alarm_snapshots (device_id, event_id, account_id, id, size, created_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (device_id, event_id) DO NOTHING`, sn.DeviceID, sn.EventID, sn.AccountID, sn.ID, sn.Size, Micros(sn.CreatedAt))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		created = n == 1
		return tx.Err(err, "snapshot")
	})
	return created, err
}

func scanSnapshot(sc scanner) (alarm.Snapshot, error) {
	var sn alarm.Snapshot
	var created int64
	err := sc.Scan(&sn.ID, &sn.AccountID, &sn.DeviceID, &sn.EventID, &sn.Size, &created)
	sn.CreatedAt = FromMicros(created)
	return sn, err
}

const snapshotColumns = `s.id, s.account_id, s.device_id, s.event_id, s.size, s.created_at`

// Snapshot returns the snapshot of an alarm of the account.
func (s *AlarmStore) Snapshot(ctx context.Context, d access.Decision, accountID, alarmID string) (alarm.Snapshot, error) {
	site := d.Resource().SiteID
	if err := d.Require(access.Read, access.Resource{Category: datamap.MediaSnapshot, AccountID: accountID, ID: alarmID, SiteID: site}); err != nil {
		return alarm.Snapshot{}, err
	}
	var sn alarm.Snapshot
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		sn, err = scanSnapshot(tx.QueryRow(ctx, `SELECT `+snapshotColumns+` FROM alarms a JOIN alarm_snapshots s
			ON s.device_id = a.device_id AND s.event_id = a.event_id AND s.account_id = a.account_id
			WHERE a.account_id = ? AND a.id = ?`+inSite, accountID, alarmID, site, site))
		return tx.Err(err, "snapshot")
	})
	return sn, err
}

func alarmRes(accountID, id string) access.Resource {
	return access.Resource{Category: datamap.AlarmEvent, AccountID: accountID, ID: id}
}

// inSite keeps an alarm whose camera is in the site given twice after it,
// or any alarm when that site is empty (an account-wide decision).
const inSite = ` AND (? = '' OR a.device_id IN (SELECT id FROM devices WHERE account_id = a.account_id AND site_id = ?))`

// AlarmSite returns the site of the camera that raised an alarm ("" when
// it has none or the alarm is unknown), so that a decision can name it.
func (s *AlarmStore) AlarmSite(ctx context.Context, accountID, id string) (string, error) {
	var site string
	err := s.db.Read(ctx, func(tx *Tx) error {
		err := tx.QueryRow(ctx, `SELECT d.site_id FROM alarms a JOIN devices d ON d.id = a.device_id AND d.account_id = a.account_id
			WHERE a.account_id = ? AND a.id = ?`, accountID, id).Scan(&site)
		return tx.Err(err, "alarm")
	})
	return site, err
}

// Alarms lists an account's alarms, newest first.
func (s *AlarmStore) Alarms(ctx context.Context, d access.Decision, accountID string, f alarm.Filter) ([]alarm.Alarm, error) {
	// A decision on one site lists the alarms of the cameras now there.
	r := alarmRes(accountID, "")
	r.SiteID = d.Resource().SiteID
	if err := d.Require(access.List, r); err != nil {
		return nil, err
	}
	conds, args := []string{"a.account_id = ?"}, []any{accountID}
	if r.SiteID != "" {
		conds, args = append(conds, "a.device_id IN (SELECT id FROM devices WHERE account_id = ? AND site_id = ?)"), append(args, accountID, r.SiteID)
	}
	if f.DeviceID != "" {
		conds, args = append(conds, "a.device_id = ?"), append(args, f.DeviceID)
	}
	if f.Type != "" {
		conds, args = append(conds, "a.type = ?"), append(args, f.Type)
	}
	if !f.From.IsZero() {
		conds, args = append(conds, "a.received_at >= ?"), append(args, Micros(f.From))
	}
	if !f.To.IsZero() {
		conds, args = append(conds, "a.received_at < ?"), append(args, Micros(f.To))
	}
	if f.Before != "" {
		conds = append(conds, "(a.received_at, a.id) < (SELECT b.received_at, b.id FROM alarms b WHERE b.account_id = ? AND b.id = ?)")
		args = append(args, accountID, f.Before)
	}
	out, err := queryAll(ctx, s.db, "alarms", scanAlarm, `SELECT `+alarmColumns+alarmFrom+` WHERE `+strings.Join(conds, " AND ")+`
		ORDER BY a.received_at DESC, a.id DESC LIMIT ?`, append(args, f.Limit)...)
	if out == nil {
		out = []alarm.Alarm{}
	}
	return out, err
}

// Alarm returns one alarm of the account.
func (s *AlarmStore) Alarm(ctx context.Context, d access.Decision, accountID, id string) (alarm.Alarm, error) {
	r := alarmRes(accountID, id)
	r.SiteID = d.Resource().SiteID
	if err := d.Require(access.Read, r); err != nil {
		return alarm.Alarm{}, err
	}
	var a alarm.Alarm
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		a, err = scanAlarm(tx.QueryRow(ctx, `SELECT `+alarmColumns+alarmFrom+` WHERE a.account_id = ? AND a.id = ?`+inSite, accountID, id, r.SiteID, r.SiteID))
		return tx.Err(err, "alarm")
	})
	return a, err
}

// Ack marks an alarm acknowledged by userID (the first acknowledgement
// stays).
func (s *AlarmStore) Ack(ctx context.Context, d access.Decision, accountID, id, userID string) (alarm.Alarm, error) {
	r := alarmRes(accountID, id)
	r.SiteID = d.Resource().SiteID
	if err := d.Require(access.Update, r); err != nil {
		return alarm.Alarm{}, err
	}
	var a alarm.Alarm
	err := s.db.Write(ctx, func(tx *Tx) error {
		var err error
		a, err = scanAlarm(tx.QueryRow(ctx, `SELECT `+alarmColumns+alarmFrom+` WHERE a.account_id = ? AND a.id = ?`+inSite, accountID, id, r.SiteID, r.SiteID))
		if err != nil {
			return tx.Err(err, "alarm")
		}
		if _, err := tx.Exec(ctx, `UPDATE alarms SET acked_at = ?, acked_by = ? WHERE account_id = ? AND id = ? AND acked_at = 0`,
			Micros(tx.Now), userID, accountID, id); err != nil {
			return err
		}
		a, err = scanAlarm(tx.QueryRow(ctx, `SELECT `+alarmColumns+alarmFrom+` WHERE a.account_id = ? AND a.id = ?`, accountID, id))
		return tx.Err(err, "alarm")
	})
	return a, err
}

func ruleRes(accountID, id string) access.Resource {
	return access.Resource{Category: datamap.AlarmRule, AccountID: accountID, ID: id}
}

// Rules lists an account's rules.
func (s *AlarmStore) Rules(ctx context.Context, d access.Decision, accountID string) ([]alarm.Rule, error) {
	if err := d.Require(access.List, ruleRes(accountID, "")); err != nil {
		return nil, err
	}
	out, err := queryAll(ctx, s.db, "alarm rules", scanRule, `SELECT `+ruleColumns+` FROM alarm_rules WHERE account_id = ? ORDER BY created_at, id`, accountID)
	if out == nil {
		out = []alarm.Rule{}
	}
	return out, err
}

// PutRule creates or replaces a rule; replacing another account's rule is
// errs.NotFound.
func (s *AlarmStore) PutRule(ctx context.Context, d access.Decision, r alarm.Rule) error {
	action := access.Update
	if d.Require(access.Create, ruleRes(r.AccountID, "")) == nil {
		action = access.Create
	}
	if err := d.Require(action, ruleRes(r.AccountID, r.ID)); err != nil {
		return err
	}
	roles := make([]string, len(r.Roles))
	for i, x := range r.Roles {
		roles[i] = string(x)
	}
	sched, _ := json.Marshal(r.Schedule)
	if len(r.Schedule) == 0 {
		sched = nil
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		if r.SiteID != "" {
			if err := siteCheck(ctx, tx, r.AccountID, r.SiteID); err != nil {
				return err
			}
		}
		if r.DeviceID != "" {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM devices WHERE account_id = ? AND id = ?`, r.AccountID, r.DeviceID).Scan(&n); err != nil {
				return tx.Err(err, "device")
			}
			if n == 0 {
				return errs.E(errs.Invalid, "device_id is not a device of this account")
			}
		}
		args := []any{r.SiteID, r.DeviceID, strings.Join(r.Types, ","), strings.Join(r.Users, ","), strings.Join(roles, ","), string(sched),
			r.TimeZone, r.CooldownSeconds, r.SnapshotRole, Micros(r.UpdatedAt)}
		if action == access.Create {
			_, err := tx.Exec(ctx, `INSERT INTO alarm_rules (site_id, device_id, types, users, roles, schedule, time_zone, cooldown_seconds, snapshot_role, updated_at, id, account_id, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, append(args, r.ID, r.AccountID, Micros(r.CreatedAt))...)
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE alarm_rules SET site_id = ?, device_id = ?, types = ?, users = ?, roles = ?, schedule = ?, time_zone = ?,
			cooldown_seconds = ?, snapshot_role = ?, updated_at = ? WHERE id = ? AND account_id = ?`, append(args, r.ID, r.AccountID)...)
		return alarmAffected(tx, res, err, "alarm rule")
	})
}

func alarmAffected(tx *Tx, res interface{ RowsAffected() (int64, error) }, err error, what string) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return tx.Err(err, what)
	}
	if n == 0 {
		return errs.E(errs.NotFound, "%s not found", what)
	}
	return nil
}

// DeleteRule deletes a rule and its cooldowns.
func (s *AlarmStore) DeleteRule(ctx context.Context, d access.Decision, accountID, id string) error {
	if err := d.Require(access.Delete, ruleRes(accountID, id)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM alarm_rules WHERE account_id = ? AND id = ?`, accountID, id)
		if err := alarmAffected(tx, res, err, "alarm rule"); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM alarm_cooldowns WHERE rule_id = ?`, id)
		return err
	})
}

func quietRes(accountID, userID string) access.Resource {
	return access.Resource{Category: datamap.AlarmRule, AccountID: accountID, ID: "quiet-" + userID, SubjectID: userID}
}

func mins(s string) int {
	if len(s) != 5 {
		return 0
	}
	return (int(s[0]-'0')*10+int(s[1]-'0'))*60 + int(s[3]-'0')*10 + int(s[4]-'0')
}

// QuietHours returns a person's quiet hours in an account.
func (s *AlarmStore) QuietHours(ctx context.Context, d access.Decision, accountID, userID string) (alarm.QuietHours, error) {
	if err := d.Require(access.Read, quietRes(accountID, userID)); err != nil {
		return alarm.QuietHours{}, err
	}
	var q alarm.QuietHours
	err := s.db.Read(ctx, func(tx *Tx) error {
		var st, en int
		err := tx.QueryRow(ctx, `SELECT user_id, start_minute, end_minute, time_zone FROM alarm_quiet_hours WHERE account_id = ? AND user_id = ?`,
			accountID, userID).Scan(&q.UserID, &st, &en, &q.TimeZone)
		q.Start, q.End = hhmm(st), hhmm(en)
		return tx.Err(err, "quiet hours")
	})
	return q, err
}

// PutQuietHours sets a person's quiet hours in an account.
func (s *AlarmStore) PutQuietHours(ctx context.Context, d access.Decision, accountID string, q alarm.QuietHours) error {
	if err := d.Require(access.Update, quietRes(accountID, q.UserID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO alarm_quiet_hours (account_id, user_id, start_minute, end_minute, time_zone) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (account_id, user_id) DO UPDATE SET start_minute = excluded.start_minute, end_minute = excluded.end_minute, time_zone = excluded.time_zone`,
			accountID, q.UserID, mins(q.Start), mins(q.End), q.TimeZone)
		return err
	})
}

// DeleteQuietHours removes a person's quiet hours in an account.
func (s *AlarmStore) DeleteQuietHours(ctx context.Context, d access.Decision, accountID, userID string) error {
	if err := d.Require(access.Delete, quietRes(accountID, userID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM alarm_quiet_hours WHERE account_id = ? AND user_id = ?`, accountID, userID)
		return err
	})
}

// EraseDevice deletes a device's alarms and snapshot records in an
// account.
func (s *AlarmStore) EraseDevice(ctx context.Context, accountID, deviceID string) ([]alarm.Snapshot, error) {
	var snaps []alarm.Snapshot
	err := s.db.Write(ctx, func(tx *Tx) error {
		var err error
		if snaps, err = txAll(ctx, tx, "snapshots", scanSnapshot, `SELECT `+snapshotColumns+` FROM alarm_snapshots s WHERE s.account_id = ? AND s.device_id = ?`,
			accountID, deviceID); err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM alarm_snapshots WHERE account_id = ? AND device_id = ?`, `DELETE FROM alarms WHERE account_id = ? AND device_id = ?`} {
			if _, err := tx.Exec(ctx, q, accountID, deviceID); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `DELETE FROM alarm_cooldowns WHERE device_id = ?`, deviceID)
		return err
	})
	return snaps, err
}

// DevicesOfModel lists the claimed devices of a model.
func (s *AlarmStore) DevicesOfModel(ctx context.Context, model string) ([]alarm.DeviceRef, error) {
	return queryAll(ctx, s.db, "devices", func(sc scanner) (d alarm.DeviceRef, err error) {
		return d, sc.Scan(&d.ID, &d.AccountID, &d.Model, &d.Firmware)
	}, `SELECT id, account_id, model, firmware_version FROM devices WHERE model = ? AND account_id != '' AND lost_at = 0 ORDER BY id`, model)
}

// ReleasesSince lists the firmware releases published after t.
func (s *AlarmStore) ReleasesSince(ctx context.Context, t time.Time) ([]device.Release, error) {
	return queryAll(ctx, s.db, "releases", scanRelease, `SELECT `+releaseColumns+` FROM firmware_releases WHERE published_at > ? ORDER BY published_at`, Micros(t))
}
