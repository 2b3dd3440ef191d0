package live_test

import (
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v5"
	"github.com/bluenviron/gortsplib/v5/pkg/description"
	"github.com/bluenviron/gortsplib/v5/pkg/format"

	"github.com/vigil-cloud/vigil/internal/config"
	"github.com/vigil-cloud/vigil/internal/media/live"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// With TLS configured, devices publish over RTSPS with vigil's
// certificate; plain RTSP on that port is refused.
// proves: SC1
func TestRTSPS(t *testing.T) {
	e := vigiltest.Start(t, func(c *config.Config) { c.TLS.SelfSigned = true })
	owner := e.SignUp("owner@example.com")
	cam := owner.Claim(e.Operator().Manufacture("vc-100", 1)[0], "Gate")
	if !strings.HasPrefix(e.App.RTSPURL(), "rtsps://") {
		t.Fatalf("devices are told to publish to %s", e.App.RTSPURL())
	}
	url := strings.Replace(rtspURL(e, cam, cam.DeviceID+"/0"), "rtsp://", "rtsps://", 1)
	tcp := gortsplib.ProtocolTCP
	c := &gortsplib.Client{Protocol: &tcp, TLSConfig: &tls.Config{InsecureSkipVerify: true}, ReadTimeout: 5 * time.Second} //nolint:gosec // vigil's self-signed test certificate
	if err := c.StartRecording(url, h264Desc()); err != nil {
		t.Fatalf("RTSPS publish: %v", err)
	}
	defer c.Close()
	waitLive(t, e, live.Key{AccountID: owner.AccountID, DeviceID: cam.DeviceID})

	if cl, err := tryPublish(rtspURL(e, cam, cam.DeviceID+"/0"), h264Desc()); err == nil {
		cl.Close()
		t.Fatal("plain RTSP was accepted on the RTSPS port")
	}
}

// An H.265 camera is refused over WebRTC with a reason (browsers cannot
// receive it); it stays watchable over HLS.
func TestWHEPRefusesH265(t *testing.T) {
	e := vigiltest.Start(t)
	owner := e.SignUp("owner@example.com")
	cam := owner.Claim(e.Operator().Manufacture("vc-100", 1)[0], "Gate")
	desc := &description.Session{Medias: []*description.Media{{Type: description.MediaTypeVideo, Formats: []format.Format{&format.H265{PayloadTyp: 96}}}}}
	c, err := tryPublish(rtspURL(e, cam, cam.DeviceID+"/0"), desc)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	waitLive(t, e, live.Key{AccountID: owner.AccountID, DeviceID: cam.DeviceID})
	var urls liveURLs
	owner.Must(200, "POST", "/api/v1/accounts/"+owner.AccountID+"/devices/"+cam.DeviceID+"/channels/0/live", nil).Decode(t, &urls)
	r := e.Client().DoType("POST", urls.WHEP, "application/sdp", []byte("v=0\r\n"))
	if r.Status != 400 || !strings.Contains(r.ErrorMessage(), "H.265") {
		t.Fatalf("WHEP of an H.265 stream: %d %s", r.Status, r.Body)
	}
}
