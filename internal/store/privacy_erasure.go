package store

import (
	"context"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/privacy"
)

var (
	_ privacy.NoticeStore       = (*PrivacyStore)(nil)
	_ privacy.ConsentProofStore = (*PrivacyStore)(nil)
)

const deletionNoticeColumns = `id, processor_id, request_id, subject_id, categories, created_at, sent_at, attempts`

func scanDeletionNotice(sc scanner) (privacy.DeletionNotice, error) {
	var n privacy.DeletionNotice
	var cats string
	var created, sent int64
	err := sc.Scan(&n.ID, &n.ProcessorID, &n.RequestID, &n.SubjectID, &cats, &created, &sent, &n.Attempts)
	n.Categories, n.CreatedAt, n.SentAt = splitList[datamap.CategoryID](cats), FromMicros(created), FromMicros(sent)
	return n, err
}

// AddDeletionNotice puts a notice in the outbox.
func (s *PrivacyStore) AddDeletionNotice(ctx context.Context, n privacy.DeletionNotice) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO privacy_processor_notices (`+deletionNoticeColumns+`) VALUES (?, ?, ?, ?, ?, ?, 0, 0)`,
			n.ID, n.ProcessorID, n.RequestID, n.SubjectID, joinList(n.Categories), Micros(n.CreatedAt))
		return tx.Err(err, "deletion notice")
	})
}

// PendingDeletionNotices lists unsent notices, oldest first.
func (s *PrivacyStore) PendingDeletionNotices(ctx context.Context, limit int) ([]privacy.DeletionNotice, error) {
	return queryAll(ctx, s.db, "deletion notices", scanDeletionNotice, `SELECT `+deletionNoticeColumns+`
		FROM privacy_processor_notices WHERE sent_at = 0 ORDER BY created_at, id LIMIT ?`, limit)
}

// MarkDeletionNotice records a delivery attempt.
func (s *PrivacyStore) MarkDeletionNotice(ctx context.Context, id string, sent bool) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		at := int64(0)
		if sent {
			at = Micros(tx.Now)
		}
		res, err := tx.Exec(ctx, `UPDATE privacy_processor_notices SET sent_at = ?, attempts = attempts + 1 WHERE id = ?`, at, id)
		if err != nil {
			return err
		}
		return MustAffect(res, "deletion notice")
	})
}

// DeletionNotices lists the notices of a request.
func (s *PrivacyStore) DeletionNotices(ctx context.Context, requestID string) ([]privacy.DeletionNotice, error) {
	return queryAll(ctx, s.db, "deletion notices", scanDeletionNotice, `SELECT `+deletionNoticeColumns+`
		FROM privacy_processor_notices WHERE request_id = ? ORDER BY processor_id`, requestID)
}

// PseudonymiseConsents keeps a person's proofs of consent under a
// pseudonym, without the IP addresses they were given from.
func (s *PrivacyStore) PseudonymiseConsents(ctx context.Context, d access.Decision, userID, pseudonym string) (int64, error) {
	if err := d.Require(access.Delete, consentOf(userID)); err != nil {
		return 0, err
	}
	var n int64
	err := s.db.Write(ctx, func(tx *Tx) error {
		for _, table := range []string{"privacy_acceptances", "privacy_consents"} {
			res, err := tx.Exec(ctx, `UPDATE `+table+` SET user_id = ?, ip_sealed = ? WHERE user_id = ?`, pseudonym, []byte{}, userID)
			if err != nil {
				return err
			}
			m, _ := res.RowsAffected()
			n += m
		}
		return nil
	})
	return n, err
}
