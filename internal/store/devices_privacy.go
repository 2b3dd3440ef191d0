package store

import (
	"context"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/errs"
)

var _ device.PrivacyStore = (*DeviceStore)(nil)

// where builds the conditions of a filter on a table whose device column
// is devCol and whose time column is timeCol ("" for none).
func where(f device.Filter, devCol, timeCol string) (string, []any) {
	conds := []string{"account_id = ?"}
	args := []any{f.AccountID}
	if len(f.Devices) > 0 {
		conds = append(conds, devCol+" IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(f.Devices)), ", ")+")")
		for _, d := range f.Devices {
			args = append(args, d)
		}
	}
	if timeCol != "" && !f.From.IsZero() {
		conds, args = append(conds, timeCol+" >= ?"), append(args, Micros(f.From))
	}
	if timeCol != "" && !f.To.IsZero() {
		conds, args = append(conds, timeCol+" < ?"), append(args, Micros(f.To))
	}
	return strings.Join(conds, " AND "), args
}

func requireFor(d access.Decision, a access.Action, cat datamap.CategoryID, subjectID string) error {
	return d.Require(a, access.Resource{Category: cat, SubjectID: subjectID})
}

// ExportDevices streams an account's devices.
func (s *DeviceStore) ExportDevices(ctx context.Context, d access.Decision, cat datamap.CategoryID, subjectID string, f device.Filter, emit func(device.Row) error) error {
	if cat != datamap.DeviceInfo && cat != datamap.DeviceCredential {
		return errs.E(errs.Forbidden, "%s is not kept on the device rows", cat)
	}
	if err := requireFor(d, access.Export, cat, subjectID); err != nil {
		return err
	}
	cond, args := where(f, "d.id", "")
	cond = strings.Replace(cond, "account_id", "d.account_id", 1)
	return scanEach(ctx, s.db, "devices", scanDevice, emit, `SELECT `+deviceColumns+deviceFrom+` WHERE `+cond+` ORDER BY d.id`, args...)
}

// ExportEvents streams an account's device events.
func (s *DeviceStore) ExportEvents(ctx context.Context, d access.Decision, subjectID string, f device.Filter, emit func(device.EventRow) error) error {
	if err := requireFor(d, access.Export, datamap.DeviceEvent, subjectID); err != nil {
		return err
	}
	cond, args := where(f, "device_id", "occurred_at")
	return scanEach(ctx, s.db, "events", scanEvent, emit, `SELECT id, device_id, event_id, channel, kind, code, version, occurred_at, received_at
		FROM device_events WHERE `+cond+` ORDER BY id`, args...)
}

// ExportShadows streams an account's device shadows.
func (s *DeviceStore) ExportShadows(ctx context.Context, d access.Decision, subjectID string, f device.Filter, emit func(device.ShadowRow) error) error {
	if err := requireFor(d, access.Export, datamap.DeviceConfig, subjectID); err != nil {
		return err
	}
	cond, args := where(f, "device_id", "")
	return scanEach(ctx, s.db, "shadows", scanShadow, emit, `SELECT `+shadowColumns+` FROM device_shadows WHERE `+cond+` ORDER BY device_id, channel`, args...)
}

func scanReport(sc scanner) (device.ReportRow, error) {
	var r device.ReportRow
	var at int64
	err := sc.Scan(&r.ID, &r.AccountID, &r.DeviceID, &r.UserID, &r.Kind, &r.BodySealed, &at)
	r.ReceivedAt = FromMicros(at)
	return r, err
}

// ExportReports streams an account's error reports.
func (s *DeviceStore) ExportReports(ctx context.Context, d access.Decision, subjectID string, f device.Filter, emit func(device.ReportRow) error) error {
	if err := requireFor(d, access.Export, datamap.DeviceErrorReport, subjectID); err != nil {
		return err
	}
	cond, args := where(f, "device_id", "received_at")
	return scanEach(ctx, s.db, "error reports", scanReport, emit, `SELECT id, account_id, device_id, user_id, kind, body_sealed, received_at
		FROM error_reports WHERE `+cond+` ORDER BY received_at, id`, args...)
}

// ExportIPs streams the addresses an account's devices connected from.
func (s *DeviceStore) ExportIPs(ctx context.Context, d access.Decision, subjectID string, f device.Filter, emit func(string, device.IPRow) error) error {
	if err := requireFor(d, access.Export, datamap.NetIP, subjectID); err != nil {
		return err
	}
	type row struct {
		dev string
		ip  device.IPRow
	}
	cond, args := where(f, "device_id", "last_seen_at")
	return scanEach(ctx, s.db, "addresses", func(sc scanner) (row, error) {
		var r row
		var first, last int64
		err := sc.Scan(&r.dev, &r.ip.ID, &r.ip.IPSealed, &r.ip.Prefix, &first, &last)
		r.ip.FirstSeenAt, r.ip.LastSeenAt = FromMicros(first), FromMicros(last)
		return r, err
	}, func(r row) error { return emit(r.dev, r.ip) },
		`SELECT device_id, id, ip_sealed, ip_prefix, first_seen_at, last_seen_at FROM device_ips WHERE `+cond+` ORDER BY id`, args...)
}

// deviceTables are the tables of what a device reported, with their time
// column.
var deviceTables = map[datamap.CategoryID][2]string{
	datamap.DeviceEvent:       {"device_events", "occurred_at"},
	datamap.DeviceConfig:      {"device_shadows", ""},
	datamap.DeviceErrorReport: {"error_reports", "received_at"},
	datamap.NetIP:             {"device_ips", "last_seen_at"},
}

