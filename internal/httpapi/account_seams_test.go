package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// joined invites email into owner's account with role and returns the
// signed-in person.
func joined(t *testing.T, e *vigiltest.Env, owner *vigiltest.Client, email, role string) *vigiltest.Client {
	t.Helper()
	c := e.SignUp(email)
	owner.Must(http.StatusAccepted, "POST", "/api/v1/accounts/"+owner.AccountID+"/invitations", map[string]string{"email": email, "role": role})
	c.Must(http.StatusOK, "POST", "/api/v1/invitations/accept", map[string]string{"token": e.Mail.Wait(t, email, "invited").Token(t)})
	c.AccountID = owner.AccountID
	return c
}

// An admin manages members but never the people above them: demoting or
// removing an owner takes an owner.
// proves: P3
func TestAdminCannotTouchOwner(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		owner := e.SignUp("own@example.com")
		admin := joined(t, e, owner, "adm@example.com", "admin")
		co := joined(t, e, owner, "co@example.com", "member")
		acct := "/api/v1/accounts/" + owner.AccountID
		owner.Must(http.StatusNoContent, "PATCH", acct+"/members/"+co.UserID, map[string]string{"role": "owner"})
		for _, target := range []*vigiltest.Client{owner, co} {
			admin.Must(http.StatusForbidden, "PATCH", acct+"/members/"+target.UserID, map[string]string{"role": "guest"})
			admin.Must(http.StatusForbidden, "DELETE", acct+"/members/"+target.UserID, nil)
		}
		// Owners change owners.
		owner.Must(http.StatusNoContent, "PATCH", acct+"/members/"+co.UserID, map[string]string{"role": "member"})
		admin.Must(http.StatusNoContent, "PATCH", acct+"/members/"+co.UserID, map[string]string{"role": "guest"})
	})
}

// A password reset or change ends the API tokens made under the old
// password (a thief's scripts stop), and only the latest reset link works:
// asking again voids the earlier mails, and using one voids the rest.
// proves: P6, U-H
func TestPasswordResetRevokesTokensAndOlderLinks(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		u := e.SignUp("reset@example.com")
		var tok account.APIToken
		u.Must(http.StatusCreated, "POST", "/api/v1/me/tokens", map[string]any{"label": "script", "ttl_days": 30}).Decode(t, &tok)
		script := e.Client()
		script.Bearer = tok.Secret
		script.Must(http.StatusOK, "GET", "/api/v1/me", nil)

		anon := e.Client()
		resetLink := func() string {
			anon.Must(http.StatusAccepted, "POST", "/api/v1/auth/password-reset", map[string]string{"email": u.Email})
			var last string
			for _, m := range e.Mail.Messages() {
				if m.To == u.Email && m.Subject == "Reset your vigil password" {
					last = m.Token(t)
				}
			}
			return last
		}
		first := resetLink()
		second := resetLink()
		anon.Must(http.StatusNotFound, "POST", "/api/v1/auth/password-reset/confirm", map[string]string{"token": first, "password": "an entirely new passphrase"})
		third := resetLink()
		anon.Must(http.StatusNotFound, "POST", "/api/v1/auth/password-reset/confirm", map[string]string{"token": second, "password": "an entirely new passphrase"})
		anon.Must(http.StatusOK, "POST", "/api/v1/auth/password-reset/confirm", map[string]string{"token": third, "password": "an entirely new passphrase"})
		script.Must(http.StatusUnauthorized, "GET", "/api/v1/me", nil)

		// A change of password does the same.
		u.Password = "an entirely new passphrase"
		u.Login()
		u.Must(http.StatusCreated, "POST", "/api/v1/me/tokens", map[string]any{"label": "script 2", "ttl_days": 30}).Decode(t, &tok)
		script.Bearer = tok.Secret
		script.Must(http.StatusOK, "GET", "/api/v1/me", nil)
		u.Must(http.StatusOK, "POST", "/api/v1/me/password", map[string]string{"current_password": u.Password, "new_password": "yet another fresh passphrase"})
		script.Must(http.StatusUnauthorized, "GET", "/api/v1/me", nil)
	})
}

// Names people give are normalised and refused when they hold what a
// reader cannot see: a right-to-left override in a person's name, a
// zero-width space in a device's, a bidi isolate in a site's.
// proves: P6
func TestNamesAreCleaned(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		owner := e.SignUp("names@example.com")
		owner.Must(http.StatusBadRequest, "PATCH", "/api/v1/me", map[string]string{"name": "Alice\u202Eecila"})
		var me account.User
		owner.Must(http.StatusOK, "PATCH", "/api/v1/me", map[string]string{"name": "  Ａｌｉｃｅ   Smith "}).Decode(t, &me)
		if me.Name != "Alice Smith" {
			t.Errorf("name stored as %q", me.Name)
		}
		acct := "/api/v1/accounts/" + owner.AccountID
		owner.Must(http.StatusBadRequest, "POST", acct+"/sites", map[string]string{"name": "Shop\u2066", "time_zone": "UTC"})
		owner.Must(http.StatusBadRequest, "PATCH", acct, map[string]string{"name": "Home\u200B"})
		made := e.Operator().Manufacture("vc-100", 1)
		owner.Must(http.StatusBadRequest, "POST", acct+"/devices/claim", map[string]any{"serial": made[0].Serial, "claim_code": made[0].ClaimCode, "name": "Door\u200Bcam"})
		cred := owner.Claim(made[0], "Door")
		owner.Must(http.StatusBadRequest, "PATCH", acct+"/devices/"+cred.DeviceID, map[string]string{"name": "Door\u202Ecam"})
	})
}
