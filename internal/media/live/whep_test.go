package live_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/vigil-cloud/vigil/internal/media/live"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// isKeyframePacket reports whether an H.264 RTP payload carries (the start
// of) an IDR picture or its parameter sets.
func isKeyframePacket(p []byte) bool {
	if len(p) < 2 {
		return false
	}
	switch t := p[0] & 0x1f; t {
	case 5, 7:
		return true
	case 24: // STAP-A
		for b := p[1:]; len(b) > 2; {
			n := int(b[0])<<8 | int(b[1])
			if n == 0 || len(b) < 2+n {
				return false
			}
			if typ := b[2] & 0x1f; typ == 5 || typ == 7 {
				return true
			}
			b = b[2+n:]
		}
	case 28: // FU-A
		return p[1]&0x80 != 0 && p[1]&0x1f == 5
	}
	return false
}

// whepViewer is a WebRTC viewer (pion) of a WHEP URL. It returns when the
// first keyframe packet arrived, how long that took from the offer, and a
// channel of audio packets.
func watchWHEP(t testing.TB, e *vigiltest.Env, whepURL string) (firstFrame time.Duration, audio <-chan *rtp.Packet, location string) {
	t.Helper()
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	for _, k := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo, webrtc.RTPCodecTypeAudio} {
		if _, err := pc.AddTransceiverFromKind(k, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
			t.Fatal(err)
		}
	}
	key := make(chan time.Time, 1)
	aud := make(chan *rtp.Packet, 100)
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		for {
			p, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			if tr.Kind() == webrtc.RTPCodecTypeAudio {
				select {
				case aud <- p:
				default:
				}
			} else if isKeyframePacket(p.Payload) {
				select {
				case key <- time.Now():
				default:
				}
			}
		}
	})
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	start := time.Now()
	res, err := http.Post(e.URL+whepURL, "application/sdp", bytes.NewReader([]byte(pc.LocalDescription().SDP)))
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated || res.Header.Get("Content-Type") != "application/sdp" || res.Header.Get("Location") == "" {
		t.Fatalf("WHEP offer: %d %s %s", res.StatusCode, res.Header, answer)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: string(answer)}); err != nil {
		t.Fatal(err)
	}
	select {
	case at := <-key:
		return at.Sub(start), aud, res.Header.Get("Location")
	case <-time.After(10 * time.Second):
		t.Fatal("no keyframe over WebRTC within 10s")
	}
	return 0, nil, ""
}

// A camera sending H.264 and G.711 (PCMU) is watched over WebRTC: the
// first packets are the GOP cache's keyframe, sound arrives as PCMU, and
// the session ends with DELETE.
// proves: U-C
func TestWHEP(t *testing.T) {
	ffmpeg, _ := ffmpegTools(t)
	e := vigiltest.Start(t)
	owner := e.SignUp("owner@example.com")
	cred := owner.Claim(e.Operator().Manufacture("vc-100", 1)[0], "Hall")
	publish(t, ffmpeg, rtspURL(e, cred, cred.DeviceID+"/0"), "-c:a", "pcm_mulaw", "-ar", "8000", "-preset", "veryfast", "-tune", "zerolatency")
	waitLive(t, e, live.Key{AccountID: owner.AccountID, DeviceID: cred.DeviceID})
	time.Sleep(2500 * time.Millisecond) // the next viewer joins mid-GOP

	var urls liveURLs
	owner.Must(http.StatusOK, "POST", "/api/v1/accounts/"+owner.AccountID+"/devices/"+cred.DeviceID+"/channels/0/live", nil).Decode(t, &urls)
	ttff, audio, location := watchWHEP(t, e, urls.WHEP)
	t.Logf("first keyframe over WebRTC %s after the offer", ttff)
	select {
	case p := <-audio:
		if p.PayloadType != 0 || len(p.Payload) == 0 {
			t.Errorf("audio packet: payload type %d, %d bytes", p.PayloadType, len(p.Payload))
		}
	case <-time.After(5 * time.Second):
		t.Error("no sound over WebRTC")
	}

	// A bad or expired token is refused; the session ends with DELETE.
	if res, err := http.Post(e.URL+"/media/live/x.y/whep", "application/sdp", bytes.NewReader([]byte("v=0"))); err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Errorf("WHEP with a bad token: %v %v", res.StatusCode, err)
	}
	req, _ := http.NewRequest("DELETE", e.URL+location, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE %s: %v %v", location, res.StatusCode, err)
	}
}
