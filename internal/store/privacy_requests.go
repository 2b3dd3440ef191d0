package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/privacy"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
)

// PrivacyStore (privacy_grants.go) also keeps data-subject requests,
// exclusions and legal holds, and reads and erases the foundation's rows
// for the privacy centre.

var (
	_ privacy.RequestStore   = (*PrivacyStore)(nil)
	_ account.PrivacyStore   = (*PrivacyStore)(nil)
	_ privacy.RetentionStore = (*PrivacyStore)(nil)
)

func requestRes(owner, id string) []access.Resource {
	return []access.Resource{
		{Category: datamap.PrivacyRequest, SubjectID: owner, ID: id},
		{Category: datamap.PrivacyDocument, SubjectID: owner, ID: id},
		{Category: datamap.PrivacyRequest, SubjectID: owner},
	}
}

const requestColumns = `id, kind, status, region, requester_kind, requester_id, relation, contact_sealed, details_sealed, scope,
	submitted_at, due_at, extended_due_at, extension_reason, extension_notified_at, confirm_hash, access_hash, verified_at,
	verified_by, decided_at, decided_by, outcome, denial_reason, reference_id, fingerprint, letter_sealed, export_blob,
	certificate, reminded_at`

func scanRequest(sc scanner) (privacy.RequestRow, error) {
	var r privacy.RequestRow
	var kind, status, rkind, rel, outcome, reason, scope string
	var sub, due, ext, extN, ver, dec, rem int64
	err := sc.Scan(&r.ID, &kind, &status, &r.Region, &rkind, &r.RequesterID, &rel, &r.ContactSealed, &r.DetailsSealed, &scope,
		&sub, &due, &ext, &r.ExtensionReason, &extN, &r.ConfirmHash, &r.AccessHash, &ver, &r.VerifiedBy, &dec, &r.DecidedBy,
		&outcome, &reason, &r.ReferenceID, &r.Fingerprint, &r.LetterSealed, &r.ExportBlob, &r.Certificate, &rem)
	if err != nil {
		return r, err
	}
	r.Kind, r.Status, r.RequesterKind, r.Relation = fulfil.RequestKind(kind), privacy.Status(status), fulfil.RequesterKind(rkind), privacy.Relation(rel)
	r.Outcome, r.DenialReason = privacy.Outcome(outcome), privacy.DenialReason(reason)
	r.SubmittedAt, r.DueAt, r.ExtendedDueAt, r.ExtensionNotifiedAt = FromMicros(sub), FromMicros(due), FromMicros(ext), FromMicros(extN)
	r.VerifiedAt, r.DecidedAt, r.RemindedAt = FromMicros(ver), FromMicros(dec), FromMicros(rem)
	if err := json.Unmarshal([]byte(scope), &r.Scope); err != nil {
		return r, errs.Wrap(err, errs.Internal, "request scope is malformed")
	}
	return r, nil
}

// CreateRequest stores a new request.
func (s *PrivacyStore) CreateRequest(ctx context.Context, d access.Decision, r privacy.RequestRow) error {
	if err := requireAny(d, requestRes(r.RequesterID, r.ID), access.Create); err != nil {
		return err
	}
	scope, err := json.Marshal(r.Scope)
	if err != nil {
		return errs.Wrap(err, errs.Internal, "encode scope")
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO privacy_requests (id, kind, status, region, requester_kind, requester_id, relation,
			contact_index, contact_sealed, details_sealed, scope, submitted_at, due_at, confirm_hash, verified_at, verified_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, string(r.Kind), string(r.Status), r.Region, string(r.RequesterKind), r.RequesterID, string(r.Relation),
			r.ContactIndex, r.ContactSealed, r.DetailsSealed, string(scope), Micros(r.SubmittedAt), Micros(r.DueAt), r.ConfirmHash,
			Micros(r.VerifiedAt), r.VerifiedBy)
		return tx.Err(err, "privacy request")
	})
}

// RequestOwner returns the requester's random ID.
func (s *PrivacyStore) RequestOwner(ctx context.Context, id string) (string, error) {
	var owner string
	err := s.db.Read(ctx, func(tx *Tx) error {
		return tx.Err(tx.QueryRow(ctx, `SELECT requester_id FROM privacy_requests WHERE id = ?`, id).Scan(&owner), "privacy request")
	})
	return owner, err
}

