package device_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

func ingest(t *testing.T, e *vigiltest.Env, deviceID, topic, payload string) error {
	t.Helper()
	errs := e.App.Devices.Ingest(t.Context(), []device.Uplink{{DeviceID: deviceID, Topic: topic, Payload: []byte(payload), Received: e.Clock.Now()}})
	return errs[0]
}

func getDevice(t *testing.T, c *vigiltest.Client, id string) device.Device {
	t.Helper()
	var d device.Device
	c.Must(http.StatusOK, "GET", "/api/v1/accounts/"+c.AccountID+"/devices/"+id, nil).Decode(t, &d)
	return d
}

// What a device reports is stored only as far as the data map declares it:
// an undeclared field is dropped and counted where the owner sees it, and
// a garbage message is rejected and counted without storing anything.
// proves: C1
// proves: C3
// proves: C5
func TestIngestMinimises(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		made := e.Operator().Manufacture("vc-100", 1)
		owner := e.SignUp("owner@example.com")
		owner.Claim(made[0], "Porch")
		id := made[0].ID

		err := ingest(t, e, id, "info", `{"firmware_version":"1.2.0","app_version":"4.1","software_id":"b-77",
			"region":"EU","language":"fr","time_zone":"Europe/Paris","font":"sans",
			"wifi_ssid":"MyHomeNet","gps":{"lat":48.85,"lon":2.35},"owner_phone":"+33123456789"}`)
		if err != nil {
			t.Fatalf("info: %v", err)
		}
		d := getDevice(t, owner, id)
		want := device.Info{FirmwareVersion: "1.2.0", AppVersion: "4.1", SoftwareID: "b-77", Region: "EU", Language: "fr", TimeZone: "Europe/Paris", Font: "sans"}
		if d.Info != want {
			t.Fatalf("stored info %+v, want %+v", d.Info, want)
		}
		if d.Ingest.DroppedFields != 3 || d.Ingest.RejectedMessages != 0 {
			t.Fatalf("counters %+v, want 3 dropped", d.Ingest)
		}
		assertNowhere(t, e, "MyHomeNet", "+33123456789", "48.85")

		for _, bad := range []struct{ topic, payload string }{
			{"info", `{not json`},
			{"info", `[1,2,3]`},
			{"info", `{"firmware_version": 12}`},
			{"info", `{"firmware_version": "` + strings.Repeat("9", 40) + `"}`},
			{"info", `{"serial": "SOMEONE-ELSES"}`},
			{"event", `{"kind": "exploded"}`},
			{"event", `{"code": "E1"}`},
			{"info", `{"font": "` + strings.Repeat("x", 20000) + `"}`},
			{"ch/1/event", `{"kind": "error"}`}, // a camera has no channels
			{"nonsense", `{}`},
		} {
			err := ingest(t, e, id, bad.topic, bad.payload)
			if c := errs.CodeOf(err); c != errs.Invalid && c != errs.TooLarge {
				t.Errorf("%s %.40q: got %v, want a rejection", bad.topic, bad.payload, err)
			}
		}
		d = getDevice(t, owner, id)
		if d.Ingest.RejectedMessages != 10 || d.Info != want {
			t.Fatalf("after garbage: counters %+v, info %+v", d.Ingest, d.Info)
		}

		// Events: errors, crashes, restarts, upgrades, with a time.
		at := e.Clock.Now().Add(-time.Minute).Format(time.RFC3339)
		for _, k := range []string{"error", "crash", "restart", "upgrade"} {
			if err := ingest(t, e, id, "event", fmt.Sprintf(`{"kind":%q,"code":"C-%s","version":"1.2.0","at":%q,"stack":"secret"}`, k, k, at)); err != nil {
				t.Fatalf("event %s: %v", k, err)
			}
		}
		var evs struct{ Events []device.EventRow }
		owner.Must(http.StatusOK, "GET", "/api/v1/accounts/"+owner.AccountID+"/devices/"+id+"/events", nil).Decode(t, &evs)
		if len(evs.Events) != 4 || evs.Events[0].Kind != "upgrade" || evs.Events[3].Code != "C-error" || evs.Events[0].At.Format(time.RFC3339) != at {
			t.Fatalf("events %+v", evs.Events)
		}
		if d := getDevice(t, owner, id); d.Ingest.DroppedFields != 7 {
			t.Fatalf("dropped %d, want 7 (3 + one stack per event)", d.Ingest.DroppedFields)
		}
		m := string(owner.Must(http.StatusOK, "GET", "/metrics", nil).Body)
		if !strings.Contains(m, `vigil_ingest_dropped_fields_total{category="device.info"} 3`) ||
			!strings.Contains(m, `vigil_ingest_messages_total{result="rejected_malformed",topic="info"}`) {
			t.Errorf("metrics lack the minimisation counters:\n%s", grepLines(m, "vigil_ingest"))
		}
	})
}

