package live_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v5"
	"github.com/bluenviron/gortsplib/v5/pkg/base"
	"github.com/bluenviron/gortsplib/v5/pkg/description"
	"github.com/bluenviron/gortsplib/v5/pkg/format"
	"github.com/pion/rtp"

	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/media/live"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
	"github.com/vigil-cloud/vigil/internal/waittest"
)

func h264Desc() *description.Session {
	return &description.Session{Medias: []*description.Media{{
		Type:    description.MediaTypeVideo,
		Formats: []format.Format{&format.H264{PayloadTyp: 96, PacketizationMode: 1}},
	}}}
}

// tryPublish announces and records on url with a Go RTSP client (TCP).
func tryPublish(url string, desc *description.Session) (*gortsplib.Client, error) {
	tcp := gortsplib.ProtocolTCP
	c := &gortsplib.Client{Protocol: &tcp, ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second}
	if err := c.StartRecording(url, desc); err != nil {
		return nil, err
	}
	return c, nil
}

func refusedCount(t *testing.T, e *vigiltest.Env, reason string) int {
	t.Helper()
	body := string(e.Client().Must(http.StatusOK, "GET", "/metrics", nil).Body)
	prefix := `vigil_rtsp_refused_total{reason="` + reason + `"} `
	for _, l := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(l, prefix); ok {
			var n int
			fmt.Sscan(v, &n)
			return n
		}
	}
	return 0
}

// Only a device's own credential publishes, only to its own path and to
// channels it has; nobody reads over RTSP. Each refusal is counted.
// proves: SC1
// proves: C4
func TestRTSPRefusals(t *testing.T) {
	e := vigiltest.Start(t)
	owner := e.SignUp("owner@example.com")
	other := e.SignUp("other@example.com")
	op := e.Operator()
	cams := op.Manufacture("vc-100", 2)
	nvrs := op.Manufacture("vn-800", 1)
	cam := owner.Claim(cams[0], "Gate")
	theirs := other.Claim(cams[1], "Theirs")
	nvr := owner.Claim(nvrs[0], "Recorder")

	wrong := cam
	wrong.Secret = "vdk_" + strings.Repeat("A", 43)
	refused := []struct {
		name, reason string
		cred         device.Credential
		path         string
	}{
		{"wrong secret", "credential", wrong, cam.DeviceID + "/0"},
		{"another device's secret", "credential", device.Credential{DeviceID: cam.DeviceID, Secret: theirs.Secret}, cam.DeviceID + "/0"},
		{"another account's device path", "path", cam, theirs.DeviceID + "/0"},
		{"a sibling device's path", "path", cam, nvr.DeviceID + "/1"},
		{"no channel", "path", cam, cam.DeviceID},
		{"odd channel", "path", cam, cam.DeviceID + "/01"},
		{"camera channel 1", "channel", cam, cam.DeviceID + "/1"},
		{"NVR channel 0", "channel", nvr, nvr.DeviceID + "/0"},
		{"NVR channel 9 of 8", "channel", nvr, nvr.DeviceID + "/9"},
	}
	for _, c := range refused {
		before := refusedCount(t, e, c.reason)
		if cl, err := tryPublish(rtspURL(e, c.cred, c.path), h264Desc()); err == nil {
			cl.Close()
			t.Errorf("%s: publishing was accepted", c.name)
			continue
		}
		if after := refusedCount(t, e, c.reason); after != before+1 {
			t.Errorf("%s: refusals for %q went %d -> %d", c.name, c.reason, before, after)
		}
	}
	if n := len(e.App.Live.Hub().Streams()); n != 0 {
		t.Fatalf("%d streams after refusals", n)
	}

	// What is allowed: the camera on channel 0, the NVR on its channels.
	for _, ok := range []struct {
		cred device.Credential
		path string
		key  live.Key
	}{
		{cam, cam.DeviceID + "/0", live.Key{AccountID: owner.AccountID, DeviceID: cam.DeviceID}},
		{nvr, nvr.DeviceID + "/1", live.Key{AccountID: owner.AccountID, DeviceID: nvr.DeviceID, Channel: 1}},
		{nvr, nvr.DeviceID + "/8", live.Key{AccountID: owner.AccountID, DeviceID: nvr.DeviceID, Channel: 8}},
	} {
		cl, err := tryPublish(rtspURL(e, ok.cred, ok.path), h264Desc())
		if err != nil {
			t.Fatalf("%s: %v", ok.path, err)
		}
		defer cl.Close()
		waitLive(t, e, ok.key)
	}

	// Reading over RTSP is refused, even with the device's own credential.
	before := refusedCount(t, e, "read")
	u, _ := base.ParseURL(rtspURL(e, cam, cam.DeviceID+"/0"))
	tcp := gortsplib.ProtocolTCP
	reader := &gortsplib.Client{Scheme: u.Scheme, Host: u.Host, Protocol: &tcp, ReadTimeout: 5 * time.Second}
	if err := reader.Start(); err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	if _, _, err := reader.Describe(u); err == nil {
		t.Error("DESCRIBE of a live stream was answered")
	}
	if after := refusedCount(t, e, "read"); after <= before {
		t.Errorf("read refusals %d -> %d", before, after)
	}
}

