package account

import (
	"context"
	"encoding/json"
	"net/url"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// Staff second factors. A passkey or security key (WebAuthn) is bound to
// vigil's address by the browser, so a look-alike site cannot replay it:
// it is the preferred factor, and the operator can make it the only one
// for the privileged roles (StaffWebAuthnRequired). An authenticator app
// (TOTP) is the fallback for everyone else.

// Factor names, as the API and the console spell them.
const (
	FactorSecurityKey = "security_key"
	FactorTOTP        = "totp"
)

const (
	keysColumn     = "staff.webauthn_sealed"
	ceremonyColumn = "staff.webauthn_ceremony_sealed"
)

// newRelyingParty builds the WebAuthn relying party from the public
// address: the browser binds every key to that host, and vigil accepts
// ceremonies only from that origin. Nil when the address is unusable.
func newRelyingParty(publicURL string) *webauthn.WebAuthn {
	u, err := url.Parse(publicURL)
	if err != nil || u.Hostname() == "" {
		return nil
	}
	rp, err := webauthn.New(&webauthn.Config{
		RPID:          u.Hostname(),
		RPDisplayName: "vigil staff",
		RPOrigins:     []string{u.Scheme + "://" + u.Host},
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey:      protocol.ResidentKeyRequirementDiscouraged,
			UserVerification: protocol.VerificationPreferred,
		},
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Enforce: true, Timeout: 2 * time.Minute, TimeoutUVD: 2 * time.Minute},
			Registration: webauthn.TimeoutConfig{Enforce: true, Timeout: 5 * time.Minute, TimeoutUVD: 5 * time.Minute},
		},
	})
	if err != nil {
		return nil
	}
	return rp
}

// keyHolder is a staff member as go-webauthn sees them. The user handle is
// the random staff ID: it carries no name or address.
type keyHolder struct {
	id    string
	creds []webauthn.Credential
}

func (h keyHolder) WebAuthnID() []byte                         { return []byte(h.id) }
func (h keyHolder) WebAuthnName() string                       { return h.id }
func (h keyHolder) WebAuthnDisplayName() string                { return "vigil staff " + h.id }
func (h keyHolder) WebAuthnCredentials() []webauthn.Credential { return h.creds }

// ceremony is a registration or sign-in in flight.
type ceremony struct {
	Kind    string               `json:"kind"` // "register" or "login"
	Session webauthn.SessionData `json:"session"`
}

// StaffFactors says which second factors a staff member has and may use.
type StaffFactors struct {
	SecurityKeys     int  `json:"security_keys"`
	TOTP             bool `json:"totp"`
	WebAuthnRequired bool `json:"webauthn_required"`
}

// usable lists the enrolled factors the member's role may sign in with.
func (f StaffFactors) usable() []string {
	var out []string
	if f.SecurityKeys > 0 {
		out = append(out, FactorSecurityKey)
	}
	if f.TOTP && !f.WebAuthnRequired {
		out = append(out, FactorTOTP)
	}
	return out
}

// webAuthnRequired: the operator's policy makes a passkey or security key
// the only second factor of the privileged roles.
func (s *Service) webAuthnRequired(role access.StaffRole) bool {
	return s.opts.StaffWebAuthnRequired && Privileged(role)
}

// staffFactors reads what a staff member has enrolled.
func (s *Service) staffFactors(ctx context.Context, id string, cred Credential) (StaffFactors, error) {
	st, err := s.store.StaffAuth(ctx, id)
	if err != nil {
		return StaffFactors{}, err
	}
	f := StaffFactors{TOTP: len(cred.TOTPSealed) > 0, WebAuthnRequired: s.webAuthnRequired(st.Role)}
	if len(cred.WebAuthnSealed) > 0 {
		creds, err := s.openKeys(ctx, id, cred.WebAuthnSealed)
		if err != nil {
			return f, err
		}
		f.SecurityKeys = len(creds)
	}
	return f, nil
}

// Factors returns the caller's own second factors (staff only).
func (s *Service) Factors(ctx context.Context, a Auth) (StaffFactors, error) {
	if a.Principal.Kind != access.KindStaff {
		return StaffFactors{}, errs.E(errs.Forbidden, "only staff use security keys here")
	}
	cred, _, err := s.credentialOf(ctx, a.Principal)
	if err != nil {
		return StaffFactors{}, err
	}
	return s.staffFactors(ctx, a.Principal.ID, cred)
}

func (s *Service) openKeys(ctx context.Context, id string, sealed []byte) ([]webauthn.Credential, error) {
	var creds []webauthn.Credential
	if len(sealed) == 0 {
		return nil, nil
	}
	if err := json.Unmarshal([]byte(s.openSubject(ctx, id, keysColumn, sealed)), &creds); err != nil {
		return nil, errs.Wrap(err, errs.Internal, "stored security keys unreadable")
	}
	return creds, nil
}