// A batch with one bad message stores the others.
func TestIngestBatchIsolatesBadMessages(t *testing.T) {
	e := vigiltest.Start(t)
	made := e.Operator().Manufacture("vn-800", 1)
	owner := e.SignUp("owner@example.com")
	owner.Claim(made[0], "NVR")
	now := e.Clock.Now()
	res := e.App.Devices.Ingest(t.Context(), []device.Uplink{
		{DeviceID: made[0].ID, Topic: "ch/3/event", Payload: []byte(`{"kind":"error","code":"disk"}`), Received: now},
		{DeviceID: made[0].ID, Topic: "ch/9/event", Payload: []byte(`{"kind":"error"}`), Received: now},
		{DeviceID: "dev_aaaaaaaaaaaaaaaaaaaaaaaaaa", Topic: "info", Payload: []byte(`{}`), Received: now},
		{DeviceID: made[0].ID, Topic: "heartbeat", Payload: nil, Received: now},
	})
	if res[0] != nil || res[3] != nil || errs.CodeOf(res[1]) != errs.Invalid || errs.CodeOf(res[2]) != errs.NotFound {
		t.Fatalf("results %v", res)
	}
	d := getDevice(t, owner, made[0].ID)
	if !d.Online || d.Ingest.RejectedMessages != 1 {
		t.Fatalf("device after batch: online %v counters %+v", d.Online, d.Ingest)
	}
	var evs struct{ Events []device.EventRow }
	owner.Must(http.StatusOK, "GET", "/api/v1/accounts/"+owner.AccountID+"/devices/"+made[0].ID+"/events", nil).Decode(t, &evs)
	if len(evs.Events) != 1 || evs.Events[0].Channel != 3 {
		t.Fatalf("events %+v", evs.Events)
	}
}