// Garbage on the RTSP port (malformed requests, RTP with nonsense inside,
// interleaved frames before any session) does not stop vigil: a device
// still publishes afterwards.
func TestRTSPGarbage(t *testing.T) {
	e := vigiltest.Start(t)
	owner := e.SignUp("owner@example.com")
	cam := owner.Claim(e.Operator().Manufacture("vc-100", 1)[0], "Gate")
	addr := e.App.Live.RTSPAddr().String()
	garbage := [][]byte{
		[]byte("GARBAGE\r\n\r\n"),
		[]byte("OPTIONS rtsp://x RTSP/1.0\r\nCSeq: nope\r\n\r\n"),
		[]byte("ANNOUNCE rtsp://" + addr + "/" + cam.DeviceID + "/0 RTSP/1.0\r\nCSeq: 1\r\nContent-Type: application/sdp\r\nContent-Length: 999999999\r\n\r\nv=0"),
		[]byte("ANNOUNCE rtsp://" + addr + "/" + cam.DeviceID + "/0 RTSP/1.0\r\nCSeq: 1\r\nAuthorization: Basic %%%%\r\nContent-Type: application/sdp\r\nContent-Length: 5\r\n\r\nv=0\r\n"),
		{'$', 0, 0xff, 0xff, 0x80, 0x60, 1, 2, 3},
		append([]byte{'$', 0, 0, 12}, make([]byte, 12)...),
		[]byte(strings.Repeat("A", 70000)),
	}
	for i, g := range garbage {
		conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			t.Fatalf("garbage %d: vigil no longer listens: %v", i, err)
		}
		conn.SetDeadline(time.Now().Add(2 * time.Second))
		conn.Write(g)
		bufio.NewReader(conn).ReadString('\n') // an answer or a closed connection
		conn.Close()
	}

	// A publisher whose RTP payloads are nonsense.
	desc := h264Desc()
	cl, err := tryPublish(rtspURL(e, cam, cam.DeviceID+"/0"), desc)
	if err != nil {
		t.Fatal(err)
	}
	medi := desc.Medias[0]
	for i := range 500 {
		payload := []byte{byte(i * 7), byte(i), 0x1c, 0x85, byte(i >> 1), 0, 0, 1}
		cl.WritePacketRTP(medi, &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: uint16(i * 3), Timestamp: uint32(i * 7919), Marker: i%3 == 0}, Payload: payload})
	}
	cl.Close()

	if cl, err := tryPublish(rtspURL(e, cam, cam.DeviceID+"/0"), h264Desc()); err != nil {
		t.Fatalf("vigil no longer takes publishers after garbage: %v", err)
	} else {
		cl.Close()
	}
}

// A device that publishes again (after a network change, say) replaces its
// stale stream: the old connection is closed and one stream remains.
func TestNewPublisherReplacesStale(t *testing.T) {
	e := vigiltest.Start(t)
	owner := e.SignUp("owner@example.com")
	cam := owner.Claim(e.Operator().Manufacture("vc-100", 1)[0], "Gate")
	k := live.Key{AccountID: owner.AccountID, DeviceID: cam.DeviceID}
	first, err := tryPublish(rtspURL(e, cam, cam.DeviceID+"/0"), h264Desc())
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	waitLive(t, e, k)
	old := e.App.Live.Hub().Stream(k).Session
	second, err := tryPublish(rtspURL(e, cam, cam.DeviceID+"/0"), h264Desc())
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	waittest.Within(t, "the new stream", 5*time.Second, func() bool {
		s := e.App.Live.Hub().Stream(k)
		return s != nil && s.Session != old
	})
	gone := make(chan error, 1)
	go func() { gone <- first.Wait() }()
	select {
	case <-gone:
	case <-time.After(5 * time.Second):
		t.Fatal("the stale publisher's connection stays open")
	}
	if n := len(e.App.Live.Hub().Streams()); n != 1 {
		t.Fatalf("%d streams", n)
	}
	body := string(e.Client().Must(http.StatusOK, "GET", "/metrics", nil).Body)
	if !strings.Contains(body, "\nvigil_live_streams 1\n") || !strings.Contains(body, "\nvigil_live_streams_replaced_total 1\n") {
		t.Errorf("metrics: %s", grepLines(body, "vigil_live_streams"))
	}
}

func grepLines(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
