package live_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/media/live"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// checkOf authenticates publishers with the real device service; while
// late is set, the check runs past its deadline as it does on a loaded
// machine (the context is already done when the database is asked).
type checkOf struct {
	devices *device.Service
	late    bool
}

func (c *checkOf) AuthenticatePublisher(ctx context.Context, id, secret string) (live.Publisher, error) {
	if c.late {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, time.Now().Add(-time.Second))
		defer cancel()
	}
	got, err := c.devices.Authenticate(ctx, id, secret)
	if err != nil {
		return live.Publisher{}, err
	}
	return live.Publisher{AccountID: got.AccountID, DeviceID: got.DeviceID, ClaimedAt: got.ClaimedAt}, nil
}

// A credential check that times out is not a wrong credential: the right
// credential gets 503 (retry), counted as auth_unavailable and not as
// credential; once the check answers in time the same credential
// publishes, and a wrong one is still 401 "credential".
func TestAuthTimeoutIsNotAWrongCredential(t *testing.T) {
	e := vigiltest.Start(t)
	owner := e.SignUp("owner@example.com")
	cam := owner.Claim(e.Operator().Manufacture("vc-100", 1)[0], "Gate")

	check := &checkOf{devices: e.App.Devices, late: true}
	reg := prometheus.NewRegistry()
	svc := live.New(live.Options{RTSPListen: "127.0.0.1:0", SegmentTarget: 2 * time.Second, Auth: check, Metrics: reg})
	if err := svc.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	count := func(reason string) float64 {
		mfs, _ := reg.Gather()
		for _, mf := range mfs {
			if mf.GetName() != "vigil_rtsp_refused_total" {
				continue
			}
			for _, m := range mf.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "reason" && l.GetValue() == reason {
						return m.GetCounter().GetValue()
					}
				}
			}
		}
		return 0
	}
	url := func(secret string) string {
		return fmt.Sprintf("rtsp://%s:%s@%s/%s/0", cam.DeviceID, secret, svc.RTSPAddr(), cam.DeviceID)
	}

	cl, err := tryPublish(url(cam.Secret), h264Desc())
	if err == nil {
		cl.Close()
		t.Fatal("publishing was accepted while the credential check timed out")
	}
	if !strings.Contains(err.Error(), "503") {
		t.Fatalf("a timed-out check answered %v, want 503", err)
	}
	if got, wrong := count("auth_unavailable"), count("credential"); got != 1 || wrong != 0 {
		t.Fatalf("auth_unavailable=%v credential=%v, want 1 and 0", got, wrong)
	}

	check.late = false
	cl, err = tryPublish(url(cam.Secret), h264Desc())
	if err != nil {
		t.Fatalf("the right credential, checked in time: %v", err)
	}
	cl.Close()
	if cl, err := tryPublish(url("vdk_"+strings.Repeat("A", 43)), h264Desc()); err == nil {
		cl.Close()
		t.Fatal("a wrong credential was accepted")
	} else if !strings.Contains(err.Error(), "401") {
		t.Fatalf("a wrong credential answered %v, want 401", err)
	}
	if got, wrong := count("auth_unavailable"), count("credential"); got != 1 || wrong != 1 {
		t.Fatalf("auth_unavailable=%v credential=%v, want 1 and 1", got, wrong)
	}
}
