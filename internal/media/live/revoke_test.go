package live_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/media/live"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
	"github.com/vigil-cloud/vigil/internal/waittest"
)

// segmentsOf counts the recorded segments of a device in an account.
func segmentsOf(t *testing.T, e *vigiltest.Env, accountID, deviceID string) int {
	t.Helper()
	var n int
	err := e.App.DB.Read(context.Background(), func(tx *store.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT count(*) FROM rec_segments WHERE account_id = ? AND device_id = ?`, accountID, deviceID).Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Four cameras publish with ffmpeg over RTSP and each has an LL-HLS and a
// WebRTC viewer. Revoking one's credential, rotating another's, reporting
// the third lost and releasing the fourth each closes that camera's RTSP
// session, its stream and its WebRTC viewer within 2 s, refuses its HLS
// viewer, records nothing more of it, and leaves the other cameras
// running. In the external-bus run the cameras and viewers are on a
// second node and the owner acts through the first: the one "device
// revoked" signal reaches every node.
// proves: C4, U-H, P3
func TestRevocationReachesVideo(t *testing.T) {
	ffmpeg, _ := ffmpegTools(t)
	vigiltest.EachBus(t, func(t *testing.T, e *vigiltest.Env) {
		media := e // where cameras publish and viewers watch
		if e.Config.Bus.URL != "" {
			media = e.Node()
		}
		owner := e.SignUp("revoker@example.com")
		made := e.Operator().Manufacture("vc-100", 4)
		type cam struct {
			action string
			cred   device.Credential
			key    live.Key
			hls    string
		}
		cams := []*cam{{action: "revoke"}, {action: "rotate"}, {action: "lost"}, {action: "release"}}
		for i, c := range cams {
			c.cred = owner.Claim(made[i], "Camera "+c.action)
			c.key = live.Key{AccountID: owner.AccountID, DeviceID: c.cred.DeviceID}
			publish(t, ffmpeg, rtspURL(media, c.cred, c.cred.DeviceID+"/0"), "-c:a", "aac", "-preset", "ultrafast", "-s", "320x240")
		}
		for _, c := range cams {
			waittest.Within(t, "the stream to be live", 20*time.Second, func() bool { return media.App.Live.Hub().Stream(c.key) != nil })
			var urls liveURLs
			owner.Must(http.StatusOK, "POST", "/api/v1/accounts/"+owner.AccountID+"/devices/"+c.cred.DeviceID+"/channels/0/live", nil).Decode(t, &urls)
			c.hls = urls.HLS
			if r := media.Client().Do("GET", c.hls, nil); r.Status != http.StatusOK {
				t.Fatalf("%s: HLS viewer before: %d %s", c.action, r.Status, r.Body)
			}
			watchWHEP(t, media, urls.WHEP)
			if n := media.App.Live.WebRTCViewers(c.cred.DeviceID); n != 1 {
				t.Fatalf("%s: %d WebRTC viewers before", c.action, n)
			}
		}
		dev := func(c *cam) string { return "/api/v1/accounts/" + owner.AccountID + "/devices/" + c.cred.DeviceID }
		for i, c := range cams {
			switch c.action {
			case "revoke":
				owner.Must(http.StatusNoContent, "DELETE", dev(c)+"/credential", nil)
			case "rotate":
				owner.Must(http.StatusCreated, "POST", dev(c)+"/credential", nil)
			case "lost":
				owner.Must(http.StatusOK, "POST", dev(c)+"/lost", nil)
			case "release":
				owner.Must(http.StatusNoContent, "DELETE", dev(c), nil)
			}
			acted := time.Now()
			deadline := 2 * time.Second
			waittest.Within(t, c.action+": the RTSP session, stream and WebRTC viewer to close", deadline, func() bool {
				return media.App.Live.Publishing(c.cred.DeviceID) == 0 && media.App.Live.Hub().Stream(c.key) == nil &&
					media.App.Live.WebRTCViewers(c.cred.DeviceID) == 0
			})
			t.Logf("%s: closed %s after the API answered", c.action, time.Since(acted).Round(10*time.Millisecond))
			if r := media.Client().Do("GET", c.hls, nil); r.Status == http.StatusOK {
				t.Errorf("%s: the HLS viewer still gets the playlist", c.action)
			}
			// The session's last segment was flushed to the recorder's queue
			// when it closed; after that, nothing more is recorded while
			// ffmpeg keeps trying, and nothing comes back.
			time.Sleep(time.Second)
			recorded := segmentsOf(t, e, owner.AccountID, c.cred.DeviceID)
			time.Sleep(2500 * time.Millisecond)
			if media.App.Live.Hub().Stream(c.key) != nil || media.App.Live.Publishing(c.cred.DeviceID) != 0 {
				t.Errorf("%s: the camera publishes again with its withdrawn credential", c.action)
			}
			if n := segmentsOf(t, e, owner.AccountID, c.cred.DeviceID); n != recorded {
				t.Errorf("%s: %d segments recorded after the stream closed", c.action, n-recorded)
			}
			for _, other := range cams[i+1:] {
				if media.App.Live.Hub().Stream(other.key) == nil {
					t.Fatalf("%s also stopped %s", c.action, other.action)
				}
			}
		}
	})
}

// Live viewers follow permission: a member watching over LL-HLS and WebRTC
// is cut off within 2 s of being removed from the account (the WebRTC
// session ends, the next playlist request is refused), while the owner
// watches on; the owner's WebRTC session then ends when its token expires.
// proves: P3, U-C
func TestLiveViewersFollowPermission(t *testing.T) {
	ffmpeg, _ := ffmpegTools(t)
	e := vigiltest.Start(t)
	owner := e.SignUp("owner@example.com")
	cred := owner.Claim(e.Operator().Manufacture("vc-100", 1)[0], "Door")
	member := e.SignUp("member@example.com")
	owner.Must(http.StatusAccepted, "POST", "/api/v1/accounts/"+owner.AccountID+"/invitations", map[string]string{"email": member.Email, "role": "member"})
	member.Must(http.StatusOK, "POST", "/api/v1/invitations/accept", map[string]string{"token": e.Mail.Wait(t, member.Email, "invited").Token(t)})
	publish(t, ffmpeg, rtspURL(e, cred, cred.DeviceID+"/0"), "-c:a", "aac", "-preset", "ultrafast", "-s", "320x240")
	waitLive(t, e, live.Key{AccountID: owner.AccountID, DeviceID: cred.DeviceID})
	livePath := "/api/v1/accounts/" + owner.AccountID + "/devices/" + cred.DeviceID + "/channels/0/live"
	var mine, theirs liveURLs
	owner.Must(http.StatusOK, "POST", livePath, nil).Decode(t, &mine)
	member.Must(http.StatusOK, "POST", livePath, nil).Decode(t, &theirs)
	watchWHEP(t, e, mine.WHEP)
	watchWHEP(t, e, theirs.WHEP)
	viewers := func() int { return e.App.Live.WebRTCViewers(cred.DeviceID) }
	if n := viewers(); n != 2 {
		t.Fatalf("%d WebRTC viewers", n)
	}
	if r := e.Client().Do("GET", theirs.HLS, nil); r.Status != http.StatusOK {
		t.Fatalf("member's playlist: %d", r.Status)
	}

	owner.Must(http.StatusNoContent, "DELETE", "/api/v1/accounts/"+owner.AccountID+"/members/"+member.UserID, nil)
	waittest.Within(t, "the removed member's WebRTC session to end", 2*time.Second, func() bool { return viewers() == 1 })
	if r := e.Client().Do("GET", theirs.HLS, nil); r.Status != http.StatusUnauthorized {
		t.Errorf("removed member's playlist: %d, want 401", r.Status)
	}
	if r := e.Client().Do("GET", mine.HLS, nil); r.Status != http.StatusOK {
		t.Errorf("owner's playlist after the member left: %d", r.Status)
	}

	e.Clock.Advance(e.Config.Video.TokenTTL)
	waittest.Within(t, "the owner's WebRTC session to end at its token's expiry", 2*time.Second, func() bool { return viewers() == 0 })
}