// Erase deletes a category's rows in the filter, or releases the devices.
func (s *DeviceStore) Erase(ctx context.Context, d access.Decision, cat datamap.CategoryID, subjectID string, f device.Filter) (int64, []string, error) {
	if err := requireFor(d, access.Delete, cat, subjectID); err != nil {
		return 0, nil, err
	}
	var n int64
	var released []string
	err := s.db.Write(ctx, func(tx *Tx) error {
		switch cat {
		case datamap.DeviceInfo:
			cond, args := where(f, "id", "")
			var err error
			released, n, err = releaseWhere(ctx, tx, f.AccountID, `SELECT id FROM devices WHERE `+cond, args...)
			return err
		case datamap.DeviceCredential:
			cond, args := where(f, "id", "")
			res, err := tx.Exec(ctx, `UPDATE devices SET cred_hash = NULL, cred_issued_at = 0, online = 0 WHERE `+cond+` AND cred_hash IS NOT NULL`, args...)
			if err != nil {
				return err
			}
			n, _ = res.RowsAffected()
			return nil
		}
		t, ok := deviceTables[cat]
		if !ok {
			return errs.E(errs.Internal, "no device table for %s", cat)
		}
		cond, args := where(f, "device_id", t[1])
		res, err := tx.Exec(ctx, `DELETE FROM `+t[0]+` WHERE `+cond, args...)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, released, err
}

// releaseWhere releases the account's devices that q selects; it returns
// them and the rows changed.
func releaseWhere(ctx context.Context, tx *Tx, accountID, q string, args ...any) ([]string, int64, error) {
	ids, err := txIDs(ctx, tx, "devices", q, args...)
	if err != nil {
		return nil, 0, err
	}
	var n int64
	for _, id := range ids {
		k, err := releaseDevice(ctx, tx, accountID, id)
		if err != nil {
			return nil, 0, err
		}
		n += k
	}
	return ids, n, nil
}

// releaseDevice unbinds a device and deletes what it reported; it returns
// the rows changed.
func releaseDevice(ctx context.Context, tx *Tx, accountID, id string) (int64, error) {
	res, err := tx.Exec(ctx, `UPDATE devices SET account_id = '', site_id = '', claimed_at = 0, name_sealed = NULL, lost_at = 0,
		error_details = 0, cred_hash = NULL, cred_issued_at = 0, firmware_version = '', app_version = '', software_id = '',
		region = '', language = '', time_zone = '', font = '', info_at = 0, online = 0, last_seen_at = 0,
		dropped_fields = 0, rejected_messages = 0 WHERE account_id = ? AND id = ?`, accountID, id)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	if n == 0 {
		return 0, errs.E(errs.NotFound, "device not found")
	}
	for _, table := range []string{"device_events", "device_ips", "device_shadows", "error_reports"} {
		res, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE account_id = ? AND device_id = ?`, accountID, id)
		if err != nil {
			return 0, err
		}
		k, _ := res.RowsAffected()
		n += k
	}
	return n, nil
}

// Expired lists the accounts with rows of the category past cutoff.
func (s *DeviceStore) Expired(ctx context.Context, cat datamap.CategoryID, cutoff time.Time) ([]string, error) {
	var q string
	switch cat {
	case datamap.DeviceInfo:
		q = `SELECT DISTINCT d.account_id FROM devices d JOIN accounts a ON a.id = d.account_id WHERE a.closed_at != 0 AND a.closed_at < ?`
	case datamap.DeviceEvent:
		q = `SELECT DISTINCT account_id FROM device_events WHERE received_at < ?`
	case datamap.DeviceErrorReport:
		q = `SELECT DISTINCT account_id FROM error_reports WHERE received_at < ?`
	case datamap.NetIP:
		q = `SELECT DISTINCT account_id FROM device_ips WHERE ip_sealed IS NOT NULL AND last_seen_at < ?`
	default:
		return nil, nil
	}
	return queryAll(ctx, s.db, "expired", func(sc scanner) (id string, err error) { return id, sc.Scan(&id) }, q, Micros(cutoff))
}

// Purge erases an account's rows of the category past cutoff.
func (s *DeviceStore) Purge(ctx context.Context, d access.Decision, cat datamap.CategoryID, accountID string, cutoff time.Time) (int64, error) {
	if err := requireFor(d, access.Delete, cat, accountID); err != nil {
		return 0, err
	}
	var n int64
	err := s.db.Write(ctx, func(tx *Tx) error {
		var q string
		switch cat {
		case datamap.DeviceInfo:
			var err error
			_, n, err = releaseWhere(ctx, tx, accountID, `SELECT d.id FROM devices d JOIN accounts a ON a.id = d.account_id
				WHERE d.account_id = ? AND a.closed_at != 0 AND a.closed_at < ?`, accountID, Micros(cutoff))
			return err
		case datamap.DeviceEvent:
			q = `DELETE FROM device_events WHERE account_id = ? AND received_at < ?`
		case datamap.DeviceErrorReport:
			q = `DELETE FROM error_reports WHERE account_id = ? AND received_at < ?`
		case datamap.NetIP:
			q = `UPDATE device_ips SET ip_sealed = NULL WHERE account_id = ? AND ip_sealed IS NOT NULL AND last_seen_at < ?`
		default:
			return nil
		}
		res, err := tx.Exec(ctx, q, accountID, Micros(cutoff))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}
