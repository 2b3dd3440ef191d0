package account

import (
	"context"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/netaddr"
)

// Session is what a successful sign-in returns. Token is the bearer secret
// for the session cookie; only its hash is stored.
type Session struct {
	Token string
	// MFARequired: the password was right; the session opens only after
	// a second factor (or, for staff without one, after enrolling one).
	MFARequired       bool
	EnrolmentRequired bool
	// Factors lists the second factors this sign-in may be completed
	// with (security_key, totp); empty when one must be enrolled.
	Factors   []string
	ExpiresAt time.Time
}

var errBadLogin = errs.E(errs.Unauthenticated, "e-mail address or password is wrong")

func credentialCategory(kind access.Kind) datamap.CategoryID {
	if kind == access.KindStaff {
		return datamap.StaffProfile
	}
	return datamap.AccountCredentials
}

// Login checks a customer's e-mail and password.
func (s *Service) Login(ctx context.Context, p access.Principal, email, password string) (Session, error) {
	return s.login(ctx, p, access.KindUser, email, password)
}

// StaffLogin checks a staff member's e-mail and password. Staff always need
// a second factor; one who has none must enrol before anything else.
func (s *Service) StaffLogin(ctx context.Context, p access.Principal, email, password string) (Session, error) {
	return s.login(ctx, p, access.KindStaff, email, password)
}

// Failed sign-ins never lock an account: that would tell an attacker the
// address has one, and lock its owner out. They slow down the pair of the
// address typed and the network it came from (an IPv6 /64), whether the
// address has an account or not: after LockoutAfter failures each further
// attempt from that network waits LockoutFor, doubling, up to a day, with
// the same answer for every address. The owner of a real account is
// e-mailed a link that lifts the wait; from any other network they sign
// in as usual.
func (s *Service) login(ctx context.Context, p access.Principal, kind access.Kind, email, password string) (Session, error) {
	key, err := s.signInKey(ctx, kind, email, p.IP)
	if err != nil {
		return Session{}, err
	}
	now := s.clk.Now()
	if until, err := s.store.SignInDelay(ctx, key.email, key.net); err != nil {
		return Session{}, err
	} else if now.Before(until) {
		return Session{}, errSignInWait(until.Sub(now))
	}
	fail := func(id string) (Session, error) {
		n, err := s.store.RecordSignInFailure(ctx, key.email, key.net, s.signInDelay)
		if err != nil {
			return Session{}, err
		}
		if n == s.opts.LockoutAfter && id != "" {
			s.mailUnlock(ctx, kind, id, email)
		}
		return Session{}, errBadLogin
	}
	addr, err := normaliseEmail(email)
	if err != nil || len(password) > 1024 {
		s.opts.Hasher.Verify(password, s.dummyHash) //nolint:errcheck // equalise timing
		return fail("")
	}
	id, err := s.lookup(ctx, kind, addr)
	if errs.Is(err, errs.NotFound) {
		s.opts.Hasher.Verify(password, s.dummyHash) //nolint:errcheck // equalise timing
		return fail("")
	} else if err != nil {
		return Session{}, err
	}
	d, err := s.check(ctx, p, access.Authenticate, self(credentialCategory(kind), id), datamap.PurposeService)
	if err != nil {
		return Session{}, err
	}
	cred, err := s.store.Credential(ctx, d, kind, id)
	if err != nil {
		return Session{}, err
	}
	ok := false
	if cred.PasswordHash == "" {
		s.opts.Hasher.Verify(password, s.dummyHash) //nolint:errcheck // no password set yet (staff not activated)
	} else if ok, _, err = s.opts.Hasher.Verify(password, cred.PasswordHash); err != nil {
		return Session{}, errs.Wrap(err, errs.Internal, "stored password hash unreadable")
	}
	if !ok || cred.Disabled {
		return fail(id)
	}
	if err := s.store.ClearSignInFailures(ctx, key.email, key.net); err != nil {
		return Session{}, err
	}
	if kind == access.KindUser {
		if u, err := s.userForAuth(ctx, id); err != nil {
			return Session{}, err
		} else if u.EmailVerifiedAt.IsZero() {
			return Session{}, errs.E(errs.Forbidden, "confirm your e-mail address first: follow the link we sent you")
		}
	}
	if err := s.store.RecordSignIn(ctx, d, kind, id, true, time.Time{}); err != nil {
		return Session{}, err
	}
	usable := []string(nil)
	if len(cred.TOTPSealed) > 0 {
		usable = []string{FactorTOTP}
	}
	if kind == access.KindStaff {
		f, err := s.staffFactors(ctx, id, cred)
		if err != nil {
			return Session{}, err
		}
		usable = f.usable()
	}
	pending := len(usable) > 0 || kind == access.KindStaff
	sess, err := s.openSession(ctx, p, kind, id, pending)
	if err != nil {
		return Session{}, err
	}
	sess.MFARequired = pending
	sess.EnrolmentRequired = pending && len(usable) == 0
	sess.Factors = usable
	return sess, nil
}

