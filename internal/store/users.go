package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
)

func personOf(category datamap.CategoryID, id string) access.Resource {
	return access.Resource{Category: category, SubjectID: id}
}

// credentialCategory is where a principal kind keeps its credentials.
func credentialCategory(kind access.Kind) (datamap.CategoryID, string, error) {
	switch kind {
	case access.KindUser:
		return datamap.AccountCredentials, "users", nil
	case access.KindStaff:
		return datamap.StaffProfile, "staff", nil
	}
	return "", "", errs.E(errs.Invalid, "principal kind %q has no password", kind)
}

func insertUser(ctx context.Context, tx *Tx, u account.UserRow) error {
	_, err := tx.Exec(ctx, `INSERT INTO users (id, email_index, email_sealed, name_sealed, language, time_zone, password_hash,
		created_at, password_changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.EmailIndex, u.EmailSealed, u.NameSealed, u.Language, u.TimeZone, u.PasswordHash, Micros(tx.Now), Micros(tx.Now))
	return tx.Err(err, "user")
}

// CreateUser stores a user that joins through an invitation.
func (s *AccountStore) CreateUser(ctx context.Context, d access.Decision, u account.UserRow) error {
	if err := d.Require(access.Create, personOf(datamap.AccountProfile, u.ID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error { return insertUser(ctx, tx, u) })
}

// UserIDByEmail finds a user by the keyed fingerprint of their address.
func (s *AccountStore) UserIDByEmail(ctx context.Context, emailIndex []byte) (string, error) {
	return s.idByIndex(ctx, `SELECT id FROM users WHERE email_index = ?`, emailIndex, "user")
}

// StaffIDByEmail finds a staff member by the keyed fingerprint of their address.
func (s *AccountStore) StaffIDByEmail(ctx context.Context, emailIndex []byte) (string, error) {
	return s.idByIndex(ctx, `SELECT id FROM staff WHERE email_index = ?`, emailIndex, "staff member")
}

func (s *AccountStore) idByIndex(ctx context.Context, q string, idx []byte, what string) (string, error) {
	var id string
	err := s.db.Read(ctx, func(tx *Tx) error { return tx.Err(tx.QueryRow(ctx, q, idx).Scan(&id), what) })
	return id, err
}

const userColumns = `id, email_index, email_sealed, name_sealed, language, time_zone, password_hash, email_verified_at,
	totp_sealed, totp_pending_sealed, totp_last_step, failed_logins, locked_until, created_at, password_changed_at`

// User returns a user's row.
func (s *AccountStore) User(ctx context.Context, d access.Decision, id string) (account.UserRow, error) {
	var u account.UserRow
	if err := requireReadBack(d, personOf(datamap.AccountProfile, id)); err != nil {
		return u, err
	}
	err := s.db.Read(ctx, func(tx *Tx) error {
		var verified, locked, created, changed int64
		err := tx.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id).Scan(&u.ID, &u.EmailIndex, &u.EmailSealed,
			&u.NameSealed, &u.Language, &u.TimeZone, &u.PasswordHash, &verified, &u.TOTPSealed, &u.TOTPPendingSealed,
			&u.TOTPLastStep, &u.FailedLogins, &locked, &created, &changed)
		u.EmailVerifiedAt, u.LockedUntil, u.CreatedAt, u.PasswordChangedAt = FromMicros(verified), FromMicros(locked), FromMicros(created), FromMicros(changed)
		return tx.Err(err, "user")
	})
	return u, err
}

// UpdateProfile changes a user's name, language and time zone.
func (s *AccountStore) UpdateProfile(ctx context.Context, d access.Decision, id string, nameSealed []byte, language, timeZone string) error {
	if err := d.Require(access.Update, personOf(datamap.AccountProfile, id)); err != nil {
		return err
	}
	return s.update(ctx, `UPDATE users SET name_sealed = ?, language = ?, time_zone = ? WHERE id = ?`, "user", nameSealed, language, timeZone, id)
}

// MarkEmailVerified records that the user proved their address.
func (s *AccountStore) MarkEmailVerified(ctx context.Context, d access.Decision, id string) error {
	if err := d.Require(access.Update, personOf(datamap.AccountProfile, id)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE users SET email_verified_at = ? WHERE id = ?`, Micros(tx.Now), id)
		if err != nil {
			return err
		}
		return MustAffect(res, "user")
	})
}

