package store

import (
	"context"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/privacy"
)

// PrivacyStore keeps the privacy centre's records: grants, notices,
// acceptances, consents, processors and the disclosure ledger.
type PrivacyStore struct{ db *DB }

// NewPrivacyStore returns the privacy store on db.
func NewPrivacyStore(db *DB) *PrivacyStore { return &PrivacyStore{db: db} }

var _ privacy.Store = (*PrivacyStore)(nil)

// joinList and splitList store a short list of identifiers in one column.
func joinList[T ~string](ids []T) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = string(id)
	}
	return strings.Join(parts, ",")
}

func splitList[T ~string](s string) []T {
	out := []T{}
	if s == "" {
		return out
	}
	for _, p := range strings.Split(s, ",") {
		out = append(out, T(p))
	}
	return out
}

func grantOf(accountID string) access.Resource {
	return access.Resource{Category: datamap.PrivacyGrant, AccountID: accountID}
}

const grantColumns = `id, account_id, staff_id, staff_role, categories, resources, starts_at, ends_at, ticket_sealed,
	reason_sealed, granted_by, created_at, revoked_at, revoked_by`

func scanGrant(sc scanner) (privacy.GrantRow, error) {
	var r privacy.GrantRow
	var role, cats, res string
	var starts, ends, created, revoked int64
	err := sc.Scan(&r.ID, &r.AccountID, &r.StaffID, &role, &cats, &res, &starts, &ends, &r.TicketSealed,
		&r.ReasonSealed, &r.GrantedBy, &created, &revoked, &r.RevokedBy)
	r.StaffRole, r.Categories, r.Resources = access.StaffRole(role), splitList[datamap.CategoryID](cats), splitList[string](res)
	r.StartsAt, r.EndsAt, r.CreatedAt, r.RevokedAt = FromMicros(starts), FromMicros(ends), FromMicros(created), FromMicros(revoked)
	return r, err
}

// CreateGrant stores a new grant of an open account.
func (s *PrivacyStore) CreateGrant(ctx context.Context, d access.Decision, g privacy.GrantRow) error {
	if err := d.Require(access.Create, grantOf(g.AccountID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `INSERT INTO privacy_grants (id, account_id, staff_id, staff_role, categories, resources,
			starts_at, ends_at, ticket_sealed, reason_sealed, granted_by, created_at)
			SELECT ?, id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM accounts WHERE id = ? AND closed_at = 0`,
			g.ID, g.StaffID, string(g.StaffRole), joinList(g.Categories), joinList(g.Resources), Micros(g.StartsAt), Micros(g.EndsAt),
			g.TicketSealed, g.ReasonSealed, g.GrantedBy, Micros(tx.Now), g.AccountID)
		if err != nil {
			return tx.Err(err, "grant")
		}
		return MustAffect(res, "account")
	})
}

// Grants lists an account's grants, newest first.
func (s *PrivacyStore) Grants(ctx context.Context, d access.Decision, accountID string) ([]privacy.GrantRow, error) {
	if err := d.Require(access.List, grantOf(accountID)); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "grants", scanGrant, `SELECT `+grantColumns+` FROM privacy_grants WHERE account_id = ?
		ORDER BY created_at DESC, id`, accountID)
}

// Grant returns one grant of an account.
func (s *PrivacyStore) Grant(ctx context.Context, d access.Decision, accountID, id string) (privacy.GrantRow, error) {
	if err := d.Require(access.Read, grantOf(accountID)); err != nil {
		return privacy.GrantRow{}, err
	}
	var r privacy.GrantRow
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		r, err = scanGrant(tx.QueryRow(ctx, `SELECT `+grantColumns+` FROM privacy_grants WHERE account_id = ? AND id = ?`, accountID, id))
		return tx.Err(err, "grant")
	})
	return r, err
}

