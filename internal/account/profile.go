package account

import (
	"context"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
	"github.com/vigil-cloud/vigil/internal/revoke"
)

// Me returns the caller's own profile.
func (s *Service) Me(ctx context.Context, p access.Principal) (User, error) {
	d, err := s.check(ctx, p, access.Read, self(datamap.AccountProfile, p.ID), datamap.PurposeService)
	if err != nil {
		return User{}, err
	}
	row, err := s.store.User(ctx, d, p.ID)
	if err != nil {
		return User{}, err
	}
	return s.user(ctx, row), nil
}

func (s *Service) user(ctx context.Context, row UserRow) User {
	return User{
		ID:            row.ID,
		Email:         s.openSubject(ctx, row.ID, "users.email_sealed", row.EmailSealed),
		Name:          s.openSubject(ctx, row.ID, "users.name_sealed", row.NameSealed),
		Language:      row.Language,
		TimeZone:      row.TimeZone,
		EmailVerified: !row.EmailVerifiedAt.IsZero(),
		MFAEnabled:    len(row.TOTPSealed) > 0,
		CreatedAt:     row.CreatedAt,
	}
}

// ProfileChange is a correction of the caller's profile; empty fields stay.
type ProfileChange struct {
	Name     *string `json:"name"`
	Language *string `json:"language"`
	TimeZone *string `json:"time_zone"`
}

// UpdateMe corrects the caller's profile.
func (s *Service) UpdateMe(ctx context.Context, p access.Principal, ch ProfileChange) (User, error) {
	d, err := s.check(ctx, p, access.Update, self(datamap.AccountProfile, p.ID), datamap.PurposeService)
	if err != nil {
		return User{}, err
	}
	// The decision to change the profile covers reading it.
	row, err := s.store.User(ctx, d, p.ID)
	if err != nil {
		return User{}, err
	}
	cur := s.user(ctx, row)
	if ch.Name != nil {
		name := *ch.Name
		if err := cleanName("name", &name); err != nil {
			return User{}, err
		}
		cur.Name = name
	}
	if ch.Language != nil {
		if err := checkLanguage(*ch.Language); err != nil {
			return User{}, err
		}
		cur.Language = *ch.Language
	}
	if ch.TimeZone != nil {
		if err := checkTimeZone(*ch.TimeZone); err != nil {
			return User{}, err
		}
		cur.TimeZone = *ch.TimeZone
	}
	name, err := s.sealSubject(ctx, p.ID, "users.name_sealed", cur.Name)
	if err != nil {
		return User{}, err
	}
	if err := s.store.UpdateProfile(ctx, d, p.ID, name, cur.Language, cur.TimeZone); err != nil {
		return User{}, err
	}
	return cur, nil
}

// ChangePassword replaces the caller's password after checking the current
// one, ends every session, and returns a fresh one for the caller.
func (s *Service) ChangePassword(ctx context.Context, a Auth, current, next string) (Session, error) {
	p := a.Principal
	cred, _, err := s.credentialOf(ctx, p)
	if err != nil {
		return Session{}, err
	}
	if ok, _, err := s.opts.Hasher.Verify(current, cred.PasswordHash); err != nil || !ok {
		return Session{}, errs.E(errs.Unauthenticated, "current password is wrong")
	}
	email := ""
	if p.Kind == access.KindUser {
		me, err := s.Me(ctx, p)
		if err != nil {
			return Session{}, err
		}
		email = me.Email
	}
	if err := CheckPassword(next, email); err != nil {
		return Session{}, err
	}
	if err := s.setPassword(ctx, p, p.Kind, p.ID, next); err != nil {
		return Session{}, err
	}
	if err := s.store.DeleteSessionsOf(ctx, p.Kind, p.ID); err != nil {
		return Session{}, err
	}
	if err := s.revokeAPITokens(ctx, p, p.Kind, p.ID); err != nil {
		return Session{}, err
	}
	s.withdraw(ctx, revoke.Person(p.ID))
	sess, err := s.openSession(ctx, p, p.Kind, p.ID, false)
	if err != nil {
		return Session{}, err
	}
	if p.MFA {
		err = s.store.PassSessionMFA(ctx, HashSecret(sess.Token))
	}
	return sess, err
}