// Request returns one request.
func (s *PrivacyStore) Request(ctx context.Context, d access.Decision, id string) (privacy.RequestRow, error) {
	var r privacy.RequestRow
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		r, err = scanRequest(tx.QueryRow(ctx, `SELECT `+requestColumns+` FROM privacy_requests WHERE id = ?`, id))
		if err != nil {
			return tx.Err(err, "privacy request")
		}
		return requireAny(d, requestRes(r.RequesterID, id), access.Read, access.Update, access.Create)
	})
	return r, err
}

func (s *PrivacyStore) idBy(ctx context.Context, column string, hash []byte) (string, error) {
	var id string
	err := s.db.Read(ctx, func(tx *Tx) error {
		return tx.Err(tx.QueryRow(ctx, `SELECT id FROM privacy_requests WHERE `+column+` = ?`, hash).Scan(&id), "privacy request")
	})
	return id, err
}

// PersonByContact returns the pseudonym of an earlier requester without an
// account who wrote from the same address (or reported a vulnerability
// from it: one address, one pseudonym).
func (s *PrivacyStore) PersonByContact(ctx context.Context, index []byte) (string, error) {
	return personByContact(ctx, s.db, index)
}

// RequestIDByConfirmHash finds a request by its confirmation secret.
func (s *PrivacyStore) RequestIDByConfirmHash(ctx context.Context, hash []byte) (string, error) {
	return s.idBy(ctx, "confirm_hash", hash)
}

// RequestIDByAccessHash finds a request by its access token.
func (s *PrivacyStore) RequestIDByAccessHash(ctx context.Context, hash []byte) (string, error) {
	return s.idBy(ctx, "access_hash", hash)
}

// RequestsOf lists a requester's requests, newest first.
func (s *PrivacyStore) RequestsOf(ctx context.Context, d access.Decision, requesterID string) ([]privacy.RequestRow, error) {
	if err := d.Require(access.List, access.Resource{Category: datamap.PrivacyRequest, SubjectID: requesterID}); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "privacy requests", scanRequest, `SELECT `+requestColumns+` FROM privacy_requests
		WHERE requester_id = ? ORDER BY submitted_at DESC, id`, requesterID)
}

// Queue lists requests not closed, earliest deadline in force first.
func (s *PrivacyStore) Queue(ctx context.Context, d access.Decision, limit int) ([]privacy.RequestRow, error) {
	if err := d.Require(access.List, access.Resource{Category: datamap.PrivacyRequest}); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 1 << 30
	}
	return queryAll(ctx, s.db, "privacy queue", scanRequest, `SELECT `+requestColumns+` FROM privacy_requests
		WHERE status <> ? ORDER BY CASE WHEN extended_due_at > 0 THEN extended_due_at ELSE due_at END, id LIMIT ?`,
		string(privacy.StatusClosed), limit)
}

// ConfirmEmail spends the confirmation secret and stores the access hash.
func (s *PrivacyStore) ConfirmEmail(ctx context.Context, id string, accessHash []byte) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE privacy_requests SET status = ?, confirm_hash = NULL, access_hash = ?
			WHERE id = ? AND status = ?`, string(privacy.StatusAwaitingReview), accessHash, id, string(privacy.StatusAwaitingEmail))
		if err != nil {
			return err
		}
		return MustAffect(res, "privacy request")
	})
}

// withRequest runs fn after checking that d covers a change of request id.
func (s *PrivacyStore) withRequest(ctx context.Context, d access.Decision, id string, fn func(tx *Tx) error) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		var owner string
		if err := tx.QueryRow(ctx, `SELECT requester_id FROM privacy_requests WHERE id = ?`, id).Scan(&owner); err != nil {
			return tx.Err(err, "privacy request")
		}
		if err := requireAny(d, requestRes(owner, id), access.Update, access.Create); err != nil {
			return err
		}
		return fn(tx)
	})
}

// SetStatus moves a request from one state to another.
func (s *PrivacyStore) SetStatus(ctx context.Context, d access.Decision, id string, from, to privacy.Status, verifiedBy string) error {
	return s.withRequest(ctx, d, id, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE privacy_requests SET status = ?, verified_at = ?, verified_by = ? WHERE id = ? AND status = ?`,
			string(to), Micros(tx.Now), verifiedBy, id, string(from))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.Conflict, "the request changed meanwhile")
		}
		return nil
	})
}

