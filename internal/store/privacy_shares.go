package store

import (
	"context"
	"slices"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/privacy"
)

const shareColumns = `s.id, s.account_id, s.recipient_kind, s.recipient_id, s.secret_hash, s.live, s.recordings,
	s.recordings_from, s.recordings_to, s.accepted_at, d.resources, d.recipient_sealed, d.disclosed_at, d.expires_at,
	d.revoked_at, d.recorded_by`

const shareFrom = ` FROM privacy_shares s JOIN privacy_disclosures d ON d.id = s.id `

func scanShare(sc scanner) (privacy.ShareRow, error) {
	var r privacy.ShareRow
	var live, recs int64
	var from, to, accepted, disclosed, expires, revoked int64
	var res string
	err := sc.Scan(&r.ID, &r.AccountID, &r.RecipientKind, &r.RecipientID, &r.SecretHash, &live, &recs, &from, &to, &accepted,
		&res, &r.RecipientSealed, &disclosed, &expires, &revoked, &r.RecordedBy)
	r.Live, r.Recordings = live != 0, recs != 0
	r.RecordingsFrom, r.RecordingsTo, r.AcceptedAt = FromMicros(from), FromMicros(to), FromMicros(accepted)
	r.Resources = splitList[string](res)
	r.DisclosedAt, r.ExpiresAt, r.RevokedAt = FromMicros(disclosed), FromMicros(expires), FromMicros(revoked)
	return r, err
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// AccountObjects counts how many of ids are the account's devices or sites.
func (s *PrivacyStore) AccountObjects(ctx context.Context, accountID string, ids []string) (int, error) {
	own, err := queryAll(ctx, s.db, "devices and sites", scanString,
		`SELECT id FROM devices WHERE account_id = ? UNION SELECT id FROM sites WHERE account_id = ?`, accountID, accountID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		if slices.Contains(own, id) {
			n++
		}
	}
	return n, nil
}

func scanString(sc scanner) (string, error) {
	var v string
	err := sc.Scan(&v)
	return v, err
}

// CreateShare adds a share and its disclosure to an open account in one
// transaction.
func (s *PrivacyStore) CreateShare(ctx context.Context, d access.Decision, disc privacy.DisclosureRow, r privacy.ShareRow) error {
	if err := d.Require(access.Create, ledgerOf(r.AccountID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `INSERT INTO privacy_disclosures (`+disclosureColumns+`)
			SELECT ?, id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ? FROM accounts WHERE id = ? AND closed_at = 0`,
			disc.ID, disc.SubjectID, string(disc.Kind), disc.ProcessorID, disc.RecipientSealed, disc.ReferenceSealed, disc.DetailsSealed,
			joinList(disc.Categories), joinList(disc.Resources), Micros(disc.DisclosedAt), Micros(disc.ExpiresAt), Micros(disc.HoldUntil),
			disc.RecordedBy, Micros(tx.Now), disc.AccountID)
		if err != nil {
			return tx.Err(err, "share")
		}
		if err := MustAffect(res, "account"); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO privacy_shares (id, account_id, recipient_kind, recipient_id, secret_hash, live, recordings,
			recordings_from, recordings_to, accepted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.AccountID, r.RecipientKind, r.RecipientID, r.SecretHash, boolInt(r.Live), boolInt(r.Recordings),
			Micros(r.RecordingsFrom), Micros(r.RecordingsTo), Micros(r.AcceptedAt))
		return tx.Err(err, "share")
	})
}

// AccountShares lists an account's shares, newest first.
func (s *PrivacyStore) AccountShares(ctx context.Context, d access.Decision, accountID string) ([]privacy.ShareRow, error) {
	if err := d.Require(access.List, ledgerOf(accountID)); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "shares", scanShare, `SELECT `+shareColumns+shareFrom+`WHERE s.account_id = ?
		ORDER BY d.disclosed_at DESC, s.id`, accountID)
}

const shareUseColumns = `share_id, seq, account_id, recipient_id, used_at, action, category, resource_id`

func scanShareUse(sc scanner) (privacy.ShareUse, error) {
	var u privacy.ShareUse
	var at int64
	var cat string
	err := sc.Scan(&u.ShareID, &u.Seq, &u.AccountID, &u.RecipientID, &at, &u.Action, &cat, &u.ResourceID)
	u.At, u.Category = FromMicros(at), datamap.CategoryID(cat)
	return u, err
}

