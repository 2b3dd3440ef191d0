package account

import (
	"github.com/go-webauthn/webauthn/webauthn"

	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	netmail "net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/mail"
	"github.com/vigil-cloud/vigil/internal/ratelimit"
	"github.com/vigil-cloud/vigil/internal/revoke"
)

// Keys seals personal fields and computes lookup fingerprints. The keyring
// implements it: subject keys belong to one person, account keys to one
// tenant; destroying either makes what it sealed unreadable.
type Keys interface {
	SealSubject(ctx context.Context, subjectID string, plaintext, ad []byte) ([]byte, error)
	OpenSubject(ctx context.Context, subjectID string, ciphertext, ad []byte) ([]byte, error)
	SealAccount(ctx context.Context, accountID string, plaintext, ad []byte) ([]byte, error)
	OpenAccount(ctx context.Context, accountID string, ciphertext, ad []byte) ([]byte, error)
	BlindIndex(ctx context.Context, domain string, value []byte) ([]byte, error)
}

// Options tune the service.
type Options struct {
	PublicURL    string
	SessionTTL   time.Duration
	Hasher       Hasher
	LockoutAfter int
	LockoutFor   time.Duration
	// MailsPerHour caps the mails one address gets an hour (resets,
	// confirmations, invitations, unlock links); more are dropped, and
	// logged, so that nobody can bomb a mailbox through vigil. 0: 10.
	MailsPerHour int
	// Limits makes the per-recipient limit shared across nodes (zero: this
	// node's own).
	Limits ratelimit.Factory
	// Terms checks and records what a new person accepts at sign-up; nil
	// records nothing.
	Terms Terms
	// Revoker ends, on every node, what was issued under a role or a
	// credential that changed (stream tokens, live viewers); nil ends
	// nothing early.
	Revoker revoke.Revoker
	// StaffWebAuthnRequired is the operator's policy that security
	// officers, DPOs and operator administrators sign in with a passkey
	// or security key only (no authenticator-app codes).
	StaffWebAuthnRequired bool
}

// Service is the account capability.
type Service struct {
	store  Store
	keys   Keys
	gate   *access.Gate
	mailer mail.Mailer
	clk    clock.Clock
	log    *slog.Logger
	opts   Options
	// dummyHash is verified when an e-mail address is unknown, so a wrong
	// address costs as much time as a wrong password.
	dummyHash string
	mails     ratelimit.Allower  // per recipient
	rp        *webauthn.WebAuthn // nil without a usable public address
}

// New returns the account service.
func New(store Store, keys Keys, gate *access.Gate, mailer mail.Mailer, clk clock.Clock, log *slog.Logger, opts Options) (*Service, error) {
	dummy, err := opts.Hasher.Hash("not a password: timing equaliser")
	if err != nil {
		return nil, err
	}
	if opts.MailsPerHour <= 0 {
		opts.MailsPerHour = 10
	}
	return &Service{store: store, keys: keys, gate: gate, mailer: mailer, clk: clk, log: log, opts: opts, dummyHash: dummy,
		mails: opts.Limits.New(clk, "mail-recipient", opts.MailsPerHour, time.Hour), rp: newRelyingParty(opts.PublicURL)}, nil
}

// Token lifetimes.
const (
	verifyEmailTTL   = 48 * time.Hour
	passwordResetTTL = time.Hour
	invitationTTL    = 7 * 24 * time.Hour
	pendingMFATTL    = 10 * time.Minute
	staffSetupTTL    = 24 * time.Hour
	maxAPITokenTTL   = 365 * 24 * time.Hour
)

// One-time token purposes.
const (
	purposeVerifyEmail   = "verify_email"
	purposePasswordReset = "password_reset"
	purposeInvitation    = "invitation"
	purposeStaffSetup    = "staff_setup"
)

// newSecret returns a random bearer secret with a prefix and its SHA-256.
// Only the hash is stored: the secret has 256 bits of entropy, so a fast
// hash is enough (unlike a password).
func newSecret(prefix string) (secret string, hash []byte) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	secret = prefix + base64.RawURLEncoding.EncodeToString(b[:])
	return secret, HashSecret(secret)
}

// HashSecret returns the stored form of a bearer secret.
func HashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// normaliseEmail checks an address and returns its canonical form for
// lookups.
func normaliseEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	a, err := netmail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 || !strings.Contains(s, "@") {
		return "", errs.E(errs.Invalid, "e-mail address is not valid")
	}
	return strings.ToLower(s), nil
}

func (s *Service) emailIndex(ctx context.Context, domain, email string) ([]byte, error) {
	return s.keys.BlindIndex(ctx, domain, []byte(email))
}

func (s *Service) sealSubject(ctx context.Context, id, column, value string) ([]byte, error) {
	return s.keys.SealSubject(ctx, id, []byte(value), keys.FieldAD(column, id))
}

func (s *Service) openSubject(ctx context.Context, id, column string, sealed []byte) string {
	if len(sealed) == 0 {
		return ""
	}
	b, err := s.keys.OpenSubject(ctx, id, sealed, keys.FieldAD(column, id))
	return s.opened(b, err, column)
}

// opened turns the result of opening a sealed field into text.
func (s *Service) opened(b []byte, err error, column string) string {
	return keys.FieldText(s.log, b, err, column)
}

func (s *Service) sealAccount(ctx context.Context, accountID, column, rowID, value string) ([]byte, error) {
	return s.keys.SealAccount(ctx, accountID, []byte(value), keys.FieldAD(column, rowID))
}

func (s *Service) openAccount(ctx context.Context, accountID, column, rowID string, sealed []byte) string {
	b, err := s.keys.OpenAccount(ctx, accountID, sealed, keys.FieldAD(column, rowID))
	return s.opened(b, err, column)
}

var emailRE = regexp.MustCompile(`[^\s<>"'@]+@[^\s<>"']+`)

func (s *Service) link(path, token string) string {
	// The token travels in the fragment, which browsers never send to a
	// server, so it stays out of access logs and Referer headers.
	return strings.TrimRight(s.opts.PublicURL, "/") + "/#/" + path + "?token=" + token
}

// send mails a message; a failure is logged (without the message) and not
// shown to the requester, who must not learn whether an address exists.
func (s *Service) send(ctx context.Context, to, subject, text string) {
	if !s.mails.Allow(ctx, strings.ToLower(to)) {
		// The requester gets the usual answer: whether the address exists,
		// and how much mail it already got, is not theirs to learn.
		s.log.Warn("mail over the recipient's hourly limit not sent", "subject", subject)
		return
	}
	if err := s.mailer.Send(ctx, mail.Mail{To: to, Subject: subject, Text: text}); err != nil {
		// A mail server's answer may quote the recipient: keep addresses
		// out of the log.
		s.log.Error("mail not sent", "subject", subject, "err", emailRE.ReplaceAllString(err.Error(), "[address]"))
	}
}

// withdraw revokes keys on every node; a failure is logged: what was
// issued under them still ends with its short-lived tokens.
func (s *Service) withdraw(ctx context.Context, keys ...revoke.Key) {
	if s.opts.Revoker == nil {
		return
	}
	if err := s.opts.Revoker.Revoke(context.WithoutCancel(ctx), keys...); err != nil {
		s.log.Error("revocation not recorded", "err", err)
	}
}

func (s *Service) check(ctx context.Context, p access.Principal, a access.Action, r access.Resource, purpose datamap.Purpose) (access.Decision, error) {
	return s.gate.Check(ctx, p, a, r, purpose)
}

func self(category datamap.CategoryID, id string) access.Resource {
	return access.Resource{Category: category, SubjectID: id}
}