// Extend stores the one extension and when its notice went out.
func (s *PrivacyStore) Extend(ctx context.Context, d access.Decision, id string, until time.Time, reason string) error {
	return s.withRequest(ctx, d, id, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE privacy_requests SET extended_due_at = ?, extension_reason = ?, extension_notified_at = ?
			WHERE id = ? AND extended_due_at = 0 AND status <> ?`, Micros(until), reason, Micros(tx.Now), id, string(privacy.StatusClosed))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.Conflict, "the request was extended or closed meanwhile")
		}
		return nil
	})
}

// Decide closes a request.
func (s *PrivacyStore) Decide(ctx context.Context, d access.Decision, id string, dec privacy.Decision) error {
	return s.withRequest(ctx, d, id, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE privacy_requests SET status = ?, decided_at = ?, decided_by = ?, outcome = ?, denial_reason = ?,
			reference_id = ?, fingerprint = ?, letter_sealed = ?, export_blob = ?, certificate = ? WHERE id = ? AND status <> ?`,
			string(dec.Status), Micros(tx.Now), dec.DecidedBy, string(dec.Outcome), string(dec.DenialReason), dec.ReferenceID,
			dec.Fingerprint, dec.LetterSealed, dec.ExportBlob, dec.Certificate, id, string(privacy.StatusClosed))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.Conflict, "the request was closed meanwhile")
		}
		return nil
	})
}

// MarkReminded records a reminder.
func (s *PrivacyStore) MarkReminded(ctx context.Context, id string, at time.Time) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `UPDATE privacy_requests SET reminded_at = ? WHERE id = ?`, Micros(at), id)
		return err
	})
}

// LastAnswered returns the latest granted request of kinds, other than
// requestID, by the same requester, under the decision about requestID.
func (s *PrivacyStore) LastAnswered(ctx context.Context, d access.Decision, requestID string, kinds []fulfil.RequestKind) (privacy.RequestRow, error) {
	var r privacy.RequestRow
	if len(kinds) != 2 {
		return r, errs.E(errs.Internal, "LastAnswered takes two kinds")
	}
	err := s.db.Read(ctx, func(tx *Tx) error {
		var owner string
		if err := tx.QueryRow(ctx, `SELECT requester_id FROM privacy_requests WHERE id = ?`, requestID).Scan(&owner); err != nil {
			return tx.Err(err, "privacy request")
		}
		if err := requireAny(d, requestRes(owner, requestID), access.Read, access.Update); err != nil {
			return err
		}
		var err error
		r, err = scanRequest(tx.QueryRow(ctx, `SELECT `+requestColumns+` FROM privacy_requests
			WHERE requester_id = ? AND id <> ? AND kind IN (?, ?) AND outcome = ? AND fingerprint IS NOT NULL
			ORDER BY decided_at DESC, id LIMIT 1`, owner, requestID, string(kinds[0]), string(kinds[1]), string(privacy.OutcomeGranted)))
		return tx.Err(err, "earlier answer")
	})
	return r, err
}

// AddDocument records an uploaded proof.
func (s *PrivacyStore) AddDocument(ctx context.Context, d access.Decision, requestID string, doc privacy.Document) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		var owner string
		if err := tx.QueryRow(ctx, `SELECT requester_id FROM privacy_requests WHERE id = ?`, requestID).Scan(&owner); err != nil {
			return tx.Err(err, "privacy request")
		}
		if err := requireAny(d, requestRes(owner, requestID), access.Create); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO privacy_request_documents (id, request_id, kind, content_type, size, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, doc.ID, requestID, doc.Kind, doc.ContentType, doc.Size, Micros(tx.Now))
		return tx.Err(err, "document")
	})
}

// Documents lists a request's documents.
func (s *PrivacyStore) Documents(ctx context.Context, d access.Decision, requestID string) ([]privacy.Document, error) {
	owner, err := s.RequestOwner(ctx, requestID)
	if err != nil {
		return nil, err
	}
	if err := requireAny(d, requestRes(owner, requestID), access.Read, access.Update); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "documents", func(sc scanner) (privacy.Document, error) {
		var doc privacy.Document
		var at int64
		err := sc.Scan(&doc.ID, &doc.Kind, &doc.ContentType, &doc.Size, &at)
		doc.CreatedAt = FromMicros(at)
		return doc, err
	}, `SELECT id, kind, content_type, size, created_at FROM privacy_request_documents WHERE request_id = ? ORDER BY created_at, id`, requestID)
}

