package store

import (
	"context"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/datamap"
)

const staffColumns = `id, email_index, email_sealed, name_sealed, role, password_hash, totp_sealed, totp_pending_sealed,
	totp_last_step, webauthn_sealed, training_valid_until, failed_logins, locked_until, disabled_at, created_at`

func scanStaff(sc scanner) (account.StaffRow, error) {
	var r account.StaffRow
	var role string
	var training, locked, disabled, created int64
	err := sc.Scan(&r.ID, &r.EmailIndex, &r.EmailSealed, &r.NameSealed, &role, &r.PasswordHash, &r.TOTPSealed,
		&r.TOTPPendingSealed, &r.TOTPLastStep, &r.WebAuthnSealed, &training, &r.FailedLogins, &locked, &disabled, &created)
	r.Role = access.StaffRole(role)
	r.TrainingValidUntil, r.LockedUntil, r.DisabledAt, r.CreatedAt = FromMicros(training), FromMicros(locked), FromMicros(disabled), FromMicros(created)
	return r, err
}

// CreateStaff stores a new staff member.
func (s *AccountStore) CreateStaff(ctx context.Context, d access.Decision, r account.StaffRow) error {
	if err := d.Require(access.Create, personOf(datamap.StaffProfile, r.ID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO staff (id, email_index, email_sealed, name_sealed, role, password_hash,
			training_valid_until, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.EmailIndex, r.EmailSealed, r.NameSealed, string(r.Role), r.PasswordHash, Micros(r.TrainingValidUntil), Micros(tx.Now))
		return tx.Err(err, "staff member")
	})
}

// Staff returns one staff member's row.
func (s *AccountStore) Staff(ctx context.Context, d access.Decision, id string) (account.StaffRow, error) {
	if err := requireReadBack(d, personOf(datamap.StaffProfile, id)); err != nil {
		return account.StaffRow{}, err
	}
	var r account.StaffRow
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		r, err = scanStaff(tx.QueryRow(ctx, `SELECT `+staffColumns+` FROM staff WHERE id = ?`, id))
		return tx.Err(err, "staff member")
	})
	return r, err
}

// StaffAuth returns what building a staff principal needs.
func (s *AccountStore) StaffAuth(ctx context.Context, id string) (account.StaffAuth, error) {
	var a account.StaffAuth
	err := s.db.Read(ctx, func(tx *Tx) error {
		var role string
		var training, disabled int64
		err := tx.QueryRow(ctx, `SELECT role, training_valid_until, disabled_at FROM staff WHERE id = ?`, id).Scan(&role, &training, &disabled)
		a.Role, a.TrainingValidUntil, a.Disabled = access.StaffRole(role), FromMicros(training), disabled != 0
		return tx.Err(err, "staff member")
	})
	return a, err
}

// ListStaff lists every staff member.
func (s *AccountStore) ListStaff(ctx context.Context, d access.Decision) ([]account.StaffRow, error) {
	if err := d.Require(access.List, access.Resource{Category: datamap.StaffProfile}); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "staff", scanStaff, `SELECT `+staffColumns+` FROM staff ORDER BY created_at, id`)
}

