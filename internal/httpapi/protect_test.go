package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/config"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// Failed sign-ins lock nothing and reveal nothing: for an address with an
// account and one without, the answers are the same (401 five times, then
// 429 with the same message); the wait applies to that address from that
// network only, so the owner signs in from another network at once; the
// owner (and only the owner) is e-mailed a link that lifts the wait; the
// wait grows with each further failure. Before, a real account answered
// 423 after five failures while an unknown one answered 401 forever, and
// the owner was locked out everywhere.
// proves: P6, U-H
func TestFailedSignInsRevealNothing(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		owner := e.SignUp("dan@example.com")
		h := e.App.API.Handler()
		try := func(remote, email, password string) (int, string) {
			r := httptest.NewRequest("POST", "/api/v1/auth/login", strings.NewReader(`{"email":"`+email+`","password":"`+password+`"}`))
			r.Header.Set("Content-Type", "application/json")
			r.RemoteAddr = remote
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			return w.Code, w.Body.String()
		}
		const attacker, home = "[2001:db8:bad:1::7]:5000", "198.51.100.20:6000"
		var answers [2][]string
		for i, email := range []string{owner.Email, "nobody@example.com"} {
			for n := range 6 {
				code, body := try(attacker, email, "guess number "+string(rune('a'+n)))
				answers[i] = append(answers[i], strconv.Itoa(code)+" "+body)
			}
		}
		for n := range answers[0] {
			if answers[0][n] != answers[1][n] {
				t.Errorf("attempt %d: real account %q, unknown %q", n+1, answers[0][n], answers[1][n])
			}
		}
		if !strings.HasPrefix(answers[0][4], "401") || !strings.HasPrefix(answers[0][5], "429") {
			t.Fatalf("answers: %q", answers[0])
		}
		// The owner is not locked out: from another network at once; from
		// the attacker's network not even with the right password.
		if code, body := try(attacker, owner.Email, owner.Password); code != http.StatusTooManyRequests {
			t.Errorf("right password from the waiting network: %d %s", code, body)
		}
		if code, body := try(home, owner.Email, owner.Password); code != http.StatusOK {
			t.Fatalf("owner from home: %d %s", code, body)
		}
		// The wait grows with each failure past the threshold.
		e.Clock.Advance(15*time.Minute + time.Second)
		if code, _ := try(attacker, owner.Email, "another guess"); code != http.StatusUnauthorized {
			t.Fatalf("after the first wait: %d", code)
		}
		e.Clock.Advance(16 * time.Minute)
		if code, _ := try(attacker, owner.Email, owner.Password); code != http.StatusTooManyRequests {
			t.Fatalf("the second wait should last 30 minutes: %d", code)
		}
		// The owner's unlock link lifts the wait.
		token := e.Mail.Wait(t, owner.Email, "Failed sign-ins").Token(t)
		e.Client().Must(http.StatusOK, "POST", "/api/v1/auth/unlock", map[string]string{"token": token})
		if code, body := try(attacker, owner.Email, owner.Password); code != http.StatusOK {
			t.Fatalf("after the unlock link: %d %s", code, body)
		}
		for _, m := range e.Mail.Messages() {
			if m.To == "nobody@example.com" {
				t.Errorf("mail sent to an address without an account: %s", m.Subject)
			}
		}
		if strings.Contains(strings.Join(answers[0], ""), "locked") {
			t.Error("an answer says the account is locked")
		}
	})
}

// One address gets only so many attempts a minute on credential routes,
// whichever accounts it tries.
// proves: P6
func TestCredentialRoutesRateLimited(t *testing.T) {
	e := vigiltest.Start(t, func(c *config.Config) { c.Auth.AttemptsPerMinute = 5 })
	c := e.Client()
	for i := range 5 {
		r := c.Do("POST", "/api/v1/auth/login", map[string]string{"email": "x" + string(rune('a'+i)) + "@example.com", "password": "whatever-password"})
		if r.Status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i, r.Status)
		}
	}
	r := c.Do("POST", "/api/v1/auth/password-reset", map[string]string{"email": "y@example.com"})
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("sixth attempt: %d %s", r.Status, r.Body)
	}
	e.Clock.Advance(time.Minute)
	if r := c.Do("POST", "/api/v1/auth/login", map[string]string{"email": "z@example.com", "password": "whatever-password"}); r.Status != http.StatusUnauthorized {
		t.Fatalf("after a minute: %d", r.Status)
	}
}

