package httpapi_test

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// openStream opens a server-sent event stream with a credential (a cookie
// or a bearer token) and returns a channel closed when the server ends it.
func openStream(t *testing.T, e *vigiltest.Env, path string, cred func(*http.Request)) <-chan struct{} {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", e.URL+path, nil)
	cred(req)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("stream %s: %d", path, res.StatusCode)
	}
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
		}
	}()
	return ended
}

func endsWithin(t *testing.T, what string, ended <-chan struct{}, d time.Duration) {
	t.Helper()
	select {
	case <-ended:
	case <-time.After(d):
		t.Errorf("%s: the stream is still open after %s", what, d)
	}
}

// Server-sent event streams end with what opened them: the feed with its
// session (signed out) or its API token (revoked), the grant-use stream
// when its watcher is removed from the account. Before, a stream opened
// once ran on until the client left.
// proves: P3
func TestEventStreamsEndWithSession(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		owner := e.SignUp("sse@example.com")

		// A session: sign in by hand to hold the cookie.
		login, _ := http.NewRequest("POST", e.URL+"/api/v1/auth/login", strings.NewReader(`{"email":"`+owner.Email+`","password":"`+owner.Password+`"}`))
		login.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(login)
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("login: %v %v", err, res.StatusCode)
		}
		res.Body.Close()
		cookies := res.Cookies()
		withCookie := func(r *http.Request) {
			for _, c := range cookies {
				r.AddCookie(c)
			}
		}
		feed := openStream(t, e, "/api/v1/me/feed", withCookie)
		select {
		case <-feed:
			t.Fatal("the feed ended at once")
		case <-time.After(2500 * time.Millisecond):
		}
		out, _ := http.NewRequest("POST", e.URL+"/api/v1/auth/logout", nil)
		withCookie(out)
		out.Header.Set("Origin", e.URL)
		if res, err := http.DefaultClient.Do(out); err != nil || res.StatusCode != http.StatusNoContent {
			t.Fatalf("logout: %v", err)
		}
		endsWithin(t, "feed after sign-out", feed, 5*time.Second)

		// An API token.
		var tok account.APIToken
		owner.Must(http.StatusCreated, "POST", "/api/v1/me/tokens", map[string]any{"label": "feed", "ttl_days": 1}).Decode(t, &tok)
		bearerFeed := openStream(t, e, "/api/v1/me/feed", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok.Secret) })
		owner.Must(http.StatusNoContent, "DELETE", "/api/v1/me/tokens/"+tok.ID, nil)
		endsWithin(t, "feed after the token was revoked", bearerFeed, 5*time.Second)

		// The grant-use stream of an admin removed from the account.
		admin := joined(t, e, owner, "watcher@example.com", "admin")
		var at account.APIToken
		admin.Must(http.StatusCreated, "POST", "/api/v1/me/tokens", map[string]any{"label": "watch", "ttl_days": 1}).Decode(t, &at)
		uses := openStream(t, e, "/api/v1/accounts/"+owner.AccountID+"/grants/stream", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+at.Secret) })
		owner.Must(http.StatusNoContent, "DELETE", "/api/v1/accounts/"+owner.AccountID+"/members/"+admin.UserID, nil)
		endsWithin(t, "grant-use stream after the watcher left the account", uses, 5*time.Second)
	})
}
