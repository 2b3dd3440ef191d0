package alarm_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/alarm"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
	"github.com/vigil-cloud/vigil/internal/waittest"
)

// invite brings a new person into the owner's account with role.
func invite(t *testing.T, e *vigiltest.Env, owner *vigiltest.Client, email, role string) *vigiltest.Client {
	t.Helper()
	c := e.SignUp(email)
	owner.Must(http.StatusAccepted, "POST", "/api/v1/accounts/"+owner.AccountID+"/invitations", map[string]string{"email": email, "role": role})
	c.Must(http.StatusOK, "POST", "/api/v1/invitations/accept", map[string]string{"token": e.Mail.Wait(t, email, "invited").Token(t)})
	return c
}

// raise ingests one alarm as received now by the fake clock, then fans out
// what is pending, and returns the alarm as stored.
func raise(t *testing.T, e *vigiltest.Env, owner *vigiltest.Client, deviceID, eventID, typ string) alarm.Alarm {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"id": eventID, "type": typ, "snapshot": true})
	for _, err := range e.App.Devices.Ingest(t.Context(), []device.Uplink{{DeviceID: deviceID, Topic: "alarm", Payload: b, Received: e.Clock.Now()}}) {
		if err != nil {
			t.Fatal(err)
		}
	}
	var a alarm.Alarm
	waittest.Eventually(t, "fan-out of "+eventID, func() bool {
		if _, err := e.App.Alarms.FanOut(t.Context()); err != nil {
			t.Fatal(err)
		}
		as := listAlarms(t, owner, "?type="+typ+"&limit=200")
		i := slices.IndexFunc(as, func(a alarm.Alarm) bool { return a.EventID == eventID })
		if i < 0 {
			t.Fatalf("alarm %s not stored", eventID)
		}
		a = as[i]
		return a.State != alarm.StatePending
	})
	return a
}

