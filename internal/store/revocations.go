package store

import (
	"context"

	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/revoke"
)

// RevocationStore keeps the revocation epochs.
type RevocationStore struct{ db *DB }

// NewRevocationStore returns the epoch store on db.
func NewRevocationStore(db *DB) *RevocationStore { return &RevocationStore{db: db} }

var _ revoke.Store = (*RevocationStore)(nil)

// Bump adds one to each key's epoch in one transaction.
func (s *RevocationStore) Bump(ctx context.Context, keys []revoke.Key) (map[revoke.Key]uint64, error) {
	out := make(map[revoke.Key]uint64, len(keys))
	err := s.db.Write(ctx, func(tx *Tx) error {
		for _, k := range keys {
			var v int64
			err := tx.QueryRow(ctx, `INSERT INTO revocations (name, epoch, updated_at) VALUES (?, 1, ?)
				ON CONFLICT (name) DO UPDATE SET epoch = revocations.epoch + 1, updated_at = excluded.updated_at
				RETURNING epoch`, string(k), Micros(tx.Now)).Scan(&v)
			if err != nil {
				return tx.Err(err, "revocation")
			}
			out[k] = uint64(v)
		}
		return nil
	})
	return out, err
}

// Epochs reads the epochs of keys; a key never bumped is absent (0).
func (s *RevocationStore) Epochs(ctx context.Context, keys []revoke.Key) (map[revoke.Key]uint64, error) {
	out := make(map[revoke.Key]uint64, len(keys))
	err := s.db.Read(ctx, func(tx *Tx) error {
		for _, k := range keys {
			var v int64
			err := tx.QueryRow(ctx, `SELECT epoch FROM revocations WHERE name = ?`, string(k)).Scan(&v)
			if err != nil {
				if e := tx.Err(err, "revocation"); !errs.Is(e, errs.NotFound) {
					return e
				}
				continue
			}
			out[k] = uint64(v)
		}
		return nil
	})
	return out, err
}
