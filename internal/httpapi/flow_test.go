package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

func TestSignUpConfirmSignInSignOut(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		c := e.SignUp("ann@example.com")
		var me account.User
		c.Must(http.StatusOK, "GET", "/api/v1/me", nil).Decode(t, &me)
		if me.Email != "ann@example.com" || !me.EmailVerified || me.Name != "Owner ann" {
			t.Fatalf("profile after sign-up: %+v", me)
		}
		name := "Ann B."
		c.Must(http.StatusOK, "PATCH", "/api/v1/me", map[string]any{"name": name})
		c.Must(http.StatusOK, "GET", "/api/v1/me", nil).Decode(t, &me)
		if me.Name != name {
			t.Fatalf("name after correction: %q", me.Name)
		}
		var acct account.Account
		c.Must(http.StatusOK, "GET", "/api/v1/accounts/"+c.AccountID, nil).Decode(t, &acct)
		if acct.Name != "Home of ann@example.com" || acct.Region != "EU" {
			t.Fatalf("account: %+v", acct)
		}
		c.Must(http.StatusNoContent, "POST", "/api/v1/auth/logout", nil)
		if r := c.Do("GET", "/api/v1/me", nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("after sign-out: %d %s", r.Status, r.Body)
		}
	})
}

func TestSignInNeedsConfirmedAddress(t *testing.T) {
	e := vigiltest.Start(t)
	c := e.Client()
	c.Must(http.StatusAccepted, "POST", "/api/v1/auth/signup", map[string]string{
		"email": "bob@example.com", "password": vigiltest.DefaultPassword, "name": "Bob", "account_name": "Shop", "region": "US"})
	r := c.Do("POST", "/api/v1/auth/login", map[string]string{"email": "bob@example.com", "password": vigiltest.DefaultPassword})
	if r.Status != http.StatusForbidden || !strings.Contains(string(r.Body), "confirm your e-mail") {
		t.Fatalf("unconfirmed sign-in: %d %s", r.Status, r.Body)
	}
}
