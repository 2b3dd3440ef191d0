package store

import (
	"context"
	"crypto/hmac"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/notify"
)

// NotifyStore keeps notification preferences, endpoints and the outbox.
type NotifyStore struct{ db *DB }

// NewNotifyStore returns the notification store on db.
func NewNotifyStore(db *DB) *NotifyStore { return &NotifyStore{db: db} }

var _ notify.Store = (*NotifyStore)(nil)

func prefsRes(userID string) access.Resource {
	return access.Resource{Category: datamap.NotifyPrefs, SubjectID: userID}
}

// Prefs returns the person's channel choices per kind; kinds without a
// stored choice are absent.
func (s *NotifyStore) Prefs(ctx context.Context, d access.Decision, userID string) (map[notify.Kind][]notify.Channel, error) {
	if err := requireReadBack(d, prefsRes(userID)); err != nil {
		return nil, err
	}
	out := map[notify.Kind][]notify.Channel{}
	err := scanEach(ctx, s.db, "notification preference", func(sc scanner) ([2]string, error) {
		var v [2]string
		return v, sc.Scan(&v[0], &v[1])
	}, func(v [2]string) error {
		out[notify.Kind(v[0])] = splitChannels(v[1])
		return nil
	}, `SELECT kind, channels FROM notify_prefs WHERE user_id = ?`, userID)
	return out, err
}

func splitChannels(s string) []notify.Channel {
	out := []notify.Channel{}
	for _, c := range strings.Split(s, ",") {
		if c != "" {
			out = append(out, notify.Channel(c))
		}
	}
	return out
}

func joinChannels(cs []notify.Channel) string {
	ss := make([]string, len(cs))
	for i, c := range cs {
		ss[i] = string(c)
	}
	return strings.Join(ss, ",")
}

// SetPrefs replaces the person's channels for one kind.
func (s *NotifyStore) SetPrefs(ctx context.Context, d access.Decision, userID string, kind notify.Kind, channels []notify.Channel) error {
	if err := d.Require(access.Update, prefsRes(userID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO notify_prefs (user_id, kind, channels, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id, kind) DO UPDATE SET channels = excluded.channels, updated_at = excluded.updated_at`,
			userID, string(kind), joinChannels(channels), Micros(tx.Now))
		return err
	})
}

// Phone returns the person's sealed phone number, once verified: an
// unverified number receives nothing.
func (s *NotifyStore) Phone(ctx context.Context, d access.Decision, userID string) ([]byte, error) {
	b, verified, err := s.PhoneStatus(ctx, d, userID)
	if err == nil && !verified {
		return nil, errs.E(errs.NotFound, "phone number not verified")
	}
	return b, err
}

// PhoneStatus returns the person's sealed phone number and whether it was
// verified.
func (s *NotifyStore) PhoneStatus(ctx context.Context, d access.Decision, userID string) ([]byte, bool, error) {
	if err := requireReadBack(d, prefsRes(userID)); err != nil {
		return nil, false, err
	}
	var b []byte
	var verified int64
	err := s.db.Read(ctx, func(tx *Tx) error {
		return tx.Err(tx.QueryRow(ctx, `SELECT phone_sealed, verified_at FROM notify_phones WHERE user_id = ?`, userID).Scan(&b, &verified), "phone number")
	})
	return b, verified != 0, err
}

// SetPhone stores the person's sealed phone number, unverified, with the
// fingerprint of the code sent to it.
func (s *NotifyStore) SetPhone(ctx context.Context, d access.Decision, userID string, sealed, codeIndex []byte, codeExpires time.Time) error {
	if err := d.Require(access.Update, prefsRes(userID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO notify_phones (user_id, phone_sealed, updated_at, verified_at, code_index, code_expires_at, code_attempts)
			VALUES (?, ?, ?, 0, ?, ?, 0)
			ON CONFLICT (user_id) DO UPDATE SET phone_sealed = excluded.phone_sealed, updated_at = excluded.updated_at, verified_at = 0,
				code_index = excluded.code_index, code_expires_at = excluded.code_expires_at, code_attempts = 0`,
			userID, sealed, Micros(tx.Now), codeIndex, Micros(codeExpires))
		return err
	})
}

