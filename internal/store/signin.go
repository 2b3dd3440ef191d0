package store

import (
	"context"
	"time"

	"github.com/vigil-cloud/vigil/internal/errs"
)

// signinMemory is how long failed sign-ins are remembered.
const signinMemory = 24 * time.Hour

// SignInDelay returns until when sign-ins of an address from a network
// wait.
func (s *AccountStore) SignInDelay(ctx context.Context, emailIndex, netIndex []byte) (time.Time, error) {
	var until int64
	err := s.db.Read(ctx, func(tx *Tx) error {
		err := tx.QueryRow(ctx, `SELECT delay_until FROM signin_failures WHERE email_index = ? AND net_index = ?`, emailIndex, netIndex).Scan(&until)
		if err = tx.Err(err, "sign-in failures"); errs.Is(err, errs.NotFound) {
			return nil
		}
		return err
	})
	return FromMicros(until), err
}

// RecordSignInFailure counts one more failure and sets the delay; rows
// older than a day are forgotten on the way.
func (s *AccountStore) RecordSignInFailure(ctx context.Context, emailIndex, netIndex []byte, delay func(int) time.Duration) (int, error) {
	var n int
	err := s.db.Write(ctx, func(tx *Tx) error {
		now := Micros(tx.Now)
		if _, err := tx.Exec(ctx, `DELETE FROM signin_failures WHERE last_at < ?`, Micros(tx.Now.Add(-signinMemory))); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `INSERT INTO signin_failures (email_index, net_index, failures, last_at) VALUES (?, ?, 1, ?)
			ON CONFLICT (email_index, net_index) DO UPDATE SET failures = signin_failures.failures + 1, last_at = excluded.last_at
			RETURNING failures`, emailIndex, netIndex, now).Scan(&n)
		if err != nil {
			return tx.Err(err, "sign-in failures")
		}
		if d := delay(n); d > 0 {
			_, err = tx.Exec(ctx, `UPDATE signin_failures SET delay_until = ? WHERE email_index = ? AND net_index = ?`,
				Micros(tx.Now.Add(d)), emailIndex, netIndex)
		}
		return err
	})
	return n, err
}

// ClearSignInFailures forgets the failures of an address (from one network,
// or all with netIndex nil).
func (s *AccountStore) ClearSignInFailures(ctx context.Context, emailIndex, netIndex []byte) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		var err error
		if netIndex == nil {
			_, err = tx.Exec(ctx, `DELETE FROM signin_failures WHERE email_index = ?`, emailIndex)
		} else {
			_, err = tx.Exec(ctx, `DELETE FROM signin_failures WHERE email_index = ? AND net_index = ?`, emailIndex, netIndex)
		}
		return err
	})
}
