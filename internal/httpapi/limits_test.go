package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vigil-cloud/vigil/internal/config"
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
