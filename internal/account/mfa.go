package account

import (
	"context"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// TOTPEnrolment is shown once while a second factor is set up.
type TOTPEnrolment struct {
	Secret string `json:"secret"`
	URL    string `json:"otpauth_url"`
	// QR is the otpauth URL as a QR code, a PNG data: URL.
	QR string `json:"qr_png"`
}

var errBadCode = errs.E(errs.Unauthenticated, "the code is wrong or expired")

func (s *Service) totpColumn(kind access.Kind) string {
	if kind == access.KindStaff {
		return "staff.totp"
	}
	return "users.totp"
}

// CompleteMFA checks the second factor of a pending session and replaces it
// with a full session (a new token, so a token seen before the second
// factor is worth nothing after it).
func (s *Service) CompleteMFA(ctx context.Context, a Auth, code string) (Session, error) {
	if !a.PendingMFA || a.Token == "" {
		return Session{}, errs.E(errs.Invalid, "this session has no second factor to complete")
	}
	p := a.Principal
	cred, d, err := s.credentialOf(ctx, p)
	if err != nil {
		return Session{}, err
	}
	if len(cred.TOTPSealed) == 0 {
		return Session{}, errs.E(errs.MFARequired, "set up an authenticator app first")
	}
	if err := s.totpAllowed(ctx, p); err != nil {
		return Session{}, err
	}
	if s.clk.Now().Before(cred.LockedUntil) {
		return Session{}, errs.E(errs.Locked, "too many failed attempts: locked for now; try again later")
	}
	if err := s.useCode(ctx, d, p, cred, cred.TOTPSealed, code); err != nil {
		return Session{}, err
	}
	return s.upgrade(ctx, a)
}

func (s *Service) useCode(ctx context.Context, d access.Decision, p access.Principal, cred Credential, sealed []byte, code string) error {
	secret := s.openSubject(ctx, p.ID, s.totpColumn(p.Kind), sealed)
	step, ok := matchTOTP(secret, code, s.clk.Now())
	if !ok {
		if err := s.store.RecordSignIn(ctx, d, p.Kind, p.ID, false, s.lockUntil(s.clk.Now(), cred.FailedLogins+1)); err != nil {
			return err
		}
		return errBadCode
	}
	return s.store.UseTOTPStep(ctx, d, p.Kind, p.ID, step)
}

// upgrade ends a pending session and opens a full one.
func (s *Service) upgrade(ctx context.Context, a Auth) (Session, error) {
	if err := s.store.DeleteSession(ctx, HashSecret(a.Token)); err != nil {
		return Session{}, err
	}
	sess, err := s.openSession(ctx, a.Principal, a.Principal.Kind, a.Principal.ID, false)
	if err != nil {
		return Session{}, err
	}
	if err := s.store.PassSessionMFA(ctx, HashSecret(sess.Token)); err != nil {
		return Session{}, err
	}
	return sess, nil
}

// StartTOTP creates a pending authenticator secret for the caller.
func (s *Service) StartTOTP(ctx context.Context, a Auth) (TOTPEnrolment, error) {
	p := a.Principal
	d, err := s.check(ctx, p, access.Update, self(credentialCategory(p.Kind), p.ID), datamap.PurposeService)
	if err != nil {
		return TOTPEnrolment{}, err
	}
	if err := s.totpAllowed(ctx, p); err != nil {
		return TOTPEnrolment{}, err
	}
	secret, url, err := newTOTP("vigil", p.ID)
	if err != nil {
		return TOTPEnrolment{}, err
	}
	cred, _, err := s.credentialOf(ctx, p)
	if err != nil {
		return TOTPEnrolment{}, err
	}
	if len(cred.TOTPSealed) > 0 {
		return TOTPEnrolment{}, errs.E(errs.Conflict, "an authenticator is already set up; remove it first")
	}
	sealed, err := s.sealSubject(ctx, p.ID, s.totpColumn(p.Kind), secret)
	if err != nil {
		return TOTPEnrolment{}, err
	}
	if err := s.store.SetTOTP(ctx, d, p.Kind, p.ID, sealed, nil); err != nil {
		return TOTPEnrolment{}, err
	}
	qr, err := totpQR(url)
	if err != nil {
		return TOTPEnrolment{}, err
	}
	return TOTPEnrolment{Secret: secret, URL: url, QR: qr}, nil
}

// credentialOf reads the principal's own credential, returning the gate's
// decision too so that recording the outcome needs no second check.
func (s *Service) credentialOf(ctx context.Context, p access.Principal) (Credential, access.Decision, error) {
	d, err := s.check(ctx, p, access.Authenticate, self(credentialCategory(p.Kind), p.ID), datamap.PurposeService)
	if err != nil {
		return Credential{}, d, err
	}
	cred, err := s.store.Credential(ctx, d, p.Kind, p.ID)
	return cred, d, err
}

// ConfirmTOTP activates the pending secret once the caller proves it works.
// A pending staff session becomes a full one: the new session is returned.
func (s *Service) ConfirmTOTP(ctx context.Context, a Auth, code string) (*Session, error) {
	p := a.Principal
	cred, auth, err := s.credentialOf(ctx, p)
	if err != nil {
		return nil, err
	}
	if err := s.totpAllowed(ctx, p); err != nil {
		return nil, err
	}
	pending := cred.TOTPPendingSealed
	if len(pending) == 0 {
		return nil, errs.E(errs.Invalid, "start setting up an authenticator first")
	}
	if err := s.useCode(ctx, auth, p, cred, pending, code); err != nil {
		return nil, err
	}
	upd, err := s.check(ctx, p, access.Update, self(credentialCategory(p.Kind), p.ID), datamap.PurposeService)
	if err != nil {
		return nil, err
	}
	if err := s.store.SetTOTP(ctx, upd, p.Kind, p.ID, nil, pending); err != nil {
		return nil, err
	}
	if a.PendingMFA {
		sess, err := s.upgrade(ctx, a)
		return &sess, err
	}
	if a.Token != "" {
		return nil, s.store.PassSessionMFA(ctx, HashSecret(a.Token))
	}
	return nil, nil
}

// HasTOTP reports whether the principal has an active second factor
// (an authenticator app, or for staff a passkey or security key).
func (s *Service) HasTOTP(ctx context.Context, p access.Principal) (bool, error) {
	cred, _, err := s.credentialOf(ctx, p)
	if err != nil {
		return false, err
	}
	return len(cred.TOTPSealed) > 0 || len(cred.WebAuthnSealed) > 0, nil
}

// totpAllowed refuses authenticator-app codes to staff whose role the
// operator's policy keeps to passkeys and security keys.
func (s *Service) totpAllowed(ctx context.Context, p access.Principal) error {
	if p.Kind != access.KindStaff || !s.opts.StaffWebAuthnRequired {
		return nil
	}
	st, err := s.store.StaffAuth(ctx, p.ID)
	if err != nil {
		return err
	}
	if s.webAuthnRequired(st.Role) {
		return errs.E(errs.MFARequired, "your role signs in with a passkey or security key: authenticator-app codes are not accepted")
	}
	return nil
}

// DisableTOTP removes a customer's authenticator after checking a current
// code from it. Staff cannot: their second factor is mandatory.
func (s *Service) DisableTOTP(ctx context.Context, a Auth, code string) error {
	p := a.Principal
	if p.Kind != access.KindUser {
		return errs.E(errs.Forbidden, "staff must keep a second factor")
	}
	cred, auth, err := s.credentialOf(ctx, p)
	if err != nil {
		return err
	}
	if len(cred.TOTPSealed) == 0 {
		return errs.E(errs.NotFound, "no authenticator is set up")
	}
	if err := s.useCode(ctx, auth, p, cred, cred.TOTPSealed, code); err != nil {
		return err
	}
	upd, err := s.check(ctx, p, access.Update, self(credentialCategory(p.Kind), p.ID), datamap.PurposeService)
	if err != nil {
		return err
	}
	return s.store.SetTOTP(ctx, upd, p.Kind, p.ID, nil, nil)
}