// RevokeGrant ends a grant that has not ended or been revoked.
func (s *PrivacyStore) RevokeGrant(ctx context.Context, d access.Decision, accountID, id, by string) error {
	if err := d.Require(access.Update, grantOf(accountID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE privacy_grants SET revoked_at = ?, revoked_by = ?
			WHERE account_id = ? AND id = ? AND revoked_at = 0 AND ends_at > ?`, Micros(tx.Now), by, accountID, id, Micros(tx.Now))
		if err != nil {
			return err
		}
		return MustAffect(res, "live grant")
	})
}

// GrantUses lists every use of an account's grants, oldest first.
func (s *PrivacyStore) GrantUses(ctx context.Context, d access.Decision, accountID string) ([]privacy.GrantUse, error) {
	if err := d.Require(access.List, grantOf(accountID)); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "grant uses", func(sc scanner) (u privacy.GrantUse, err error) {
		var at int64
		var cat string
		err = sc.Scan(&u.GrantID, &u.Seq, &u.AccountID, &u.StaffID, &at, &u.Action, &cat, &u.ResourceID)
		u.At, u.Category = FromMicros(at), datamap.CategoryID(cat)
		return u, err
	}, `SELECT grant_id, seq, account_id, staff_id, used_at, action, category, resource_id FROM privacy_grant_uses
		WHERE account_id = ? ORDER BY seq`, accountID)
}

// GrantsToStaff lists the grants naming a staff member, or their role,
// newest first.
func (s *PrivacyStore) GrantsToStaff(ctx context.Context, d access.Decision, staffID string, role access.StaffRole) ([]privacy.GrantRow, error) {
	if err := d.Require(access.List, access.Resource{Category: datamap.PrivacyGrant, SubjectID: staffID}); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "grants", scanGrant, `SELECT `+grantColumns+` FROM privacy_grants
		WHERE staff_id = ? OR (staff_id = '' AND staff_role = ?) ORDER BY created_at DESC, id`, staffID, string(role))
}

// LiveGrants returns the grants of an open account to a staff member or
// their role that run at a time and were not revoked.
func (s *PrivacyStore) LiveGrants(ctx context.Context, accountID, staffID string, role access.StaffRole, at time.Time) ([]privacy.GrantRow, error) {
	return queryAll(ctx, s.db, "grants", func(sc scanner) (r privacy.GrantRow, err error) {
		var cats, res string
		err = sc.Scan(&r.ID, &cats, &res)
		r.Categories, r.Resources = splitList[datamap.CategoryID](cats), splitList[string](res)
		return r, err
	}, `SELECT g.id, g.categories, g.resources FROM privacy_grants g JOIN accounts a ON a.id = g.account_id
		WHERE g.account_id = ? AND (g.staff_id = ? OR (g.staff_id = '' AND g.staff_role = ?))
		AND g.revoked_at = 0 AND g.starts_at <= ? AND g.ends_at > ? AND a.closed_at = 0 ORDER BY g.id`,
		accountID, staffID, string(role), Micros(at), Micros(at))
}

// RecordGrantUse keeps one use of a grant.
func (s *PrivacyStore) RecordGrantUse(ctx context.Context, u privacy.GrantUse) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO privacy_grant_uses (grant_id, seq, account_id, staff_id, used_at, action, category, resource_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, u.GrantID, u.Seq, u.AccountID, u.StaffID, Micros(u.At), u.Action, string(u.Category), u.ResourceID)
		return tx.Err(err, "grant use")
	})
}

// StaffExists reports whether an active staff member has this ID.
func (s *PrivacyStore) StaffExists(ctx context.Context, staffID string) (bool, error) {
	var n int
	err := s.db.Read(ctx, func(tx *Tx) error {
		return tx.Err(tx.QueryRow(ctx, `SELECT COUNT(*) FROM staff WHERE id = ? AND disabled_at = 0`, staffID).Scan(&n), "staff")
	})
	return n > 0, err
}
