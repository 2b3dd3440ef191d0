package device_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// A device belongs to exactly one account: a second account cannot claim an
// owned device, a wrong claim code looks like an unknown serial, and a
// device reported lost stays with its owner until they release it.
// proves: U-A
// proves: U-H
func TestClaimOwnershipAndTheft(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		op := e.Operator()
		made := op.Manufacture("vc-100", 2)
		alice := e.SignUp("alice@example.com")
		mallory := e.SignUp("mallory@example.com")

		wrong := mallory.Do("POST", "/api/v1/accounts/"+mallory.AccountID+"/devices/claim", map[string]any{
			"serial": made[0].Serial, "claim_code": "WRONGCODE1", "name": "x"})
		unknown := mallory.Do("POST", "/api/v1/accounts/"+mallory.AccountID+"/devices/claim", map[string]any{
			"serial": "SN-NOPE-1", "claim_code": "WRONGCODE1", "name": "x"})
		if wrong.Status != http.StatusNotFound || unknown.Status != http.StatusNotFound || wrong.ErrorMessage() != unknown.ErrorMessage() {
			t.Fatalf("wrong code %d %q vs unknown serial %d %q: must be alike", wrong.Status, wrong.ErrorMessage(), unknown.Status, unknown.ErrorMessage())
		}

		cred := alice.Claim(made[0], "Front door")
		if cred.DeviceID != made[0].ID || cred.Secret == "" {
			t.Fatalf("credential %+v", cred)
		}
		second := mallory.Do("POST", "/api/v1/accounts/"+mallory.AccountID+"/devices/claim", map[string]any{
			"serial": made[0].Serial, "claim_code": made[0].ClaimCode, "name": "mine now"})
		if second.Status != http.StatusConflict {
			t.Fatalf("second account claiming an owned device: %d %s", second.Status, second.Body)
		}
		// Mallory cannot see or touch Alice's device by its ID either.
		mallory.Must(http.StatusNotFound, "GET", "/api/v1/accounts/"+alice.AccountID+"/devices/"+made[0].ID, nil)
		mallory.Must(http.StatusNotFound, "DELETE", "/api/v1/accounts/"+alice.AccountID+"/devices/"+made[0].ID, nil)

		var d device.Device
		alice.Must(http.StatusOK, "POST", "/api/v1/accounts/"+alice.AccountID+"/devices/"+made[0].ID+"/lost", nil).Decode(t, &d)
		if d.LostAt == nil || d.CredentialIssuedAt != nil {
			t.Fatalf("lost device: %+v", d)
		}
		if _, err := e.App.Devices.Authenticate(t.Context(), cred.Username, cred.Secret); err == nil {
			t.Fatal("a lost device's credential still authenticates")
		}
		// A thief who reset the device cannot claim it, even with the label.
		stolen := mallory.Do("POST", "/api/v1/accounts/"+mallory.AccountID+"/devices/claim", map[string]any{
			"serial": made[0].Serial, "claim_code": made[0].ClaimCode, "name": "stolen"})
		if stolen.Status != http.StatusConflict {
			t.Fatalf("claiming a lost device: %d %s", stolen.Status, stolen.Body)
		}
		alice.Must(http.StatusConflict, "POST", "/api/v1/accounts/"+alice.AccountID+"/devices/"+made[0].ID+"/credential", nil)

		// Once Alice releases it, it can be claimed again (sold on).
		alice.Must(http.StatusNoContent, "DELETE", "/api/v1/accounts/"+alice.AccountID+"/devices/"+made[0].ID, nil)
		mallory.Claim(made[0], "bought second hand")
		alice.Must(http.StatusNotFound, "GET", "/api/v1/accounts/"+alice.AccountID+"/devices/"+made[0].ID, nil)
	})
}