func (s *Service) setPassword(ctx context.Context, p access.Principal, kind access.Kind, id, password string) error {
	hash, err := s.opts.Hasher.Hash(password)
	if err != nil {
		return err
	}
	d, err := s.check(ctx, p, access.Update, self(credentialCategory(kind), id), datamap.PurposeService)
	if err != nil {
		return err
	}
	return s.store.SetPassword(ctx, d, kind, id, hash)
}

// RequestPasswordReset mails a reset link when the address has an account,
// and answers the same way when it has none.
func (s *Service) RequestPasswordReset(ctx context.Context, email string) error {
	addr, err := normaliseEmail(email)
	if err != nil {
		return err
	}
	id, err := s.lookup(ctx, access.KindUser, addr)
	if errs.Is(err, errs.NotFound) {
		return nil
	} else if err != nil {
		return err
	}
	// A new link replaces every older one: only the latest mail works.
	if err := s.store.SpendOneTimeTokens(ctx, purposePasswordReset, id); err != nil {
		return err
	}
	token, hash := newSecret("pr_")
	if err := s.store.CreateOneTimeToken(ctx, OneTimeToken{Hash: hash, Purpose: purposePasswordReset, SubjectID: id,
		ExpiresAt: s.clk.Now().Add(passwordResetTTL)}); err != nil {
		return err
	}
	s.send(ctx, addr, "Reset your vigil password",
		"Someone asked to reset the password of your vigil account. Open this link within an hour to choose a new one:\n\n"+
			s.link("reset-password", token)+"\n\nIf it was not you, ignore this message: your password stays as it is.\n")
	return nil
}

// ResetPassword spends a reset token, sets the new password and ends every
// session of the account.
func (s *Service) ResetPassword(ctx context.Context, p access.Principal, token, password string) error {
	if err := CheckPassword(password, ""); err != nil {
		return err
	}
	t, err := s.store.UseOneTimeToken(ctx, HashSecret(token), purposePasswordReset)
	if err != nil {
		return err
	}
	if err := s.store.SpendOneTimeTokens(ctx, purposePasswordReset, t.SubjectID); err != nil {
		return err
	}
	if err := s.setPassword(ctx, p, access.KindUser, t.SubjectID, password); err != nil {
		return err
	}
	if err := s.store.DeleteSessionsOf(ctx, access.KindUser, t.SubjectID); err != nil {
		return err
	}
	if err := s.revokeAPITokens(ctx, access.System("password-reset"), access.KindUser, t.SubjectID); err != nil {
		return err
	}
	s.withdraw(ctx, revoke.Person(t.SubjectID))
	return nil
}

// Sessions lists the caller's live sessions.
func (s *Service) Sessions(ctx context.Context, a Auth) ([]SessionInfo, error) {
	p := a.Principal
	d, err := s.check(ctx, p, access.List, self(datamap.AccountSession, p.ID), datamap.PurposeService)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.Sessions(ctx, d, p.Kind, p.ID)
	if err != nil {
		return nil, err
	}
	cur := ""
	if a.Token != "" {
		cur = sessionHandle(HashSecret(a.Token))
	}
	out := make([]SessionInfo, 0, len(rows))
	for _, r := range rows {
		h := sessionHandle(r.IDHash)
		out = append(out, SessionInfo{ID: h, Current: h == cur, CreatedAt: r.CreatedAt, LastSeenAt: r.LastSeenAt,
			IP:        s.openSubject(ctx, p.ID, "sessions.ip_sealed", r.IPSealed),
			UserAgent: s.openSubject(ctx, p.ID, "sessions.user_agent_sealed", r.UserAgentSealed)})
	}
	return out, nil
}