// Rules decide who hears of an alarm: its types, its weekly schedule in
// its time zone, its cooldown per device and type, each person's quiet
// hours, and who sees the snapshot; all on vigil's clock.
// proves: U-C
func TestRulesScheduleCooldownQuietHours(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		rec := &recorder{}
		e.App.Alarms.SetNotifier(rec)
		owner := e.SignUp("owner@example.com")
		nick := invite(t, e, owner, "nick@example.com", "member")
		gail := invite(t, e, owner, "gail@example.com", "guest")
		cam := owner.Claim(e.Operator().Manufacture("vc-100", 1)[0], "Front door").DeviceID
		rules := "/api/v1/accounts/" + owner.AccountID + "/alarm-rules"

		// Without rules, owners and admins hear of everything.
		a := raise(t, e, owner, cam, "ev-0", "doorbell")
		if got := rec.to(owner.UserID); a.State != alarm.StateNotified || len(got) != 1 || got[0].ID != a.ID || got[0].SnapshotID == "" {
			t.Fatalf("default rule: state %s, owner got %+v", a.State, got)
		}
		if len(rec.to(nick.UserID)) != 0 {
			t.Fatal("a member heard of an alarm without a rule naming them")
		}

		// Only owners and admins manage rules.
		rule := map[string]any{
			"types": []string{"motion"}, "roles": []string{"owner"}, "users": []string{nick.UserID},
			"schedule":  []map[string]any{{"days": []string{"mon", "tue", "wed", "thu", "fri"}, "start": "08:00", "end": "18:00"}},
			"time_zone": "Europe/Oslo", "cooldown_seconds": 300, "snapshot_role": "admin",
		}
		for _, c := range []*vigiltest.Client{nick, gail} {
			if got := c.Do("POST", rules, rule).Status; got != http.StatusForbidden && got != http.StatusNotFound {
				t.Fatalf("a %s created a rule: %d", c.Email, got)
			}
		}
		if got := owner.Do("POST", rules, map[string]any{"types": []string{"earthquake"}, "roles": []string{"owner"}}).Status; got != http.StatusBadRequest {
			t.Fatalf("a rule for an unknown type: %d, want 400", got)
		}
		owner.Must(http.StatusCreated, "POST", rules, rule)
		nick.Must(http.StatusOK, "PUT", "/api/v1/accounts/"+owner.AccountID+"/alarm-quiet-hours",
			map[string]string{"start": "12:00", "end": "14:00", "time_zone": "Europe/Oslo"})

		count := func(c *vigiltest.Client, id string) (n int, snapshot bool) {
			for _, m := range rec.to(c.UserID) {
				if m.ID == id {
					n++
					snapshot = snapshot || m.SnapshotID != ""
				}
			}
			return n, snapshot
		}
		type want struct {
			owner, nick bool
		}
		check := func(a alarm.Alarm, w want) {
			t.Helper()
			on, osnap := count(owner, a.ID)
			nn, nsnap := count(nick, a.ID)
			if (on == 1) != w.owner || (nn == 1) != w.nick || on > 1 || nn > 1 {
				t.Fatalf("%s at %s: owner told %d times, nick %d; want %+v", a.EventID, e.Clock.Now(), on, nn, w)
			}
			if (w.owner && !osnap) || nsnap {
				t.Fatalf("%s: snapshot to owner %v, to the member %v; only admins and up may see it", a.EventID, osnap, nsnap)
			}
			if n, _ := count(gail, a.ID); n != 0 {
				t.Fatalf("%s reached a guest no rule names", a.EventID)
			}
			wantState := alarm.StateQuiet
			if w.owner || w.nick {
				wantState = alarm.StateNotified
			}
			if a.State != wantState {
				t.Fatalf("%s: state %s, want %s", a.EventID, a.State, wantState)
			}
		}

		// Monday 2 March 2026, 10:00 UTC is 11:00 in Oslo: inside the schedule.
		check(raise(t, e, owner, cam, "ev-1", "motion"), want{owner: true, nick: true})
		e.Clock.Advance(2 * time.Minute) // within the 5-minute cooldown
		check(raise(t, e, owner, cam, "ev-2", "motion"), want{})
		check(raise(t, e, owner, cam, "ev-3", "person"), want{}) // no rule covers person
		e.Clock.Advance(4 * time.Minute)                         // cooldown over
		check(raise(t, e, owner, cam, "ev-4", "motion"), want{owner: true, nick: true})
		e.Clock.Advance(time.Hour + 30*time.Minute) // 12:36 in Oslo: nick's quiet hours
		check(raise(t, e, owner, cam, "ev-5", "motion"), want{owner: true})
		e.Clock.Advance(6 * time.Hour) // 18:36 in Oslo: outside the schedule
		check(raise(t, e, owner, cam, "ev-6", "motion"), want{})
		e.Clock.Advance(5 * 24 * time.Hour) // Saturday 18:36
		check(raise(t, e, owner, cam, "ev-7", "motion"), want{})
		e.Clock.Advance(2*24*time.Hour - 8*time.Hour) // Monday 10:36 in Oslo
		check(raise(t, e, owner, cam, "ev-8", "motion"), want{owner: true, nick: true})

		// Clearing the quiet hours and deleting the rule bring back the default.
		var got struct{ Rules []alarm.Rule }
		owner.Must(http.StatusOK, "GET", rules, nil).Decode(t, &got)
		if len(got.Rules) != 1 || got.Rules[0].TimeZone != "Europe/Oslo" || len(got.Rules[0].Schedule) != 1 {
			t.Fatalf("rules %+v", got.Rules)
		}
		owner.Must(http.StatusNoContent, "DELETE", rules+"/"+got.Rules[0].ID, nil)
		check(raise(t, e, owner, cam, "ev-9", "motion"), want{owner: true})

		// Paging walks every alarm once, newest first; filters narrow it.
		var seen []string
		for before := ""; ; {
			page := listAlarms(t, owner, "?limit=3&before="+before)
			for _, a := range page {
				seen = append(seen, a.EventID)
			}
			if len(page) < 3 {
				break
			}
			before = page[len(page)-1].ID
		}
		// (ev-2 and ev-3, ev-8 and ev-9, ev-0 and ev-1 arrived at the same instant: their
		// order is the IDs'.)
		got9 := slices.Clone(seen)
		slices.Sort(got9)
		if want := []string{"ev-0", "ev-1", "ev-2", "ev-3", "ev-4", "ev-5", "ev-6", "ev-7", "ev-8", "ev-9"}; !slices.Equal(got9, want) || seen[2] != "ev-7" || seen[5] != "ev-4" {
			t.Fatalf("paged alarms %v, want each once, newest first", seen)
		}
		from, to := e.Clock.Now().Add(-time.Minute).UTC().Format(time.RFC3339), e.Clock.Now().Add(time.Minute).UTC().Format(time.RFC3339)
		if as := listAlarms(t, owner, "?device="+cam+"&from="+from+"&to="+to); len(as) != 2 {
			t.Fatalf("alarms of the last minute: %d, want ev-8 and ev-9", len(as))
		}
	})
}

// Quiet hours not set read as empty (200), so that an app can show them
// without a failed request; once set they read back.
func TestQuietHoursUnsetReadEmpty(t *testing.T) {
	e := vigiltest.Start(t)
	owner := e.SignUp("quiet@example.com")
	var q alarm.QuietHours
	owner.Must(http.StatusOK, "GET", "/api/v1/accounts/"+owner.AccountID+"/alarm-quiet-hours", nil).Decode(t, &q)
	if q.Start != "" || q.End != "" {
		t.Fatalf("unset quiet hours: %+v", q)
	}
	owner.Must(http.StatusOK, "PUT", "/api/v1/accounts/"+owner.AccountID+"/alarm-quiet-hours", map[string]string{"start": "22:00", "end": "07:00", "time_zone": "Europe/Paris"})
	owner.Must(http.StatusOK, "GET", "/api/v1/accounts/"+owner.AccountID+"/alarm-quiet-hours", nil).Decode(t, &q)
	if q.Start != "22:00" || q.End != "07:00" || q.TimeZone != "Europe/Paris" {
		t.Fatalf("quiet hours read back: %+v", q)
	}
}