// A fresh vigil has no user and no staff account, so no default credential
// opens anything; the first administrator needs the one-time set-up token.
// proves: P6
func TestNoDefaultCredentials(t *testing.T) {
	e := vigiltest.Start(t)
	c := e.Client()
	for _, cred := range [][2]string{{"admin", "admin"}, {"admin@vigil.test", "admin"}, {"root@localhost", "password"}, {"admin@example.com", "1234567890"}} {
		for _, route := range []string{"/api/v1/auth/login", "/api/v1/staff/auth/login"} {
			if r := c.Do("POST", route, map[string]string{"email": cred[0], "password": cred[1]}); r.Status != http.StatusUnauthorized {
				t.Errorf("%s with %s: %d %s", route, cred[0], r.Status, r.Body)
			}
		}
	}
	need, err := e.App.Accounts.NeedsBootstrap(t.Context())
	if err != nil || !need {
		t.Fatalf("a fresh vigil already has staff: %v %v", need, err)
	}
	r := c.Do("POST", "/api/v1/staff/bootstrap", map[string]any{"token": "su_guessed", "email": "me@vigil.test", "name": "Me",
		"password": "a long enough password", "training_valid_until": e.Clock.Now().AddDate(1, 0, 0)})
	if r.Status != http.StatusNotFound {
		t.Fatalf("bootstrap with a guessed token: %d %s", r.Status, r.Body)
	}
	// The real token works once.
	op := e.Operator()
	if r := op.Do("GET", "/api/v1/staff/me", nil); r.Status != http.StatusOK {
		t.Fatalf("operator: %d", r.Status)
	}
}

func TestSecondFactorForCustomers(t *testing.T) {
	e := vigiltest.Start(t)
	c := e.SignUp("erin@example.com")
	c.EnrolTOTP()
	c.Must(http.StatusNoContent, "POST", "/api/v1/auth/logout", nil)

	r := c.Must(http.StatusOK, "POST", "/api/v1/auth/login", map[string]string{"email": c.Email, "password": c.Password})
	if r.JSON()["mfa_required"] != true {
		t.Fatalf("sign-in with an authenticator: %s", r.Body)
	}
	if r := c.Do("GET", "/api/v1/me", nil); r.Status != http.StatusForbidden || r.ErrorCode() != "mfa_required" {
		t.Fatalf("before the code: %d %s", r.Status, r.Body)
	}
	// A pending session cannot replace the authenticator.
	if r := c.Do("POST", "/api/v1/me/mfa/totp", nil); r.Status != http.StatusForbidden {
		t.Fatalf("re-enrolling from a pending session: %d %s", r.Status, r.Body)
	}
	if r := c.Do("POST", "/api/v1/auth/mfa", map[string]string{"code": "000000"}); r.Status != http.StatusUnauthorized {
		t.Fatalf("wrong code: %d %s", r.Status, r.Body)
	}
	code := c.TOTP()
	c.Must(http.StatusOK, "POST", "/api/v1/auth/mfa", map[string]string{"code": code})
	c.Must(http.StatusOK, "GET", "/api/v1/me", nil)

	// The same code cannot be used twice.
	c2 := e.Client()
	c2.Must(http.StatusOK, "POST", "/api/v1/auth/login", map[string]string{"email": c.Email, "password": c.Password})
	if r := c2.Do("POST", "/api/v1/auth/mfa", map[string]string{"code": code}); r.Status == http.StatusOK {
		t.Fatalf("replayed code accepted")
	}

	// Removing the authenticator needs a current code from it.
	if r := c.Do("DELETE", "/api/v1/me/mfa/totp", map[string]string{"code": "123456"}); r.Status != http.StatusUnauthorized {
		t.Fatalf("removal with a wrong code: %d %s", r.Status, r.Body)
	}
	c.Must(http.StatusNoContent, "DELETE", "/api/v1/me/mfa/totp", map[string]string{"code": c.TOTP()})
	c.Must(http.StatusNoContent, "POST", "/api/v1/auth/logout", nil)
	if r := c.Must(http.StatusOK, "POST", "/api/v1/auth/login", map[string]string{"email": c.Email, "password": c.Password}); r.JSON()["mfa_required"] == true {
		t.Fatal("second factor still asked after removal")
	}
}

