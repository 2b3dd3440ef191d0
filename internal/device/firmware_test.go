package device_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"testing"

	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

func release(t *testing.T, version string, percent int) map[string]any {
	t.Helper()
	image := []byte("firmware image " + version)
	sum := sha256.Sum256(image)
	_, priv, _ := ed25519.GenerateKey(nil)
	return map[string]any{"model": "vc-100", "version": version, "notes": "Fixes night vision.",
		"sha256": hex.EncodeToString(sum[:]), "signature": base64.StdEncoding.EncodeToString(ed25519.Sign(priv, sum[:])),
		"url": "https://updates.vigil.test/vc-100/" + version + ".bin", "rollout_percent": percent}
}

// A release reaches the share of devices its rollout names; owners see the
// offer in the app, and devices already on that version are not offered it.
// proves: U-B
func TestFirmwareStagedRollout(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		op := e.Operator()
		const n = 40
		made := op.Manufacture("vc-100", n)
		owner := e.SignUp("owner@example.com")
		for i, m := range made {
			owner.Claim(m, fmt.Sprintf("cam %d", i))
			if err := ingest(t, e, m.ID, "info", `{"firmware_version":"1.0.0"}`); err != nil {
				t.Fatal(err)
			}
		}
		// The newest device already runs 2.0.0.
		if err := ingest(t, e, made[n-1].ID, "info", `{"firmware_version":"2.0.0"}`); err != nil {
			t.Fatal(err)
		}
		for _, bad := range []map[string]any{
			func() map[string]any { r := release(t, "two", 10); return r }(),
			func() map[string]any { r := release(t, "2.0.0", 10); r["sha256"] = "abc"; return r }(),
			func() map[string]any { r := release(t, "2.0.0", 10); r["url"] = "http://plain.example/x.bin"; return r }(),
			func() map[string]any { r := release(t, "2.0.0", 101); return r }(),
			func() map[string]any { r := release(t, "2.0.0", 10); r["model"] = "nope"; return r }(),
		} {
			if r := op.Do("POST", "/api/v1/staff/firmware", bad); r.Status != http.StatusBadRequest && r.Status != http.StatusNotFound {
				t.Errorf("bad release %v: %d %s", bad, r.Status, r.Body)
			}
		}
		var rel device.Release
		op.Must(http.StatusCreated, "POST", "/api/v1/staff/firmware", release(t, "2.0.0", 25)).Decode(t, &rel)
		op.Must(http.StatusConflict, "POST", "/api/v1/staff/firmware", release(t, "2.0.0", 25))

		updates := func() int {
			var res struct{ Devices []device.Device }
			owner.Must(http.StatusOK, "GET", "/api/v1/accounts/"+owner.AccountID+"/updates", nil).Decode(t, &res)
			for _, d := range res.Devices {
				if d.ID == made[n-1].ID {
					t.Fatal("a device already on 2.0.0 is offered 2.0.0")
				}
				if d.UpdateAvailable.Version != "2.0.0" || d.UpdateAvailable.SHA256 != rel.SHA256 {
					t.Fatalf("offer %+v", d.UpdateAvailable)
				}
			}
			return len(res.Devices)
		}
		at25 := updates()
		if at25 < 3 || at25 > 18 {
			t.Fatalf("%d of %d devices offered at 25%%: the rollout is not staged", at25, n-1)
		}
		op.Must(http.StatusOK, "PATCH", "/api/v1/staff/firmware/"+rel.ID, map[string]any{"rollout_percent": 60})
		at60 := updates()
		if at60 <= at25 {
			t.Fatalf("widening the rollout from 25%% to 60%% went from %d to %d devices", at25, at60)
		}
		op.Must(http.StatusOK, "PATCH", "/api/v1/staff/firmware/"+rel.ID, map[string]any{"rollout_percent": 100})
		if all := updates(); all != n-1 {
			t.Fatalf("at 100%%, %d of %d devices offered", all, n-1)
		}
		// An upgraded device reports its new version and the offer goes.
		if err := ingest(t, e, made[0].ID, "event", `{"kind":"upgrade","code":"ok","version":"2.0.0"}`); err != nil {
			t.Fatal(err)
		}
		if err := ingest(t, e, made[0].ID, "info", `{"firmware_version":"2.0.0"}`); err != nil {
			t.Fatal(err)
		}
		if after := updates(); after != n-2 {
			t.Fatalf("after one upgrade, %d devices offered, want %d", after, n-2)
		}
		// Customers cannot publish.
		owner.Must(http.StatusNotFound, "POST", "/api/v1/staff/firmware", release(t, "3.0.0", 100))
	})
}

// The app asks whether it must or may update.
// proves: U-B
func TestAppVersionCheck(t *testing.T) {
	e := vigiltest.Start(t)
	op := e.Operator()
	anon := e.Client()
	check := func(platform, version string) device.VersionCheck {
		var c device.VersionCheck
		anon.Must(http.StatusOK, "GET", "/api/v1/app/version?platform="+platform+"&version="+version, nil).Decode(t, &c)
		return c
	}
	if c := check("ios", "3.0.0"); c.Update != "none" {
		t.Fatalf("no catalogue: %+v", c)
	}
	op.Must(http.StatusOK, "PUT", "/api/v1/staff/app-releases/ios", map[string]any{"latest": "3.4.0", "minimum": "3.1.0", "notes": "Faster live view."})
	op.Must(http.StatusBadRequest, "PUT", "/api/v1/staff/app-releases/ios", map[string]any{"latest": "3.0.0", "minimum": "3.1.0", "notes": ""})
	op.Must(http.StatusBadRequest, "PUT", "/api/v1/staff/app-releases/palm", map[string]any{"latest": "3.0.0", "minimum": "3.0.0", "notes": ""})
	for v, want := range map[string]string{"3.0.9": "required", "3.1.0": "available", "3.3.2": "available", "3.4.0": "none", "4.0.0": "none"} {
		if c := check("ios", v); c.Update != want {
			t.Errorf("version %s: update %q, want %q", v, c.Update, want)
		}
	}
	anon.Must(http.StatusBadRequest, "GET", "/api/v1/app/version?platform=ios&version=banana", nil)
}