// maxCodeAttempts is how many wrong codes void the code.
const maxCodeAttempts = 5

// VerifyPhone marks the number verified when codeIndex is the live code's
// fingerprint; a wrong code counts, and the fifth voids the code.
func (s *NotifyStore) VerifyPhone(ctx context.Context, d access.Decision, userID string, codeIndex []byte) error {
	if err := d.Require(access.Update, prefsRes(userID)); err != nil {
		return err
	}
	wrong := false
	err := s.db.Write(ctx, func(tx *Tx) error {
		var want []byte
		var expires int64
		var attempts int
		err := tx.QueryRow(ctx, `SELECT code_index, code_expires_at, code_attempts FROM notify_phones WHERE user_id = ?`, userID).Scan(&want, &expires, &attempts)
		if err != nil {
			return tx.Err(err, "phone number")
		}
		if len(want) == 0 || attempts >= maxCodeAttempts || Micros(tx.Now) >= expires {
			return errs.E(errs.Gone, "this code is no longer valid: set the number again for a new one")
		}
		if !hmac.Equal(want, codeIndex) {
			// Counted (committed), then refused.
			wrong = true
			_, err := tx.Exec(ctx, `UPDATE notify_phones SET code_attempts = code_attempts + 1 WHERE user_id = ?`, userID)
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE notify_phones SET verified_at = ?, code_index = NULL, code_expires_at = 0, code_attempts = 0 WHERE user_id = ?`,
			Micros(tx.Now), userID)
		return err
	})
	if err == nil && wrong {
		return errs.E(errs.Invalid, "the code is wrong")
	}
	return err
}

// DeletePhone removes the person's phone number.
func (s *NotifyStore) DeletePhone(ctx context.Context, d access.Decision, userID string) error {
	if err := d.Require(access.Delete, prefsRes(userID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM notify_phones WHERE user_id = ?`, userID)
		if err != nil {
			return err
		}
		return MustAffect(res, "phone number")
	})
}

func scanPushSub(sc scanner) (notify.PushSubRow, error) {
	var r notify.PushSubRow
	var created int64
	err := sc.Scan(&r.ID, &r.UserID, &r.EndpointIndex, &r.Sealed, &created)
	r.CreatedAt = FromMicros(created)
	return r, err
}

// PushSubs lists the person's Web Push subscriptions.
func (s *NotifyStore) PushSubs(ctx context.Context, d access.Decision, userID string) ([]notify.PushSubRow, error) {
	if err := requireReadBack(d, prefsRes(userID)); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "push subscription", scanPushSub,
		`SELECT id, user_id, endpoint_index, sub_sealed, created_at FROM notify_push_subs WHERE user_id = ? ORDER BY created_at, id`, userID)
}

// AddPushSub stores a subscription or refreshes the one with the same
// endpoint.
func (s *NotifyStore) AddPushSub(ctx context.Context, d access.Decision, r notify.PushSubRow) (string, error) {
	if err := d.Require(access.Create, prefsRes(r.UserID)); err != nil {
		return "", err
	}
	id := r.ID
	err := s.db.Write(ctx, func(tx *Tx) error {
		var existing string
		err := tx.QueryRow(ctx, `SELECT id FROM notify_push_subs WHERE user_id = ? AND endpoint_index = ?`, r.UserID, r.EndpointIndex).Scan(&existing)
		if err == nil {
			id = existing
			_, err = tx.Exec(ctx, `UPDATE notify_push_subs SET sub_sealed = ? WHERE id = ?`, r.Sealed, existing)
			return err
		}
		if err := tx.Err(err, "push subscription"); !errs.Is(err, errs.NotFound) {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO notify_push_subs (id, user_id, endpoint_index, sub_sealed, created_at) VALUES (?, ?, ?, ?, ?)`,
			r.ID, r.UserID, r.EndpointIndex, r.Sealed, Micros(tx.Now))
		return err
	})
	return id, err
}

// DeletePushSub removes one of the person's subscriptions.
func (s *NotifyStore) DeletePushSub(ctx context.Context, d access.Decision, userID, id string) error {
	if err := d.Require(access.Delete, prefsRes(userID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM notify_push_subs WHERE user_id = ? AND id = ?`, userID, id)
		if err != nil {
			return err
		}
		return MustAffect(res, "push subscription")
	})
}

