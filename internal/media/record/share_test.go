package record_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

type logLine struct {
	ActorID  string `json:"actor_id"`
	Category string `json:"category"`
	Decision string `json:"decision"`
	Reason   string `json:"reason"`
}

type shareView struct {
	ID          string `json:"id"`
	AccountID   string `json:"account_id"`
	RecipientID string `json:"recipient_id"`
	Recipient   string `json:"recipient"`
	Status      string `json:"status"`
	Live        bool   `json:"live"`
	Recordings  bool   `json:"recordings"`
	Token       string `json:"token"`
	Uses        []struct {
		RecipientID string `json:"recipient_id"`
		Category    string `json:"category"`
		Action      string `json:"action"`
		ResourceID  string `json:"resource_id"`
	} `json:"uses"`
	Cameras []struct {
		ID string `json:"id"`
	} `json:"cameras"`
}

// A camera share gives its recipient exactly the chosen camera and rights:
// a person invited by e-mail sees that camera in "shared with me" and
// nothing else, plays its recordings inside the share's window and no
// others, gets no live view (not shared), no download and no other
// camera; an integration's token opens the camera's live view only and no
// other route. Both owner and recipient see the share and each use.
// Revoking the share stops the recipient's playback at the next request
// and the integration's token at once.
// proves: S1, D1, P3
func TestCameraSharesOpenExactlyWhatTheySay(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		c := newCam(t, e, "sharer@example.com")
		other := e.Operator().Manufacture("vc-100", 1)[0]
		c.owner.Claim(other, "Back yard")
		start := e.Clock.Now().Add(-2 * time.Minute).Truncate(time.Second)
		c.record(t, c.stream("s1", start), 4)
		acct := "/api/v1/accounts/" + c.owner.AccountID
		jo := e.SignUp("jo@example.com")

		var sh shareView
		c.owner.Must(http.StatusCreated, "POST", acct+"/shares", map[string]any{
			"email": "jo@example.com", "devices": []string{c.device}, "recordings": true,
			"recordings_from": start, "recordings_to": start.Add(time.Minute),
			"until": e.Clock.Now().Add(7 * 24 * time.Hour), "note": "the drive while we are away"}).Decode(t, &sh)
		if sh.Status != "invited" {
			t.Fatalf("a share before acceptance: %+v", sh)
		}
		// Nothing opens before the invitation is accepted.
		inWindow := map[string]any{"from": start, "to": start.Add(time.Minute)}
		if r := jo.Do("POST", c.path("playback"), inWindow); r.Status != http.StatusNotFound {
			t.Fatalf("playback before accepting: %d", r.Status)
		}
		jo.Must(http.StatusOK, "POST", "/api/v1/shares/accept", map[string]string{"token": e.Mail.Wait(t, "jo@example.com", "shared with you").Token(t)})

		var mine struct{ Shares []shareView }
		jo.Must(http.StatusOK, "GET", "/api/v1/shared-with-me", nil).Decode(t, &mine)
		if len(mine.Shares) != 1 || len(mine.Shares[0].Cameras) != 1 || mine.Shares[0].Cameras[0].ID != c.device || mine.Shares[0].Status != "active" {
			t.Fatalf("shared with jo: %+v", mine.Shares)
		}

		var p streamURLs
		jo.Must(http.StatusCreated, "POST", c.path("playback"), inWindow).Decode(t, &p)
		if s, _, _ := get(t, e, p.HLS); s != http.StatusOK {
			t.Fatalf("jo's playlist: %d", s)
		}
		if p.MP4 != "" {
			t.Error("a share offers a download")
		}
		otherPath := acct + "/devices/" + other.ID
		for name, r := range map[string]vigiltest.Response{
			"recordings outside the window": jo.Do("POST", c.path("playback"), map[string]any{"from": start.Add(time.Minute), "to": start.Add(2 * time.Minute)}),
			"live view (not shared)":        jo.Do("POST", c.path("live"), nil),
			"a download":                    jo.Do("POST", c.path("exports"), inWindow),
			"the other camera":              jo.Do("GET", otherPath, nil),
			"the other camera's recordings": jo.Do("POST", otherPath+"/channels/0/playback", inWindow),
			"the account's device list":     jo.Do("GET", acct+"/devices", nil),
			"the account's alarms":          jo.Do("GET", acct+"/alarms", nil),
			"the account":                   jo.Do("GET", acct, nil),
		} {
			if r.Status == http.StatusOK || r.Status == http.StatusCreated {
				t.Errorf("%s: %d %s", name, r.Status, r.Body)
			}
		}

		// An integration with live view of the camera.
		var integ shareView
		c.owner.Must(http.StatusCreated, "POST", acct+"/shares", map[string]any{
			"integration": "Home hub", "devices": []string{c.device}, "live": true,
			"until": e.Clock.Now().Add(24 * time.Hour)}).Decode(t, &integ)
		hub := e.Client()
		hub.Bearer = integ.Token
		if integ.Token == "" {
			t.Fatal("the integration got no token")
		}
		var hubs struct{ Shares []shareView }
		hub.Must(http.StatusOK, "GET", "/api/v1/shared-with-me", nil).Decode(t, &hubs)
		if len(hubs.Shares) != 1 || len(hubs.Shares[0].Cameras) != 1 || hubs.Shares[0].Token != "" {
			t.Fatalf("shared with the hub: %+v", hubs.Shares)
		}
		if r := hub.Do("POST", c.path("playback"), inWindow); r.Status != http.StatusForbidden {
			t.Errorf("the live-only integration plays recordings: %d", r.Status)
		}
		for _, path := range []string{"/api/v1/me", acct + "/devices", "/api/v1/me/accounts"} {
			if r := hub.Do("GET", path, nil); r.Status == http.StatusOK {
				t.Errorf("the integration's token opens %s", path)
			}
		}
		if r := hub.Do("GET", otherPath, nil); r.Status != http.StatusNotFound {
			t.Errorf("the integration reads the other camera: %d", r.Status)
		}

		// Both people see the share and each use.
		var owned struct{ Shares []shareView }
		c.owner.Must(http.StatusOK, "GET", acct+"/shares", nil).Decode(t, &owned)
		var josShare *shareView
		for i := range owned.Shares {
			if owned.Shares[i].ID == sh.ID {
				josShare = &owned.Shares[i]
			}
		}
		played := func(s *shareView) bool {
			return s != nil && slices.ContainsFunc(s.Uses, func(u struct {
				RecipientID string `json:"recipient_id"`
				Category    string `json:"category"`
				Action      string `json:"action"`
				ResourceID  string `json:"resource_id"`
			}) bool {
				return u.RecipientID == jo.UserID && u.Category == "media.segment" && u.Action == "read" && u.ResourceID == c.device
			})
		}
		if len(owned.Shares) != 2 || !played(josShare) || josShare.Recipient != "jo@example.com" {
			t.Fatalf("the owner's shares: %+v", owned.Shares)
		}
		jo.Must(http.StatusOK, "GET", "/api/v1/shared-with-me", nil).Decode(t, &mine)
		if !played(&mine.Shares[0]) {
			t.Errorf("jo does not see jo's own use: %+v", mine.Shares[0].Uses)
		}
		var ledger struct {
			Disclosures []struct{ ID, Kind string }
		}
		jo.Must(http.StatusOK, "GET", "/api/v1/me/disclosures", nil).Decode(t, &ledger)
		if !slices.ContainsFunc(ledger.Disclosures, func(d struct{ ID, Kind string }) bool { return d.ID == sh.ID }) {
			t.Errorf("jo's ledger lacks the share: %+v", ledger.Disclosures)
		}
		var log struct {
			Entries []logLine
		}
		c.owner.Must(http.StatusOK, "GET", acct+"/access-log?limit=500", nil).Decode(t, &log)
		if !slices.ContainsFunc(log.Entries, func(en logLine) bool {
			return en.ActorID == jo.UserID && en.Category == "media.segment" && en.Decision == "allow" && en.Reason == "shared by share "+sh.ID
		}) {
			t.Error("the owner's access log does not show jo watching under the share")
		}

		// Revocation: playback stops at the next request; the token no
		// longer signs in.
		c.owner.Must(http.StatusNoContent, "DELETE", acct+"/shares/"+sh.ID, nil)
		c.owner.Must(http.StatusNoContent, "DELETE", acct+"/shares/"+integ.ID, nil)
		if s, _, _ := get(t, e, p.HLS); s != http.StatusUnauthorized {
			t.Errorf("jo's playlist after revocation: %d, want 401", s)
		}
		if r := jo.Do("POST", c.path("playback"), inWindow); r.Status != http.StatusNotFound {
			t.Errorf("new playback after revocation: %d", r.Status)
		}
		if r := hub.Do("GET", "/api/v1/shared-with-me", nil); r.Status != http.StatusUnauthorized {
			t.Errorf("the integration's token after revocation: %d", r.Status)
		}
		jo.Must(http.StatusOK, "GET", "/api/v1/shared-with-me", nil).Decode(t, &mine)
		if len(mine.Shares) != 1 || mine.Shares[0].Status != "revoked" || len(mine.Shares[0].Cameras) != 0 {
			t.Errorf("after revocation jo sees %+v", mine.Shares)
		}
	})
}

