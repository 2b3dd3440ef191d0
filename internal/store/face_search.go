package store

import (
	"context"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/face"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
)

// Queries of find footage of me: a filmed person's search, its sealed
// template and what it found.

func searchRes(subjectID, requestID string) access.Resource {
	return access.Resource{Category: datamap.FaceSearch, SubjectID: subjectID, ID: requestID}
}

// SearchSubject returns the requester of a request's search.
func (s *FaceStore) SearchSubject(ctx context.Context, requestID string) (string, error) {
	var sub string
	err := s.db.Read(ctx, func(tx *Tx) error {
		return tx.Err(tx.QueryRow(ctx, `SELECT subject_id FROM face_searches WHERE request_id = ?`, requestID).Scan(&sub), "footage search")
	})
	return sub, err
}

// PutSearch stores a search, replacing an earlier one of the request.
func (s *FaceStore) PutSearch(ctx context.Context, d access.Decision, r face.SearchRow) error {
	if err := d.Require(access.Create, searchRes(r.SubjectID, r.RequestID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM face_search_hits WHERE request_id = ?`, r.RequestID); err != nil {
			return tx.Err(err, "footage search")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM face_searches WHERE request_id = ?`, r.RequestID); err != nil {
			return tx.Err(err, "footage search")
		}
		_, err := tx.Exec(ctx, `INSERT INTO face_searches (request_id, subject_id, template_sealed, consent_hash, consented_at) VALUES (?, ?, ?, ?, ?)`,
			r.RequestID, r.SubjectID, r.TemplateSealed, r.ConsentHash, Micros(r.ConsentedAt))
		return tx.Err(err, "footage search")
	})
}

// Search returns a search and its hits.
func (s *FaceStore) Search(ctx context.Context, d access.Decision, requestID string) (face.SearchRow, []face.HitRow, error) {
	var r face.SearchRow
	var hits []face.HitRow
	err := s.db.Read(ctx, func(tx *Tx) error {
		var consented, searched int64
		var skipped string
		err := tx.QueryRow(ctx, `SELECT request_id, subject_id, template_sealed, consent_hash, consented_at, searched_at, searched_by, snapshots, skipped
			FROM face_searches WHERE request_id = ?`, requestID).Scan(&r.RequestID, &r.SubjectID, &r.TemplateSealed, &r.ConsentHash, &consented,
			&searched, &r.SearchedBy, &r.Snapshots, &skipped)
		if err != nil {
			return tx.Err(err, "footage search")
		}
		if err := d.Require(access.Read, searchRes(r.SubjectID, requestID)); err != nil {
			return err
		}
		r.ConsentedAt, r.SearchedAt = FromMicros(consented), FromMicros(searched)
		if skipped != "" {
			r.Skipped = strings.Split(skipped, "\n")
		}
		rows, err := tx.Query(ctx, `SELECT `+hitColumns+` FROM face_search_hits WHERE request_id = ? ORDER BY at, id`, requestID)
		if err != nil {
			return tx.Err(err, "footage hits")
		}
		defer rows.Close()
		for rows.Next() {
			h, err := scanFootageHit(rows)
			if err != nil {
				return tx.Err(err, "footage hits")
			}
			hits = append(hits, h)
		}
		return tx.Err(rows.Err(), "footage hits")
	})
	return r, hits, err
}

const hitColumns = `id, request_id, account_id, device_id, snapshot_id, event_id, at, score, state, reason, decided_by, decided_at`

func scanFootageHit(sc scanner) (h face.HitRow, err error) {
	var at, decided int64
	err = sc.Scan(&h.ID, &h.RequestID, &h.AccountID, &h.DeviceID, &h.SnapshotID, &h.EventID, &at, &h.Score, &h.State, &h.Reason,
		&h.DecidedBy, &decided)
	h.At, h.DecidedAt = FromMicros(at), FromMicros(decided)
	return h, err
}

// ReplaceHits records a run of the search and its hits.
func (s *FaceStore) ReplaceHits(ctx context.Context, d access.Decision, r face.SearchRow, hits []face.HitRow) error {
	if err := d.Require(access.Update, searchRes(r.SubjectID, r.RequestID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM face_search_hits WHERE request_id = ?`, r.RequestID); err != nil {
			return tx.Err(err, "footage hits")
		}
		res, err := tx.Exec(ctx, `UPDATE face_searches SET searched_at = ?, searched_by = ?, snapshots = ?, skipped = ? WHERE request_id = ?`,
			Micros(r.SearchedAt), r.SearchedBy, r.Snapshots, strings.Join(r.Skipped, "\n"), r.RequestID)
		if err != nil {
			return tx.Err(err, "footage search")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.NotFound, "footage search not found")
		}
		for _, h := range hits {
			if _, err := tx.Exec(ctx, `INSERT INTO face_search_hits (id, request_id, account_id, device_id, snapshot_id, event_id, at, score, state)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, h.ID, r.RequestID, h.AccountID, h.DeviceID, h.SnapshotID, h.EventID, Micros(h.At), h.Score, h.State); err != nil {
				return tx.Err(err, "footage hit")
			}
		}
		return nil
	})
}

