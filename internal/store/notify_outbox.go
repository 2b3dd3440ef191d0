package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/notify"
)

func messageRes(accountID, id string) access.Resource {
	return access.Resource{Category: datamap.NotifyMessage, AccountID: accountID, ID: id}
}

func notifyMarks(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// Members returns those of userIDs who belong to the account.
func (s *NotifyStore) Members(ctx context.Context, accountID string, userIDs []string) ([]string, error) {
	if len(userIDs) == 0 {
		return nil, nil
	}
	args := []any{accountID}
	for _, u := range userIDs {
		args = append(args, u)
	}
	var out []string
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		out, err = txIDs(ctx, tx, "member", `SELECT DISTINCT user_id FROM memberships WHERE account_id = ? AND user_id IN (`+notifyMarks(len(userIDs))+`) ORDER BY user_id`, args...)
		return err
	})
	return out, err
}

// AccountsOf maps every person to the open accounts they belong to, the
// oldest membership first.
func (s *NotifyStore) AccountsOf(ctx context.Context, region string) (map[string][]string, error) {
	out := map[string][]string{}
	err := scanEach(ctx, s.db, "membership", func(sc scanner) ([2]string, error) {
		var v [2]string
		return v, sc.Scan(&v[0], &v[1])
	}, func(v [2]string) error {
		out[v[0]] = append(out[v[0]], v[1])
		return nil
	}, `SELECT m.user_id, m.account_id FROM memberships m JOIN accounts a ON a.id = m.account_id
		WHERE a.closed_at = 0 AND (? = '' OR lower(a.region) = lower(?)) ORDER BY m.created_at, m.account_id`, region, region)
	return out, err
}

// UserEmail returns a person's sealed e-mail address and language.
func (s *NotifyStore) UserEmail(ctx context.Context, d access.Decision, userID string) ([]byte, string, error) {
	if err := d.Require(access.Read, access.Resource{Category: datamap.AccountProfile, SubjectID: userID}); err != nil {
		return nil, "", err
	}
	var sealed []byte
	var lang string
	err := s.db.Read(ctx, func(tx *Tx) error {
		return tx.Err(tx.QueryRow(ctx, `SELECT email_sealed, language FROM users WHERE id = ?`, userID).Scan(&sealed, &lang), "user")
	})
	return sealed, lang, err
}

// Enqueue stores each item's message once and each of its deliveries not
// there yet, all in one transaction: concurrent enqueues share one commit.
func (s *NotifyStore) Enqueue(ctx context.Context, items []notify.EnqueueItem) ([]int, error) {
	for _, it := range items {
		if err := it.Decision.Require(access.Create, messageRes(it.Message.AccountID, "")); err != nil {
			return nil, err
		}
	}
	added := make([]int, len(items))
	err := s.db.Write(ctx, func(tx *Tx) error {
		for i, it := range items {
			added[i] = 0
			m := it.Message
			if _, err := tx.Exec(ctx, `INSERT INTO notify_messages (account_id, id, kind, content_sealed, created_at) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (account_id, id) DO NOTHING`, m.AccountID, m.ID, string(m.Kind), m.Sealed, Micros(tx.Now)); err != nil {
				return err
			}
			for _, r := range it.Deliveries {
				res, err := tx.Exec(ctx, `INSERT INTO notify_deliveries (id, account_id, message_id, user_id, channel, endpoint_id, status, next_at, created_at)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account_id, message_id, user_id, channel, endpoint_id) DO NOTHING`,
					r.ID, m.AccountID, m.ID, r.UserID, string(r.Channel), r.EndpointID, string(notify.StatusPending), Micros(tx.Now), Micros(tx.Now))
				if err != nil {
					return err
				}
				if n, err := res.RowsAffected(); err == nil {
					added[i] += int(n)
				}
			}
		}
		return nil
	})
	return added, err
}

const deliveryColumns = `d.id, d.account_id, d.message_id, m.kind, d.user_id, d.channel, d.endpoint_id, d.status, d.attempts,
	d.next_at, d.lease_until, d.last_error, d.created_at, d.done_at, m.content_sealed`

const deliveryFrom = ` FROM notify_deliveries d JOIN notify_messages m ON m.account_id = d.account_id AND m.id = d.message_id`

func scanDelivery(sc scanner) (notify.DeliveryRow, error) {
	var r notify.DeliveryRow
	var kind, ch, st string
	var next, lease, created, done int64
	err := sc.Scan(&r.ID, &r.AccountID, &r.MessageID, &kind, &r.UserID, &ch, &r.EndpointID, &st, &r.Attempts,
		&next, &lease, &r.LastError, &created, &done, &r.Sealed)
	r.Kind, r.Channel, r.Status = notify.Kind(kind), notify.Channel(ch), notify.Status(st)
	r.NextAt, r.LeaseUntil, r.CreatedAt, r.DoneAt = FromMicros(next), FromMicros(lease), FromMicros(created), FromMicros(done)
	return r, err
}

