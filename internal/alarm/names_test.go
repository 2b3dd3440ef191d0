package alarm_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/alarm"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// An alarm reaches its owner's mailbox (a real SMTP server) under the name
// the owner gave the camera: "Person detected: Front door", never the
// device's ID, in the subject and the text; a camera without a name is
// "your camera". Reading the name for the notice is one decision per
// account for the alarm purpose, in the owner's access log.
// proves: U-C
func TestAlarmNoticesNameTheCamera(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		made := e.Operator().Manufacture("vc-100", 1)
		owner := e.SignUp("owner@example.com")
		owner.Must(http.StatusOK, "PUT", "/api/v1/me/notifications/alarm", map[string]any{"channels": []string{"email"}})
		cred := owner.Claim(made[0], "Front door")
		cam := connect(t, cred, 0)
		if err := cam.Publish(t.Context(), "alarm", map[string]any{"id": "ev-1", "type": "person", "time": e.Clock.Now().Format(time.RFC3339)}); err != nil {
			t.Fatal(err)
		}
		m := e.Mail.Wait(t, "owner@example.com", "Person detected: Front door")
		if !strings.Contains(m.Body, "Person detected at Front door") {
			t.Fatalf("alarm e-mail:\n%s", m.Body)
		}
		if strings.Contains(m.Subject+m.Body, cred.DeviceID) {
			t.Fatalf("the alarm e-mail names the device ID %s:\n%s\n%s", cred.DeviceID, m.Subject, m.Body)
		}
		unnamed := e.App.Alarms.Message(alarm.Alarm{Alarm: device.Alarm{ID: "alm_x", AccountID: owner.AccountID, DeviceID: cred.DeviceID, Type: "motion", Channel: 3}}, "")
		if unnamed.Title != "Motion detected: your camera, channel 3" || strings.Contains(unnamed.Title+unnamed.Body, cred.DeviceID) {
			t.Fatalf("unnamed camera's notice %q / %q", unnamed.Title, unnamed.Body)
		}
		var log struct {
			Entries []struct {
				ActorKind string `json:"actor_kind"`
				ActorID   string `json:"actor_id"`
				Category  string `json:"category"`
				Action    string `json:"action"`
				Purpose   string `json:"purpose"`
			} `json:"entries"`
		}
		owner.Must(http.StatusOK, "GET", "/api/v1/accounts/"+owner.AccountID+"/access-log?limit=500", nil).Decode(t, &log)
		named := 0
		for _, en := range log.Entries {
			if en.ActorKind == "system" && en.ActorID == "alarm-notices" && en.Category == "device.info" && en.Action == "list" && en.Purpose == "U-C" {
				named++
			}
		}
		if named != 1 {
			t.Fatalf("%d access log entries for reading the camera's name, want 1: %+v", named, log.Entries)
		}
	})
}
