package live_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/media/live"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
	"github.com/vigil-cloud/vigil/internal/waittest"
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

// A camera shared for live view with a person outside the account: they
// watch it over LL-HLS and WebRTC; when the owner revokes the share their
// WebRTC session ends within 2 s and the next playlist request is refused,
// while the owner watches on.
// proves: S1, P3
func TestShareRevocationEndsLiveView(t *testing.T) {
	ffmpeg, _ := ffmpegTools(t)
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		owner := e.SignUp("owner@example.com")
		cred := owner.Claim(e.Operator().Manufacture("vc-100", 1)[0], "Door")
		jo := e.SignUp("jo@example.com")
		var sh struct{ ID string }
		owner.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+owner.AccountID+"/shares", map[string]any{
			"email": jo.Email, "devices": []string{cred.DeviceID}, "live": true, "until": e.Clock.Now().Add(24 * time.Hour)}).Decode(t, &sh)
		jo.Must(http.StatusOK, "POST", "/api/v1/shares/accept", map[string]string{"token": e.Mail.Wait(t, jo.Email, "shared with you").Token(t)})
		publish(t, ffmpeg, rtspURL(e, cred, cred.DeviceID+"/0"), "-c:a", "aac", "-preset", "ultrafast", "-s", "320x240")
		waitLive(t, e, live.Key{AccountID: owner.AccountID, DeviceID: cred.DeviceID})
		livePath := "/api/v1/accounts/" + owner.AccountID + "/devices/" + cred.DeviceID + "/channels/0/live"
		var mine, theirs liveURLs
		owner.Must(http.StatusOK, "POST", livePath, nil).Decode(t, &mine)
		jo.Must(http.StatusOK, "POST", livePath, nil).Decode(t, &theirs)
		watchWHEP(t, e, mine.WHEP)
		watchWHEP(t, e, theirs.WHEP)
		viewers := func() int { return e.App.Live.WebRTCViewers(cred.DeviceID) }
		if n := viewers(); n != 2 {
			t.Fatalf("%d WebRTC viewers", n)
		}
		if r := e.Client().Do("GET", theirs.HLS, nil); r.Status != http.StatusOK {
			t.Fatalf("jo's playlist: %d", r.Status)
		}

		owner.Must(http.StatusNoContent, "DELETE", "/api/v1/accounts/"+owner.AccountID+"/shares/"+sh.ID, nil)
		acted := time.Now()
		waittest.Within(t, "the share recipient's WebRTC session to end", 2*time.Second, func() bool { return viewers() == 1 })
		t.Logf("the recipient's WebRTC session ended %s after the revocation answered", time.Since(acted).Round(10*time.Millisecond))
		if r := e.Client().Do("GET", theirs.HLS, nil); r.Status != http.StatusUnauthorized {
			t.Errorf("jo's playlist after revocation: %d, want 401", r.Status)
		}
		if r := jo.Do("POST", livePath, nil); r.Status != http.StatusNotFound {
			t.Errorf("jo starts live view after revocation: %d", r.Status)
		}
		if r := e.Client().Do("GET", mine.HLS, nil); r.Status != http.StatusOK {
			t.Errorf("owner's playlist after the revocation: %d", r.Status)
		}
	})
}