func hookRes(accountID, id string) access.Resource {
	return access.Resource{Category: datamap.NotifyWebhook, AccountID: accountID, ID: id}
}

const hookColumns = `id, account_id, kinds, url_sealed, secret_sealed, created_by, created_at`

func scanHook(sc scanner) (notify.WebhookRow, error) {
	var r notify.WebhookRow
	var kinds string
	var created int64
	err := sc.Scan(&r.ID, &r.AccountID, &kinds, &r.URLSealed, &r.SecretSealed, &r.CreatedBy, &created)
	for _, k := range strings.Split(kinds, ",") {
		if k != "" {
			r.Kinds = append(r.Kinds, notify.Kind(k))
		}
	}
	r.CreatedAt = FromMicros(created)
	return r, err
}

// Webhooks lists the account's webhooks.
func (s *NotifyStore) Webhooks(ctx context.Context, d access.Decision, accountID string) ([]notify.WebhookRow, error) {
	if err := d.Require(access.List, hookRes(accountID, "")); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "webhook", scanHook, `SELECT `+hookColumns+` FROM notify_webhooks WHERE account_id = ? ORDER BY created_at, id`, accountID)
}

// Webhook returns one of the account's webhooks.
func (s *NotifyStore) Webhook(ctx context.Context, d access.Decision, accountID, id string) (notify.WebhookRow, error) {
	var r notify.WebhookRow
	if err := d.Require(access.Read, hookRes(accountID, id)); err != nil {
		return r, err
	}
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		r, err = scanHook(tx.QueryRow(ctx, `SELECT `+hookColumns+` FROM notify_webhooks WHERE account_id = ? AND id = ?`, accountID, id))
		return tx.Err(err, "webhook")
	})
	return r, err
}

// CreateWebhook stores a webhook.
func (s *NotifyStore) CreateWebhook(ctx context.Context, d access.Decision, r notify.WebhookRow) error {
	if err := d.Require(access.Create, hookRes(r.AccountID, "")); err != nil {
		return err
	}
	kinds := make([]string, len(r.Kinds))
	for i, k := range r.Kinds {
		kinds[i] = string(k)
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO notify_webhooks (`+hookColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.AccountID, strings.Join(kinds, ","), r.URLSealed, r.SecretSealed, r.CreatedBy, Micros(tx.Now))
		return err
	})
}

// DeleteWebhook removes one of the account's webhooks; its pending
// deliveries are skipped.
func (s *NotifyStore) DeleteWebhook(ctx context.Context, d access.Decision, accountID, id string) error {
	if err := d.Require(access.Delete, hookRes(accountID, id)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM notify_webhooks WHERE account_id = ? AND id = ?`, accountID, id)
		if err != nil {
			return err
		}
		if err := MustAffect(res, "webhook"); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE notify_deliveries SET status = ?, done_at = ?, lease_until = 0 WHERE account_id = ? AND channel = ? AND endpoint_id = ? AND status = ?`,
			string(notify.StatusSkipped), Micros(tx.Now), accountID, string(notify.ChannelWebhook), id, string(notify.StatusPending))
		return err
	})
}
