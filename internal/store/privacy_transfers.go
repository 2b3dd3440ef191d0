package store

import (
	"context"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/privacy"
)

// AskTransfer records that members were asked about a transfer.
func (s *PrivacyStore) AskTransfer(ctx context.Context, transferID, accountID string, userIDs []string, at time.Time) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		for _, u := range userIDs {
			if _, err := tx.Exec(ctx, `INSERT INTO privacy_transfer_members (transfer_id, account_id, user_id, answer, asked_at, answered_at)
				VALUES (?, ?, ?, '', ?, 0)`, transferID, accountID, u, Micros(at)); err != nil {
				return tx.Err(err, "transfer ask")
			}
		}
		return nil
	})
}

// TransferAnswers returns each asked member's answer.
func (s *PrivacyStore) TransferAnswers(ctx context.Context, transferID string) (map[string]string, error) {
	type ans struct{ user, answer string }
	rows, err := queryAll(ctx, s.db, "transfer answers", func(sc scanner) (a ans, err error) {
		err = sc.Scan(&a.user, &a.answer)
		return a, err
	}, `SELECT user_id, answer FROM privacy_transfer_members WHERE transfer_id = ?`, transferID)
	out := map[string]string{}
	for _, r := range rows {
		out[r.user] = r.answer
	}
	return out, err
}

// TransferAsks lists the asks made to a person, newest first.
func (s *PrivacyStore) TransferAsks(ctx context.Context, d access.Decision, userID string) ([]privacy.TransferAskRow, error) {
	if err := d.Require(access.List, personOf(datamap.PrivacyDisclosure, userID)); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "transfer asks", func(sc scanner) (r privacy.TransferAskRow, err error) {
		var asked, answered int64
		err = sc.Scan(&r.TransferID, &r.AccountID, &r.UserID, &r.Answer, &asked, &answered)
		r.AskedAt, r.AnsweredAt = FromMicros(asked), FromMicros(answered)
		return r, err
	}, `SELECT transfer_id, account_id, user_id, answer, asked_at, answered_at FROM privacy_transfer_members
		WHERE user_id = ? ORDER BY asked_at DESC, transfer_id`, userID)
}

// AnswerTransfer keeps a member's answer.
func (s *PrivacyStore) AnswerTransfer(ctx context.Context, d access.Decision, transferID, userID, answer string, at time.Time) error {
	if err := d.Require(access.Update, personOf(datamap.PrivacyConsent, userID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE privacy_transfer_members SET answer = ?, answered_at = ? WHERE transfer_id = ? AND user_id = ?`,
			answer, Micros(at), transferID, userID)
		if err != nil {
			return tx.Err(err, "transfer answer")
		}
		return MustAffect(res, "transfer ask")
	})
}

// ClaimImport records an import, once.
func (s *PrivacyStore) ClaimImport(ctx context.Context, transferID, by string, at time.Time) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM privacy_transfer_imports WHERE transfer_id = ?`, transferID).Scan(&n); err != nil {
			return tx.Err(err, "transfer import")
		}
		if n > 0 {
			return errs.E(errs.Conflict, "transfer imported already")
		}
		_, err := tx.Exec(ctx, `INSERT INTO privacy_transfer_imports (transfer_id, account_id, imported_by, imported_at) VALUES (?, '', ?, ?)`,
			transferID, by, Micros(at))
		return tx.Err(err, "transfer import")
	})
}

// ImportDone records the account an import made.
func (s *PrivacyStore) ImportDone(ctx context.Context, transferID, accountID string) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `UPDATE privacy_transfer_imports SET account_id = ? WHERE transfer_id = ?`, accountID, transferID)
		return tx.Err(err, "transfer import")
	})
}

// ImportFailed forgets the claim of a failed import.
func (s *PrivacyStore) ImportFailed(ctx context.Context, transferID string) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM privacy_transfer_imports WHERE transfer_id = ? AND account_id = ''`, transferID)
		return tx.Err(err, "transfer import")
	})
}

// CloseTransfer records a transferred account's closure once and, unless
// it is kept, freezes the account.
func (s *PrivacyStore) CloseTransfer(ctx context.Context, d access.Decision, r privacy.TransferClosureRow) error {
	if err := d.Require(access.Export, access.Resource{Category: datamap.AccountProfile, AccountID: r.AccountID}); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM privacy_transfer_closures WHERE transfer_id = ?`, r.TransferID).Scan(&n); err != nil {
			return tx.Err(err, "transfer closure")
		}
		if n > 0 {
			return errs.E(errs.Conflict, "transfer completed already")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO privacy_transfer_closures (transfer_id, account_id, confirmed_by, frozen_at, closes_at,
			keep_reason_sealed, closed_at) VALUES (?, ?, ?, ?, ?, ?, 0)`, r.TransferID, r.AccountID, r.ConfirmedBy, Micros(r.FrozenAt),
			Micros(r.ClosesAt), r.KeepReasonSealed); err != nil {
			return tx.Err(err, "transfer closure")
		}
		if r.FrozenAt.IsZero() {
			return nil
		}
		_, err := tx.Exec(ctx, `UPDATE accounts SET frozen_at = ? WHERE id = ? AND frozen_at = 0`, Micros(r.FrozenAt), r.AccountID)
		return tx.Err(err, "account")
	})
}

// DueClosures lists the closures due at a time and not done.
func (s *PrivacyStore) DueClosures(ctx context.Context, at time.Time) ([]privacy.TransferClosureRow, error) {
	return queryAll(ctx, s.db, "transfer closures", func(sc scanner) (r privacy.TransferClosureRow, err error) {
		var frozen, closes int64
		err = sc.Scan(&r.TransferID, &r.AccountID, &r.ConfirmedBy, &frozen, &closes)
		r.FrozenAt, r.ClosesAt = FromMicros(frozen), FromMicros(closes)
		return r, err
	}, `SELECT transfer_id, account_id, confirmed_by, frozen_at, closes_at FROM privacy_transfer_closures
		WHERE closes_at != 0 AND closes_at <= ? AND closed_at = 0 ORDER BY closes_at`, Micros(at))
}

// CloseTransferred closes the account of a closure.
func (s *PrivacyStore) CloseTransferred(ctx context.Context, transferID, accountID string, at time.Time) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE accounts SET closed_at = ? WHERE id = ? AND closed_at = 0`, Micros(at), accountID); err != nil {
			return tx.Err(err, "account")
		}
		_, err := tx.Exec(ctx, `UPDATE privacy_transfer_closures SET closed_at = ? WHERE transfer_id = ?`, Micros(at), transferID)
		return tx.Err(err, "transfer closure")
	})
}
