package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// bodies are valid requests for the routes that take one, so that a refusal
// comes from the tenant check and not from validation.
var bodies = map[string]any{
	"PATCH /api/v1/accounts/{accountID}":                  map[string]any{"name": "taken over"},
	"POST /api/v1/accounts/{accountID}/sites":             map[string]any{"name": "Barn", "time_zone": "UTC"},
	"PATCH /api/v1/accounts/{accountID}/sites/{siteID}":   map[string]any{"name": "Barn", "time_zone": "UTC"},
	"PATCH /api/v1/accounts/{accountID}/members/{userID}": map[string]any{"role": "guest"},
	"POST /api/v1/accounts/{accountID}/invitations":       map[string]any{"email": "mallory@example.com", "role": "guest"},
	"POST /api/v1/accounts/{accountID}/grants": map[string]any{"staff_role": "support_l1", "categories": []string{"account.profile"},
		"until": "2026-03-20T00:00:00Z", "ticket": "T-1", "reason": "taken over"},
	"POST /api/v1/accounts/{accountID}/pairing-tokens":             map[string]any{},
	"PATCH /api/v1/accounts/{accountID}/devices/{deviceID}":        map[string]any{"name": "taken over"},
	"PATCH /api/v1/accounts/{accountID}/devices/{deviceID}/shadow": map[string]any{"channel": 0, "version": 0, "desired": map[string]any{"fps": 5}},
	"POST /api/v1/accounts/{accountID}/shares": map[string]any{"email": "mallory@example.com", "devices": []string{"dev_aaaaaaaaaaaaaaaaaaaaaaaaaa"},
		"live": true, "until": "2026-03-20T00:00:00Z"},
	"POST /api/v1/accounts/{accountID}/transfers":                                      map[string]any{"recipient": "mallory", "reason": "taken over", "confirm": true},
	"POST /api/v1/accounts/{accountID}/transfers/{transferID}/complete":                map[string]any{},
	"POST /api/v1/accounts/{accountID}/devices/{deviceID}/channels/{channel}/playback": map[string]any{"from": "2026-03-01T00:00:00Z", "to": "2026-03-02T00:00:00Z"},
	"POST /api/v1/accounts/{accountID}/devices/{deviceID}/channels/{channel}/exports":  map[string]any{"from": "2026-03-01T00:00:00Z", "to": "2026-03-02T00:00:00Z"},
	"PUT /api/v1/accounts/{accountID}/devices/{deviceID}/channels/{channel}/recording": map[string]any{"mode": "off"},
	"PUT /api/v1/accounts/{accountID}/devices/{deviceID}/recording":                    map[string]any{"mode": "off"},
	"PUT /api/v1/accounts/{accountID}/recording":                                       map[string]any{"retention_days": 1},
	"POST /api/v1/accounts/{accountID}/alarm-rules":                                    map[string]any{"roles": []string{"owner"}},
	"PUT /api/v1/accounts/{accountID}/alarm-rules/{ruleID}":                            map[string]any{"roles": []string{"owner"}},
	"PUT /api/v1/accounts/{accountID}/alarm-quiet-hours":                               map[string]any{"start": "22:00", "end": "07:00"},
	"POST /api/v1/accounts/{accountID}/webhooks":                                       map[string]any{"url": "https://hooks.example.com/vigil"},
	"PUT /api/v1/accounts/{accountID}/sites/{siteID}/face":                             map[string]any{"lawful_basis": "consent"},
	"POST /api/v1/accounts/{accountID}/sites/{siteID}/face/people":                     map[string]any{"label": "x", "lawful_basis": "consent"},
	"PUT /api/v1/accounts/{accountID}/footage-requests/{hitID}":                        map[string]any{"release": true},
}

