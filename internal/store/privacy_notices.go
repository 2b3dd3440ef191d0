package store

import (
	"context"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/privacy"
)

const noticeColumns = `id, kind, region, language, version, body, text_hash, material, summary, published_at, published_by`

func scanNotice(sc scanner) (privacy.NoticeRow, error) {
	var r privacy.NoticeRow
	var kind string
	var published int64
	err := sc.Scan(&r.ID, &kind, &r.Region, &r.Language, &r.Version, &r.Body, &r.TextHash, &r.Material, &r.Summary, &published, &r.PublishedBy)
	r.Kind, r.PublishedAt = privacy.Kind(kind), FromMicros(published)
	return r, err
}

// PublishNotice stores a new version of a document.
func (s *PrivacyStore) PublishNotice(ctx context.Context, n privacy.NoticeRow) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO privacy_notices (`+noticeColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			n.ID, string(n.Kind), n.Region, n.Language, n.Version, n.Body, n.TextHash, n.Material, n.Summary, Micros(n.PublishedAt), n.PublishedBy)
		return tx.Err(err, "notice version")
	})
}

// Notices lists every version of a kind of document.
func (s *PrivacyStore) Notices(ctx context.Context, kind privacy.Kind) ([]privacy.NoticeRow, error) {
	return queryAll(ctx, s.db, "notices", scanNotice, `SELECT `+noticeColumns+` FROM privacy_notices WHERE kind = ?
		ORDER BY region, language, version`, string(kind))
}

// Notice returns one version of a document.
func (s *PrivacyStore) Notice(ctx context.Context, id string) (privacy.NoticeRow, error) {
	var r privacy.NoticeRow
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		r, err = scanNotice(tx.QueryRow(ctx, `SELECT `+noticeColumns+` FROM privacy_notices WHERE id = ?`, id))
		return tx.Err(err, "notice")
	})
	return r, err
}

func consentOf(userID string) access.Resource {
	return personOf(datamap.PrivacyConsent, userID)
}

// CreateAcceptance records that a person accepted a notice version.
func (s *PrivacyStore) CreateAcceptance(ctx context.Context, d access.Decision, a privacy.AcceptanceRow) error {
	if err := d.Require(access.Create, consentOf(a.UserID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO privacy_acceptances (id, user_id, notice_id, kind, version, text_hash, accepted_at, ip_sealed, method)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.ID, a.UserID, a.NoticeID, string(a.Kind), a.Version, a.TextHash, Micros(a.AcceptedAt), a.IPSealed, a.Method)
		return tx.Err(err, "acceptance")
	})
}

// Acceptances lists a person's acceptances, oldest first.
func (s *PrivacyStore) Acceptances(ctx context.Context, d access.Decision, userID string) ([]privacy.AcceptanceRow, error) {
	if err := requireAny(d, []access.Resource{consentOf(userID)}, access.List, access.Export); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "acceptances", func(sc scanner) (a privacy.AcceptanceRow, err error) {
		var kind string
		var at int64
		err = sc.Scan(&a.ID, &a.UserID, &a.NoticeID, &kind, &a.Version, &a.TextHash, &at, &a.IPSealed, &a.Method)
		a.Kind, a.AcceptedAt = privacy.Kind(kind), FromMicros(at)
		return a, err
	}, `SELECT id, user_id, notice_id, kind, version, text_hash, accepted_at, ip_sealed, method FROM privacy_acceptances
		WHERE user_id = ? ORDER BY accepted_at, id`, userID)
}

// AcceptedNotices returns the IDs of the notices of a kind a person accepted.
func (s *PrivacyStore) AcceptedNotices(ctx context.Context, userID string, kind privacy.Kind) ([]string, error) {
	return queryAll(ctx, s.db, "acceptances", func(sc scanner) (id string, err error) { return id, sc.Scan(&id) },
		`SELECT DISTINCT notice_id FROM privacy_acceptances WHERE user_id = ? AND kind = ?`, userID, string(kind))
}

// NoticeSubject returns when a user joined, their language and the regions
// of their open accounts.
func (s *PrivacyStore) NoticeSubject(ctx context.Context, userID string) (privacy.NoticeSubject, error) {
	var n privacy.NoticeSubject
	err := s.db.Read(ctx, func(tx *Tx) error {
		var created int64
		if err := tx.QueryRow(ctx, `SELECT created_at, language FROM users WHERE id = ?`, userID).Scan(&created, &n.Language); err != nil {
			return tx.Err(err, "user")
		}
		n.CreatedAt = FromMicros(created)
		rows, err := tx.Query(ctx, `SELECT DISTINCT a.region FROM memberships m JOIN accounts a ON a.id = m.account_id
			WHERE m.user_id = ? AND a.closed_at = 0 ORDER BY a.region`, userID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r string
			if err := rows.Scan(&r); err != nil {
				return tx.Err(err, "regions")
			}
			n.Regions = append(n.Regions, r)
		}
		return tx.Err(rows.Err(), "regions")
	})
	return n, err
}

const consentColumns = `id, user_id, purpose, notice_id, granted_at, withdrawn_at, ip_sealed, method`

func scanConsent(sc scanner) (privacy.ConsentRow, error) {
	var c privacy.ConsentRow
	var granted, withdrawn int64
	err := sc.Scan(&c.ID, &c.UserID, &c.Purpose, &c.NoticeID, &granted, &withdrawn, &c.IPSealed, &c.Method)
	c.GrantedAt, c.WithdrawnAt = FromMicros(granted), FromMicros(withdrawn)
	return c, err
}

// CreateConsent records a person's consent.
func (s *PrivacyStore) CreateConsent(ctx context.Context, d access.Decision, c privacy.ConsentRow) error {
	if err := d.Require(access.Create, consentOf(c.UserID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO privacy_consents (`+consentColumns+`) VALUES (?, ?, ?, ?, ?, 0, ?, ?)`,
			c.ID, c.UserID, c.Purpose, c.NoticeID, Micros(c.GrantedAt), c.IPSealed, c.Method)
		return tx.Err(err, "consent")
	})
}

