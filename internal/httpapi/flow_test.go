package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/store"
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
	c.Must(http.StatusAccepted, "POST", "/api/v1/auth/signup", map[string]any{
		"email": "bob@example.com", "password": vigiltest.DefaultPassword, "name": "Bob", "account_name": "Shop", "region": "US", "accepted": e.Shown()})
	r := c.Do("POST", "/api/v1/auth/login", map[string]string{"email": "bob@example.com", "password": vigiltest.DefaultPassword})
	if r.Status != http.StatusForbidden || !strings.Contains(string(r.Body), "confirm your e-mail") {
		t.Fatalf("unconfirmed sign-in: %d %s", r.Status, r.Body)
	}
}

func TestAPITokens(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		c := e.SignUp("rae@example.com")
		var tok account.APIToken
		c.Must(http.StatusCreated, "POST", "/api/v1/me/tokens", map[string]any{"label": "backup script", "ttl_days": 30}).Decode(t, &tok)
		if !strings.HasPrefix(tok.Secret, "vt_") || tok.Label != "backup script" {
			t.Fatalf("token: %+v", tok)
		}
		// Only the hash is stored.
		var n int
		err := e.App.DB.Read(t.Context(), func(tx *store.Tx) error {
			return tx.QueryRow(t.Context(), `SELECT COUNT(*) FROM api_tokens WHERE token_hash = ?`, account.HashSecret(tok.Secret)).Scan(&n)
		})
		if err != nil || n != 1 {
			t.Fatalf("stored token hash: %d %v", n, err)
		}
		script := e.Client()
		script.Bearer = tok.Secret
		script.Must(http.StatusOK, "GET", "/api/v1/accounts/"+c.AccountID, nil)
		var list struct{ Tokens []account.APIToken }
		c.Must(http.StatusOK, "GET", "/api/v1/me/tokens", nil).Decode(t, &list)
		if len(list.Tokens) != 1 || list.Tokens[0].Secret != "" || list.Tokens[0].LastUsedAt.IsZero() {
			t.Fatalf("listed tokens: %+v", list.Tokens)
		}
		c.Must(http.StatusNoContent, "DELETE", "/api/v1/me/tokens/"+tok.ID, nil)
		if r := script.Do("GET", "/api/v1/accounts/"+c.AccountID, nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("revoked token: %d", r.Status)
		}
		// Expired tokens stop working.
		c.Must(http.StatusCreated, "POST", "/api/v1/me/tokens", map[string]any{"label": "short", "ttl_days": 1}).Decode(t, &tok)
		script.Bearer = tok.Secret
		script.Must(http.StatusOK, "GET", "/api/v1/me", nil)
		e.Clock.Advance(25 * time.Hour)
		if r := script.Do("GET", "/api/v1/me", nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("expired token: %d", r.Status)
		}
	})
}

func TestSessionsListAndEnd(t *testing.T) {
	e := vigiltest.Start(t)
	phone := e.SignUp("sue@example.com")
	laptop := e.Client()
	laptop.Email, laptop.Password = phone.Email, phone.Password
	laptop.Login()
	var ss struct{ Sessions []account.SessionInfo }
	laptop.Must(http.StatusOK, "GET", "/api/v1/me/sessions", nil).Decode(t, &ss)
	if len(ss.Sessions) != 2 {
		t.Fatalf("sessions: %+v", ss.Sessions)
	}
	var other string
	for _, s := range ss.Sessions {
		if s.IP != "127.0.0.1" || s.UserAgent == "" {
			t.Errorf("session details: %+v", s)
		}
		if !s.Current {
			other = s.ID
		}
	}
	laptop.Must(http.StatusNoContent, "DELETE", "/api/v1/me/sessions/"+other, nil)
	if r := phone.Do("GET", "/api/v1/me", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("ended session still works: %d", r.Status)
	}
	laptop.Must(http.StatusOK, "GET", "/api/v1/me", nil)
	if r := laptop.Do("DELETE", "/api/v1/me/sessions/0000000000000000", nil); r.Status != http.StatusNotFound {
		t.Fatalf("unknown session: %d", r.Status)
	}
	// Sessions expire.
	e.Clock.Advance(15 * 24 * time.Hour)
	if r := laptop.Do("GET", "/api/v1/me", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("expired session: %d", r.Status)
	}
}