func (s *Service) relyingParty() (*webauthn.WebAuthn, error) {
	if s.rp == nil {
		return nil, errs.E(errs.Unavailable, "security keys need vigil's public address to be configured")
	}
	return s.rp, nil
}

// saveCeremony seals the ceremony in flight on the member's row.
func (s *Service) saveCeremony(ctx context.Context, d access.Decision, id, kind string, sd *webauthn.SessionData) error {
	raw, err := json.Marshal(ceremony{Kind: kind, Session: *sd})
	if err != nil {
		return errs.Wrap(err, errs.Internal, "cannot keep the security-key challenge")
	}
	sealed, err := s.sealSubject(ctx, id, ceremonyColumn, string(raw))
	if err != nil {
		return err
	}
	return s.store.SetStaffWebAuthnCeremony(ctx, d, id, sealed)
}

// takeCeremony reads and clears the ceremony of kind in flight: a
// challenge is answered once.
func (s *Service) takeCeremony(ctx context.Context, d access.Decision, id, kind string) (webauthn.SessionData, []webauthn.Credential, error) {
	keys, sealed, err := s.store.StaffWebAuthn(ctx, d, id)
	if err != nil {
		return webauthn.SessionData{}, nil, err
	}
	var c ceremony
	if len(sealed) == 0 || json.Unmarshal([]byte(s.openSubject(ctx, id, ceremonyColumn, sealed)), &c) != nil || c.Kind != kind {
		return webauthn.SessionData{}, nil, errs.E(errs.Invalid, "start again: no security-key challenge is waiting")
	}
	if err := s.store.SetStaffWebAuthnCeremony(ctx, d, id, nil); err != nil {
		return webauthn.SessionData{}, nil, err
	}
	creds, err := s.openKeys(ctx, id, keys)
	return c.Session, creds, err
}

// keyRegistrant is what both steps of a key registration start from: the
// caller must be staff; the relying party, and their credential with the
// decision that read it.
func (s *Service) keyRegistrant(ctx context.Context, p access.Principal) (*webauthn.WebAuthn, Credential, access.Decision, error) {
	if p.Kind != access.KindStaff {
		return nil, Credential{}, access.Decision{}, errs.E(errs.Forbidden, "only staff register security keys here")
	}
	rp, err := s.relyingParty()
	if err != nil {
		return nil, Credential{}, access.Decision{}, err
	}
	cred, d, err := s.credentialOf(ctx, p)
	return rp, cred, d, err
}

// BeginKeyRegistration starts adding a passkey or security key for the
// calling staff member. A pending session (first sign-in) may do so only
// while the member has no usable factor yet; one who has an authenticator
// app but must now use a key proves the app's code first, so that a stolen
// password alone never registers a key.
func (s *Service) BeginKeyRegistration(ctx context.Context, a Auth, code string) (*protocol.CredentialCreation, error) {
	p := a.Principal
	rp, cred, d, err := s.keyRegistrant(ctx, p)
	if err != nil {
		return nil, err
	}
	f, err := s.staffFactors(ctx, p.ID, cred)
	if err != nil {
		return nil, err
	}
	if a.PendingMFA {
		if len(f.usable()) > 0 {
			return nil, errs.E(errs.MFARequired, "complete the second sign-in step first")
		}
		if f.TOTP {
			if s.clk.Now().Before(cred.LockedUntil) {
				return nil, errs.E(errs.Locked, "too many failed attempts: locked for now; try again later")
			}
			if err := s.useCode(ctx, d, p, cred, cred.TOTPSealed, code); err != nil {
				return nil, err
			}
		}
	}
	creds, err := s.openKeys(ctx, p.ID, cred.WebAuthnSealed)
	if err != nil {
		return nil, err
	}
	if len(creds) >= 10 {
		return nil, errs.E(errs.Conflict, "ten security keys are the most one person may register")
	}
	exclude := make([]protocol.CredentialDescriptor, 0, len(creds))
	for _, c := range creds {
		exclude = append(exclude, c.Descriptor())
	}
	opts, sd, err := rp.BeginRegistration(keyHolder{id: p.ID, creds: creds}, webauthn.WithExclusions(exclude))
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "cannot start the security-key registration")
	}
	return opts, s.saveCeremony(ctx, d, p.ID, "register", sd)
}