// Claiming needs an admin; guests and members see devices but cannot add,
// release or re-key them.
func TestClaimNeedsAdmin(t *testing.T) {
	e := vigiltest.Start(t)
	made := e.Operator().Manufacture("vc-100", 1)
	owner := e.SignUp("owner@example.com")
	owner.Must(http.StatusAccepted, "POST", "/api/v1/accounts/"+owner.AccountID+"/invitations", map[string]any{"email": "kid@example.com", "role": "guest"})
	token := e.Mail.Wait(t, "kid@example.com", "invited").Token(t)
	kid := e.SignUp("kid@example.com")
	kid.Must(http.StatusOK, "POST", "/api/v1/invitations/accept", map[string]string{"token": token})
	kid.AccountID = owner.AccountID
	r := kid.Do("POST", "/api/v1/accounts/"+owner.AccountID+"/devices/claim", map[string]any{
		"serial": made[0].Serial, "claim_code": made[0].ClaimCode, "name": "x"})
	if r.Status != http.StatusForbidden {
		t.Fatalf("guest claim: %d %s", r.Status, r.Body)
	}
	owner.Claim(made[0], "Garden")
	var list struct{ Devices []device.Device }
	kid.Must(http.StatusOK, "GET", "/api/v1/accounts/"+owner.AccountID+"/devices", nil).Decode(t, &list)
	if len(list.Devices) != 1 || list.Devices[0].Name != "Garden" {
		t.Fatalf("guest's device list: %+v", list.Devices)
	}
	kid.Must(http.StatusForbidden, "DELETE", "/api/v1/accounts/"+owner.AccountID+"/devices/"+made[0].ID, nil)
	kid.Must(http.StatusForbidden, "POST", "/api/v1/accounts/"+owner.AccountID+"/devices/"+made[0].ID+"/credential", nil)
}

// A pairing token lets a device claim itself into its owner's account once,
// within ten minutes.
// proves: U-A
func TestPairingToken(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		made := e.Operator().Manufacture("vn-800", 3)
		owner := e.SignUp("owner@example.com")
		anon := e.Client()
		var tok device.PairingToken
		owner.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+owner.AccountID+"/pairing-tokens", map[string]any{}).Decode(t, &tok)

		var cred device.Credential
		anon.Basic = made[0].Serial + ":" + made[0].FactorySecret
		anon.Must(http.StatusCreated, "POST", "/api/v1/devices/pair", map[string]any{"serial": made[0].Serial, "pairing_token": tok.Token}).Decode(t, &cred)
		anon.Basic = made[1].Serial + ":" + made[1].FactorySecret
		if cred.DeviceID != made[0].ID {
			t.Fatalf("paired %q, want %q", cred.DeviceID, made[0].ID)
		}
		if _, err := e.App.Devices.Authenticate(t.Context(), cred.Username, cred.Secret); err != nil {
			t.Fatalf("paired credential: %v", err)
		}
		// Single use.
		anon.Must(http.StatusUnauthorized, "POST", "/api/v1/devices/pair", map[string]any{"serial": made[1].Serial, "pairing_token": tok.Token})

		owner.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+owner.AccountID+"/pairing-tokens", map[string]any{}).Decode(t, &tok)
		e.Clock.Advance(10*time.Minute + time.Second)
		anon.Must(http.StatusUnauthorized, "POST", "/api/v1/devices/pair", map[string]any{"serial": made[1].Serial, "pairing_token": tok.Token})

		var d device.Device
		owner.Must(http.StatusOK, "GET", "/api/v1/accounts/"+owner.AccountID+"/devices/"+made[0].ID, nil).Decode(t, &d)
		if d.Kind != device.NVR || d.Channels != 8 || d.Name == "" {
			t.Fatalf("paired NVR: %+v", d)
		}
	})
}

// Rotating a credential makes the old one fail at once; revoking leaves
// none.
func TestCredentialRotation(t *testing.T) {
	e := vigiltest.Start(t)
	made := e.Operator().Manufacture("vc-100", 1)
	owner := e.SignUp("owner@example.com")
	old := owner.Claim(made[0], "Hall")
	var fresh device.Credential
	owner.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+owner.AccountID+"/devices/"+made[0].ID+"/credential", nil).Decode(t, &fresh)
	ctx := t.Context()
	if _, err := e.App.Devices.Authenticate(ctx, old.Username, old.Secret); err == nil {
		t.Error("old credential still works after rotation")
	}
	if _, err := e.App.Devices.Authenticate(ctx, fresh.Username, fresh.Secret); err != nil {
		t.Errorf("new credential: %v", err)
	}
	if _, err := e.App.Devices.Authenticate(ctx, made[0].ID, old.Secret+"x"); err == nil {
		t.Error("a made-up secret works")
	}
	owner.Must(http.StatusNoContent, "DELETE", "/api/v1/accounts/"+owner.AccountID+"/devices/"+made[0].ID+"/credential", nil)
	if _, err := e.App.Devices.Authenticate(ctx, fresh.Username, fresh.Secret); err == nil {
		t.Error("revoked credential still works")
	}
}

