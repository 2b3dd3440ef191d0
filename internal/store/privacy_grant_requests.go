package store

import (
	"context"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/privacy"
)

const grantRequestColumns = `id, account_id, staff_id, categories, seconds, ticket_sealed, reason_sealed, requested_at,
	status, decided_at, decided_by, grant_id`

func scanGrantRequest(sc scanner) (privacy.GrantRequestRow, error) {
	var r privacy.GrantRequestRow
	var cats string
	var secs, requested, decided int64
	err := sc.Scan(&r.ID, &r.AccountID, &r.StaffID, &cats, &secs, &r.TicketSealed, &r.ReasonSealed, &requested,
		&r.Status, &decided, &r.DecidedBy, &r.GrantID)
	r.Categories, r.Duration = splitList[datamap.CategoryID](cats), time.Duration(secs)*time.Second
	r.RequestedAt, r.DecidedAt = FromMicros(requested), FromMicros(decided)
	return r, err
}

// CreateGrantRequest stores a staff member's request to an open account,
// one pending request per member and account at a time.
func (s *PrivacyStore) CreateGrantRequest(ctx context.Context, d access.Decision, r privacy.GrantRequestRow) error {
	if err := d.Require(access.Create, access.Resource{Category: datamap.PrivacyGrant, AccountID: r.AccountID, SubjectID: r.StaffID}); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		var pending int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM privacy_grant_requests WHERE account_id = ? AND staff_id = ? AND status = 'pending'`,
			r.AccountID, r.StaffID).Scan(&pending); err != nil {
			return tx.Err(err, "grant request")
		}
		if pending > 0 {
			return errs.E(errs.Conflict, "you already asked this account; wait for the customer's answer")
		}
		res, err := tx.Exec(ctx, `INSERT INTO privacy_grant_requests (id, account_id, staff_id, categories, seconds, ticket_sealed,
			reason_sealed, requested_at, status) SELECT ?, id, ?, ?, ?, ?, ?, ?, 'pending' FROM accounts WHERE id = ? AND closed_at = 0`,
			r.ID, r.StaffID, joinList(r.Categories), int64(r.Duration/time.Second), r.TicketSealed, r.ReasonSealed, Micros(tx.Now), r.AccountID)
		if err != nil {
			return tx.Err(err, "grant request")
		}
		return MustAffect(res, "account")
	})
}

// GrantRequests lists an account's grant requests, newest first.
func (s *PrivacyStore) GrantRequests(ctx context.Context, d access.Decision, accountID string) ([]privacy.GrantRequestRow, error) {
	if err := d.Require(access.List, grantOf(accountID)); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "grant requests", scanGrantRequest, `SELECT `+grantRequestColumns+` FROM privacy_grant_requests
		WHERE account_id = ? ORDER BY requested_at DESC, id`, accountID)
}

// GrantRequestsBy lists a staff member's own grant requests, newest first.
func (s *PrivacyStore) GrantRequestsBy(ctx context.Context, d access.Decision, staffID string) ([]privacy.GrantRequestRow, error) {
	if err := d.Require(access.List, access.Resource{Category: datamap.PrivacyGrant, SubjectID: staffID}); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "grant requests", scanGrantRequest, `SELECT `+grantRequestColumns+` FROM privacy_grant_requests
		WHERE staff_id = ? ORDER BY requested_at DESC, id`, staffID)
}

// GrantRequest returns one grant request of an account, to decide on it.
func (s *PrivacyStore) GrantRequest(ctx context.Context, d access.Decision, accountID, id string) (privacy.GrantRequestRow, error) {
	if err := d.Require(access.Create, grantOf(accountID)); err != nil {
		return privacy.GrantRequestRow{}, err
	}
	var r privacy.GrantRequestRow
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		r, err = scanGrantRequest(tx.QueryRow(ctx, `SELECT `+grantRequestColumns+` FROM privacy_grant_requests
			WHERE account_id = ? AND id = ?`, accountID, id))
		return tx.Err(err, "grant request")
	})
	return r, err
}

// ApproveGrantRequest marks a pending request approved and stores its
// grant, in one transaction.
func (s *PrivacyStore) ApproveGrantRequest(ctx context.Context, d access.Decision, requestID string, g privacy.GrantRow) error {
	if err := d.Require(access.Create, grantOf(g.AccountID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE privacy_grant_requests SET status = 'approved', decided_at = ?, decided_by = ?, grant_id = ?
			WHERE account_id = ? AND id = ? AND status = 'pending'`, Micros(tx.Now), g.GrantedBy, g.ID, g.AccountID, requestID)
		if err != nil {
			return tx.Err(err, "grant request")
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return errs.E(errs.Conflict, "this request is no longer pending")
		}
		res, err = tx.Exec(ctx, `INSERT INTO privacy_grants (id, account_id, staff_id, staff_role, categories, resources,
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

// DeclineGrantRequest marks a pending request declined.
func (s *PrivacyStore) DeclineGrantRequest(ctx context.Context, d access.Decision, accountID, id, by string) error {
	if err := d.Require(access.Update, grantOf(accountID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE privacy_grant_requests SET status = 'declined', decided_at = ?, decided_by = ?
			WHERE account_id = ? AND id = ? AND status = 'pending'`, Micros(tx.Now), by, accountID, id)
		if err != nil {
			return tx.Err(err, "grant request")
		}
		return MustAffect(res, "pending grant request")
	})
}