// ClaimDue leases pending deliveries that are due.
func (s *NotifyStore) ClaimDue(ctx context.Context, limit int, lease time.Duration) ([]notify.DeliveryRow, error) {
	// An idle outbox is asked every second: a read answers that nothing is
	// due without taking the writer (a write transaction, and a commit).
	due := false
	err := s.db.Read(ctx, func(tx *Tx) error {
		now := Micros(tx.Now)
		err := tx.QueryRow(ctx, `SELECT 1 FROM notify_deliveries WHERE status = ? AND next_at <= ? AND lease_until <= ? LIMIT 1`,
			string(notify.StatusPending), now, now).Scan(new(int))
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		due = err == nil
		return tx.Err(err, "due deliveries")
	})
	if err != nil || !due {
		return nil, err
	}
	var out []notify.DeliveryRow
	err = s.db.Write(ctx, func(tx *Tx) error {
		out = out[:0]
		now := Micros(tx.Now)
		lock := ""
		if tx.Dialect() == Postgres {
			lock = " FOR UPDATE OF d SKIP LOCKED"
		}
		err := forEachRow(ctx, tx, "delivery", scanDelivery, func(r notify.DeliveryRow) error { out = append(out, r); return nil },
			`SELECT `+deliveryColumns+deliveryFrom+` WHERE d.status = ? AND d.next_at <= ? AND d.lease_until <= ?
			ORDER BY d.next_at, d.id LIMIT ?`+lock, string(notify.StatusPending), now, now, limit)
		if err != nil || len(out) == 0 {
			return err
		}
		args := []any{now + lease.Microseconds()}
		for _, r := range out {
			args = append(args, r.ID)
		}
		_, err = tx.Exec(ctx, `UPDATE notify_deliveries SET lease_until = ? WHERE id IN (`+notifyMarks(len(out))+`)`, args...)
		return err
	})
	return out, err
}

// NextDue reads when the earliest pending delivery may be claimed.
func (s *NotifyStore) NextDue(ctx context.Context) (time.Time, bool, error) {
	var next sql.NullInt64
	err := s.db.Read(ctx, func(tx *Tx) error {
		return tx.Err(tx.QueryRow(ctx, `SELECT MIN(CASE WHEN next_at > lease_until THEN next_at ELSE lease_until END)
			FROM notify_deliveries WHERE status = ?`, string(notify.StatusPending)).Scan(&next), "next due delivery")
	})
	if err != nil || !next.Valid {
		return time.Time{}, false, err
	}
	return FromMicros(next.Int64), true, nil
}

// Finish records the outcomes of attempts in one transaction: one commit
// (and one fsync) for a whole batch of deliveries.
func (s *NotifyStore) Finish(ctx context.Context, outcomes []notify.Outcome) error {
	if len(outcomes) == 0 {
		return nil
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		for _, o := range outcomes {
			done := int64(0)
			if o.Status != notify.StatusPending {
				done = Micros(tx.Now)
			}
			if _, err := tx.Exec(ctx, `UPDATE notify_deliveries SET status = ?, attempts = ?, next_at = ?, last_error = ?, lease_until = 0, done_at = ? WHERE id = ?`,
				string(o.Status), o.Attempts, Micros(o.Next), o.LastErr, done, o.ID); err != nil {
				return err
			}
		}
		return nil
	})
}

// Message returns a stored message of the account.
func (s *NotifyStore) Message(ctx context.Context, d access.Decision, accountID, id string) (notify.MessageRow, error) {
	var m notify.MessageRow
	if err := d.Require(access.Read, messageRes(accountID, id)); err != nil {
		return m, err
	}
	err := s.db.Read(ctx, func(tx *Tx) error {
		var kind string
		var created int64
		err := tx.QueryRow(ctx, `SELECT account_id, id, kind, content_sealed, created_at FROM notify_messages WHERE account_id = ? AND id = ?`,
			accountID, id).Scan(&m.AccountID, &m.ID, &kind, &m.Sealed, &created)
		m.Kind, m.CreatedAt = notify.Kind(kind), FromMicros(created)
		return tx.Err(err, "message")
	})
	return m, err
}

// Deliveries lists deliveries of an account or of a person, newest first.
func (s *NotifyStore) Deliveries(ctx context.Context, d access.Decision, q notify.DeliveryQuery) ([]notify.DeliveryRow, error) {
	var where []string
	var args []any
	if q.UserID != "" {
		if err := d.Require(access.List, access.Resource{Category: datamap.NotifyMessage, AccountID: q.AccountID, SubjectID: q.UserID}); err != nil {
			return nil, err
		}
		where, args = append(where, "d.user_id = ?"), append(args, q.UserID)
		if q.AccountID != "" {
			where, args = append(where, "d.account_id = ?"), append(args, q.AccountID)
		}
	} else {
		if err := d.Require(access.List, messageRes(q.AccountID, "")); err != nil {
			return nil, err
		}
		where, args = append(where, "d.account_id = ?"), append(args, q.AccountID)
	}
	if q.Status != "" {
		where, args = append(where, "d.status = ?"), append(args, string(q.Status))
	}
	if q.Channel != "" {
		where, args = append(where, "d.channel = ?"), append(args, string(q.Channel))
	}
	if q.MessageID != "" {
		where, args = append(where, "d.message_id = ?"), append(args, q.MessageID)
	}
	limit := q.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	args = append(args, limit)
	return queryAll(ctx, s.db, "delivery", scanDelivery, `SELECT `+deliveryColumns+deliveryFrom+` WHERE `+strings.Join(where, " AND ")+
		` ORDER BY d.created_at DESC, d.id DESC LIMIT ?`, args...)
}

// Retry queues a dead delivery again, due now, with a fresh count.
func (s *NotifyStore) Retry(ctx context.Context, d access.Decision, accountID, id string) error {
	if err := d.Require(access.Update, messageRes(accountID, id)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE notify_deliveries SET status = ?, attempts = 0, next_at = ?, lease_until = 0, done_at = 0
			WHERE account_id = ? AND id = ? AND status = ?`, string(notify.StatusPending), Micros(tx.Now), accountID, id, string(notify.StatusDead))
		if err != nil {
			return err
		}
		return MustAffect(res, "dead delivery")
	})
}