// RecordChange stores a correction with its sealed values.
func (s *PrivacyStore) RecordChange(ctx context.Context, d access.Decision, c privacy.Change) error {
	return s.withRequest(ctx, d, c.RequestID, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO privacy_request_changes (request_id, category, field, before_sealed, after_sealed, audit_seq, changed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, c.RequestID, string(c.Category), c.Field, c.BeforeSealed, c.AfterSealed, c.AuditSeq, Micros(tx.Now))
		return tx.Err(err, "correction")
	})
}

// Exclusions returns subjectID's records marked confidential or privileged.
func (s *PrivacyStore) Exclusions(ctx context.Context, subjectID string) (map[datamap.CategoryID]map[string]string, error) {
	out := map[datamap.CategoryID]map[string]string{}
	_, err := queryAll(ctx, s.db, "exclusions", func(sc scanner) (struct{}, error) {
		var cat, rec, mark string
		if err := sc.Scan(&cat, &rec, &mark); err != nil {
			return struct{}{}, err
		}
		c := datamap.CategoryID(cat)
		if out[c] == nil {
			out[c] = map[string]string{}
		}
		out[c][rec] = mark
		return struct{}{}, nil
	}, `SELECT category, record_id, marking FROM privacy_exclusions WHERE subject_id = ?`, subjectID)
	return out, err
}

// AddExclusion marks a record.
func (s *PrivacyStore) AddExclusion(ctx context.Context, d access.Decision, x privacy.Exclusion) error {
	if err := d.Require(access.Update, access.Resource{Category: datamap.PrivacyRequest, SubjectID: x.SubjectID}); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO privacy_exclusions (id, subject_id, category, record_id, marking, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, x.ID, x.SubjectID, string(x.Category), x.RecordID, x.Marking, x.CreatedBy, Micros(tx.Now))
		return tx.Err(err, "exclusion")
	})
}

// Memberships lists a user's roles in open accounts.
func (s *PrivacyStore) Memberships(ctx context.Context, userID string) ([]access.Membership, error) {
	return NewAccountStore(s.db).Memberships(ctx, userID)
}

// SessionMFAAt returns when a session passed its second factor.
func (s *PrivacyStore) SessionMFAAt(ctx context.Context, idHash []byte) (time.Time, error) {
	var at int64
	var mfa bool
	err := s.db.Read(ctx, func(tx *Tx) error {
		err := tx.QueryRow(ctx, `SELECT created_at, mfa_passed FROM sessions WHERE id_hash = ? AND expires_at > ?`, idHash, Micros(tx.Now)).Scan(&at, &mfa)
		return tx.Err(err, "session")
	})
	if err != nil || !mfa {
		return time.Time{}, err
	}
	return FromMicros(at), nil
}

func subjectRes(c datamap.CategoryID, id string) access.Resource {
	return access.Resource{Category: c, SubjectID: id}
}

// ExportUser returns the user's row for an export or a correction.
func (s *PrivacyStore) ExportUser(ctx context.Context, d access.Decision, userID string) (account.UserRow, error) {
	if err := requireAny(d, []access.Resource{subjectRes(datamap.AccountProfile, userID)}, access.Export, access.Update); err != nil {
		return account.UserRow{}, err
	}
	var u account.UserRow
	err := s.db.Read(ctx, func(tx *Tx) error {
		var verified, created int64
		err := tx.QueryRow(ctx, `SELECT id, email_sealed, name_sealed, language, time_zone, email_verified_at, created_at
			FROM users WHERE id = ?`, userID).Scan(&u.ID, &u.EmailSealed, &u.NameSealed, &u.Language, &u.TimeZone, &verified, &created)
		u.EmailVerifiedAt, u.CreatedAt = FromMicros(verified), FromMicros(created)
		return tx.Err(err, "user")
	})
	return u, err
}

