package device_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/privacy"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

var deviceCategories = []string{"device.info", "device.credential", "device.event", "device.config", "device.error_report", "net.ip", "log.access"}

// fill has a device of the client's account report a little of
// everything, with a marker in each place a person could recognise.
func fill(t *testing.T, e *vigiltest.Env, c *vigiltest.Client, m vigiltest.Made, marker string) {
	t.Helper()
	c.Claim(m, "cam of "+marker)
	c.Must(http.StatusOK, "PATCH", "/api/v1/accounts/"+c.AccountID+"/devices/"+m.ID, map[string]any{"send_error_details": true})
	for _, msg := range [][2]string{
		{"info", `{"firmware_version":"1.0.0","time_zone":"Europe/Lisbon"}`},
		{"event", `{"kind":"crash","code":"C-` + marker + `"}`},
		{"report", `{"kind":"crash","body":"trace of ` + marker + `"}`},
		{"shadow/reported", `{"reported":{"osd":{"text":"` + marker + `"}}}`},
	} {
		if err := ingest(t, e, m.ID, msg[0], msg[1]); err != nil {
			t.Fatalf("%s: %v", msg[0], err)
		}
	}
	cred, err := e.App.Devices.Authenticate(t.Context(), m.ID, "vdk_none")
	if err == nil {
		t.Fatalf("authenticated with a made-up secret: %+v", cred)
	}
}

// An access request covers what the requester's devices reported and their
// own app access log, and nothing of another customer's devices; a
// deletion request for the device categories releases the devices and
// erases what they reported.
// proves: R1
func TestDeviceDataInRequests(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		made := e.Operator().Manufacture("vc-100", 2)
		ann, bob := e.SignUp("ann@example.com"), e.SignUp("bob@example.com")
		fill(t, e, ann, made[0], "ANNMARK")
		fill(t, e, bob, made[1], "BOBMARK")
		if err := e.App.Devices.Connected(t.Context(), identity(made[0].ID, ann.AccountID), "203.0.113.77"); err != nil {
			t.Fatal(err)
		}
		if err := e.App.Devices.Connected(t.Context(), identity(made[1].ID, bob.AccountID), "192.0.2.99"); err != nil {
			t.Fatal(err)
		}
		ann.WithMFA()
		dpo := e.StaffMember("dpo@vigil.test", access.StaffDPO)

		var req privacy.Request
		ann.Must(http.StatusCreated, "POST", "/api/v1/me/privacy-requests", map[string]any{"kind": "access", "region": "eu",
			"scope": map[string]any{"categories": deviceCategories}}).Decode(t, &req)
		dpo.Must(http.StatusAccepted, "POST", "/api/v1/staff/privacy-requests/"+req.ID+"/grant", nil)
		e.Mail.Wait(t, "ann@example.com", "Our answer")
		files := vigiltest.Unzip(t, ann.Must(http.StatusOK, "GET", "/api/v1/me/privacy-requests/"+req.ID+"/package", nil).Body)
		all := ""
		for name, b := range files {
			all += name + "\n" + string(b) + "\n"
		}
		for _, want := range []string{"cam of ANNMARK", "C-ANNMARK", "trace of ANNMARK", "ANNMARK", "203.0.113.77", "Europe/Lisbon", made[0].Serial} {
			if !strings.Contains(all, want) {
				t.Errorf("the package lacks %q", want)
			}
		}
		for _, never := range []string{"BOBMARK", made[1].Serial, made[1].ID, "vdk_", "192.0.2.99"} {
			if strings.Contains(all, never) {
				t.Errorf("the package holds %q", never)
			}
		}
		if !strings.Contains(string(files["data/log.access.json"]), `"requests"`) {
			t.Errorf("the package lacks Ann's app access log:\n%s", files["data/log.access.json"])
		}

		ann.Login() // a fresh second factor
		ann.Must(http.StatusCreated, "POST", "/api/v1/me/privacy-requests", map[string]any{"kind": "deletion", "region": "eu",
			"scope": map[string]any{"categories": deviceCategories}}).Decode(t, &req)
		dpo.Must(http.StatusOK, "POST", "/api/v1/staff/privacy-requests/"+req.ID+"/grant", nil)
		for _, table := range []string{"device_events", "device_shadows", "error_reports", "device_ips"} {
			if n := count(t, e, "SELECT count(*) FROM "+table+" WHERE account_id = ?", ann.AccountID); n != 0 {
				t.Errorf("%s keeps %d rows after deletion", table, n)
			}
			if n := count(t, e, "SELECT count(*) FROM "+table+" WHERE account_id = ?", bob.AccountID); n == 0 {
				t.Errorf("Bob's %s went with Ann's deletion", table)
			}
		}
		if n := count(t, e, "SELECT count(*) FROM devices WHERE account_id = ?", ann.AccountID); n != 0 {
			t.Errorf("Ann still owns %d devices", n)
		}
		if n := count(t, e, "SELECT count(*) FROM app_access WHERE user_id = ?", ann.UserID); n != 0 {
			t.Errorf("Ann's access log keeps %d rows", n)
		}
	})
}

