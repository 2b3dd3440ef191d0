package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/config"
	"github.com/vigil-cloud/vigil/internal/httpapi"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// The per-address limit of credential endpoints counts an IPv6 client by
// its /64: one subscriber holds the whole /64 and cannot get a fresh quota
// by changing the low 64 bits; another /64, and every IPv4 address, has
// its own.
// proves: P6
func TestAddressLimitKeysIPv6On64(t *testing.T) {
	e := vigiltest.Start(t, func(c *config.Config) { c.Auth.AttemptsPerMinute = 3 })
	h := e.App.API.Handler()
	try := func(remote string) int {
		r := httptest.NewRequest("POST", "/api/v1/auth/login", strings.NewReader(`{"email":"x@example.com","password":"nope nope nope"}`))
		r.Header.Set("Content-Type", "application/json")
		r.RemoteAddr = remote
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	for i, addr := range []string{"2001:db8:7:8::1", "2001:db8:7:8:2:3:4:5", "2001:db8:7:8:ffff:ffff:ffff:ffff"} {
		if code := try("[" + addr + "]:4000"); code == http.StatusTooManyRequests {
			t.Fatalf("attempt %d of the /64 refused early", i+1)
		}
	}
	if code := try("[2001:db8:7:8::99]:4000"); code != http.StatusTooManyRequests {
		t.Errorf("a fourth attempt from another address of the same /64: %d, want 429", code)
	}
	if code := try("[2001:db8:7:9::1]:4000"); code == http.StatusTooManyRequests {
		t.Error("another /64 shares the quota")
	}
	for _, a := range []string{"198.51.100.1:1", "198.51.100.2:1", "198.51.100.3:1", "198.51.100.4:1"} {
		if code := try(a); code == http.StatusTooManyRequests {
			t.Errorf("IPv4 %s refused: each address has its own quota", a)
		}
	}
}

// Every route that makes vigil send mail or SMS is limited per account and
// per client address: an owner's fourth invitation within the hour is
// refused, a fourth SMS code too; one address asking resets for many
// mailboxes is refused past its quota (another address is not); and one
// mailbox gets at most its hourly share whatever addresses ask, with the
// same answer to the requester.
// proves: P6
func TestMessageRoutesRateLimited(t *testing.T) {
	e := vigiltest.Start(t, func(c *config.Config) {
		c.Auth.MessagesPerHour, c.Auth.MessagesPerAddress = 3, 5
	})
	owner := e.SignUp("bomb@example.com")
	invites := "/api/v1/accounts/" + owner.AccountID + "/invitations"
	for i := range 3 {
		owner.Must(http.StatusAccepted, "POST", invites, map[string]string{"email": "friend" + strconv.Itoa(i) + "@example.com", "role": "guest"})
	}
	if r := owner.Do("POST", invites, map[string]string{"email": "friend9@example.com", "role": "guest"}); r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Errorf("fourth invitation in the hour: %d %s", r.Status, r.Body)
	}
	e.Clock.Advance(time.Hour)
	owner.Must(http.StatusAccepted, "POST", invites, map[string]string{"email": "friend9@example.com", "role": "guest"})

	h := e.App.API.Handler()
	reset := func(remote, email string) int {
		r := httptest.NewRequest("POST", "/api/v1/auth/password-reset", strings.NewReader(`{"email":"`+email+`"}`))
		r.Header.Set("Content-Type", "application/json")
		r.RemoteAddr = remote
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	for i := range 5 {
		if code := reset("203.0.113.5:1000", "victim"+strconv.Itoa(i)+"@example.com"); code != http.StatusAccepted {
			t.Fatalf("reset %d: %d", i, code)
		}
	}
	if code := reset("203.0.113.5:1000", "victim9@example.com"); code != http.StatusTooManyRequests {
		t.Errorf("sixth reset from one address: %d, want 429", code)
	}
	// One mailbox, many addresses: the answer stays 202, the mails stop.
	for i := range 6 {
		if code := reset("198.51.100."+strconv.Itoa(10+i)+":1000", owner.Email); code != http.StatusAccepted {
			t.Fatalf("reset of the owner from address %d: %d", i, code)
		}
	}
	n := 0
	for _, m := range e.Mail.Messages() {
		if m.To == owner.Email && m.Subject == "Reset your vigil password" {
			n++
		}
	}
	if n != 3 {
		t.Errorf("%d reset mails reached one mailbox in an hour, want 3", n)
	}
}

// The list of message routes names real routes.
func TestMessageRoutesExist(t *testing.T) {
	e := vigiltest.Start(t)
	routes := map[string]bool{}
	for _, r := range e.App.API.Routes() {
		routes[r] = true
	}
	for _, r := range httpapi.MessageRoutes() {
		if !routes[r] {
			t.Errorf("message route %q is not a route", r)
		}
	}
}

// Refusals for size answer with the JSON error body like every other
// error: header fields past vigil's limit (431, before: the HTTP server's
// plain-text answer), and bodies past each route's limit (413).
// proves: P6
func TestSizeRefusalsAnswerJSON(t *testing.T) {
	e := vigiltest.Start(t)
	owner := e.SignUp("size@example.com")
	op := e.Operator()
	check := func(name string, status int, ct string, body []byte, want int) {
		t.Helper()
		var eb struct {
			Error struct{ Code, Message string }
		}
		if status != want || !strings.HasPrefix(ct, "application/json") || json.Unmarshal(body, &eb) != nil || eb.Error.Code == "" {
			t.Errorf("%s: %d %q %.200s", name, status, ct, body)
		}
	}
	for _, n := range []int{40 << 10, 200 << 10} {
		req, _ := http.NewRequest("GET", e.URL+"/api/v1/me", nil)
		req.Header.Set("X-Padding", strings.Repeat("p", n))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		check("header of "+strconv.Itoa(n>>10)+" KiB", res.StatusCode, res.Header.Get("Content-Type"), b, http.StatusRequestHeaderFieldsTooLarge)
	}
	for _, c := range []struct {
		name, method, path, ct string
		n                      int
		who                    *vigiltest.Client
	}{
		{"JSON body", "PATCH", "/api/v1/accounts/" + owner.AccountID, "application/json", 80 << 10, owner},
		{"manufacture list", "POST", "/api/v1/staff/devices/import", "text/csv", 3 << 20, op},
	} {
		r := c.who.DoType(c.method, c.path, c.ct, append([]byte(`{"name":"`), bytes.Repeat([]byte("a"), c.n)...))
		check(c.name, r.Status, r.Header.Get("Content-Type"), r.Body, http.StatusRequestEntityTooLarge)
	}
}