// The vendor enters devices by CSV; bad lines are refused with the line
// number and nothing is half-imported.
func TestManufactureImport(t *testing.T) {
	e := vigiltest.Start(t)
	op := e.Operator()
	good := "serial,model,claim_code\nSN-CSV-1,vc-100,ABCDEFGH12\nSN-CSV-2,vn-800,ABCDEFGH13\n"
	r := op.DoType("POST", "/api/v1/staff/devices/import", "text/csv", []byte(good))
	if r.Status != http.StatusCreated {
		t.Fatalf("import: %d %s", r.Status, r.Body)
	}
	bad := "serial,model,claim_code\nSN-CSV-3,vc-100,ABCDEFGH14\nSN-CSV-4,no-such-model,ABCDEFGH15\n"
	if r := op.DoType("POST", "/api/v1/staff/devices/import", "text/csv", []byte(bad)); r.Status != http.StatusBadRequest {
		t.Fatalf("unknown model: %d %s", r.Status, r.Body)
	}
	dup := "serial,model,claim_code\nSN-CSV-1,vc-100,ABCDEFGH16\n"
	if r := op.DoType("POST", "/api/v1/staff/devices/import", "text/csv", []byte(dup)); r.Status != http.StatusConflict {
		t.Fatalf("duplicate serial: %d %s", r.Status, r.Body)
	}
	ragged := "serial,model,claim_code\nSN-CSV-5,vc-100\n"
	if r := op.DoType("POST", "/api/v1/staff/devices/import", "text/csv", []byte(ragged)); r.Status != http.StatusBadRequest || r.ErrorMessage() == "" {
		t.Fatalf("short line: %d %s", r.Status, r.Body)
	}
	// SN-CSV-3 was in the refused batch: it must not exist.
	owner := e.SignUp("o@example.com")
	owner.Must(http.StatusNotFound, "POST", "/api/v1/accounts/"+owner.AccountID+"/devices/claim", map[string]any{
		"serial": "SN-CSV-3", "claim_code": "ABCDEFGH14", "name": "x"})
	owner.Claim(vigiltest.Made{Serial: "SN-CSV-2", ClaimCode: "ABCDEFGH13"}, "NVR")
	// Customers cannot register devices.
	owner.Must(http.StatusNotFound, "POST", "/api/v1/staff/devices", map[string]any{"devices": []any{}})
}

// Claiming needs proof of possession: someone who holds a pairing token of
// their own account (or a stolen one) and reads a serial number off a box
// in a shop cannot pair that device. The device itself proves it holds its
// factory secret (or the claim code inside its packaging) over HTTP Basic;
// a wrong or missing proof claims nothing and leaves the token unspent,
// with the same answer as an unknown serial.
// proves: U-A, U-H, P6
func TestPairingNeedsProofOfPossession(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		made := e.Operator().Manufacture("vc-100", 2)
		squatter := e.SignUp("squatter@example.com")
		var tok device.PairingToken
		squatter.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+squatter.AccountID+"/pairing-tokens", map[string]any{}).Decode(t, &tok)
		pair := map[string]any{"serial": made[0].Serial, "pairing_token": tok.Token}
		anon := e.Client()
		for name, basic := range map[string]string{
			"serial alone":         "",
			"wrong secret":         made[0].Serial + ":factory:not-the-secret-at-all",
			"another's secret":     made[0].Serial + ":" + made[1].FactorySecret,
			"another's claim code": made[0].Serial + ":" + made[1].ClaimCode,
			"user not the serial":  made[1].Serial + ":" + made[0].FactorySecret,
		} {
			anon.Basic = basic
			r := anon.Do("POST", "/api/v1/devices/pair", pair)
			if r.Status != http.StatusUnauthorized {
				t.Errorf("%s: %d %s, want 401", name, r.Status, r.Body)
			}
		}
		// The token was not spent: the real device pairs with it, by its
		// factory secret; the other device pairs by its claim code.
		anon.Basic = made[0].Serial + ":" + made[0].FactorySecret
		var cred device.Credential
		anon.Must(http.StatusCreated, "POST", "/api/v1/devices/pair", pair).Decode(t, &cred)
		if cred.DeviceID != made[0].ID {
			t.Fatalf("paired %s, want %s", cred.DeviceID, made[0].ID)
		}
		squatter.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+squatter.AccountID+"/pairing-tokens", map[string]any{}).Decode(t, &tok)
		anon.Basic = made[1].Serial + ":" + made[1].ClaimCode
		anon.Must(http.StatusCreated, "POST", "/api/v1/devices/pair", map[string]any{"serial": made[1].Serial, "pairing_token": tok.Token})
	})
}
