package account

import (
	"context"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// Auth is an authenticated request's identity.
type Auth struct {
	Principal access.Principal
	// Token is the session secret (empty for API tokens); the service needs
	// it to upgrade or end the session.
	Token string
	// PendingMFA: the session may only complete its second factor (or
	// enrol one, for staff) and sign out.
	PendingMFA bool
}

var errNoSession = errs.E(errs.Unauthenticated, "sign in first")

// Authenticate turns a session or API token into a principal. ip and
// userAgent describe the request, for the audit log.
func (s *Service) Authenticate(ctx context.Context, token, ip, userAgent string) (Auth, error) {
	switch {
	case strings.HasPrefix(token, "vs_"):
		return s.authSession(ctx, token, ip, userAgent)
	case strings.HasPrefix(token, "vt_"):
		return s.authAPIToken(ctx, token, ip, userAgent)
	}
	return Auth{}, errNoSession
}

func (s *Service) authSession(ctx context.Context, token, ip, userAgent string) (Auth, error) {
	hash := HashSecret(token)
	row, err := s.store.Session(ctx, hash)
	if errs.Is(err, errs.NotFound) {
		return Auth{}, errNoSession
	} else if err != nil {
		return Auth{}, err
	}
	now := s.clk.Now()
	if now.Sub(row.LastSeenAt) > time.Minute {
		// One write a minute at most per session, not one per request.
		if err := s.store.TouchSession(ctx, hash, now); err != nil && !errs.Is(err, errs.NotFound) {
			return Auth{}, err
		}
	}
	p, err := s.principal(ctx, row.PrincipalKind, row.PrincipalID)
	if err != nil {
		return Auth{}, err
	}
	p.MFA, p.IP, p.UserAgent = row.MFAPassed, ip, userAgent
	return Auth{Principal: p, Token: token, PendingMFA: row.PendingMFA}, nil
}

func (s *Service) authAPIToken(ctx context.Context, token, ip, userAgent string) (Auth, error) {
	t, err := s.store.APIToken(ctx, HashSecret(token))
	if errs.Is(err, errs.NotFound) {
		return Auth{}, errNoSession
	} else if err != nil {
		return Auth{}, err
	}
	now := s.clk.Now()
	if now.Sub(t.LastUsedAt) > time.Minute {
		if err := s.store.TouchAPIToken(ctx, t.ID, now); err != nil && !errs.Is(err, errs.NotFound) {
			return Auth{}, err
		}
	}
	p, err := s.principal(ctx, access.KindUser, t.UserID)
	if err != nil {
		return Auth{}, err
	}
	p.IP, p.UserAgent = ip, userAgent
	return Auth{Principal: p}, nil
}

// principal builds a principal from stored facts, never from the request.
func (s *Service) principal(ctx context.Context, kind access.Kind, id string) (access.Principal, error) {
	switch kind {
	case access.KindUser:
		ms, err := s.store.Memberships(ctx, id)
		if err != nil {
			return access.Principal{}, err
		}
		return access.Principal{Kind: access.KindUser, ID: id, Memberships: ms}, nil
	case access.KindStaff:
		st, err := s.store.StaffAuth(ctx, id)
		if errs.Is(err, errs.NotFound) {
			return access.Principal{}, errNoSession
		} else if err != nil {
			return access.Principal{}, err
		}
		if st.Disabled {
			return access.Principal{}, errs.E(errs.Unauthenticated, "this staff account is disabled")
		}
		return access.Principal{Kind: access.KindStaff, ID: id, StaffRole: st.Role, TrainingValidUntil: st.TrainingValidUntil}, nil
	}
	return access.Principal{}, errNoSession
}
