package live_test

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/config"
	"github.com/vigil-cloud/vigil/internal/media/live"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// liveCamera starts vigil with a camera published by ffmpeg (2 s GOP) and
// returns a function that asks for a new live view.
func liveCamera(b *testing.B) (e *vigiltest.Env, view func() liveURLs) {
	ffmpeg, _ := ffmpegTools(b)
	e = vigiltest.Start(b, func(c *config.Config) { c.Video.ViewerIdle = time.Second })
	owner := e.SignUp("owner@example.com")
	cred := owner.Claim(e.Operator().Manufacture("vc-100", 1)[0], "Yard")
	publish(b, ffmpeg, rtspURL(e, cred, cred.DeviceID+"/0"))
	k := live.Key{AccountID: owner.AccountID, DeviceID: cred.DeviceID}
	for deadline := time.Now().Add(15 * time.Second); e.App.Live.Hub().Stream(k) == nil; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatal("the camera did not go live")
		}
	}
	time.Sleep(3 * time.Second) // a full GOP in the cache
	path := "/api/v1/accounts/" + owner.AccountID + "/devices/" + cred.DeviceID + "/channels/0/live"
	return e, func() liveURLs {
		var u liveURLs
		owner.Must(http.StatusOK, "POST", path, nil).Decode(b, &u)
		return u
	}
}

var (
	uriLine   = regexp.MustCompile(`(?m)^([^#\s][^\s]*)$`)
	partLine  = regexp.MustCompile(`#EXT-X-PART:[^\n]*URI="([^"]+)"[^\n]*INDEPENDENT=YES`)
	mapLine   = regexp.MustCompile(`#EXT-X-MAP:URI="([^"]+)"`)
	fetchBody = func(b *testing.B, url string) string {
		res, err := http.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			b.Fatalf("GET %s: %d %s", url, res.StatusCode, body)
		}
		return string(body)
	}
)

// BenchmarkLiveHLSFirstFrame: a new viewer of a camera with a 2 s GOP, on
// a muxer made for them (the previous viewer's was closed): from the
// request of the playlist to having the init and the newest part that
// starts with a keyframe.
//
//	go test -run '^$' -bench LiveHLSFirstFrame -benchtime 5x ./internal/media/live/
func BenchmarkLiveHLSFirstFrame(b *testing.B) {
	e, view := liveCamera(b)
	var total time.Duration
	for b.Loop() {
		b.StopTimer()
		time.Sleep(2500 * time.Millisecond) // the last viewer's muxer closes; join mid-GOP
		u := view()
		base := e.URL + strings.TrimSuffix(u.HLS, "index.m3u8")
		b.StartTimer()
		start := time.Now()
		multi := fetchBody(b, e.URL+u.HLS)
		m := uriLine.FindStringSubmatch(multi)
		if m == nil {
			b.Fatalf("multivariant playlist without a stream: %s", multi)
		}
		media := fetchBody(b, base+m[1])
		parts := partLine.FindAllStringSubmatch(media, -1)
		init := mapLine.FindStringSubmatch(media)
		if len(parts) == 0 || init == nil {
			b.Fatalf("media playlist without an independent part or init: %s", media)
		}
		fetchBody(b, base+init[1])
		if part := fetchBody(b, base+parts[len(parts)-1][1]); len(part) == 0 {
			b.Fatal("empty part")
		}
		total += time.Since(start)
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/first-frame")
}

// BenchmarkWHEPFirstFrame: a new WebRTC viewer of a camera with a 2 s GOP:
// from the offer to the first keyframe packet.
//
//	go test -run '^$' -bench WHEPFirstFrame -benchtime 5x ./internal/media/live/
func BenchmarkWHEPFirstFrame(b *testing.B) {
	e, view := liveCamera(b)
	var total time.Duration
	for b.Loop() {
		b.StopTimer()
		time.Sleep(700 * time.Millisecond)
		u := view()
		b.StartTimer()
		d, _, _ := watchWHEP(b, e, u.WHEP)
		total += d
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/first-frame")
}