// Every route of a customer account, asked by a user of another account for
// that account's objects, answers 404 (existence does not leak) and leaves
// a denied entry in the victim account's access log.
// proves: P3
func TestCrossTenantRoutesAreNotFoundAndAudited(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		alice, bob := e.SignUp("alice@example.com"), e.SignUp("bob@example.com")
		var site account.Site
		bob.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+bob.AccountID+"/sites",
			map[string]string{"name": "Bob's barn", "time_zone": "UTC"}).Decode(t, &site)
		made := e.Operator().Manufacture("vc-100", 2)
		bob.Claim(made[0], "Bob's camera")
		// Alice knows the label of a device Bob has not claimed yet: even so
		// she cannot claim it into Bob's account.
		bodies["POST /api/v1/accounts/{accountID}/devices/claim"] = map[string]any{"serial": made[1].Serial, "claim_code": made[1].ClaimCode, "name": "x"}
		before := bob.Must(http.StatusOK, "GET", "/api/v1/accounts/"+bob.AccountID, nil).Body

		tried := 0
		for _, rt := range e.App.API.Routes() {
			method, path, _ := strings.Cut(rt, " ")
			if !strings.Contains(path, "{accountID}") || strings.HasPrefix(path, "/api/v1/staff/") {
				continue
			}
			url := strings.NewReplacer("{accountID}", bob.AccountID, "{siteID}", site.ID, "{userID}", bob.UserID, "{deviceID}", made[0].ID, "{channel}", "0",
				"{grantID}", "grt_aaaaaaaaaaaaaaaaaaaaaaaaaa", "{shareID}", "dsc_aaaaaaaaaaaaaaaaaaaaaaaaaa",
				"{transferID}", "dsc_aaaaaaaaaaaaaaaaaaaaaaaaaa", "{channel}", "0", "{alarmID}", "alm_aaaaaaaaaaaaaaaaaaaaaaaaaa",
				"{ruleID}", "arl_aaaaaaaaaaaaaaaaaaaaaaaaaa", "{webhookID}", "whk_aaaaaaaaaaaaaaaaaaaaaaaaaa",
				"{deliveryID}", "dlv_aaaaaaaaaaaaaaaaaaaaaaaaaa", "{personID}", "fpn_aaaaaaaaaaaaaaaaaaaaaaaaaa",
				"{hitID}", "fsh_aaaaaaaaaaaaaaaaaaaaaaaaaa", "{invitationID}", "inv_aaaaaaaaaaaaaaaaaaaaaaaaaa",
				"{requestID}", "grq_aaaaaaaaaaaaaaaaaaaaaaaaaa").Replace(path)
			r := alice.Do(method, url, bodies[rt])
			if r.Status != http.StatusNotFound || r.ErrorCode() != "not_found" {
				t.Errorf("%s as another tenant: %d %s, want 404", rt, r.Status, r.Body)
			}
			tried++
		}
		if tried < 10 {
			t.Fatalf("only %d account routes found; the route table changed?", tried)
		}
		after := bob.Must(http.StatusOK, "GET", "/api/v1/accounts/"+bob.AccountID, nil).Body
		if string(before) != string(after) {
			t.Fatalf("the other tenant changed the account: %s -> %s", before, after)
		}
		if m := mails(e, "mallory@example.com"); m != 0 {
			t.Fatalf("an invitation went out from another tenant's request")
		}

		var log struct {
			Entries []struct {
				ActorID  string `json:"actor_id"`
				Decision string `json:"decision"`
			}
		}
		bob.Must(http.StatusOK, "GET", "/api/v1/accounts/"+bob.AccountID+"/access-log?limit=500", nil).Decode(t, &log)
		denied := 0
		for _, en := range log.Entries {
			if en.ActorID == alice.UserID {
				if en.Decision != "deny" {
					t.Errorf("entry for the other tenant was %q", en.Decision)
				}
				denied++
			}
		}
		if denied < tried {
			t.Fatalf("%d denied attempts in the victim's access log, want at least %d", denied, tried)
		}
	})
}

func mails(e *vigiltest.Env, to string) int {
	n := 0
	for _, m := range e.Mail.Messages() {
		if m.To == to {
			n++
		}
	}
	return n
}
