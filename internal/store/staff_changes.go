package store

import (
	"context"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
)

const roleChangeColumns = `id, kind, staff_id, from_role, role, payload_sealed, requested_by, requested_at, status, decided_by, decided_at`

func scanRoleChange(sc scanner) (account.RoleChangeRow, error) {
	var r account.RoleChangeRow
	var from, role string
	var at, decided int64
	err := sc.Scan(&r.ID, &r.Kind, &r.StaffID, &from, &role, &r.PayloadSealed, &r.RequestedBy, &at, &r.Status, &r.DecidedBy, &decided)
	r.FromRole, r.Role, r.RequestedAt, r.DecidedAt = access.StaffRole(from), access.StaffRole(role), FromMicros(at), FromMicros(decided)
	return r, err
}

func roleChangeRes(r account.RoleChangeRow) access.Resource {
	return access.Resource{Category: datamap.StaffProfile, ID: r.ID, SubjectID: r.StaffID}
}

// CreateRoleChange stores a pending role change; one at a time per staff
// member.
func (s *AccountStore) CreateRoleChange(ctx context.Context, d access.Decision, r account.RoleChangeRow) error {
	if err := d.Require(access.Create, roleChangeRes(r)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO staff_role_changes (id, kind, staff_id, from_role, role, payload_sealed, requested_by, requested_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.Kind, r.StaffID, string(r.FromRole), string(r.Role), r.PayloadSealed, r.RequestedBy, Micros(tx.Now))
		if errs.Is(tx.Err(err, "role change"), errs.Conflict) {
			return errs.E(errs.Conflict, "a role change of this staff member already waits for approval")
		}
		return err
	})
}

// RoleChanges lists role changes, pending first, then the latest decided.
func (s *AccountStore) RoleChanges(ctx context.Context, d access.Decision, limit int) ([]account.RoleChangeRow, error) {
	if err := d.Require(access.List, access.Resource{Category: datamap.StaffProfile}); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "role changes", scanRoleChange, `SELECT `+roleChangeColumns+` FROM staff_role_changes
		ORDER BY CASE WHEN status = 'pending' THEN 0 ELSE 1 END, requested_at DESC, id LIMIT ?`, limit)
}

// RoleChange returns one role change, for the operator administrators.
func (s *AccountStore) RoleChange(ctx context.Context, d access.Decision, id string) (account.RoleChangeRow, error) {
	if err := d.Require(access.List, access.Resource{Category: datamap.StaffProfile}); err != nil {
		return account.RoleChangeRow{}, err
	}
	var r account.RoleChangeRow
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		r, err = scanRoleChange(tx.QueryRow(ctx, `SELECT `+roleChangeColumns+` FROM staff_role_changes WHERE id = ?`, id))
		return tx.Err(err, "role change")
	})
	return r, err
}

// DecideRoleChange moves a pending change to status (approved or
// rejected), once: the sealed invitation goes with the decision.
func (s *AccountStore) DecideRoleChange(ctx context.Context, d access.Decision, r account.RoleChangeRow, status, by string) error {
	action := access.Update
	if status == account.RoleChangeRejected {
		action = access.Delete
	}
	if err := d.Require(action, roleChangeRes(r)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE staff_role_changes SET status = ?, decided_by = ?, decided_at = ?, payload_sealed = NULL
			WHERE id = ? AND status = 'pending'`, status, by, Micros(tx.Now), r.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.Conflict, "this role change was already decided")
		}
		return nil
	})
}
