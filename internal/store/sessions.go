package store

import (
	"context"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
)

const sessionColumns = `id_hash, principal_kind, principal_id, mfa_passed, pending_mfa, ip_sealed, user_agent_sealed,
	created_at, last_seen_at, expires_at`

func scanSession(sc scanner) (account.SessionRow, error) {
	var r account.SessionRow
	var kind string
	var created, seen, expires int64
	err := sc.Scan(&r.IDHash, &kind, &r.PrincipalID, &r.MFAPassed, &r.PendingMFA, &r.IPSealed, &r.UserAgentSealed, &created, &seen, &expires)
	r.PrincipalKind = access.Kind(kind)
	r.CreatedAt, r.LastSeenAt, r.ExpiresAt = FromMicros(created), FromMicros(seen), FromMicros(expires)
	return r, err
}

// CreateSession stores a new session.
func (s *AccountStore) CreateSession(ctx context.Context, d access.Decision, r account.SessionRow) error {
	if err := d.Require(access.Create, personOf(datamap.AccountSession, r.PrincipalID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO sessions (`+sessionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.IDHash, string(r.PrincipalKind), r.PrincipalID, r.MFAPassed, r.PendingMFA, r.IPSealed, r.UserAgentSealed,
			Micros(tx.Now), Micros(tx.Now), Micros(r.ExpiresAt))
		return tx.Err(err, "session")
	})
}

// Session finds a live session by the hash of its token.
func (s *AccountStore) Session(ctx context.Context, idHash []byte) (account.SessionRow, error) {
	var r account.SessionRow
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		r, err = scanSession(tx.QueryRow(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id_hash = ? AND expires_at > ?`, idHash, Micros(tx.Now)))
		return tx.Err(err, "session")
	})
	return r, err
}

// PassSessionMFA marks that the session's second factor was checked.
func (s *AccountStore) PassSessionMFA(ctx context.Context, idHash []byte) error {
	return s.update(ctx, `UPDATE sessions SET mfa_passed = ?, pending_mfa = ? WHERE id_hash = ?`, "session", true, false, idHash)
}

// TouchSession records use of a session.
func (s *AccountStore) TouchSession(ctx context.Context, idHash []byte, at time.Time) error {
	return s.update(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?`, "session", Micros(at), idHash)
}

// DeleteSession ends one session; ending an unknown one is not an error.
func (s *AccountStore) DeleteSession(ctx context.Context, idHash []byte) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM sessions WHERE id_hash = ?`, idHash)
		return err
	})
}

// Sessions lists a principal's live sessions.
func (s *AccountStore) Sessions(ctx context.Context, d access.Decision, kind access.Kind, principalID string) ([]account.SessionRow, error) {
	if err := d.Require(access.List, personOf(datamap.AccountSession, principalID)); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "sessions", scanSession, `SELECT `+sessionColumns+` FROM sessions
		WHERE principal_kind = ? AND principal_id = ? AND expires_at > ? ORDER BY created_at`,
		string(kind), principalID, Micros(s.db.clock.Now()))
}

// DeleteSessionsOf ends every session of a principal (after a password
// change or when staff are disabled).
func (s *AccountStore) DeleteSessionsOf(ctx context.Context, kind access.Kind, principalID string) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM sessions WHERE principal_kind = ? AND principal_id = ?`, string(kind), principalID)
		return err
	})
}

// CreateAPIToken stores a token's hash.
func (s *AccountStore) CreateAPIToken(ctx context.Context, d access.Decision, t account.TokenRow) error {
	if err := d.Require(access.Create, personOf(datamap.AccountCredentials, t.UserID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO api_tokens (id, user_id, token_hash, label_sealed, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
			t.ID, t.UserID, t.TokenHash, t.LabelSealed, Micros(tx.Now), Micros(t.ExpiresAt))
		return tx.Err(err, "API token")
	})
}

const tokenColumns = `id, user_id, token_hash, label_sealed, created_at, expires_at, last_used_at`

func scanToken(sc scanner) (account.TokenRow, error) {
	var t account.TokenRow
	var created, expires, used int64
	err := sc.Scan(&t.ID, &t.UserID, &t.TokenHash, &t.LabelSealed, &created, &expires, &used)
	t.CreatedAt, t.ExpiresAt, t.LastUsedAt = FromMicros(created), FromMicros(expires), FromMicros(used)
	return t, err
}

// APIToken finds a live token by hash.
func (s *AccountStore) APIToken(ctx context.Context, hash []byte) (account.TokenRow, error) {
	var t account.TokenRow
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		t, err = scanToken(tx.QueryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE token_hash = ? AND expires_at > ?`, hash, Micros(tx.Now)))
		return tx.Err(err, "API token")
	})
	return t, err
}

