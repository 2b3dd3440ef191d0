package account

import (
	"context"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// One-time token purposes of the links that lift a sign-in wait.
const (
	purposeUnlock      = "signin_unlock"
	purposeStaffUnlock = "staff_signin_unlock"
	unlockTTL          = 24 * time.Hour
)

// mailUnlock tells the owner of an account whose sign-ins now wait, with a
// link that lifts the wait. The address is the account's own, so nothing
// is told to whoever typed it.
func (s *Service) mailUnlock(ctx context.Context, kind access.Kind, id, typed string) {
	addr, err := normaliseEmail(typed)
	if err != nil {
		return
	}
	purpose := purposeUnlock
	if kind == access.KindStaff {
		purpose = purposeStaffUnlock
	}
	if err := s.store.SpendOneTimeTokens(ctx, purpose, id); err != nil {
		s.log.Error("unlock link not sent", "err", err)
		return
	}
	token, hash := newSecret("ul_")
	if err := s.store.CreateOneTimeToken(ctx, OneTimeToken{Hash: hash, Purpose: purpose, SubjectID: id, ExpiresAt: s.clk.Now().Add(unlockTTL)}); err != nil {
		s.log.Error("unlock link not sent", "err", err)
		return
	}
	s.send(ctx, addr, "Failed sign-ins to your vigil account",
		"Someone failed to sign in to your vigil account several times from one network, so sign-ins with your address "+
			"from there now wait a while. From any other network you sign in as usual.\n\n"+
			"If it was you, open this link within a day to lift the wait:\n\n"+s.link("unlock-signin", token)+"\n\n"+
			"If it was not you, your password held. Consider changing it, and turning on a second factor.\n")
}

// UnlockSignIn spends an unlock link: every wait on the account's address,
// from every network, is lifted.
func (s *Service) UnlockSignIn(ctx context.Context, token string) error {
	kind := access.KindUser
	t, err := s.store.UseOneTimeToken(ctx, HashSecret(token), purposeUnlock)
	if errs.Is(err, errs.NotFound) {
		kind = access.KindStaff
		t, err = s.store.UseOneTimeToken(ctx, HashSecret(token), purposeStaffUnlock)
	}
	if err != nil {
		return err
	}
	var email string
	if kind == access.KindUser {
		u, err := s.userForAuth(ctx, t.SubjectID)
		if err != nil {
			return err
		}
		email = s.openSubject(ctx, u.ID, "users.email_sealed", u.EmailSealed)
	} else {
		d, err := s.check(ctx, access.System("sign-in"), access.Read, self(datamap.StaffProfile, t.SubjectID), datamap.PurposeService)
		if err != nil {
			return err
		}
		r, err := s.store.Staff(ctx, d, t.SubjectID)
		if err != nil {
			return err
		}
		email = s.openSubject(ctx, r.ID, "staff.email_sealed", r.EmailSealed)
	}
	key, err := s.signInKey(ctx, kind, email, "")
	if err != nil {
		return err
	}
	return s.store.ClearSignInFailures(ctx, key.email, nil)
}
