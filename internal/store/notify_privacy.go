package store

import (
	"context"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/notify"
)

// ExportDeliveries streams a person's deliveries, oldest first.
func (s *NotifyStore) ExportDeliveries(ctx context.Context, d access.Decision, userID string, emit func(notify.DeliveryRow) error) error {
	if err := d.Require(access.Export, access.Resource{Category: datamap.NotifyMessage, SubjectID: userID}); err != nil {
		return err
	}
	return scanEach(ctx, s.db, "delivery", scanDelivery, emit,
		`SELECT `+deliveryColumns+deliveryFrom+` WHERE d.user_id = ? ORDER BY d.created_at, d.id`, userID)
}

// EraseSubject deletes a person's rows of a notification category.
func (s *NotifyStore) EraseSubject(ctx context.Context, d access.Decision, category datamap.CategoryID, userID string) (int64, error) {
	if err := d.Require(access.Delete, access.Resource{Category: category, SubjectID: userID}); err != nil {
		return 0, err
	}
	var stmts []string
	switch category {
	case datamap.NotifyPrefs:
		stmts = []string{`DELETE FROM notify_prefs WHERE user_id = ?`, `DELETE FROM notify_phones WHERE user_id = ?`,
			`DELETE FROM notify_push_subs WHERE user_id = ?`}
	case datamap.NotifyMessage:
		stmts = []string{`DELETE FROM notify_deliveries WHERE user_id = ?`}
	default:
		return 0, errs.E(errs.Invalid, "notify does not erase %s", category)
	}
	var n int64
	err := s.db.Write(ctx, func(tx *Tx) error {
		n = 0
		for _, q := range stmts {
			res, err := tx.Exec(ctx, q, userID)
			if err != nil {
				return err
			}
			if k, err := res.RowsAffected(); err == nil {
				n += k
			}
		}
		return nil
	})
	return n, err
}

// ExpiredMessages lists the accounts holding messages created before cutoff.
func (s *NotifyStore) ExpiredMessages(ctx context.Context, cutoff time.Time) ([]string, error) {
	var out []string
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		out, err = txIDs(ctx, tx, "message", `SELECT DISTINCT account_id FROM notify_messages WHERE created_at < ? ORDER BY account_id`, Micros(cutoff))
		return err
	})
	return out, err
}

// PurgeMessages deletes an account's messages created before cutoff, with
// their deliveries.
func (s *NotifyStore) PurgeMessages(ctx context.Context, d access.Decision, accountID string, cutoff time.Time) (int64, error) {
	if err := d.Require(access.Delete, access.Resource{Category: datamap.NotifyMessage, SubjectID: accountID}); err != nil {
		return 0, err
	}
	var n int64
	err := s.db.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM notify_deliveries WHERE account_id = ? AND message_id IN
			(SELECT id FROM notify_messages WHERE account_id = ? AND created_at < ?)`, accountID, accountID, Micros(cutoff)); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM notify_messages WHERE account_id = ? AND created_at < ?`, accountID, Micros(cutoff))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// ExportWebhooks streams the webhooks of an account the subject owns,
// sealed as stored.
func (s *NotifyStore) ExportWebhooks(ctx context.Context, d access.Decision, subjectID, accountID string, emit func(notify.WebhookRow) error) error {
	if err := d.Require(access.Export, access.Resource{Category: datamap.NotifyWebhook, SubjectID: subjectID}); err != nil {
		return err
	}
	return scanEach(ctx, s.db, "webhook", scanHook, emit, `SELECT `+hookColumns+` FROM notify_webhooks WHERE account_id = ? ORDER BY created_at, id`, accountID)
}

// EraseWebhooks deletes the webhooks of an account the subject owns; their
// pending deliveries are skipped.
func (s *NotifyStore) EraseWebhooks(ctx context.Context, d access.Decision, subjectID, accountID string) (int64, error) {
	if err := d.Require(access.Delete, access.Resource{Category: datamap.NotifyWebhook, SubjectID: subjectID}); err != nil {
		return 0, err
	}
	return s.deleteWebhooks(ctx, accountID, `account_id = ?`, accountID)
}

// closedAccount selects the rows of an account that no longer exists, or
// that closed before the cutoff (the last argument).
const closedAccount = `(NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = account_id) OR
	EXISTS (SELECT 1 FROM accounts a WHERE a.id = account_id AND a.closed_at != 0 AND a.closed_at < ?))`

// ExpiredWebhooks lists the accounts holding webhooks whose account is gone
// or closed before cutoff.
func (s *NotifyStore) ExpiredWebhooks(ctx context.Context, cutoff time.Time) ([]string, error) {
	var out []string
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		out, err = txIDs(ctx, tx, "webhook", `SELECT DISTINCT account_id FROM notify_webhooks WHERE `+closedAccount+` ORDER BY account_id`, Micros(cutoff))
		return err
	})
	return out, err
}

// PurgeWebhooks deletes the webhooks of an account gone or closed before
// cutoff.
func (s *NotifyStore) PurgeWebhooks(ctx context.Context, d access.Decision, accountID string, cutoff time.Time) (int64, error) {
	if err := d.Require(access.Delete, access.Resource{Category: datamap.NotifyWebhook, SubjectID: accountID}); err != nil {
		return 0, err
	}
	return s.deleteWebhooks(ctx, accountID, `account_id = ? AND `+closedAccount, accountID, Micros(cutoff))
}

func (s *NotifyStore) deleteWebhooks(ctx context.Context, accountID, cond string, args ...any) (int64, error) {
	var n int64
	err := s.db.Write(ctx, func(tx *Tx) error {
		ids, err := txIDs(ctx, tx, "webhook", `SELECT id FROM notify_webhooks WHERE `+cond, args...)
		if err != nil {
			return err
		}
		n = 0
		for _, id := range ids {
			if _, err := tx.Exec(ctx, `DELETE FROM notify_webhooks WHERE account_id = ? AND id = ?`, accountID, id); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE notify_deliveries SET status = ?, done_at = ?, lease_until = 0 WHERE account_id = ? AND channel = ? AND endpoint_id = ? AND status = ?`,
				string(notify.StatusSkipped), Micros(tx.Now), accountID, string(notify.ChannelWebhook), id, string(notify.StatusPending)); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