// AccountShareUses lists every use of an account's shares, newest first.
func (s *PrivacyStore) AccountShareUses(ctx context.Context, d access.Decision, accountID string) ([]privacy.ShareUse, error) {
	if err := d.Require(access.List, ledgerOf(accountID)); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "share uses", scanShareUse, `SELECT `+shareUseColumns+` FROM privacy_share_uses
		WHERE account_id = ? ORDER BY seq DESC`, accountID)
}

// SharesTo lists the shares made to a recipient, newest first.
func (s *PrivacyStore) SharesTo(ctx context.Context, d access.Decision, recipientID string) ([]privacy.ShareRow, error) {
	if err := d.Require(access.List, personOf(datamap.PrivacyDisclosure, recipientID)); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "shares", scanShare, `SELECT `+shareColumns+shareFrom+`WHERE s.recipient_id = ?
		ORDER BY d.disclosed_at DESC, s.id`, recipientID)
}

// ShareUsesBy lists every use a recipient made of shares, newest first.
func (s *PrivacyStore) ShareUsesBy(ctx context.Context, d access.Decision, recipientID string) ([]privacy.ShareUse, error) {
	if err := d.Require(access.List, personOf(datamap.PrivacyDisclosure, recipientID)); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "share uses", scanShareUse, `SELECT `+shareUseColumns+` FROM privacy_share_uses
		WHERE recipient_id = ? ORDER BY seq DESC`, recipientID)
}

// SharedDevices returns the account's devices among ids or in the sites
// among ids.
func (s *PrivacyStore) SharedDevices(ctx context.Context, accountID string, ids []string) ([]string, error) {
	type dev struct{ id, site string }
	rows, err := queryAll(ctx, s.db, "devices", func(sc scanner) (dev, error) {
		var d dev
		err := sc.Scan(&d.id, &d.site)
		return d, err
	}, `SELECT id, site_id FROM devices WHERE account_id = ? ORDER BY id`, accountID)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, d := range rows {
		if slices.Contains(ids, d.id) || (d.site != "" && slices.Contains(ids, d.site)) {
			out = append(out, d.id)
		}
	}
	return out, nil
}

const liveShare = ` AND d.kind = 'share' AND d.revoked_at = 0 AND d.expires_at > ? `

// AcceptShare binds a pending person's share to userID.
func (s *PrivacyStore) AcceptShare(ctx context.Context, hash, userID string, at time.Time) (privacy.ShareRow, error) {
	var r privacy.ShareRow
	err := s.db.Write(ctx, func(tx *Tx) error {
		var err error
		r, err = scanShare(tx.QueryRow(ctx, `SELECT `+shareColumns+shareFrom+`WHERE s.secret_hash = ? AND s.recipient_kind = ?
			AND s.recipient_id = ''`+liveShare, hash, privacy.RecipientPerson, Micros(at)))
		if err != nil {
			return tx.Err(err, "share invitation")
		}
		_, err = tx.Exec(ctx, `UPDATE privacy_shares SET recipient_id = ?, secret_hash = '', accepted_at = ? WHERE id = ?`,
			userID, Micros(at), r.ID)
		r.RecipientID, r.SecretHash, r.AcceptedAt = userID, "", at
		return tx.Err(err, "share")
	})
	return r, err
}

// IntegrationShare returns the live integration share of a token.
func (s *PrivacyStore) IntegrationShare(ctx context.Context, hash string, at time.Time) (privacy.ShareRow, error) {
	if hash == "" {
		return privacy.ShareRow{}, errs.E(errs.NotFound, "share not found")
	}
	var r privacy.ShareRow
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		r, err = scanShare(tx.QueryRow(ctx, `SELECT `+shareColumns+shareFrom+`WHERE s.secret_hash = ? AND s.recipient_kind = ?`+liveShare,
			hash, privacy.RecipientIntegration, Micros(at)))
		return tx.Err(err, "share")
	})
	return r, err
}

// LiveSharesTo lists the live shares of an account to a recipient.
func (s *PrivacyStore) LiveSharesTo(ctx context.Context, recipientID, accountID string, at time.Time) ([]privacy.ShareRow, error) {
	if recipientID == "" {
		return nil, nil
	}
	return queryAll(ctx, s.db, "shares", scanShare, `SELECT `+shareColumns+shareFrom+`WHERE s.recipient_id = ? AND s.account_id = ?`+liveShare,
		recipientID, accountID, Micros(at))
}

// RecordShareUse keeps one use of a share.
func (s *PrivacyStore) RecordShareUse(ctx context.Context, u privacy.ShareUse) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO privacy_share_uses (`+shareUseColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			u.ShareID, u.Seq, u.AccountID, u.RecipientID, Micros(u.At), u.Action, string(u.Category), u.ResourceID)
		return tx.Err(err, "share use")
	})
}