// ExportOwnedAccounts returns the accounts among ids that userID owns, with their sites.
func (s *PrivacyStore) ExportOwnedAccounts(ctx context.Context, d access.Decision, userID string, ids []string) ([]account.AccountRow, []account.SiteRow, error) {
	if err := d.Require(access.Export, subjectRes(datamap.AccountProfile, userID)); err != nil {
		return nil, nil, err
	}
	var accts []account.AccountRow
	var sites []account.SiteRow
	for _, id := range ids {
		as, err := queryAll(ctx, s.db, "account", func(sc scanner) (account.AccountRow, error) {
			var a account.AccountRow
			var created int64
			err := sc.Scan(&a.ID, &a.NameSealed, &a.Region, &created)
			a.CreatedAt = FromMicros(created)
			return a, err
		}, `SELECT a.id, a.name_sealed, a.region, a.created_at FROM accounts a JOIN memberships m ON m.account_id = a.id
			WHERE a.id = ? AND m.user_id = ? AND m.site_id = '' AND m.role = ?`, id, userID, string(access.RoleOwner))
		if err != nil {
			return nil, nil, err
		}
		if len(as) == 0 {
			continue
		}
		accts = append(accts, as...)
		ss, err := queryAll(ctx, s.db, "sites", scanSite, `SELECT `+siteColumns+` FROM sites WHERE account_id = ? ORDER BY created_at, id`, id)
		if err != nil {
			return nil, nil, err
		}
		sites = append(sites, ss...)
	}
	return accts, sites, nil
}

// ExportSessions streams the user's sessions.
func (s *PrivacyStore) ExportSessions(ctx context.Context, d access.Decision, userID string, emit func(account.SessionRow) error) error {
	if err := d.Require(access.Export, subjectRes(datamap.AccountSession, userID)); err != nil {
		return err
	}
	return scanEach(ctx, s.db, "sessions", scanSession, emit, `SELECT `+sessionColumns+` FROM sessions WHERE principal_kind = ? AND principal_id = ? ORDER BY created_at`,
		string(access.KindUser), userID)
}

// ExportAPITokens lists the user's API tokens (labels sealed, no hashes).
func (s *PrivacyStore) ExportAPITokens(ctx context.Context, d access.Decision, userID string) ([]account.TokenRow, error) {
	if err := d.Require(access.Export, subjectRes(datamap.AccountCredentials, userID)); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "api tokens", func(sc scanner) (account.TokenRow, error) {
		var t account.TokenRow
		var c, e, u int64
		err := sc.Scan(&t.ID, &t.LabelSealed, &c, &e, &u)
		t.CreatedAt, t.ExpiresAt, t.LastUsedAt = FromMicros(c), FromMicros(e), FromMicros(u)
		return t, err
	}, `SELECT id, label_sealed, created_at, expires_at, last_used_at FROM api_tokens WHERE user_id = ? ORDER BY created_at, id`, userID)
}

func affected(res interface{ RowsAffected() (int64, error) }) int64 {
	n, _ := res.RowsAffected()
	return n
}

// EraseUser deletes the user and what hangs on them, and closes the
// accounts they alone own (deleting those accounts' rows).
func (s *PrivacyStore) EraseUser(ctx context.Context, d access.Decision, userID string) (int64, []string, error) {
	if err := d.Require(access.Delete, subjectRes(datamap.AccountProfile, userID)); err != nil {
		return 0, nil, err
	}
	var n int64
	var closed []string
	err := s.db.Write(ctx, func(tx *Tx) error {
		var err error
		closed, err = txIDs(ctx, tx, "account", `SELECT m.account_id FROM memberships m WHERE m.user_id = ? AND m.site_id = '' AND m.role = ?
			AND NOT EXISTS (SELECT 1 FROM memberships o WHERE o.account_id = m.account_id AND o.user_id <> m.user_id AND o.site_id = '' AND o.role = ?)`,
			userID, string(access.RoleOwner), string(access.RoleOwner))
		if err != nil {
			return err
		}
		for _, id := range closed {
			for _, q := range []string{`DELETE FROM memberships WHERE account_id = ?`, `DELETE FROM sites WHERE account_id = ?`, `DELETE FROM accounts WHERE id = ?`} {
				res, err := tx.Exec(ctx, q, id)
				if err != nil {
					return err
				}
				n += affected(res)
			}
		}
		for _, q := range []string{
			`DELETE FROM one_time_tokens WHERE subject_id = ?`,
			`DELETE FROM api_tokens WHERE user_id = ?`,
			`DELETE FROM sessions WHERE principal_kind = 'user' AND principal_id = ?`,
			`DELETE FROM memberships WHERE user_id = ?`,
			`DELETE FROM users WHERE id = ?`,
		} {
			res, err := tx.Exec(ctx, q, userID)
			if err != nil {
				return err
			}
			n += affected(res)
		}
		return nil
	})
	return n, closed, err
}