// FinishKeyRegistration checks the browser's answer and stores the new
// key. A pending session becomes a full one: the new session is returned.
func (s *Service) FinishKeyRegistration(ctx context.Context, a Auth, response []byte) (*Session, error) {
	p := a.Principal
	rp, _, d, err := s.keyRegistrant(ctx, p)
	if err != nil {
		return nil, err
	}
	sd, creds, err := s.takeCeremony(ctx, d, p.ID, "register")
	if err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		return nil, errs.E(errs.Invalid, "the security key's answer is not a registration response")
	}
	c, err := rp.CreateCredential(keyHolder{id: p.ID, creds: creds}, sd, parsed)
	if err != nil {
		return nil, errs.E(errs.Unauthenticated, "the security key's registration did not verify")
	}
	raw, err := json.Marshal(append(creds, *c))
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "cannot store the security key")
	}
	sealed, err := s.sealSubject(ctx, p.ID, keysColumn, string(raw))
	if err != nil {
		return nil, err
	}
	upd, err := s.check(ctx, p, access.Update, self(datamap.StaffProfile, p.ID), datamap.PurposeService)
	if err != nil {
		return nil, err
	}
	if err := s.store.SetStaffWebAuthnKeys(ctx, upd, p.ID, sealed); err != nil {
		return nil, err
	}
	s.tellStaff(ctx, p.ID, "A security key was added to your vigil staff account",
		"A passkey or security key was registered for your vigil staff account. If this was not you, tell an operator administrator at once.\n")
	if a.PendingMFA {
		sess, err := s.upgrade(ctx, a)
		return &sess, err
	}
	return nil, nil
}

// BeginKeySignIn starts the second sign-in step with a registered key.
func (s *Service) BeginKeySignIn(ctx context.Context, a Auth) (*protocol.CredentialAssertion, error) {
	p := a.Principal
	if !a.PendingMFA || p.Kind != access.KindStaff {
		return nil, errs.E(errs.Invalid, "this session has no second factor to complete")
	}
	rp, err := s.relyingParty()
	if err != nil {
		return nil, err
	}
	cred, d, err := s.credentialOf(ctx, p)
	if err != nil {
		return nil, err
	}
	if s.clk.Now().Before(cred.LockedUntil) {
		return nil, errs.E(errs.Locked, "too many failed attempts: locked for now; try again later")
	}
	creds, err := s.openKeys(ctx, p.ID, cred.WebAuthnSealed)
	if err != nil {
		return nil, err
	}
	if len(creds) == 0 {
		return nil, errs.E(errs.MFARequired, "register a security key first")
	}
	opts, sd, err := rp.BeginLogin(keyHolder{id: p.ID, creds: creds})
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "cannot start the security-key sign-in")
	}
	return opts, s.saveCeremony(ctx, d, p.ID, "login", sd)
}

// FinishKeySignIn checks the key's signature and opens the full session.
func (s *Service) FinishKeySignIn(ctx context.Context, a Auth, response []byte) (Session, error) {
	p := a.Principal
	if !a.PendingMFA || p.Kind != access.KindStaff {
		return Session{}, errs.E(errs.Invalid, "this session has no second factor to complete")
	}
	rp, err := s.relyingParty()
	if err != nil {
		return Session{}, err
	}
	cred, d, err := s.credentialOf(ctx, p)
	if err != nil {
		return Session{}, err
	}
	sd, creds, err := s.takeCeremony(ctx, d, p.ID, "login")
	if err != nil {
		return Session{}, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return Session{}, errs.E(errs.Invalid, "the security key's answer is not a sign-in response")
	}
	used, err := rp.ValidateLogin(keyHolder{id: p.ID, creds: creds}, sd, parsed)
	if err != nil || used.Authenticator.CloneWarning {
		if err := s.store.RecordSignIn(ctx, d, p.Kind, p.ID, false, s.lockUntil(s.clk.Now(), cred.FailedLogins+1)); err != nil {
			return Session{}, err
		}
		return Session{}, errs.E(errs.Unauthenticated, "the security key's signature did not verify")
	}
	for i := range creds {
		if string(creds[i].ID) == string(used.ID) {
			creds[i].Authenticator.SignCount = used.Authenticator.SignCount
			creds[i].Flags = used.Flags
		}
	}
	raw, err := json.Marshal(creds)
	if err != nil {
		return Session{}, errs.Wrap(err, errs.Internal, "cannot store the security key")
	}
	sealed, err := s.sealSubject(ctx, p.ID, keysColumn, string(raw))
	if err != nil {
		return Session{}, err
	}
	if err := s.store.SetStaffWebAuthnKeys(ctx, d, p.ID, sealed); err != nil {
		return Session{}, err
	}
	if err := s.store.RecordSignIn(ctx, d, p.Kind, p.ID, true, time.Time{}); err != nil {
		return Session{}, err
	}
	return s.upgrade(ctx, a)
}

// tellStaff mails a staff member about their own credentials.
func (s *Service) tellStaff(ctx context.Context, id, subject, text string) {
	d, err := s.check(ctx, access.System("staff-credentials"), access.Read, self(datamap.StaffProfile, id), datamap.PurposeService)
	if err != nil {
		s.log.Error("staff member not told of a credential change", "staff", id, "err", err)
		return
	}
	r, err := s.store.Staff(ctx, d, id)
	if err != nil {
		s.log.Error("staff member not told of a credential change", "staff", id, "err", err)
		return
	}
	if to := s.openSubject(ctx, r.ID, "staff.email_sealed", r.EmailSealed); to != "" {
		s.send(ctx, to, subject, text)
	}
}