func TestSessionCookieAndHeaders(t *testing.T) {
	e := vigiltest.Start(t)
	c := e.SignUp("fay@example.com")
	r := c.Must(http.StatusOK, "POST", "/api/v1/auth/login", map[string]string{"email": c.Email, "password": c.Password})
	cookie := r.Header.Get("Set-Cookie")
	for _, want := range []string{"vigil_session=vs_", "HttpOnly", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("session cookie %q lacks %s", cookie, want)
		}
	}
	for h, want := range map[string]string{
		"Content-Security-Policy": "frame-ancestors 'none'",
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Cache-Control":           "no-store",
		"Referrer-Policy":         "no-referrer",
	} {
		if !strings.Contains(r.Header.Get(h), want) {
			t.Errorf("header %s = %q, want %q", h, r.Header.Get(h), want)
		}
	}
	if r.Header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS sent over plain HTTP")
	}
	// A browser request from another site carrying the cookie is refused.
	req, _ := http.NewRequest("PATCH", e.URL+"/api/v1/me", strings.NewReader(`{"name":"evil"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	for _, ck := range (&http.Response{Header: http.Header{"Set-Cookie": r.Header.Values("Set-Cookie")}}).Cookies() {
		req.AddCookie(ck)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site request: %d", res.StatusCode)
	}
	var me struct{ Name string }
	c.Must(http.StatusOK, "GET", "/api/v1/me", nil).Decode(t, &me)
	if me.Name == "evil" {
		t.Fatal("cross-site request changed the profile")
	}
}

// Sign-up and password reset answer the same way whether or not an address
// has an account, so strangers cannot learn who is a customer.
func TestNoAccountEnumeration(t *testing.T) {
	e := vigiltest.Start(t)
	e.SignUp("gil@example.com")
	c := e.Client()
	body := map[string]any{"email": "gil@example.com", "password": "another long password", "name": "Not Gil", "account_name": "X", "region": "EU", "accepted": e.Shown()}
	known := c.Must(http.StatusAccepted, "POST", "/api/v1/auth/signup", body)
	body["email"] = "nobody@example.com"
	unknown := c.Must(http.StatusAccepted, "POST", "/api/v1/auth/signup", body)
	if string(known.Body) != string(unknown.Body) {
		t.Fatalf("sign-up answers differ: %s vs %s", known.Body, unknown.Body)
	}
	e.Mail.Wait(t, "gil@example.com", "tried to sign up")
	a := c.Must(http.StatusAccepted, "POST", "/api/v1/auth/password-reset", map[string]string{"email": "gil@example.com"})
	b := c.Must(http.StatusAccepted, "POST", "/api/v1/auth/password-reset", map[string]string{"email": "none@example.com"})
	if string(a.Body) != string(b.Body) {
		t.Fatalf("reset answers differ")
	}
	wrongUser := c.Do("POST", "/api/v1/auth/login", map[string]string{"email": "none@example.com", "password": "whatever-password"})
	wrongPass := c.Do("POST", "/api/v1/auth/login", map[string]string{"email": "gil@example.com", "password": "whatever-password"})
	if wrongUser.Status != wrongPass.Status || string(wrongUser.Body) != string(wrongPass.Body) {
		t.Fatalf("sign-in answers differ: %s vs %s", wrongUser.Body, wrongPass.Body)
	}
}

func TestPasswordResetEndsSessions(t *testing.T) {
	e := vigiltest.Start(t)
	c := e.SignUp("hal@example.com")
	other := e.Client()
	other.Email, other.Password = c.Email, c.Password
	other.Login()
	anon := e.Client()
	anon.Must(http.StatusAccepted, "POST", "/api/v1/auth/password-reset", map[string]string{"email": c.Email})
	token := e.Mail.Wait(t, c.Email, "Reset").Token(t)
	anon.Must(http.StatusOK, "POST", "/api/v1/auth/password-reset/confirm", map[string]string{"token": token, "password": "a brand new passphrase"})
	if r := anon.Do("POST", "/api/v1/auth/password-reset/confirm", map[string]string{"token": token, "password": "and again a new one"}); r.Status != http.StatusNotFound {
		t.Fatalf("reset token reused: %d", r.Status)
	}
	for _, cl := range []*vigiltest.Client{c, other} {
		if r := cl.Do("GET", "/api/v1/me", nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("session survived a password reset: %d", r.Status)
		}
	}
	c.Password = "a brand new passphrase"
	c.Login()
}

// Over HTTPS the session cookie is Secure and host-only (__Host- prefix),
// and every response carries HSTS.
// proves: P2
func TestSessionCookieOverTLS(t *testing.T) {
	e := vigiltest.Start(t, func(c *config.Config) { c.TLS.SelfSigned = true })
	if !strings.HasPrefix(e.URL, "https://") {
		t.Fatalf("test server is not HTTPS: %s", e.URL)
	}
	c := e.SignUp("tls@example.com")
	r := c.Must(http.StatusOK, "POST", "/api/v1/auth/login", map[string]string{"email": c.Email, "password": c.Password})
	cookie := r.Header.Get("Set-Cookie")
	for _, want := range []string{"__Host-vigil_session=vs_", "Secure", "HttpOnly", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("cookie %q lacks %s", cookie, want)
		}
	}
	if !strings.Contains(r.Header.Get("Strict-Transport-Security"), "max-age=63072000") {
		t.Errorf("HSTS: %q", r.Header.Get("Strict-Transport-Security"))
	}
	c.Must(http.StatusOK, "GET", "/api/v1/me", nil)
}