// TouchAPIToken records use of a token.
func (s *AccountStore) TouchAPIToken(ctx context.Context, id string, at time.Time) error {
	return s.update(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, "API token", Micros(at), id)
}

// APITokens lists a user's tokens.
func (s *AccountStore) APITokens(ctx context.Context, d access.Decision, userID string) ([]account.TokenRow, error) {
	if err := d.Require(access.List, personOf(datamap.AccountCredentials, userID)); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "API tokens", scanToken, `SELECT `+tokenColumns+` FROM api_tokens WHERE user_id = ? ORDER BY created_at, id`, userID)
}

// DeleteAPIToken revokes one of a user's tokens.
func (s *AccountStore) DeleteAPIToken(ctx context.Context, d access.Decision, userID, id string) error {
	if err := d.Require(access.Delete, personOf(datamap.AccountCredentials, userID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM api_tokens WHERE user_id = ? AND id = ?`, userID, id)
		if err != nil {
			return err
		}
		return MustAffect(res, "API token")
	})
}

const oneTimeColumns = `token_hash, purpose, subject_id, payload_sealed, created_at, expires_at`

func scanOneTime(sc scanner) (account.OneTimeToken, error) {
	var t account.OneTimeToken
	var created, expires int64
	err := sc.Scan(&t.Hash, &t.Purpose, &t.SubjectID, &t.PayloadSealed, &created, &expires)
	t.CreatedAt, t.ExpiresAt = FromMicros(created), FromMicros(expires)
	return t, err
}

// CreateOneTimeToken stores a single-use token's hash.
func (s *AccountStore) CreateOneTimeToken(ctx context.Context, t account.OneTimeToken) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO one_time_tokens (token_hash, purpose, subject_id, payload_sealed, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?)`, t.Hash, t.Purpose, t.SubjectID, nullable(t.PayloadSealed), Micros(tx.Now), Micros(t.ExpiresAt))
		return tx.Err(err, "token")
	})
}

// UseOneTimeToken spends a live token of purpose, once.
func (s *AccountStore) UseOneTimeToken(ctx context.Context, hash []byte, purpose string) (account.OneTimeToken, error) {
	var t account.OneTimeToken
	err := s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE one_time_tokens SET used_at = ? WHERE token_hash = ? AND purpose = ? AND used_at = 0 AND expires_at > ?`,
			Micros(tx.Now), hash, purpose, Micros(tx.Now))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.NotFound, "this link is invalid, expired or already used")
		}
		t, err = scanOneTime(tx.QueryRow(ctx, `SELECT `+oneTimeColumns+` FROM one_time_tokens WHERE token_hash = ?`, hash))
		return tx.Err(err, "token")
	})
	return t, err
}

// PendingTokens lists the live, unused tokens of purpose for subjectID (an
// account's open invitations), newest first. A decision to change them
// covers finding the one to change.
func (s *AccountStore) PendingTokens(ctx context.Context, d access.Decision, purpose, subjectID string) ([]account.OneTimeToken, error) {
	if err := requireAny(d, []access.Resource{profileOf(subjectID)}, access.List, access.Update); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "tokens", scanOneTime, `SELECT `+oneTimeColumns+` FROM one_time_tokens
		WHERE purpose = ? AND subject_id = ? AND used_at = 0 AND expires_at > ? ORDER BY created_at DESC`,
		purpose, subjectID, Micros(s.db.Clock().Now()))
}

// WithdrawToken spends a live token so that its link stops working.
func (s *AccountStore) WithdrawToken(ctx context.Context, d access.Decision, hash []byte, purpose, subjectID string) error {
	if err := d.Require(access.Update, profileOf(subjectID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE one_time_tokens SET used_at = ? WHERE token_hash = ? AND purpose = ? AND subject_id = ? AND used_at = 0 AND expires_at > ?`,
			Micros(tx.Now), hash, purpose, subjectID, Micros(tx.Now))
		if err != nil {
			return err
		}
		return MustAffect(res, "invitation")
	})
}

// DeleteAPITokensOf deletes every API token of a user (their password
// changed: whoever knew the old one may have made tokens).
func (s *AccountStore) DeleteAPITokensOf(ctx context.Context, d access.Decision, userID string) error {
	if err := d.Require(access.Delete, personOf(datamap.AccountCredentials, userID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM api_tokens WHERE user_id = ?`, userID)
		return err
	})
}

// SpendOneTimeTokens marks every live token of purpose for subjectID used:
// a newer link replaces them.
func (s *AccountStore) SpendOneTimeTokens(ctx context.Context, purpose, subjectID string) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `UPDATE one_time_tokens SET used_at = ? WHERE purpose = ? AND subject_id = ? AND used_at = 0`,
			Micros(tx.Now), purpose, subjectID)
		return err
	})
}
