package notify_test

import (
	"net/http"
	"testing"

	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// Webhook and push targets given as addresses in a special-purpose range
// are refused when they are registered (a name is checked again at each
// connection, see internal/safedial): shared address space, benchmarking,
// IETF protocol assignments, reserved space, NAT64, deprecated site-local,
// IPv4-mapped private addresses, not only RFC 1918. Before, only private,
// loopback, link-local, unspecified and multicast were.
// proves: P6
func TestWebhookTargetsRefuseSpecialRanges(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		owner := e.SignUp("hooks@example.com")
		hooks := "/api/v1/accounts/" + owner.AccountID + "/webhooks"
		for _, host := range []string{"100.64.0.1", "198.18.0.1", "192.0.0.170", "240.0.0.1", "[64:ff9b::a00:1]", "[fec0::1]",
			"[::ffff:10.0.0.1]", "[2001:db8::1]", "[fd00::1]", "169.254.169.254", "203.0.113.5"} {
			if r := owner.Do("POST", hooks, map[string]any{"url": "https://" + host + "/hook"}); r.Status != http.StatusBadRequest {
				t.Errorf("webhook to %s: %d %s", host, r.Status, r.Body)
			}
		}
		owner.Must(http.StatusCreated, "POST", hooks, map[string]any{"url": "https://hooks.example.com/vigil"})
	})
}
