package web_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/config"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
	"github.com/vigil-cloud/vigil/internal/web"
)

// The operator console in Chromium, end to end: the server's set-up link
// makes the first operator administrator, who registers a security key
// (Chromium's virtual authenticator over CDP) at first sign-in; they invite
// a DPO (four eyes: a second administrator, made from the console's link
// the same way, approves in their own browser) who must use a key
// under the operator's policy, and a support agent; they import a factory
// list after its row-by-row preview and roll firmware out to 10 %. A
// customer files two requests in the customer app; the DPO extends one
// with a reason and refuses the other on an enumerated ground after
// reading the letter, and the customer sees the letter. An authorised
// agent without an account asks through the public form and sends proof
// of identity and authority: nothing is released until the DPO verified
// them, then the answer is. The DPO records an authority's request in the
// disclosure ledger, finds it by authority and exports it; runs a
// retention dry run; reads statistics with no group under k; the operator
// sets the minimum app version. Staff of the wrong role, without a second
// factor or with lapsed training see neither the page nor the data. Every
// page is checked at 1280×800 and 390×844 for sideways scrolling, console
// errors and serious axe-core violations. A processor whose assessment
// runs out is shown as receiving nothing.
// proves: P3, P4, P5, R2, R3, R4, R5, R6
func TestConsoleInChromium(t *testing.T) {
	node, chromium, script := vigiltest.Browser(t, "console.mjs")
	// WebAuthn binds keys to the host of vigil's public address, and
	// Chromium lets a page use keys only on a secure origin: localhost on a
	// port chosen now, proxied to the test server.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	public := fmt.Sprintf("http://localhost:%d", ln.Addr().(*net.TCPAddr).Port)
	e := vigiltest.Start(t, func(c *config.Config) {
		c.PublicURL = public
		c.Auth.StaffWebAuthnRequired = true
	})
	target, _ := url.Parse(e.URL)
	proxy := &http.Server{Handler: httputil.NewSingleHostReverseProxy(target), ReadHeaderTimeout: 10 * time.Second}
	go proxy.Serve(ln)
	t.Cleanup(func() { proxy.Close() })

	helper := stepHelper(t, e, map[string]http.HandlerFunc{
		"/setup-link": func(w http.ResponseWriter, r *http.Request) {
			token, err := e.App.Accounts.IssueBootstrap(r.Context())
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			fmt.Fprint(w, token)
		},
		"/work-jobs": func(w http.ResponseWriter, r *http.Request) {
			// The package builder's worker, run now (the server runs it in
			// the background).
			n, err := e.App.Requests.WorkJobs(r.Context())
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			fmt.Fprint(w, n)
		},
		"/customer": func(w http.ResponseWriter, r *http.Request) {
			// A customer with an authenticator app (a request needs a fresh
			// second factor); the browser signs in as them.
			c := e.SignUp(r.URL.Query().Get("email"))
			var enrol account.TOTPEnrolment
			c.Must(http.StatusCreated, "POST", "/api/v1/me/mfa/totp", nil).Decode(t, &enrol)
			e.Clock.Advance(31 * time.Second)
			code, _ := account.TOTPCode(enrol.Secret, e.Clock.Now())
			c.Must(http.StatusOK, "POST", "/api/v1/me/mfa/totp/confirm", map[string]string{"code": code})
			fmt.Fprintf(w, "%s\n%s\n%s", c.Password, enrol.Secret, c.AccountID)
		},
	})
	runScript(t, node, chromium, script, 4*time.Minute, "console flow passed",
		"VIGIL_URL="+public, "HELPER_URL="+helper, "SHOTS="+screenshots(t, script))
}

// The console is a page of its own beside the customer app, on the same
// core and styles.
func TestConsoleServed(t *testing.T) {
	h := web.Handler()
	for path, want := range map[string]string{
		"/console.html":        `src="/console/main.js"`,
		"/console/main.js":     `from "../core/router.js"`,
		"/console/console.css": "header.top.console",
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "http://vigil.test"+path, nil))
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), want) {
			t.Errorf("GET %s: %d, body without %q", path, w.Code, want)
		}
	}
}
