package device_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/config"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/sim"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
	"github.com/vigil-cloud/vigil/internal/waittest"
)

func connect(t *testing.T, cred device.Credential, channels int, apply bool) *sim.Device {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	d, err := sim.Connect(ctx, sim.Config{URL: cred.MQTTURL, DeviceID: cred.DeviceID, Secret: cred.Secret, Channels: channels, Firmware: "1.0.0", Apply: apply, Upgrade: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d
}

// A camera connects over MQTT with its own credential; what it reports is
// stored as far as the data map allows, a garbage message is refused and
// counted while the camera stays connected, and the address it connected
// from is kept for its owner.
// proves: C1
// proves: C2
// proves: C5
func TestDeviceOverMQTT(t *testing.T) {
	vigiltest.EachBus(t, func(t *testing.T, e *vigiltest.Env) {
		made := e.Operator().Manufacture("vc-100", 1)
		owner := e.SignUp("owner@example.com")
		cred := owner.Claim(made[0], "Driveway")
		if cred.MQTTURL == "" {
			t.Fatal("the credential does not say where to connect")
		}
		cam := connect(t, cred, 0, false)
		ctx := t.Context()
		waittest.Eventually(t, "the camera online", func() bool { return getDevice(t, owner, cred.DeviceID).Online })

		if err := cam.Publish(ctx, "info", map[string]any{"firmware_version": "1.0.0", "time_zone": "Europe/Oslo", "wifi_password": "hunter2"}); err != nil {
			t.Fatal(err)
		}
		if err := cam.PublishRaw(ctx, "dev/"+cred.DeviceID+"/up/info", []byte("\x00\xff garbage")); err != nil {
			t.Fatal(err)
		}
		if err := cam.Publish(ctx, "event", map[string]any{"kind": "restart", "code": "watchdog"}); err != nil {
			t.Fatal(err)
		}
		waittest.Eventually(t, "the event stored", func() bool {
			var evs struct{ Events []device.EventRow }
			owner.Must(http.StatusOK, "GET", "/api/v1/accounts/"+owner.AccountID+"/devices/"+cred.DeviceID+"/events", nil).Decode(t, &evs)
			return len(evs.Events) == 1 && evs.Events[0].Code == "watchdog"
		})
		d := getDevice(t, owner, cred.DeviceID)
		if d.Info.TimeZone != "Europe/Oslo" || d.Ingest.DroppedFields != 1 || d.Ingest.RejectedMessages != 1 {
			t.Fatalf("device after MQTT ingest: info %+v counters %+v", d.Info, d.Ingest)
		}
		if !cam.Connected() {
			t.Fatal("a garbage message disconnected the camera")
		}
		assertNowhere(t, e, "hunter2")

		var addrs struct{ Addresses []device.Address }
		owner.Must(http.StatusOK, "GET", "/api/v1/accounts/"+owner.AccountID+"/devices/"+cred.DeviceID+"/addresses", nil).Decode(t, &addrs)
		if len(addrs.Addresses) != 1 || addrs.Addresses[0].IP != "127.0.0.1" || addrs.Addresses[0].Prefix != "127.0.0.0/24" {
			t.Fatalf("addresses %+v", addrs.Addresses)
		}
		assertNowhere(t, e, "127.0.0.1")
	})
}

// A device cannot read or write another device's topics, even knowing its
// ID, and its owner's data stays untouched.
// proves: U-H
func TestDeviceTopicIsolation(t *testing.T) {
	vigiltest.EachBus(t, func(t *testing.T, e *vigiltest.Env) {
		made := e.Operator().Manufacture("vc-100", 2)
		alice, mallory := e.SignUp("alice@example.com"), e.SignUp("mallory@example.com")
		victim := connect(t, alice.Claim(made[0], "Nursery"), 0, false)
		_ = victim
		attacker := connect(t, mallory.Claim(made[1], "Mine"), 0, false)
		ctx := t.Context()
		vid := made[0].ID

		for _, topic := range []string{"dev/" + vid + "/down/#", "dev/" + vid + "/#", "dev/+/down/#", "#"} {
			// The client library hands every message to each matching
			// handler, refused or not: only the victim's topics count.
			if qos, err := attacker.Subscribe(ctx, topic, func(got string, _ []byte) {
				if strings.Contains(got, vid) {
					t.Errorf("attacker received %s through %s", got, topic)
				}
			}); err == nil && qos != 0x80 {
				t.Errorf("subscribing to %s granted QoS %d, want refused (0x80)", topic, qos)
			}
		}
		// Publishing into the victim's tree never lands in the victim's data.
		_ = attacker.PublishRaw(ctx, "dev/"+vid+"/up/info", []byte(`{"time_zone":"Pwned/Zone"}`))
		_ = attacker.PublishRaw(ctx, "dev/"+vid+"/up/event", []byte(`{"kind":"crash","code":"pwned"}`))
		// Push a setting to the victim: it must reach the victim only.
		alice.Must(http.StatusOK, "PATCH", "/api/v1/accounts/"+alice.AccountID+"/devices/"+vid+"/shadow",
			map[string]any{"channel": 0, "version": 0, "desired": map[string]any{"ir_mode": "off"}})
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := victim.WaitFor(wctx, func(d *sim.Device) bool { _, ok := d.Shadow(0); return ok }); err != nil {
			t.Fatal("the victim did not receive its own settings")
		}
		// Give a misrouted message time to arrive, then check.
		if err := attacker.Publish(ctx, "event", map[string]any{"kind": "error", "code": "probe"}); err != nil {
			t.Fatal(err)
		}
		waittest.Eventually(t, "the attacker's own event", func() bool {
			var evs struct{ Events []device.EventRow }
			mallory.Must(http.StatusOK, "GET", "/api/v1/accounts/"+mallory.AccountID+"/devices/"+made[1].ID+"/events", nil).Decode(t, &evs)
			return len(evs.Events) == 1
		})
		if d := getDevice(t, alice, vid); d.Info.TimeZone != "" {
			t.Fatalf("the attacker changed the victim's info: %+v", d.Info)
		}
		var evs struct{ Events []device.EventRow }
		alice.Must(http.StatusOK, "GET", "/api/v1/accounts/"+alice.AccountID+"/devices/"+vid+"/events", nil).Decode(t, &evs)
		if len(evs.Events) != 0 {
			t.Fatalf("the attacker wrote events for the victim: %+v", evs.Events)
		}
		if sh, ok := attacker.Shadow(0); ok && len(sh.Desired) > 0 {
			t.Fatalf("the attacker received settings it never had: %+v", sh)
		}
	})
}

// Revoking a credential, or reporting the device lost, cuts it off at once;
// it cannot come back with the old secret.
// proves: U-H
func TestRevokedDeviceIsCutOff(t *testing.T) {
	vigiltest.EachBus(t, func(t *testing.T, e *vigiltest.Env) {
		made := e.Operator().Manufacture("vc-100", 2)
		owner := e.SignUp("owner@example.com")
		creds := []device.Credential{owner.Claim(made[0], "A"), owner.Claim(made[1], "B")}
		cams := []*sim.Device{connect(t, creds[0], 0, false), connect(t, creds[1], 0, false)}
		owner.Must(http.StatusNoContent, "DELETE", "/api/v1/accounts/"+owner.AccountID+"/devices/"+made[0].ID+"/credential", nil)
		owner.Must(http.StatusOK, "POST", "/api/v1/accounts/"+owner.AccountID+"/devices/"+made[1].ID+"/lost", nil)
		for i, c := range cams {
			start := time.Now()
			waittest.Eventually(t, fmt.Sprintf("device %d disconnected", i), func() bool { return !c.Connected() })
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("device %d stayed connected %s after revocation", i, d)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			_, err := sim.Connect(ctx, sim.Config{URL: creds[i].MQTTURL, DeviceID: creds[i].DeviceID, Secret: creds[i].Secret})
			cancel()
			if err == nil {
				t.Errorf("device %d reconnected with a revoked credential", i)
			}
		}
	})
}

// Settings reach an online device at once and an offline one when it comes
// back; once it reports them, the delta empties. NVR channels are separate.
// proves: U-D
func TestShadowReachesDevices(t *testing.T) {
	vigiltest.EachBus(t, func(t *testing.T, e *vigiltest.Env) {
		made := e.Operator().Manufacture("vn-800", 1)
		owner := e.SignUp("owner@example.com")
		cred := owner.Claim(made[0], "NVR")
		id := cred.DeviceID
		nvr := connect(t, cred, 8, true)
		waittest.Eventually(t, "the NVR online", func() bool { return getDevice(t, owner, id).Online })

		owner.Must(http.StatusOK, "PATCH", "/api/v1/accounts/"+owner.AccountID+"/devices/"+id+"/shadow",
			map[string]any{"channel": 2, "version": 0, "desired": map[string]any{"fps": 12, "ir_mode": "on"}})
		waittest.Eventually(t, "channel 2 applied", func() bool {
			sh := shadow(t, owner, id, 2)
			return sh.Version == 1 && len(sh.Delta) == 0 && len(sh.Reported) == 2
		})
		if sh := shadow(t, owner, id, 3); sh.Version != 0 || len(sh.Reported) != 0 {
			t.Fatalf("channel 3 changed with channel 2: %+v", sh)
		}

		// Offline: the change waits, and arrives when the NVR is back.
		nvr.Close()
		waittest.Eventually(t, "the NVR offline", func() bool { return !getDevice(t, owner, id).Online })
		owner.Must(http.StatusOK, "PATCH", "/api/v1/accounts/"+owner.AccountID+"/devices/"+id+"/shadow",
			map[string]any{"channel": 2, "version": 1, "desired": map[string]any{"fps": 25}})
		owner.Must(http.StatusOK, "PATCH", "/api/v1/accounts/"+owner.AccountID+"/devices/"+id+"/shadow",
			map[string]any{"channel": 0, "version": 0, "desired": map[string]any{"time_zone": "Asia/Tokyo"}})
		if sh := shadow(t, owner, id, 2); len(sh.Delta) != 1 {
			t.Fatalf("offline delta %s", raw(sh.Delta))
		}
		back := connect(t, cred, 8, true)
		waittest.Eventually(t, "the latest settings applied after reconnect", func() bool {
			s2, s0 := shadow(t, owner, id, 2), shadow(t, owner, id, 0)
			return len(s2.Delta) == 0 && string(s2.Reported["fps"]) == "25" && len(s0.Delta) == 0
		})
		if sh, ok := back.Shadow(2); !ok || sh.Version != 2 {
			t.Fatalf("the NVR holds channel 2 at %+v, want version 2", sh)
		}
	})
}

// Devices are told of firmware their rollout reaches, install it and
// report the upgrade; owners see the new version.
// proves: U-B
func TestFirmwareOfferOverMQTT(t *testing.T) {
	vigiltest.EachBus(t, func(t *testing.T, e *vigiltest.Env) {
		op := e.Operator()
		made := op.Manufacture("vc-100", 1)
		owner := e.SignUp("owner@example.com")
		cred := owner.Claim(made[0], "Porch")
		cam := connect(t, cred, 0, false)
		if err := cam.Publish(t.Context(), "info", map[string]any{"firmware_version": "1.0.0"}); err != nil {
			t.Fatal(err)
		}
		waittest.Eventually(t, "online on 1.0.0", func() bool {
			d := getDevice(t, owner, cred.DeviceID)
			return d.Online && d.Info.FirmwareVersion == "1.0.0"
		})
		op.Must(http.StatusCreated, "POST", "/api/v1/staff/firmware", release(t, "1.1.0", 100))
		waittest.Eventually(t, "the upgrade reported", func() bool {
			d := getDevice(t, owner, cred.DeviceID)
			return d.Info.FirmwareVersion == "1.1.0" && d.UpdateAvailable == nil
		})
		var evs struct{ Events []device.EventRow }
		owner.Must(http.StatusOK, "GET", "/api/v1/accounts/"+owner.AccountID+"/devices/"+cred.DeviceID+"/events", nil).Decode(t, &evs)
		if len(evs.Events) == 0 || evs.Events[0].Kind != "upgrade" || evs.Events[0].Version != "1.1.0" {
			t.Fatalf("events %+v", evs.Events)
		}
	})
}

// What a device sends waits in the bus's store only until it is ingested,
// and is encrypted there: no file under vigil's data directory holds a
// device message, or the field minimisation dropped, in clear.
// proves: C5
// proves: P2
func TestBusStoreHoldsNothingInClear(t *testing.T) {
	e := vigiltest.Start(t)
	made := e.Operator().Manufacture("vc-100", 1)
	owner := e.SignUp("owner@example.com")
	cred := owner.Claim(made[0], "Hall")
	cam := connect(t, cred, 0, false)
	const marker = "undeclared-marker-7f3a91"
	if err := cam.Publish(t.Context(), "info", map[string]any{"time_zone": "Europe/Rome", "secret_note": marker}); err != nil {
		t.Fatal(err)
	}
	waittest.Eventually(t, "the info stored", func() bool { return getDevice(t, owner, cred.DeviceID).Info.TimeZone == "Europe/Rome" })
	cam.Close()
	e.App.Close() // flush and close every store file
	assertNoFileContains(t, e.Config.DataDir, marker)
	assertNoFileContains(t, filepath.Join(e.Config.DataDir, "bus"), "Europe/Rome")
}

// With TLS configured, devices connect over MQTTS with the certificate
// vigil serves, and nothing but TLS is accepted on the device port.
func TestDeviceOverMQTTS(t *testing.T) {
	e := vigiltest.Start(t, func(c *config.Config) { c.TLS.SelfSigned = true })
	made := e.Operator().Manufacture("vc-100", 1)
	owner := e.SignUp("owner@example.com")
	cred := owner.Claim(made[0], "Gate")
	if !strings.HasPrefix(cred.MQTTURL, "mqtts://") {
		t.Fatalf("devices are told %q, want mqtts://", cred.MQTTURL)
	}
	pem, err := os.ReadFile(filepath.Join(e.Config.DataDir, "tls", "cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		t.Fatal("vigil's certificate does not parse")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	cfg := sim.Config{URL: cred.MQTTURL, DeviceID: cred.DeviceID, Secret: cred.Secret, Firmware: "1.0.0",
		TLS: &tls.Config{RootCAs: roots, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}}
	cam, err := sim.Connect(ctx, cfg)
	if err != nil {
		t.Fatalf("MQTTS: %v", err)
	}
	defer cam.Close()
	waittest.Eventually(t, "the camera online over TLS", func() bool { return getDevice(t, owner, cred.DeviceID).Online })

	plain := cfg
	plain.URL, plain.TLS = strings.Replace(cred.MQTTURL, "mqtts://", "mqtt://", 1), nil
	pctx, pcancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer pcancel()
	if d, err := sim.Connect(pctx, plain); err == nil {
		d.Close()
		t.Fatal("plain MQTT accepted on the TLS port")
	}
}

// An owner asks a camera to install the firmware offered to it now: the
// offer goes down again marked install; a stranger's ask is refused as if
// the camera did not exist; a camera on the newest firmware, or offline,
// is refused with the reason.
// proves: U-B
func TestOwnerUpdatesFirmwareNow(t *testing.T) {
	vigiltest.EachBus(t, func(t *testing.T, e *vigiltest.Env) {
		op := e.Operator()
		owner, stranger := e.SignUp("owner@example.com"), e.SignUp("stranger@example.com")
		cred := owner.Claim(op.Manufacture("vc-100", 1)[0], "Hall")
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		cam, err := sim.Connect(ctx, sim.Config{URL: cred.MQTTURL, DeviceID: cred.DeviceID, Secret: cred.Secret, Firmware: "1.0.0"})
		if err != nil {
			t.Fatal(err)
		}
		defer cam.Close()
		if err := cam.Publish(ctx, "info", map[string]string{"firmware_version": "1.0.0"}); err != nil {
			t.Fatal(err)
		}
		path := "/api/v1/accounts/" + owner.AccountID + "/devices/" + cred.DeviceID
		waittest.Eventually(t, "the camera online on 1.0.0", func() bool {
			var d device.Device
			owner.Must(http.StatusOK, "GET", path, nil).Decode(t, &d)
			return d.Online && d.Info.FirmwareVersion == "1.0.0"
		})
		if r := owner.Do("POST", path+"/firmware-update", nil); r.Status != http.StatusConflict || !strings.Contains(string(r.Body), "newest firmware") {
			t.Fatalf("update with nothing offered: %d %s", r.Status, r.Body)
		}
		op.Must(http.StatusCreated, "POST", "/api/v1/staff/firmware", release(t, "2.0.0", 100))
		waittest.Eventually(t, "the announced offer", func() bool { return len(cam.Offers()) > 0 })
		if cam.Offers()[0].Install {
			t.Fatal("the announcement asks to install at once")
		}
		stranger.Must(http.StatusNotFound, "POST", "/api/v1/accounts/"+owner.AccountID+"/devices/"+cred.DeviceID+"/firmware-update", nil)
		var o device.Offer
		owner.Must(http.StatusAccepted, "POST", path+"/firmware-update", nil).Decode(t, &o)
		if o.Version != "2.0.0" || !o.Install {
			t.Fatalf("offer %+v", o)
		}
		waittest.Eventually(t, "the install-now offer on the camera", func() bool {
			offers := cam.Offers()
			return len(offers) >= 2 && offers[len(offers)-1].Install && offers[len(offers)-1].Version == "2.0.0"
		})
		cam.Close()
		waittest.Eventually(t, "the camera offline", func() bool {
			var d device.Device
			owner.Must(http.StatusOK, "GET", path, nil).Decode(t, &d)
			return !d.Online
		})
		if r := owner.Do("POST", path+"/firmware-update", nil); r.Status != http.StatusConflict || !strings.Contains(string(r.Body), "offline") {
			t.Fatalf("update of an offline camera: %d %s", r.Status, r.Body)
		}
	})
}