// ForwardHits asks the camera owners about the named found hits and
// deletes the other found ones.
func (s *FaceStore) ForwardHits(ctx context.Context, d access.Decision, requestID string, ids []string) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		var sub string
		if err := tx.QueryRow(ctx, `SELECT subject_id FROM face_searches WHERE request_id = ?`, requestID).Scan(&sub); err != nil {
			return tx.Err(err, "footage search")
		}
		if err := d.Require(access.Update, searchRes(sub, requestID)); err != nil {
			return err
		}
		for _, id := range ids {
			res, err := tx.Exec(ctx, `UPDATE face_search_hits SET state = ? WHERE request_id = ? AND id = ? AND state = ?`,
				fulfil.HitAsked, requestID, id, fulfil.HitFound)
			if err != nil {
				return tx.Err(err, "footage hit")
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return errs.E(errs.Invalid, "hit %s is not one this search found and nobody was asked about", id)
			}
		}
		_, err := tx.Exec(ctx, `DELETE FROM face_search_hits WHERE request_id = ? AND state = ?`, requestID, fulfil.HitFound)
		return tx.Err(err, "footage hits")
	})
}

// DropSearch deletes a search and its hits.
func (s *FaceStore) DropSearch(ctx context.Context, d access.Decision, requestID string) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		var sub string
		if err := tx.QueryRow(ctx, `SELECT subject_id FROM face_searches WHERE request_id = ?`, requestID).Scan(&sub); err != nil {
			return tx.Err(err, "footage search")
		}
		if err := d.Require(access.Delete, searchRes(sub, requestID)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM face_search_hits WHERE request_id = ?`, requestID); err != nil {
			return tx.Err(err, "footage hits")
		}
		_, err := tx.Exec(ctx, `DELETE FROM face_searches WHERE request_id = ?`, requestID)
		return tx.Err(err, "footage search")
	})
}

// AccountAsks lists the hits on an account's cameras that its owner was
// asked about.
func (s *FaceStore) AccountAsks(ctx context.Context, d access.Decision, accountID string) ([]face.FootageAsk, error) {
	if err := d.Require(access.List, access.Resource{Category: datamap.FaceSearch, AccountID: accountID}); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "footage asks", func(sc scanner) (a face.FootageAsk, err error) {
		var at, decided int64
		err = sc.Scan(&a.ID, &a.DeviceID, &a.EventID, &at, &a.State, &a.Reason, &decided, &a.CameraSealed)
		a.At, a.DecidedAt = FromMicros(at), FromMicros(decided)
		return a, err
	}, `SELECT h.id, h.device_id, h.event_id, h.at, h.state, h.reason, h.decided_at, COALESCE(d.name_sealed, ?)
		FROM face_search_hits h LEFT JOIN devices d ON d.id = h.device_id AND d.account_id = h.account_id
		WHERE h.account_id = ? AND h.state <> ? ORDER BY h.at DESC, h.id`, []byte{}, accountID, fulfil.HitFound)
}

// DecideHit records the owner's decision on an asked hit.
func (s *FaceStore) DecideHit(ctx context.Context, d access.Decision, accountID, hitID, state, reason, by string, at time.Time) error {
	if err := d.Require(access.Update, access.Resource{Category: datamap.FaceSearch, AccountID: accountID, ID: hitID}); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE face_search_hits SET state = ?, reason = ?, decided_by = ?, decided_at = ?
			WHERE account_id = ? AND id = ? AND state <> ?`, state, reason, by, Micros(at), accountID, hitID, fulfil.HitFound)
		if err != nil {
			return tx.Err(err, "footage hit")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.NotFound, "footage request not found")
		}
		return nil
	})
}

// ExpiredSearches lists requesters with searches consented before cutoff.
func (s *FaceStore) ExpiredSearches(ctx context.Context, cutoff time.Time) ([]string, error) {
	return queryAll(ctx, s.db, "expired footage searches", scanFaceAccount,
		`SELECT DISTINCT subject_id FROM face_searches WHERE consented_at < ? ORDER BY subject_id`, Micros(cutoff))
}

// EraseSearches deletes a requester's searches (consented before cutoff,
// when set) and returns their request IDs.
func (s *FaceStore) EraseSearches(ctx context.Context, d access.Decision, subjectID string, cutoff time.Time) ([]string, error) {
	if err := requireFor(d, access.Delete, datamap.FaceSearch, subjectID); err != nil {
		return nil, err
	}
	var reqs []string
	err := s.db.Write(ctx, func(tx *Tx) error {
		q, args := `SELECT request_id FROM face_searches WHERE subject_id = ?`, []any{subjectID}
		if !cutoff.IsZero() {
			q, args = q+` AND consented_at < ?`, append(args, Micros(cutoff))
		}
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return tx.Err(err, "footage searches")
		}
		for rows.Next() {
			var r string
			if err := rows.Scan(&r); err != nil {
				rows.Close()
				return tx.Err(err, "footage searches")
			}
			reqs = append(reqs, r)
		}
		rows.Close()
		for _, r := range reqs {
			if _, err := tx.Exec(ctx, `DELETE FROM face_search_hits WHERE request_id = ?`, r); err != nil {
				return tx.Err(err, "footage hits")
			}
			if _, err := tx.Exec(ctx, `DELETE FROM face_searches WHERE request_id = ?`, r); err != nil {
				return tx.Err(err, "footage search")
			}
		}
		return nil
	})
	return reqs, err
}

// AccountAdmins returns the account's owners and admins.
func (s *FaceStore) AccountAdmins(ctx context.Context, accountID string) ([]string, error) {
	return queryAll(ctx, s.db, "account admins", scanFaceAccount,
		`SELECT user_id FROM memberships WHERE account_id = ? AND site_id = '' AND role IN ('owner', 'admin') ORDER BY user_id`, accountID)
}
