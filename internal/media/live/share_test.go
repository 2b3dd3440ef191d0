package live_test

import (
	"net/http"
	"testing"

	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// People the owner shares with watch what their role and site allow: a
// guest of the account watches (and the owner sees it in the access log),
// a guest of one site does not watch another site's camera, and a guest
// cannot change where vigil pulls a camera from.
// proves: U-C
func TestSharedViewers(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		owner := e.SignUp("owner@example.com")
		guest := e.SignUp("guest@example.com")
		siteGuest := e.SignUp("site-guest@example.com")
		acct := "/api/v1/accounts/" + owner.AccountID
		var shop, home account.Site
		owner.Must(http.StatusCreated, "POST", acct+"/sites", map[string]string{"name": "Shop", "time_zone": "UTC"}).Decode(t, &shop)
		owner.Must(http.StatusCreated, "POST", acct+"/sites", map[string]string{"name": "Home", "time_zone": "UTC"}).Decode(t, &home)
		made := e.Operator().Manufacture("vc-100", 2)
		ids := map[string]string{}
		for i, site := range []account.Site{shop, home} {
			var res struct {
				Device struct{ ID string }
			}
			owner.Must(http.StatusCreated, "POST", acct+"/devices/claim", map[string]any{
				"serial": made[i].Serial, "claim_code": made[i].ClaimCode, "name": site.Name + " camera", "site_id": site.ID}).Decode(t, &res)
			ids[site.Name] = res.Device.ID
		}
		owner.Must(http.StatusAccepted, "POST", acct+"/invitations", map[string]string{"email": guest.Email, "role": "guest"})
		guest.Must(http.StatusOK, "POST", "/api/v1/invitations/accept", map[string]string{"token": e.Mail.Wait(t, guest.Email, "invited").Token(t)})
		owner.Must(http.StatusAccepted, "POST", acct+"/invitations", map[string]string{"email": siteGuest.Email, "role": "guest", "site_id": shop.ID})
		siteGuest.Must(http.StatusOK, "POST", "/api/v1/invitations/accept", map[string]string{"token": e.Mail.Wait(t, siteGuest.Email, "invited").Token(t)})

		var urls liveURLs
		guest.Must(http.StatusOK, "POST", acct+"/devices/"+ids["Shop"]+"/channels/0/live", nil).Decode(t, &urls)
		if urls.HLS == "" {
			t.Fatal("no stream URL for the guest")
		}
		// A guest of the shop watches the shop's camera, not the home's.
		var shopURLs liveURLs
		siteGuest.Must(http.StatusOK, "POST", acct+"/devices/"+ids["Shop"]+"/channels/0/live", nil).Decode(t, &shopURLs)
		if shopURLs.HLS == "" {
			t.Fatal("no stream URL for the shop's guest")
		}
		if r := siteGuest.Do("POST", acct+"/devices/"+ids["Home"]+"/channels/0/live", nil); r.Status != http.StatusNotFound && r.Status != http.StatusForbidden {
			t.Errorf("guest of the shop watching the home camera: %d %s", r.Status, r.Body)
		}
		if r := guest.Do("PUT", acct+"/devices/"+ids["Shop"]+"/channels/0/pull", map[string]string{"url": "rtsp://10.0.0.9/stream"}); r.Status != http.StatusNotFound && r.Status != http.StatusForbidden {
			t.Errorf("guest setting a pull URL: %d %s", r.Status, r.Body)
		}

		var page struct {
			Entries []struct {
				ActorID    string `json:"actor_id"`
				Category   string `json:"category"`
				Action     string `json:"action"`
				Decision   string `json:"decision"`
				ResourceID string `json:"resource_id"`
			} `json:"entries"`
		}
		owner.Must(http.StatusOK, "GET", acct+"/access-log?limit=500", nil).Decode(t, &page)
		watched := false
		for _, en := range page.Entries {
			if en.ActorID == guest.UserID && en.Category == "media.segment" && en.Action == "read" && en.Decision == "allow" {
				watched = true
			}
		}
		if !watched {
			t.Error("the owner's access log does not show the guest watching")
		}
	})
}
