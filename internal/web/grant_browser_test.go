package web_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// Support access to a customer's account, end to end in two browsers: a
// support agent signs in to the console and asks the account for access
// on a ticket (why, which data, how long); the customer sees the request
// in the privacy centre and allows it for less time than asked; support
// opens the account within the grant (devices, a device's events, its
// recordings played back, live view asked for, alarms with their
// snapshots) and the customer sees each use appear as it happens; the
// customer withdraws the access and support's next step shows "access
// ended" with nothing of the account, the API refusing too. Every page is
// checked at 1280×800 and 390×844.
// proves: F3
func TestGrantFlowInChromium(t *testing.T) {
	node, chromium, script := vigiltest.Browser(t, "grant.mjs")
	e := vigiltest.Start(t)
	owner := e.SignUp("gina@example.com")
	cam := owner.Claim(e.Operator().Manufacture("vc-100", 1)[0], "Back door")
	ingest(t, e, cam.DeviceID, "heartbeat", map[string]any{"online": false})
	start := e.Clock.Now().Add(-time.Hour).Truncate(time.Second)
	record(t, e, owner.AccountID, cam.DeviceID, start, 10)
	ingest(t, e, cam.DeviceID, "alarm", map[string]any{"id": "evt-back-1", "type": "person", "snapshot": true, "time": start.Add(4 * time.Second).Format(time.RFC3339)})
	putPicture(t, e.URL, cam, "evt-back-1")
	support := e.StaffMember("sue@vigil.test", access.StaffSupportL1)
	var check struct{ Devices []struct{ ID string } }
	owner.Must(http.StatusOK, "GET", "/api/v1/accounts/"+owner.AccountID+"/devices", nil).Decode(t, &check)
	if len(check.Devices) != 1 {
		t.Fatalf("devices: %+v", check)
	}
	runScript(t, node, chromium, script, 3*time.Minute, "grant flow passed",
		"VIGIL_URL="+e.URL, "HELPER_URL="+stepHelper(t, e, nil), "SHOTS="+screenshots(t, script),
		"CUSTOMER_EMAIL="+owner.Email, "CUSTOMER_PASSWORD="+owner.Password, "ACCOUNT_ID="+owner.AccountID,
		"STAFF_EMAIL="+support.Email, "STAFF_PASSWORD="+support.Password, "STAFF_SECRET="+support.TOTPSecret())
}