// SetPassword replaces a password hash and clears any lockout.
func (s *AccountStore) SetPassword(ctx context.Context, d access.Decision, kind access.Kind, id, hash string) error {
	cat, table, err := credentialCategory(kind)
	if err != nil {
		return err
	}
	if err := d.Require(access.Update, personOf(cat, id)); err != nil {
		return err
	}
	extra := ""
	if kind == access.KindUser {
		extra = ", password_changed_at = ?"
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		args := []any{hash}
		if extra != "" {
			args = append(args, Micros(tx.Now))
		}
		res, err := tx.Exec(ctx, `UPDATE `+table+` SET password_hash = ?, failed_logins = 0, locked_until = 0`+extra+` WHERE id = ?`, append(args, id)...)
		if err != nil {
			return err
		}
		return MustAffect(res, table)
	})
}

// SetTOTP stores the pending and active authenticator secrets (nil clears).
func (s *AccountStore) SetTOTP(ctx context.Context, d access.Decision, kind access.Kind, id string, pending, active []byte) error {
	cat, table, err := credentialCategory(kind)
	if err != nil {
		return err
	}
	if err := d.Require(access.Update, personOf(cat, id)); err != nil {
		return err
	}
	return s.update(ctx, `UPDATE `+table+` SET totp_pending_sealed = ?, totp_sealed = ? WHERE id = ?`, table, nullable(pending), nullable(active), id)
}

// Credential returns what a sign-in checks.
func (s *AccountStore) Credential(ctx context.Context, d access.Decision, kind access.Kind, id string) (account.Credential, error) {
	var c account.Credential
	cat, table, err := credentialCategory(kind)
	if err != nil {
		return c, err
	}
	if err := d.Require(access.Authenticate, personOf(cat, id)); err != nil {
		return c, err
	}
	disabled, keys := "0", "NULL"
	if kind == access.KindStaff {
		disabled, keys = "disabled_at", "webauthn_sealed"
	}
	err = s.db.Read(ctx, func(tx *Tx) error {
		var locked, disabledAt int64
		err := tx.QueryRow(ctx, `SELECT id, password_hash, totp_sealed, totp_pending_sealed, totp_last_step, failed_logins, locked_until, `+disabled+`, `+keys+`
			FROM `+table+` WHERE id = ?`, id).Scan(&c.PrincipalID, &c.PasswordHash, &c.TOTPSealed, &c.TOTPPendingSealed, &c.TOTPLastStep, &c.FailedLogins, &locked, &disabledAt, &c.WebAuthnSealed)
		c.LockedUntil, c.Disabled = FromMicros(locked), disabledAt != 0
		return tx.Err(err, "credential")
	})
	return c, err
}

// RecordSignIn stores the outcome of a sign-in attempt.
func (s *AccountStore) RecordSignIn(ctx context.Context, d access.Decision, kind access.Kind, id string, ok bool, lockedUntil time.Time) error {
	cat, table, err := credentialCategory(kind)
	if err != nil {
		return err
	}
	if err := d.Require(access.Authenticate, personOf(cat, id)); err != nil {
		return err
	}
	if ok {
		return s.update(ctx, `UPDATE `+table+` SET failed_logins = 0, locked_until = 0 WHERE id = ?`, table, id)
	}
	return s.update(ctx, `UPDATE `+table+` SET failed_logins = failed_logins + 1, locked_until = ? WHERE id = ?`, table, Micros(lockedUntil), id)
}

// UseTOTPStep records a used authenticator step, refusing replays.
func (s *AccountStore) UseTOTPStep(ctx context.Context, d access.Decision, kind access.Kind, id string, step int64) error {
	cat, table, err := credentialCategory(kind)
	if err != nil {
		return err
	}
	if err := d.Require(access.Authenticate, personOf(cat, id)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE `+table+` SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?`, step, id, step)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.Conflict, "this code was already used; wait for the next one")
		}
		return nil
	})
}

func (s *AccountStore) update(ctx context.Context, q, what string, args ...any) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, q, args...)
		if err != nil {
			return err
		}
		return MustAffect(res, what)
	})
}

// nullable stores an empty secret as NULL.
func nullable(b []byte) any {
	if len(b) == 0 {
		return sql.Null[[]byte]{}
	}
	return b
}
