package live_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v5"
	"github.com/bluenviron/gortsplib/v5/pkg/base"
	"github.com/bluenviron/gortsplib/v5/pkg/description"
	"github.com/bluenviron/gortsplib/v5/pkg/format"
	"github.com/bluenviron/gortsplib/v5/pkg/liberrors"
	"github.com/pion/rtp"

	"github.com/vigil-cloud/vigil/internal/config"
	"github.com/vigil-cloud/vigil/internal/media/live"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
	"github.com/vigil-cloud/vigil/internal/waittest"
)

// lanCamera is an RTSP server like a camera's on a LAN: ffmpeg publishes
// into it, and it serves the stream to readers with a user and password.
type lanCamera struct {
	srv    *gortsplib.Server
	mu     sync.Mutex
	stream *gortsplib.ServerStream
}

func (c *lanCamera) OnAnnounce(ctx *gortsplib.ServerHandlerOnAnnounceCtx) (*base.Response, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stream = &gortsplib.ServerStream{Server: c.srv, Desc: ctx.Description}
	if err := c.stream.Initialize(); err != nil {
		return &base.Response{StatusCode: base.StatusBadRequest}, err
	}
	return &base.Response{StatusCode: base.StatusOK}, nil
}

func (c *lanCamera) OnRecord(ctx *gortsplib.ServerHandlerOnRecordCtx) (*base.Response, error) {
	ctx.Session.OnPacketRTPAny(func(m *description.Media, _ format.Format, p *rtp.Packet) {
		c.mu.Lock()
		s := c.stream
		c.mu.Unlock()
		s.WritePacketRTP(m, p)
	})
	return &base.Response{StatusCode: base.StatusOK}, nil
}

func (c *lanCamera) read(conn *gortsplib.ServerConn, req *base.Request) (*base.Response, *gortsplib.ServerStream, error) {
	if !conn.VerifyCredentials(req, "admin", "cam-pass") {
		return &base.Response{StatusCode: base.StatusUnauthorized}, nil, liberrors.ErrServerAuth{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stream == nil {
		return &base.Response{StatusCode: base.StatusNotFound}, nil, nil
	}
	return &base.Response{StatusCode: base.StatusOK}, c.stream, nil
}

func (c *lanCamera) OnDescribe(ctx *gortsplib.ServerHandlerOnDescribeCtx) (*base.Response, *gortsplib.ServerStream, error) {
	return c.read(ctx.Conn, ctx.Request)
}

func (c *lanCamera) OnSetup(ctx *gortsplib.ServerHandlerOnSetupCtx) (*base.Response, *gortsplib.ServerStream, error) {
	if ctx.Session.State() == gortsplib.ServerSessionStatePreRecord {
		return &base.Response{StatusCode: base.StatusOK}, nil, nil
	}
	return c.read(ctx.Conn, ctx.Request)
}

func (c *lanCamera) OnPlay(*gortsplib.ServerHandlerOnPlayCtx) (*base.Response, error) {
	return &base.Response{StatusCode: base.StatusOK}, nil
}

// An owner points vigil at a camera on the LAN (its RTSP URL with the
// camera's password); vigil pulls it into the device channel, viewers
// watch it like a published one, the URL is stored sealed, and removing it
// stops the pull.
// proves: SC1
func TestPullLANCamera(t *testing.T) {
	ffmpeg, ffprobe := ffmpegTools(t)
	cam := &lanCamera{}
	cam.srv = &gortsplib.Server{Handler: cam, RTSPAddress: "127.0.0.1:0"}
	if err := cam.srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer cam.srv.Close()
	camAddr := cam.srv.NetListener().Addr().String()
	publish(t, ffmpeg, "rtsp://"+camAddr+"/stream")

	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) { pullLANCamera(t, e, ffprobe, camAddr) },
		func(c *config.Config) { c.Video.PullEnabled = true })
}