// EndSession ends one of the caller's sessions by its handle.
func (s *Service) EndSession(ctx context.Context, a Auth, handle string) error {
	p := a.Principal
	d, err := s.check(ctx, p, access.List, self(datamap.AccountSession, p.ID), datamap.PurposeService)
	if err != nil {
		return err
	}
	rows, err := s.store.Sessions(ctx, d, p.Kind, p.ID)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if sessionHandle(r.IDHash) == handle {
			return s.store.DeleteSession(ctx, r.IDHash)
		}
	}
	return errs.E(errs.NotFound, "session not found")
}

// sessionHandle is a public name for a session derived from its hash; it
// cannot be turned back into the token.
func sessionHandle(hash []byte) string {
	const hexdigits = "0123456789abcdef"
	b := make([]byte, 0, 16)
	for _, c := range hash[:8] {
		b = append(b, hexdigits[c>>4], hexdigits[c&15])
	}
	return string(b)
}

// CreateAPIToken makes a bearer token for scripts; the secret is returned
// once and only its hash is kept.
func (s *Service) CreateAPIToken(ctx context.Context, p access.Principal, label string, ttl time.Duration) (APIToken, error) {
	if p.Kind != access.KindUser {
		return APIToken{}, errs.E(errs.Forbidden, "only customer users have API tokens")
	}
	if err := checkText("label", label, 1, 64); err != nil {
		return APIToken{}, err
	}
	if ttl <= 0 || ttl > maxAPITokenTTL {
		return APIToken{}, errs.E(errs.Invalid, "lifetime must be between 1 second and 365 days")
	}
	d, err := s.check(ctx, p, access.Create, self(datamap.AccountCredentials, p.ID), datamap.PurposeService)
	if err != nil {
		return APIToken{}, err
	}
	secret, hash := newSecret("vt_")
	id := id.New("tok")
	sealed, err := s.sealSubject(ctx, p.ID, "api_tokens.label_sealed", label)
	if err != nil {
		return APIToken{}, err
	}
	now := s.clk.Now()
	row := TokenRow{ID: id, UserID: p.ID, TokenHash: hash, LabelSealed: sealed, ExpiresAt: now.Add(ttl)}
	if err := s.store.CreateAPIToken(ctx, d, row); err != nil {
		return APIToken{}, err
	}
	return APIToken{ID: id, Label: label, CreatedAt: now, ExpiresAt: row.ExpiresAt, Secret: secret}, nil
}

// APITokens lists the caller's tokens without their secrets.
func (s *Service) APITokens(ctx context.Context, p access.Principal) ([]APIToken, error) {
	d, err := s.check(ctx, p, access.List, self(datamap.AccountCredentials, p.ID), datamap.PurposeService)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.APITokens(ctx, d, p.ID)
	if err != nil {
		return nil, err
	}
	out := make([]APIToken, 0, len(rows))
	for _, r := range rows {
		out = append(out, APIToken{ID: r.ID, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt, LastUsedAt: r.LastUsedAt,
			Label: s.openSubject(ctx, p.ID, "api_tokens.label_sealed", r.LabelSealed)})
	}
	return out, nil
}

// RevokeAPIToken deletes one of the caller's tokens.
func (s *Service) RevokeAPIToken(ctx context.Context, p access.Principal, id string) error {
	d, err := s.check(ctx, p, access.Delete, self(datamap.AccountCredentials, p.ID), datamap.PurposeService)
	if err != nil {
		return err
	}
	return s.store.DeleteAPIToken(ctx, d, p.ID, id)
}

// revokeAPITokens deletes a user's API tokens when their password changed:
// whoever held the old password may have made tokens that would outlive
// it. Staff have none.
func (s *Service) revokeAPITokens(ctx context.Context, p access.Principal, kind access.Kind, id string) error {
	if kind != access.KindUser {
		return nil
	}
	d, err := s.check(ctx, p, access.Delete, self(datamap.AccountCredentials, id), datamap.PurposeService)
	if err != nil {
		return err
	}
	return s.store.DeleteAPITokensOf(ctx, d, id)
}