// WithdrawConsent marks a person's live consents to purpose withdrawn.
func (s *PrivacyStore) WithdrawConsent(ctx context.Context, d access.Decision, userID, purpose string) error {
	if err := d.Require(access.Update, consentOf(userID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE privacy_consents SET withdrawn_at = ? WHERE user_id = ? AND purpose = ? AND withdrawn_at = 0`,
			Micros(tx.Now), userID, purpose)
		if err != nil {
			return err
		}
		return MustAffect(res, "consent")
	})
}

// Consents lists a person's consents, oldest first.
func (s *PrivacyStore) Consents(ctx context.Context, d access.Decision, userID string) ([]privacy.ConsentRow, error) {
	if err := requireAny(d, []access.Resource{consentOf(userID)}, access.List, access.Export); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "consents", scanConsent, `SELECT `+consentColumns+` FROM privacy_consents WHERE user_id = ?
		ORDER BY granted_at, id`, userID)
}

// LiveConsent returns a person's unwithdrawn consent to purpose.
func (s *PrivacyStore) LiveConsent(ctx context.Context, userID, purpose string) (privacy.ConsentRow, error) {
	rows, err := queryAll(ctx, s.db, "consent", scanConsent, `SELECT `+consentColumns+` FROM privacy_consents
		WHERE user_id = ? AND purpose = ? AND withdrawn_at = 0 ORDER BY granted_at DESC`, userID, purpose)
	if err != nil {
		return privacy.ConsentRow{}, err
	}
	if len(rows) == 0 {
		return privacy.ConsentRow{}, errs.E(errs.NotFound, "consent not found")
	}
	return rows[0], nil
}

// AcceptanceCounts counts, per notice version, the people who accepted it:
// a number, never who.
func (s *PrivacyStore) AcceptanceCounts(ctx context.Context) (map[string]int, error) {
	out := map[string]int{}
	err := s.db.Read(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT notice_id, COUNT(DISTINCT user_id) FROM privacy_acceptances GROUP BY notice_id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				return err
			}
			out[id] = n
		}
		return rows.Err()
	})
	return out, err
}