func pullLANCamera(t *testing.T, e *vigiltest.Env, ffprobe, camAddr string) {
	owner := e.SignUp("owner@example.com")
	member := e.SignUp("member@example.com")
	cred := owner.Claim(e.Operator().Manufacture("vc-100", 1)[0], "Shed")
	pull := "/api/v1/accounts/" + owner.AccountID + "/devices/" + cred.DeviceID + "/channels/0/pull"
	camURL := fmt.Sprintf("rtsp://admin:cam-pass@%s/stream", camAddr)

	for _, bad := range []string{"http://" + camAddr + "/", "rtsp://", "file:///etc/passwd"} {
		if r := owner.Do("PUT", pull, map[string]any{"url": bad}); r.Status != http.StatusBadRequest {
			t.Errorf("URL %q: %d %s", bad, r.Status, r.Body)
		}
	}
	if r := member.Do("PUT", pull, map[string]any{"url": camURL}); r.Status != http.StatusNotFound {
		t.Errorf("another account setting the URL: %d", r.Status)
	}
	owner.Must(http.StatusNoContent, "PUT", pull, map[string]any{"url": camURL})
	k := live.Key{AccountID: owner.AccountID, DeviceID: cred.DeviceID}
	waitLive(t, e, k)

	var urls liveURLs
	owner.Must(http.StatusOK, "POST", "/api/v1/accounts/"+owner.AccountID+"/devices/"+cred.DeviceID+"/channels/0/live", nil).Decode(t, &urls)
	if c := ffprobeJSON(t, ffprobe, e.URL+urls.HLS).codecs(); c["video"] != "h264" || c["audio"] != "aac" {
		t.Fatalf("ffprobe on the pulled camera finds %v", c)
	}
	assertNowhere(t, e, "cam-pass", camAddr+"/stream")

	// After a restart vigil pulls it again, from the sealed URL.
	e = e.Restart(vigiltest.Online)
	waitLive(t, e, k)

	owner = owner.On(e)
	owner.Must(http.StatusNoContent, "DELETE", pull, nil)
	waittest.Within(t, "the pull to stop", 10*time.Second, func() bool { return e.App.Live.Hub().Stream(k) == nil })
	if r := owner.Do("DELETE", pull, nil); r.Status != http.StatusNotFound {
		t.Errorf("removing twice: %d", r.Status)
	}

	// Releasing the device stops its pull and forgets the address: it is
	// no longer the account's to record.
	owner.Must(http.StatusNoContent, "PUT", pull, map[string]any{"url": camURL})
	waitLive(t, e, k)
	owner.Must(http.StatusNoContent, "DELETE", "/api/v1/accounts/"+owner.AccountID+"/devices/"+cred.DeviceID, nil)
	waittest.Within(t, "the released device's pull to stop", 10*time.Second, func() bool { return e.App.Live.Hub().Stream(k) == nil })
	var left int
	if err := e.App.DB.Read(t.Context(), func(tx *store.Tx) error {
		return tx.QueryRow(t.Context(), `SELECT COUNT(*) FROM live_pull_sources WHERE device_id = ?`, cred.DeviceID).Scan(&left)
	}); err != nil || left != 0 {
		t.Fatalf("pull sources of the released device: %d (%v)", left, err)
	}
}

// assertNowhere fails when any value is stored in clear in any column.
func assertNowhere(t *testing.T, e *vigiltest.Env, values ...string) {
	t.Helper()
	cols, err := e.App.DB.Columns(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cols {
		var hits int
		for _, v := range values {
			q := "SELECT COUNT(*) FROM " + c.Table + " WHERE CAST(" + c.Name + " AS TEXT) LIKE ?"
			if err := e.App.DB.Read(t.Context(), func(tx *store.Tx) error { return tx.QueryRow(t.Context(), q, "%"+v+"%").Scan(&hits) }); err == nil && hits > 0 {
				t.Errorf("%q is stored in clear in %s", v, c)
			}
		}
	}
	_ = strings.Contains
}