// Error details are accepted only while the owner has sending them on.
// proves: U-F
func TestErrorReportsNeedOptIn(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		made := e.Operator().Manufacture("vc-100", 1)
		owner := e.SignUp("owner@example.com")
		owner.Claim(made[0], "Shed")
		report := `{"kind":"crash","body":"panic at motion.c:42"}`
		if err := ingest(t, e, made[0].ID, "report", report); errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("report while off: %v", err)
		}
		var list struct{ Reports []device.Report }
		owner.Must(http.StatusOK, "GET", "/api/v1/accounts/"+owner.AccountID+"/error-reports", nil).Decode(t, &list)
		if len(list.Reports) != 0 {
			t.Fatalf("a refused report was stored: %+v", list.Reports)
		}
		assertNowhere(t, e, "motion.c:42")

		owner.Must(http.StatusOK, "PATCH", "/api/v1/accounts/"+owner.AccountID+"/devices/"+made[0].ID, map[string]any{"send_error_details": true})
		if err := ingest(t, e, made[0].ID, "report", report); err != nil {
			t.Fatalf("report while on: %v", err)
		}
		// The app's own reports follow the user's own switch.
		owner.Must(http.StatusForbidden, "POST", "/api/v1/me/error-reports", map[string]any{"account_id": owner.AccountID, "kind": "error", "body": "tap crashed"})
		owner.Must(http.StatusOK, "PUT", "/api/v1/me/prefs", map[string]any{"send_error_details": true})
		owner.Must(http.StatusCreated, "POST", "/api/v1/me/error-reports", map[string]any{"account_id": owner.AccountID, "kind": "error", "body": "tap crashed"})
		owner.Must(http.StatusOK, "GET", "/api/v1/accounts/"+owner.AccountID+"/error-reports", nil).Decode(t, &list)
		if len(list.Reports) != 2 || list.Reports[0].Body == "" || list.Reports[1].Body == "" {
			t.Fatalf("reports %+v", list.Reports)
		}
		// Sealed at rest.
		assertNowhere(t, e, "motion.c:42", "tap crashed")

		owner.Must(http.StatusOK, "PATCH", "/api/v1/accounts/"+owner.AccountID+"/devices/"+made[0].ID, map[string]any{"send_error_details": false})
		if err := ingest(t, e, made[0].ID, "report", report); errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("report after turning off: %v", err)
		}
	})
}

// Releasing a device erases what it reported in the account.
func TestReleaseErasesDeviceData(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		made := e.Operator().Manufacture("vc-100", 1)
		owner := e.SignUp("owner@example.com")
		owner.Claim(made[0], "Attic")
		id := made[0].ID
		owner.Must(http.StatusOK, "PATCH", "/api/v1/accounts/"+owner.AccountID+"/devices/"+id, map[string]any{"send_error_details": true})
		for _, m := range [][2]string{
			{"info", `{"firmware_version":"1.0.0"}`},
			{"event", `{"kind":"restart"}`},
			{"report", `{"kind":"error","body":"boom"}`},
			{"shadow/reported", `{"reported":{"fps":15}}`},
		} {
			if err := ingest(t, e, id, m[0], m[1]); err != nil {
				t.Fatalf("%s: %v", m[0], err)
			}
		}
		owner.Must(http.StatusNoContent, "DELETE", "/api/v1/accounts/"+owner.AccountID+"/devices/"+id, nil)
		for _, table := range []string{"device_events", "device_shadows", "error_reports", "device_ips"} {
			if n := count(t, e, "SELECT count(*) FROM "+table+" WHERE device_id = ?", id); n != 0 {
				t.Errorf("%s keeps %d rows of the released device", table, n)
			}
		}
		if n := count(t, e, "SELECT count(*) FROM devices WHERE id = ? AND (account_id != '' OR name_sealed IS NOT NULL OR firmware_version != '')", id); n != 0 {
			t.Error("the device row keeps the former owner's data")
		}
	})
}

// The bus delivers at least once: an event the device sent with its own
// identifier is stored once however often it arrives.
func TestEventStoredOnce(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		made := e.Operator().Manufacture("vc-100", 2)
		owner := e.SignUp("owner@example.com")
		owner.Claim(made[0], "A")
		owner.Claim(made[1], "B")
		for range 3 {
			for _, m := range made {
				if err := ingest(t, e, m.ID, "event", `{"id":"boot-1","kind":"restart"}`); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := ingest(t, e, made[0].ID, "event", `{"kind":"restart"}`); err != nil {
			t.Fatal(err)
		}
		if n := count(t, e, "SELECT count(*) FROM device_events WHERE device_id = ?", made[0].ID); n != 2 {
			t.Fatalf("device A has %d events, want 2 (boot-1 once, one without an identifier)", n)
		}
		if n := count(t, e, "SELECT count(*) FROM device_events WHERE device_id = ?", made[1].ID); n != 1 {
			t.Fatalf("device B has %d events, want 1: the same identifier on another device is another event", n)
		}
	})
}
