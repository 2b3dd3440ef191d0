package web_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// Sharing cameras with someone outside the household, end to end in two
// browsers: the owner shares one of two cameras with a neighbour (live
// and recordings, for a week) on the Sharing page; the neighbour accepts
// the mailed link, finds only that camera under "Shared with you" and in
// the camera grid, opens it, and cannot reach the other camera; the owner
// sees each use under the share and ends it; the neighbour's access ends
// at once and the camera leaves their app. On the household page the
// owner makes a member a guest of one site, invites someone to two sites
// and withdraws the invitation (its link stops working), and the member
// sees the household with nothing to manage. Every page is checked at
// 1280×800 and 390×844.
// proves: S1
func TestSharingInChromium(t *testing.T) {
	node, chromium, script := vigiltest.Browser(t, "sharing.mjs")
	e := vigiltest.Start(t)
	owner := e.SignUp("olga@example.com")
	made := e.Operator().Manufacture("vc-100", 2)
	porch := owner.Claim(made[0], "Porch")
	garage := owner.Claim(made[1], "Garage")
	start := e.Clock.Now().Add(-time.Hour).Truncate(time.Second)
	record(t, e, owner.AccountID, porch.DeviceID, start, 6)
	rita := e.SignUp("rita@example.com")
	// A member of the household, whose role the owner changes.
	max := e.SignUp("max@example.com")
	owner.Must(http.StatusAccepted, "POST", "/api/v1/accounts/"+owner.AccountID+"/invitations", map[string]string{"email": max.Email, "role": "member"})
	max.Must(http.StatusOK, "POST", "/api/v1/invitations/accept", map[string]string{"token": e.Mail.Wait(t, max.Email, "invited").Token(t)})
	var home, cabin account.Site
	owner.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+owner.AccountID+"/sites", map[string]string{"name": "Home", "time_zone": "UTC"}).Decode(t, &home)
	owner.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+owner.AccountID+"/sites", map[string]string{"name": "Cabin", "time_zone": "UTC"}).Decode(t, &cabin)
	runScript(t, node, chromium, script, 3*time.Minute, "sharing flow passed",
		"VIGIL_URL="+e.URL, "HELPER_URL="+stepHelper(t, e, nil), "SHOTS="+screenshots(t, script),
		"OWNER_EMAIL="+owner.Email, "OWNER_PASSWORD="+owner.Password, "ACCOUNT_ID="+owner.AccountID,
		"RECIPIENT_EMAIL="+rita.Email, "RECIPIENT_PASSWORD="+rita.Password,
		"PORCH_ID="+porch.DeviceID, "GARAGE_ID="+garage.DeviceID, "MEMBER_ID="+max.UserID,
		"MEMBER_EMAIL="+max.Email, "MEMBER_PASSWORD="+max.Password, "HOME_SITE="+home.ID, "CABIN_SITE="+cabin.ID)
}
