package alarm_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/privacy"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

var alarmCategories = []string{"alarm.event", "media.snapshot", "alarm.rule"}

// withAlarm has the client's camera raise an alarm with a snapshot.
func withAlarm(t *testing.T, e *vigiltest.Env, c *vigiltest.Client, cred device.Credential, eventID string) []byte {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"id": eventID, "type": "person", "snapshot": true})
	for _, err := range e.App.Devices.Ingest(t.Context(), []device.Uplink{{DeviceID: cred.DeviceID, Topic: "alarm", Payload: b, Received: e.Clock.Now()}}) {
		if err != nil {
			t.Fatal(err)
		}
	}
	picture := jpeg("picture of " + eventID)
	if got := putSnapshot(t, e, cred.DeviceID, cred.Secret, cred.DeviceID, eventID, picture); got != http.StatusCreated {
		t.Fatalf("snapshot: %d", got)
	}
	return picture
}

func count(t *testing.T, e *vigiltest.Env, q string, args ...any) int {
	t.Helper()
	var n int
	if err := e.App.DB.Read(t.Context(), func(tx *store.Tx) error { return tx.QueryRow(t.Context(), q, args...).Scan(&n) }); err != nil {
		t.Fatal(err)
	}
	return n
}

// An access request returns the requester's alarms, their snapshots (the
// pictures themselves, decrypted) and alarm rules, and nothing of another
// customer; a deletion request erases them, pictures included.
// proves: P2
func TestAlarmsInRequests(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		made := e.Operator().Manufacture("vc-100", 2)
		ann, bob := e.SignUp("ann@example.com"), e.SignUp("bob@example.com")
		annCam, bobCam := ann.Claim(made[0], "Porch"), bob.Claim(made[1], "Yard")
		annPic := withAlarm(t, e, ann, annCam, "ANNMARK-1")
		withAlarm(t, e, bob, bobCam, "BOBMARK-1")
		ann.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+ann.AccountID+"/alarm-rules", map[string]any{"roles": []string{"owner"}, "types": []string{"person"}})
		ann.WithMFA()
		dpo := e.StaffMember("dpo@vigil.test", access.StaffDPO)

		var req privacy.Request
		ann.Must(http.StatusCreated, "POST", "/api/v1/me/privacy-requests", map[string]any{"kind": "access", "region": "eu",
			"scope": scope(e)}).Decode(t, &req)
		dpo.Must(http.StatusAccepted, "POST", "/api/v1/staff/privacy-requests/"+req.ID+"/grant", nil)
		e.Mail.Wait(t, "ann@example.com", "Our answer")
		files := vigiltest.Unzip(t, ann.Must(http.StatusOK, "GET", "/api/v1/me/privacy-requests/"+req.ID+"/package", nil).Body)
		all, pictures := "", 0
		for name, b := range files {
			all += name + "\n" + string(b) + "\n"
			if bytes.Equal(b, annPic) && strings.HasPrefix(name, "media/media.snapshot/") {
				pictures++
			}
		}
		if !strings.Contains(all, "ANNMARK-1") || pictures != 1 || !strings.Contains(string(files["data/alarm.rule.json"]), "person") {
			t.Fatalf("the package lacks Ann's alarm, picture (%d) or rule; files %v", pictures, keys(files))
		}
		if strings.Contains(all, "BOBMARK") {
			t.Fatal("the package holds Bob's alarm")
		}

		ann.Login()
		ann.Must(http.StatusCreated, "POST", "/api/v1/me/privacy-requests", map[string]any{"kind": "deletion", "region": "eu",
			"scope": scope(e)}).Decode(t, &req)
		dpo.Must(http.StatusOK, "POST", "/api/v1/staff/privacy-requests/"+req.ID+"/grant", nil)
		for _, table := range []string{"alarms", "alarm_snapshots", "alarm_rules"} {
			if n := count(t, e, "SELECT count(*) FROM "+table+" WHERE account_id = ?", ann.AccountID); n != 0 {
				t.Errorf("%s keeps %d of Ann's rows after deletion", table, n)
			}
		}
		if n := count(t, e, "SELECT count(*) FROM alarms WHERE account_id = ?", bob.AccountID); n != 1 {
			t.Errorf("Bob's alarms went with Ann's deletion")
		}
		if n := snapshotBlobs(t, e); n != 1 {
			t.Errorf("%d snapshot blobs after Ann's deletion, want Bob's only", n)
		}
	})
}

func scope(e *vigiltest.Env) map[string]any {
	return map[string]any{"categories": alarmCategories, "from": e.Clock.Now().Add(-time.Hour), "to": e.Clock.Now().Add(time.Hour)}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// Retention: snapshots go after 30 days, alarms after 90.
// proves: P2
func TestAlarmRetention(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		ann := e.SignUp("ann@example.com")
		cam := ann.Claim(e.Operator().Manufacture("vc-100", 1)[0], "Porch")
		withAlarm(t, e, ann, cam, "old")
		ann.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+ann.AccountID+"/alarm-rules", map[string]any{"roles": []string{"owner"}})
		ann.Must(http.StatusOK, "PUT", "/api/v1/accounts/"+ann.AccountID+"/alarm-quiet-hours", map[string]string{"start": "22:00", "end": "07:00"})
		e.Clock.Advance(31 * 24 * time.Hour)
		sweep, err := e.App.Retention.Sweep(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if sweep.Purged[datamap.MediaSnapshot] != 1 || sweep.Purged[datamap.AlarmEvent] != 0 || snapshotBlobs(t, e) != 0 {
			t.Fatalf("after 31 days: %+v, %d snapshot blobs", sweep.Purged, snapshotBlobs(t, e))
		}
		e.Clock.Advance(60 * 24 * time.Hour)
		if sweep, err = e.App.Retention.Sweep(t.Context()); err != nil {
			t.Fatal(err)
		}
		if sweep.Purged[datamap.AlarmEvent] != 1 || count(t, e, "SELECT count(*) FROM alarms WHERE account_id = ?", ann.AccountID) != 0 {
			t.Fatalf("after 91 days: %+v", sweep.Purged)
		}
		// Rules and quiet hours last as long as the account, and 30 days more.
		if sweep.Purged[datamap.AlarmRule] != 0 || count(t, e, "SELECT count(*) FROM alarm_rules WHERE account_id = ?", ann.AccountID) != 1 {
			t.Fatalf("the rules of an open account went: %+v", sweep.Purged)
		}
		if err := e.App.DB.Write(t.Context(), func(tx *store.Tx) error {
			_, err := tx.Exec(t.Context(), "UPDATE accounts SET closed_at = ? WHERE id = ?", store.Micros(e.Clock.Now()), ann.AccountID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(31 * 24 * time.Hour)
		if sweep, err = e.App.Retention.Sweep(t.Context()); err != nil {
			t.Fatal(err)
		}
		if sweep.Purged[datamap.AlarmRule] != 2 || count(t, e, "SELECT count(*) FROM alarm_quiet_hours WHERE account_id = ?", ann.AccountID) != 0 {
			t.Fatalf("31 days after the account closed: %+v", sweep.Purged)
		}
	})
}