func identity(deviceID, accountID string) device.Identity {
	return device.Identity{DeviceID: deviceID, AccountID: accountID}
}

// Retention: device events go after 90 days, error reports after 30, and
// full addresses (of devices and of app users) are shortened to their
// network after 30 days; each purge is in the audit log.
// proves: P1
// proves: C2
func TestDeviceRetention(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		made := e.Operator().Manufacture("vc-100", 1)
		ann := e.SignUp("ann@example.com")
		fill(t, e, ann, made[0], "OLD")
		if err := e.App.Devices.Connected(t.Context(), identity(made[0].ID, ann.AccountID), "198.51.100.23"); err != nil {
			t.Fatal(err)
		}
		ann.Must(http.StatusOK, "GET", "/api/v1/me/activity", nil) // flushes Ann's own access log
		e.Clock.Advance(31 * 24 * time.Hour)
		if err := ingest(t, e, made[0].ID, "event", `{"kind":"restart","code":"NEW"}`); err != nil {
			t.Fatal(err)
		}
		sweep, err := e.App.Retention.Sweep(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		ann.Login() // the session expired meanwhile
		if sweep.Purged[datamap.DeviceErrorReport] != 1 || sweep.Purged[datamap.NetIP] != 1 || sweep.Purged[datamap.LogAccess] == 0 || sweep.Purged[datamap.DeviceEvent] != 0 {
			t.Fatalf("after 31 days: %+v", sweep.Purged)
		}
		var addrs struct {
			Addresses []struct{ IP, Prefix string }
		}
		ann.Must(http.StatusOK, "GET", "/api/v1/accounts/"+ann.AccountID+"/devices/"+made[0].ID+"/addresses", nil).Decode(t, &addrs)
		if len(addrs.Addresses) != 1 || addrs.Addresses[0].IP != "" || addrs.Addresses[0].Prefix != "198.51.100.0/24" {
			t.Fatalf("addresses after 31 days: %+v", addrs.Addresses)
		}
		var act struct {
			Activity []struct {
				IP     string `json:"ip"`
				Prefix string `json:"ip_prefix"`
			}
		}
		ann.Must(http.StatusOK, "GET", "/api/v1/me/activity", nil).Decode(t, &act)
		old := 0
		for _, a := range act.Activity {
			if a.IP == "" && a.Prefix != "" {
				old++
			}
		}
		if old == 0 {
			t.Fatalf("no hour of Ann's access log was shortened: %+v", act.Activity)
		}

		e.Clock.Advance(60 * 24 * time.Hour)
		if sweep, err = e.App.Retention.Sweep(t.Context()); err != nil {
			t.Fatal(err)
		}
		ann.Login()
		if sweep.Purged[datamap.DeviceEvent] != 1 {
			t.Fatalf("after 91 days: %+v", sweep.Purged)
		}
		var evs struct{ Events []struct{ Code string } }
		ann.Must(http.StatusOK, "GET", "/api/v1/accounts/"+ann.AccountID+"/devices/"+made[0].ID+"/events", nil).Decode(t, &evs)
		if len(evs.Events) != 1 || evs.Events[0].Code != "NEW" {
			t.Fatalf("events after 91 days: %+v", evs.Events)
		}
		var log struct {
			Entries []struct {
				ActorID  string `json:"actor_id"`
				Category string `json:"category"`
				Action   string `json:"action"`
			}
		}
		ann.Must(http.StatusOK, "GET", "/api/v1/accounts/"+ann.AccountID+"/access-log?limit=500", nil).Decode(t, &log)
		purges := 0
		for _, en := range log.Entries {
			if en.ActorID == "retention" && en.Action == "delete" && strings.HasPrefix(en.Category, "device.") {
				purges++
			}
		}
		if purges < 2 {
			t.Fatalf("%d device purges in the account's access log, want the event and report purges", purges)
		}
	})
}
