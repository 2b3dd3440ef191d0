package store

import (
	"context"
	"time"
)

// RateStore holds the rate-limit counts every node shares
// (ratelimit.Counter): per scope, a keyed fingerprint of the key (a client
// network, an address: never in clear) and a fixed window, how many events.
type RateStore struct{ db *DB }

// NewRateStore returns the rate-limit counts of db.
func NewRateStore(db *DB) *RateStore { return &RateStore{db: db} }

// Count adds one event to key's window and returns the window's count.
func (s *RateStore) Count(ctx context.Context, scope string, key []byte, window time.Time) (int, error) {
	var n int
	err := s.db.Write(ctx, func(tx *Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO rate_windows (scope, key_index, window_at, n) VALUES (?, ?, ?, 1)
			ON CONFLICT (scope, key_index, window_at) DO UPDATE SET n = rate_windows.n + 1
			RETURNING n`, scope, key, Micros(window)).Scan(&n)
		return tx.Err(err, "rate limit")
	})
	return n, err
}

// Forget deletes the windows that started before before.
func (s *RateStore) Forget(ctx context.Context, before time.Time) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM rate_windows WHERE window_at < ?`, Micros(before))
		return tx.Err(err, "rate limit")
	})
}
