package store

import (
	"context"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/activity"
	"github.com/vigil-cloud/vigil/internal/datamap"
)

// ActivityStore keeps the app access log.
type ActivityStore struct{ db *DB }

// NewActivityStore returns the access-log store on db.
func NewActivityStore(db *DB) *ActivityStore { return &ActivityStore{db: db} }

var _ activity.Store = (*ActivityStore)(nil)

// AddHits adds request counts, one row per person, hour and address.
func (s *ActivityStore) AddHits(ctx context.Context, hits []activity.Hit) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		for _, h := range hits {
			_, err := tx.Exec(ctx, `INSERT INTO app_access (user_id, hour, ip_index, ip_sealed, ip_prefix, requests, first_at, last_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (user_id, hour, ip_index) DO UPDATE SET requests = app_access.requests + excluded.requests, last_at = excluded.last_at`,
				h.UserID, Micros(h.Hour), h.IPIndex, h.IPSealed, h.Prefix, h.Requests, Micros(h.First), Micros(h.Last))
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// Hits returns a person's access log, newest first.
func (s *ActivityStore) Hits(ctx context.Context, d access.Decision, userID string, limit int) ([]activity.Hit, error) {
	if err := d.Require(access.List, access.Resource{Category: datamap.LogAccess, SubjectID: userID}); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "access log", scanHit, `SELECT user_id, hour, ip_sealed, ip_prefix, requests, first_at, last_at FROM app_access
		WHERE user_id = ? ORDER BY hour DESC, last_at DESC LIMIT ?`, userID, limit)
}

func scanHit(sc scanner) (activity.Hit, error) {
	var h activity.Hit
	var hour, first, last int64
	err := sc.Scan(&h.UserID, &hour, &h.IPSealed, &h.Prefix, &h.Requests, &first, &last)
	h.Hour, h.First, h.Last = FromMicros(hour), FromMicros(first), FromMicros(last)
	return h, err
}

func requireLog(d access.Decision, a access.Action, userID string) error {
	return d.Require(a, access.Resource{Category: datamap.LogAccess, SubjectID: userID})
}

// ExportHits streams a person's whole access log, oldest first.
func (s *ActivityStore) ExportHits(ctx context.Context, d access.Decision, userID string, fn func(activity.Hit) error) error {
	if err := requireLog(d, access.Export, userID); err != nil {
		return err
	}
	return scanEach(ctx, s.db, "access log", scanHit, fn, `SELECT user_id, hour, ip_sealed, ip_prefix, requests, first_at, last_at
		FROM app_access WHERE user_id = ? ORDER BY hour, id`, userID)
}

// EraseHits deletes a person's access log.
func (s *ActivityStore) EraseHits(ctx context.Context, d access.Decision, userID string) (int64, error) {
	if err := requireLog(d, access.Delete, userID); err != nil {
		return 0, err
	}
	var n int64
	err := s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM app_access WHERE user_id = ?`, userID)
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	return n, err
}

// ExpiredHits lists the people with full addresses of hours before cutoff.
func (s *ActivityStore) ExpiredHits(ctx context.Context, cutoff time.Time) ([]string, error) {
	return queryAll(ctx, s.db, "access log", func(sc scanner) (id string, err error) { return id, sc.Scan(&id) },
		`SELECT DISTINCT user_id FROM app_access WHERE ip_sealed IS NOT NULL AND last_at < ?`, Micros(cutoff))
}

// Pseudonymise erases a person's full addresses, and their fingerprints
// (which become the row number), of hours before cutoff, and deletes their
// hours before purge.
func (s *ActivityStore) Pseudonymise(ctx context.Context, d access.Decision, userID string, cutoff, purge time.Time) (int64, error) {
	if err := requireLog(d, access.Delete, userID); err != nil {
		return 0, err
	}
	rowID := `CAST(id AS TEXT)`
	if s.db.Dialect() == Postgres {
		rowID = `convert_to(id::text, 'UTF8')`
	}
	var n int64
	err := s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM app_access WHERE user_id = ? AND last_at < ?`, userID, Micros(purge))
		if err != nil {
			return err
		}
		deleted, _ := res.RowsAffected()
		res, err = tx.Exec(ctx, `UPDATE app_access SET ip_sealed = NULL, ip_index = `+rowID+`
			WHERE user_id = ? AND ip_sealed IS NOT NULL AND last_at < ?`, userID, Micros(cutoff))
		if err != nil {
			return err
		}
		changed, _ := res.RowsAffected()
		n = deleted + changed
		return nil
	})
	return n, err
}
