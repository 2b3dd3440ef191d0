package store

import (
	"context"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/privacy"
)

const processorColumns = `id, name, service, categories, agreement_signed_at, agreement_expires_at, assessed_at,
	assessment_expires_at, created_at, updated_at`

func scanProcessor(sc scanner) (privacy.ProcessorRow, error) {
	var r privacy.ProcessorRow
	var cats string
	var signed, expires, assessed, assessExp, created, updated int64
	err := sc.Scan(&r.ID, &r.Name, &r.Service, &cats, &signed, &expires, &assessed, &assessExp, &created, &updated)
	r.Categories = splitList[datamap.CategoryID](cats)
	r.AgreementSignedAt, r.AgreementExpiresAt = FromMicros(signed), FromMicros(expires)
	r.AssessedAt, r.AssessmentExpiresAt = FromMicros(assessed), FromMicros(assessExp)
	r.CreatedAt, r.UpdatedAt = FromMicros(created), FromMicros(updated)
	return r, err
}

// PutProcessor registers a processor or replaces its record.
func (s *PrivacyStore) PutProcessor(ctx context.Context, p privacy.ProcessorRow) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE privacy_processors SET name = ?, service = ?, categories = ?, agreement_signed_at = ?,
			agreement_expires_at = ?, assessed_at = ?, assessment_expires_at = ?, updated_at = ? WHERE id = ?`,
			p.Name, p.Service, joinList(p.Categories), Micros(p.AgreementSignedAt), Micros(p.AgreementExpiresAt),
			Micros(p.AssessedAt), Micros(p.AssessmentExpiresAt), Micros(tx.Now), p.ID)
		if err != nil {
			return tx.Err(err, "processor")
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return tx.Err(err, "processor")
		}
		_, err = tx.Exec(ctx, `INSERT INTO privacy_processors (`+processorColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.Name, p.Service, joinList(p.Categories), Micros(p.AgreementSignedAt), Micros(p.AgreementExpiresAt),
			Micros(p.AssessedAt), Micros(p.AssessmentExpiresAt), Micros(tx.Now), Micros(tx.Now))
		return tx.Err(err, "processor")
	})
}

// Processors lists the registry by name.
func (s *PrivacyStore) Processors(ctx context.Context) ([]privacy.ProcessorRow, error) {
	return queryAll(ctx, s.db, "processors", scanProcessor, `SELECT `+processorColumns+` FROM privacy_processors ORDER BY name`)
}

// Processor returns one processor.
func (s *PrivacyStore) Processor(ctx context.Context, id string) (privacy.ProcessorRow, error) {
	var r privacy.ProcessorRow
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		r, err = scanProcessor(tx.QueryRow(ctx, `SELECT `+processorColumns+` FROM privacy_processors WHERE id = ?`, id))
		return tx.Err(err, "processor")
	})
	return r, err
}

func ledgerOf(accountID string) access.Resource {
	return access.Resource{Category: datamap.PrivacyDisclosure, AccountID: accountID}
}

// requireLedger accepts a decision about the account's ledger or about the
// vendor's view of it.
func requireLedger(d access.Decision, a access.Action, accountID string) error {
	if err := d.Require(a, privacy.VendorLedger(accountID)); err == nil {
		return nil
	}
	return d.Require(a, ledgerOf(accountID))
}

const disclosureColumns = `id, account_id, subject_id, kind, processor_id, recipient_sealed, reference_sealed, details_sealed,
	categories, resources, disclosed_at, expires_at, revoked_at, hold_until, recorded_by, created_at`

func scanDisclosure(sc scanner) (privacy.DisclosureRow, error) {
	var r privacy.DisclosureRow
	var kind, cats, res string
	var disclosed, expires, revoked, hold, created int64
	err := sc.Scan(&r.ID, &r.AccountID, &r.SubjectID, &kind, &r.ProcessorID, &r.RecipientSealed, &r.ReferenceSealed, &r.DetailsSealed,
		&cats, &res, &disclosed, &expires, &revoked, &hold, &r.RecordedBy, &created)
	r.Kind, r.Categories, r.Resources = privacy.DisclosureKind(kind), splitList[datamap.CategoryID](cats), splitList[string](res)
	r.DisclosedAt, r.ExpiresAt, r.RevokedAt = FromMicros(disclosed), FromMicros(expires), FromMicros(revoked)
	r.HoldUntil, r.CreatedAt = FromMicros(hold), FromMicros(created)
	return r, err
}

// CreateDisclosure adds a ledger entry to an open account.
func (s *PrivacyStore) CreateDisclosure(ctx context.Context, d access.Decision, r privacy.DisclosureRow) error {
	if err := requireLedger(d, access.Create, r.AccountID); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `INSERT INTO privacy_disclosures (`+disclosureColumns+`)
			SELECT ?, id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ? FROM accounts WHERE id = ? AND closed_at = 0`,
			r.ID, r.SubjectID, string(r.Kind), r.ProcessorID, r.RecipientSealed, r.ReferenceSealed, r.DetailsSealed,
			joinList(r.Categories), joinList(r.Resources), Micros(r.DisclosedAt), Micros(r.ExpiresAt), Micros(r.HoldUntil),
			r.RecordedBy, Micros(tx.Now), r.AccountID)
		if err != nil {
			return tx.Err(err, "disclosure")
		}
		return MustAffect(res, "account")
	})
}

// Disclosures lists an account's ledger, newest first.
func (s *PrivacyStore) Disclosures(ctx context.Context, d access.Decision, accountID string) ([]privacy.DisclosureRow, error) {
	if err := requireLedger(d, access.List, accountID); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "disclosures", scanDisclosure, `SELECT `+disclosureColumns+` FROM privacy_disclosures
		WHERE account_id = ? ORDER BY disclosed_at DESC, id`, accountID)
}

// AllDisclosures lists the whole ledger, newest first, optionally of one
// kind and one processor.
func (s *PrivacyStore) AllDisclosures(ctx context.Context, d access.Decision, kind privacy.DisclosureKind, processorID string, limit int) ([]privacy.DisclosureRow, error) {
	if err := d.Require(access.List, access.Resource{Category: datamap.PrivacyDisclosure}); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "disclosures", scanDisclosure, `SELECT `+disclosureColumns+` FROM privacy_disclosures
		WHERE (? = '' OR kind = ?) AND (? = '' OR processor_id = ?) ORDER BY disclosed_at DESC, id LIMIT ?`,
		string(kind), string(kind), processorID, processorID, limit)
}

// SubjectDisclosures lists the entries that concern one person (and the
// shares made to them), newest first.
func (s *PrivacyStore) SubjectDisclosures(ctx context.Context, d access.Decision, subjectID string) ([]privacy.DisclosureRow, error) {
	if err := d.Require(access.List, personOf(datamap.PrivacyDisclosure, subjectID)); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "disclosures", scanDisclosure, `SELECT `+disclosureColumns+` FROM privacy_disclosures
		WHERE subject_id = ? OR id IN (SELECT id FROM privacy_shares WHERE recipient_id = ?)
		ORDER BY disclosed_at DESC, id`, subjectID, subjectID)
}

// RevokeShare ends a live share of an account.
func (s *PrivacyStore) RevokeShare(ctx context.Context, d access.Decision, accountID, id string) error {
	if err := d.Require(access.Update, ledgerOf(accountID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE privacy_disclosures SET revoked_at = ? WHERE account_id = ? AND id = ? AND kind = ?
			AND revoked_at = 0 AND expires_at > ?`, Micros(tx.Now), accountID, id, string(privacy.Share), Micros(tx.Now))
		if err != nil {
			return err
		}
		return MustAffect(res, "live share")
	})
}

// RecordMail keeps one transactional message's check.
func (s *PrivacyStore) RecordMail(ctx context.Context, r privacy.MailRecord) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO privacy_mail_log (id, at, processor_id, subject, status, reason) VALUES (?, ?, ?, ?, ?, ?)`,
			r.ID, Micros(r.At), r.ProcessorID, r.Subject, r.Status, r.Reason)
		return tx.Err(err, "mail record")
	})
}

// MailRecords lists the latest transactional messages, newest first.
func (s *PrivacyStore) MailRecords(ctx context.Context, limit int) ([]privacy.MailRecord, error) {
	return queryAll(ctx, s.db, "mail records", func(sc scanner) (r privacy.MailRecord, err error) {
		var at int64
		err = sc.Scan(&r.ID, &at, &r.ProcessorID, &r.Subject, &r.Status, &r.Reason)
		r.At = FromMicros(at)
		return r, err
	}, `SELECT id, at, processor_id, subject, status, reason FROM privacy_mail_log ORDER BY at DESC, id DESC LIMIT ?`, limit)
}