// UpdateStaff changes a staff member's role, training date and status.
func (s *AccountStore) UpdateStaff(ctx context.Context, d access.Decision, id string, role access.StaffRole, trainingValidUntil time.Time, disabled bool) error {
	if err := d.Require(access.Update, personOf(datamap.StaffProfile, id)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE staff SET role = ?, training_valid_until = ? WHERE id = ?`,
			string(role), Micros(trainingValidUntil), id)
		if err != nil {
			return err
		}
		if err := MustAffect(res, "staff member"); err != nil {
			return err
		}
		if disabled {
			// Keep the first disabling time.
			_, err = tx.Exec(ctx, `UPDATE staff SET disabled_at = ? WHERE id = ? AND disabled_at = 0`, Micros(tx.Now), id)
		} else {
			_, err = tx.Exec(ctx, `UPDATE staff SET disabled_at = 0 WHERE id = ?`, id)
		}
		return err
	})
}

// CountStaff counts staff members, to know whether vigil still needs its
// first administrator.
func (s *AccountStore) CountStaff(ctx context.Context) (int, error) {
	var n int
	err := s.db.Read(ctx, func(tx *Tx) error { return tx.Err(tx.QueryRow(ctx, `SELECT COUNT(*) FROM staff`).Scan(&n), "staff") })
	return n, err
}

// CountActiveStaff counts the staff members of role who are not disabled.
func (s *AccountStore) CountActiveStaff(ctx context.Context, role access.StaffRole) (int, error) {
	var n int
	err := s.db.Read(ctx, func(tx *Tx) error {
		return tx.Err(tx.QueryRow(ctx, `SELECT COUNT(*) FROM staff WHERE role = ? AND disabled_at = 0`, string(role)).Scan(&n), "staff")
	})
	return n, err
}

// StaffWebAuthn returns a staff member's sealed passkeys and ceremony.
func (s *AccountStore) StaffWebAuthn(ctx context.Context, d access.Decision, id string) (keys, ceremony []byte, err error) {
	if err := d.Require(access.Authenticate, personOf(datamap.StaffProfile, id)); err != nil {
		return nil, nil, err
	}
	err = s.db.Read(ctx, func(tx *Tx) error {
		err := tx.QueryRow(ctx, `SELECT webauthn_sealed, webauthn_ceremony_sealed FROM staff WHERE id = ?`, id).Scan(&keys, &ceremony)
		return tx.Err(err, "staff member")
	})
	return keys, ceremony, err
}

// SetStaffWebAuthnCeremony stores or clears the ceremony in flight.
func (s *AccountStore) SetStaffWebAuthnCeremony(ctx context.Context, d access.Decision, id string, ceremony []byte) error {
	if err := d.Require(access.Authenticate, personOf(datamap.StaffProfile, id)); err != nil {
		return err
	}
	return s.update(ctx, `UPDATE staff SET webauthn_ceremony_sealed = ? WHERE id = ?`, "staff", nullable(ceremony), id)
}

// SetStaffWebAuthnKeys replaces the passkeys and ends the ceremony.
func (s *AccountStore) SetStaffWebAuthnKeys(ctx context.Context, d access.Decision, id string, keys []byte) error {
	if err := d.Require(access.Update, personOf(datamap.StaffProfile, id)); err != nil {
		if d.Require(access.Authenticate, personOf(datamap.StaffProfile, id)) != nil {
			return err
		}
	}
	return s.update(ctx, `UPDATE staff SET webauthn_sealed = ?, webauthn_ceremony_sealed = NULL WHERE id = ?`, "staff", nullable(keys), id)
}

// StaffTrainingReminders returns, per active staff member, the reminder of
// their training's end sent last.
func (s *AccountStore) StaffTrainingReminders(ctx context.Context, d access.Decision) (map[string]string, error) {
	if err := d.Require(access.List, access.Resource{Category: datamap.StaffProfile}); err != nil {
		return nil, err
	}
	out := map[string]string{}
	err := s.db.Read(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, training_reminder FROM staff WHERE disabled_at = 0`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, r string
			if err := rows.Scan(&id, &r); err != nil {
				return err
			}
			out[id] = r
		}
		return rows.Err()
	})
	return out, err
}

// SetStaffTrainingReminder records the reminder sent, if the one recorded
// is still was: a reminder is sent by one node once.
func (s *AccountStore) SetStaffTrainingReminder(ctx context.Context, d access.Decision, id, was, now string) (bool, error) {
	if err := d.Require(access.Update, personOf(datamap.StaffProfile, id)); err != nil {
		return false, err
	}
	var n int64
	err := s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE staff SET training_reminder = ? WHERE id = ? AND training_reminder = ?`, now, id, was)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n == 1, err
}
