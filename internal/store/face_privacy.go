package store

import (
	"context"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/face"
)

// ExportPeople streams an account's enrolled people.
func (s *FaceStore) ExportPeople(ctx context.Context, d access.Decision, subjectID, accountID string, emit func(face.PersonRow) error) error {
	if err := requireFor(d, access.Export, datamap.FaceTemplate, subjectID); err != nil {
		return err
	}
	return scanEach(ctx, s.db, "face people", scanPerson, emit, `SELECT `+personColumns+` FROM face_people p WHERE p.account_id = ? ORDER BY p.created_at, p.id`, accountID)
}

// ExportMatches streams an account's matches.
func (s *FaceStore) ExportMatches(ctx context.Context, d access.Decision, subjectID, accountID string, emit func(face.Match) error) error {
	if err := requireFor(d, access.Export, datamap.FaceMatch, subjectID); err != nil {
		return err
	}
	return scanEach(ctx, s.db, "face matches", scanMatch, emit, `SELECT `+matchColumns+matchFrom+` WHERE m.account_id = ? ORDER BY m.at, m.id`, accountID)
}

// ErasePeople deletes an account's people enrolled before cutoff (all
// when cutoff is zero), with their templates and matches.
func (s *FaceStore) ErasePeople(ctx context.Context, d access.Decision, subjectID, accountID string, cutoff time.Time) ([]string, error) {
	if err := requireFor(d, access.Delete, datamap.FaceTemplate, subjectID); err != nil {
		return nil, err
	}
	var people []string
	err := s.db.Write(ctx, func(tx *Tx) error {
		var err error
		if cutoff.IsZero() {
			people, err = deletePeople(ctx, tx, `account_id = ?`, accountID)
			if err == nil {
				_, err = tx.Exec(ctx, `DELETE FROM face_sites WHERE account_id = ?`, accountID)
				err = tx.Err(err, "face recognition site")
			}
			return err
		}
		people, err = deletePeople(ctx, tx, `account_id = ? AND created_at < ?`, accountID, Micros(cutoff))
		return err
	})
	return people, err
}

// EraseMatches deletes an account's matches before cutoff (all when zero).
func (s *FaceStore) EraseMatches(ctx context.Context, d access.Decision, subjectID, accountID string, cutoff time.Time) (int64, error) {
	if err := requireFor(d, access.Delete, datamap.FaceMatch, subjectID); err != nil {
		return 0, err
	}
	if cutoff.IsZero() {
		cutoff = time.Unix(1<<40, 0)
	}
	var n int64
	err := s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM face_matches WHERE account_id = ? AND at < ?`, accountID, Micros(cutoff))
		if err != nil {
			return tx.Err(err, "face matches")
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// ExpiredPeople lists accounts with people enrolled before cutoff.
func (s *FaceStore) ExpiredPeople(ctx context.Context, cutoff time.Time) ([]string, error) {
	return queryAll(ctx, s.db, "expired face people", scanFaceAccount, `SELECT DISTINCT account_id FROM face_people WHERE created_at < ? ORDER BY account_id`, Micros(cutoff))
}

// ExpiredMatches lists accounts with matches before cutoff.
func (s *FaceStore) ExpiredMatches(ctx context.Context, cutoff time.Time) ([]string, error) {
	return queryAll(ctx, s.db, "expired face matches", scanFaceAccount, `SELECT DISTINCT account_id FROM face_matches WHERE at < ? ORDER BY account_id`, Micros(cutoff))
}

func scanFaceAccount(sc scanner) (string, error) {
	var s string
	return s, sc.Scan(&s)
}
