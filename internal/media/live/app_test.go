package live_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/media/live"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
	"github.com/vigil-cloud/vigil/internal/waittest"
)

type liveURLs struct {
	HLS       string    `json:"hls"`
	WHEP      string    `json:"whep"`
	ExpiresAt time.Time `json:"expires_at"`
}

func rtspURL(e *vigiltest.Env, cred device.Credential, path string) string {
	return fmt.Sprintf("rtsp://%s:%s@%s/%s", cred.DeviceID, cred.Secret, e.App.Live.RTSPAddr(), path)
}

func waitLive(t *testing.T, e *vigiltest.Env, k live.Key) {
	t.Helper()
	waittest.Within(t, "the stream to be live", 15*time.Second, func() bool { return e.App.Live.Hub().Stream(k) != nil })
}

// A camera published by ffmpeg with its own device credential is watched
// live: the owner asks for the stream (the gate records it in the
// account's access log), ffprobe reads the LL-HLS playlist with video and
// sound; the token alone opens it, and an expired or altered one does not;
// another account gets 404.
// proves: C4
// proves: SC1
// proves: U-C
func TestLiveHLSFromFFmpeg(t *testing.T) {
	ffmpeg, ffprobe := ffmpegTools(t)
	e := vigiltest.Start(t)
	owner := e.SignUp("owner@example.com")
	other := e.SignUp("other@example.com")
	made := e.Operator().Manufacture("vc-100", 1)
	cred := owner.Claim(made[0], "Porch")
	publish(t, ffmpeg, rtspURL(e, cred, cred.DeviceID+"/0"))
	waitLive(t, e, live.Key{AccountID: owner.AccountID, DeviceID: cred.DeviceID, Channel: 0})

	livePath := "/api/v1/accounts/" + owner.AccountID + "/devices/" + cred.DeviceID + "/channels/0/live"
	var urls liveURLs
	owner.Must(http.StatusOK, "POST", livePath, nil).Decode(t, &urls)
	if !strings.HasPrefix(urls.HLS, "/media/live/") || !strings.HasSuffix(urls.HLS, "/index.m3u8") || urls.WHEP != strings.TrimSuffix(urls.HLS, "index.m3u8")+"whep" {
		t.Fatalf("urls %+v", urls)
	}

	// ffprobe, holding nothing but the URL, finds video and sound.
	p := ffprobeJSON(t, ffprobe, e.URL+urls.HLS)
	if c := p.codecs(); c["video"] != "h264" || c["audio"] != "aac" {
		t.Fatalf("ffprobe on the live playlist finds %v", c)
	}

	// The owner sees in the account's access log who watched.
	var page struct {
		Entries []struct {
			ActorID  string `json:"actor_id"`
			Category string `json:"category"`
			Action   string `json:"action"`
			Decision string `json:"decision"`
		} `json:"entries"`
	}
	owner.Must(http.StatusOK, "GET", "/api/v1/accounts/"+owner.AccountID+"/access-log?limit=500", nil).Decode(t, &page)
	watched := false
	for _, en := range page.Entries {
		if en.Category == "media.segment" && en.Action == "read" && en.ActorID == owner.UserID && en.Decision == "allow" {
			watched = true
		}
	}
	if !watched {
		t.Errorf("the access log has no entry of the owner watching: %+v", page.Entries)
	}

	// Another account: the device does not exist for it.
	if r := other.Do("POST", livePath, nil); r.Status != http.StatusNotFound {
		t.Errorf("another account asking for the stream: %d %s", r.Status, r.Body)
	}
	if r := other.Do("POST", "/api/v1/accounts/"+other.AccountID+"/devices/"+cred.DeviceID+"/channels/0/live", nil); r.Status != http.StatusNotFound {
		t.Errorf("another account naming the device under its own account: %d %s", r.Status, r.Body)
	}
	// A channel a camera does not have.
	if r := owner.Do("POST", strings.Replace(livePath, "/channels/0/", "/channels/3/", 1), nil); r.Status != http.StatusNotFound {
		t.Errorf("unknown channel: %d %s", r.Status, r.Body)
	}

	anon := e.Client()
	get := func(path string) (int, string) {
		r := anon.Do("GET", path, nil)
		return r.Status, string(r.Body)
	}
	if st, body := get(urls.HLS); st != http.StatusOK || !strings.Contains(body, "#EXTM3U") {
		t.Fatalf("playlist with the token: %d %s", st, body)
	}
	token := strings.TrimSuffix(strings.TrimPrefix(urls.HLS, "/media/live/"), "/index.m3u8")
	payload, mac, _ := strings.Cut(token, ".")
	altered := payload[:len(payload)-2] + flip(payload[len(payload)-2:]) + "." + mac
	for name, path := range map[string]string{
		"altered":   "/media/live/" + altered + "/index.m3u8",
		"no mac":    "/media/live/" + payload + "/index.m3u8",
		"garbage":   "/media/live/x.y/index.m3u8",
		"other mac": "/media/live/" + payload + "." + flip(mac[:2]) + mac[2:] + "/index.m3u8",
	} {
		if st, body := get(path); st != http.StatusUnauthorized || !strings.Contains(body, `"error"`) {
			t.Errorf("%s token: %d %s", name, st, body)
		}
	}
	e.Clock.Advance(e.Config.Video.TokenTTL + time.Second)
	if st, body := get(urls.HLS); st != http.StatusUnauthorized || !strings.Contains(body, "expired") {
		t.Errorf("expired token: %d %s", st, body)
	}
}

func flip(s string) string {
	b := []byte(s)
	for i := range b {
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
	}
	return string(b)
}

var _ = io.EOF