// signInDelay is how long sign-ins of an address from a network wait after
// failures failed ones: nothing below LockoutAfter, then LockoutFor,
// doubling, at most a day.
func (s *Service) signInDelay(failures int) time.Duration {
	if failures < s.opts.LockoutAfter {
		return 0
	}
	return min(s.opts.LockoutFor<<min(failures-s.opts.LockoutAfter, 10), 24*time.Hour)
}

func errSignInWait(d time.Duration) error {
	return errs.E(errs.RateLimited, "too many failed sign-ins for this address from your network: try again in %s. "+
		"If the address has an account, its owner was e-mailed a link that lifts this wait.", d.Round(time.Second))
}

// signInKey is what failed sign-ins are counted under: keyed fingerprints
// of the address as typed and of the client's network.
type signInKey struct{ email, net []byte }

func (s *Service) signInKey(ctx context.Context, kind access.Kind, email, ip string) (signInKey, error) {
	var k signInKey
	var err error
	if k.email, err = s.keys.BlindIndex(ctx, "signin-address", []byte(string(kind)+":"+strings.ToLower(strings.TrimSpace(email)))); err != nil {
		return k, err
	}
	k.net, err = s.keys.BlindIndex(ctx, "signin-network", []byte(netaddr.LimitKey(ip)))
	return k, err
}

// lockUntil returns the end of the lockout after failures failed attempts:
// none below the threshold, then LockoutFor doubling per further failure,
// at most one day.
func (s *Service) lockUntil(now time.Time, failures int) time.Time {
	over := failures - s.opts.LockoutAfter
	if over < 0 {
		return time.Time{}
	}
	d := s.opts.LockoutFor << min(over, 10)
	return now.Add(min(d, 24*time.Hour))
}

func (s *Service) lookup(ctx context.Context, kind access.Kind, email string) (string, error) {
	if kind == access.KindStaff {
		idx, err := s.emailIndex(ctx, "staff-email", email)
		if err != nil {
			return "", err
		}
		return s.store.StaffIDByEmail(ctx, idx)
	}
	idx, err := s.emailIndex(ctx, "user-email", email)
	if err != nil {
		return "", err
	}
	return s.store.UserIDByEmail(ctx, idx)
}

// userForAuth reads a user row on the system's behalf during sign-in.
func (s *Service) userForAuth(ctx context.Context, id string) (UserRow, error) {
	d, err := s.check(ctx, access.System("sign-in"), access.Read, self(datamap.AccountProfile, id), datamap.PurposeService)
	if err != nil {
		return UserRow{}, err
	}
	return s.store.User(ctx, d, id)
}

func (s *Service) openSession(ctx context.Context, p access.Principal, kind access.Kind, id string, pendingMFA bool) (Session, error) {
	d, err := s.check(ctx, p, access.Create, self(datamap.AccountSession, id), datamap.PurposeService)
	if err != nil {
		return Session{}, err
	}
	ip, err := s.sealSubject(ctx, id, "sessions.ip_sealed", p.IP)
	if err != nil {
		return Session{}, err
	}
	ua, err := s.sealSubject(ctx, id, "sessions.user_agent_sealed", p.UserAgent)
	if err != nil {
		return Session{}, err
	}
	token, hash := newSecret("vs_")
	ttl := s.opts.SessionTTL
	if pendingMFA {
		ttl = pendingMFATTL
	}
	expires := s.clk.Now().Add(ttl)
	row := SessionRow{IDHash: hash, PrincipalKind: kind, PrincipalID: id, MFAPassed: false, PendingMFA: pendingMFA,
		IPSealed: ip, UserAgentSealed: ua, ExpiresAt: expires}
	if err := s.store.CreateSession(ctx, d, row); err != nil {
		return Session{}, err
	}
	return Session{Token: token, ExpiresAt: expires}, nil
}

// Logout ends the session of token.
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.store.DeleteSession(ctx, HashSecret(token))
}