// EraseSessions ends and deletes every session of the user.
func (s *PrivacyStore) EraseSessions(ctx context.Context, d access.Decision, userID string) (int64, error) {
	if err := d.Require(access.Delete, subjectRes(datamap.AccountSession, userID)); err != nil {
		return 0, err
	}
	return s.exec(ctx, `DELETE FROM sessions WHERE principal_kind = 'user' AND principal_id = ?`, userID)
}

// EraseAPITokens deletes the user's API tokens.
func (s *PrivacyStore) EraseAPITokens(ctx context.Context, d access.Decision, userID string) (int64, error) {
	if err := d.Require(access.Delete, subjectRes(datamap.AccountCredentials, userID)); err != nil {
		return 0, err
	}
	return s.exec(ctx, `DELETE FROM api_tokens WHERE user_id = ?`, userID)
}

func (s *PrivacyStore) exec(ctx context.Context, q string, args ...any) (int64, error) {
	var n int64
	err := s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, q, args...)
		if err == nil {
			n = affected(res)
		}
		return err
	})
	return n, err
}

// CorrectUser sets one correctable column of a user.
func (s *PrivacyStore) CorrectUser(ctx context.Context, d access.Decision, userID, column string, value any) error {
	if err := d.Require(access.Update, subjectRes(datamap.AccountProfile, userID)); err != nil {
		return err
	}
	var q string
	switch column {
	case "name_sealed":
		q = `UPDATE users SET name_sealed = ? WHERE id = ?`
	case "language":
		q = `UPDATE users SET language = ? WHERE id = ?`
	case "time_zone":
		q = `UPDATE users SET time_zone = ? WHERE id = ?`
	default:
		return errs.E(errs.Invalid, "column %s is not correctable", column)
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, q, value, userID)
		if err != nil {
			return err
		}
		return MustAffect(res, "user")
	})
}

// ExpiredSessionOwners lists users with sessions that ended before cutoff.
func (s *PrivacyStore) ExpiredSessionOwners(ctx context.Context, cutoff time.Time) ([]string, error) {
	return queryAll(ctx, s.db, "sessions", func(sc scanner) (id string, err error) { return id, sc.Scan(&id) },
		`SELECT DISTINCT principal_id FROM sessions WHERE expires_at < ? ORDER BY principal_id`, Micros(cutoff))
}

// PurgeSessions deletes owner's sessions that ended before cutoff.
func (s *PrivacyStore) PurgeSessions(ctx context.Context, d access.Decision, owner string, cutoff time.Time) (int64, error) {
	if err := d.Require(access.Delete, subjectRes(datamap.AccountSession, owner)); err != nil {
		return 0, err
	}
	return s.exec(ctx, `DELETE FROM sessions WHERE principal_id = ? AND expires_at < ?`, owner, Micros(cutoff))
}

// OpenRequestNaming returns an open privacy request of subjectID, or of a
// person of the account, or "" when there is none.
func (s *PrivacyStore) OpenRequestNaming(ctx context.Context, accountID, subjectID string) (string, error) {
	ids, err := queryAll(ctx, s.db, "open requests", scanString, `SELECT r.id FROM privacy_requests r
		WHERE r.status != 'closed' AND (r.requester_id = ? OR r.requester_id IN (SELECT user_id FROM memberships WHERE account_id = ?))
		ORDER BY r.submitted_at, r.id LIMIT 1`, subjectID, accountID)
	if err != nil || len(ids) == 0 {
		return "", err
	}
	return ids[0], nil
}

// AddReply keeps a requester's reply.
func (s *PrivacyStore) AddReply(ctx context.Context, r privacy.ReplyRow) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO privacy_request_replies (id, request_id, appeal, text_sealed, created_at) VALUES (?, ?, ?, ?, ?)`,
			r.ID, r.RequestID, boolInt(r.Appeal), r.TextSealed, Micros(r.CreatedAt))
		return tx.Err(err, "reply")
	})
}

// Replies lists a request's replies, oldest first.
func (s *PrivacyStore) Replies(ctx context.Context, requestID string) ([]privacy.ReplyRow, error) {
	return queryAll(ctx, s.db, "replies", func(sc scanner) (r privacy.ReplyRow, err error) {
		var appeal, at int64
		err = sc.Scan(&r.ID, &r.RequestID, &appeal, &r.TextSealed, &at)
		r.Appeal, r.CreatedAt = appeal != 0, FromMicros(at)
		return r, err
	}, `SELECT id, request_id, appeal, text_sealed, created_at FROM privacy_request_replies WHERE request_id = ? ORDER BY created_at, id`, requestID)
}