// A share is refused when it names another account's camera, no camera,
// no right, no end, or both a person and an integration.
// proves: S1
func TestShareInputChecked(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		c := newCam(t, e, "checker@example.com")
		stranger := newCam(t, e, "stranger@example.com")
		acct := "/api/v1/accounts/" + c.owner.AccountID
		until := e.Clock.Now().Add(24 * time.Hour)
		for name, body := range map[string]map[string]any{
			"another account's camera": {"email": "a@example.com", "devices": []string{stranger.device}, "live": true, "until": until},
			"no camera":                {"email": "a@example.com", "live": true, "until": until},
			"no right":                 {"email": "a@example.com", "devices": []string{c.device}, "until": until},
			"no end":                   {"email": "a@example.com", "devices": []string{c.device}, "live": true},
			"both recipients":          {"email": "a@example.com", "integration": "x", "devices": []string{c.device}, "live": true, "until": until},
			"not an address":           {"email": "a@", "devices": []string{c.device}, "live": true, "until": until},
		} {
			if r := c.owner.Do("POST", acct+"/shares", body); r.Status != http.StatusBadRequest {
				t.Errorf("%s: %d %s", name, r.Status, r.Body)
			}
		}
		if r := stranger.owner.Do("POST", acct+"/shares", map[string]any{"email": "a@example.com", "devices": []string{c.device}, "live": true, "until": until}); r.Status != http.StatusNotFound {
			t.Errorf("a stranger shares the camera: %d", r.Status)
		}
	})
}
