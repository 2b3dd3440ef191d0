package device_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

func patchShadow(c *vigiltest.Client, id string, body map[string]any) vigiltest.Response {
	return c.Do("PATCH", "/api/v1/accounts/"+c.AccountID+"/devices/"+id+"/shadow", body)
}

func shadow(t *testing.T, c *vigiltest.Client, id string, ch int) device.Shadow {
	t.Helper()
	var sh device.Shadow
	c.Must(http.StatusOK, "GET", "/api/v1/accounts/"+c.AccountID+"/devices/"+id+"/shadow?channel="+itoa(ch), nil).Decode(t, &sh)
	return sh
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// Remote configuration: desired settings are checked against the model's
// schema, need the current version (stale writers get 409), and leave the
// delta once the device reports them. NVR channels have their own shadows.
// proves: U-D
func TestShadowVersionsAndSchema(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		made := e.Operator().Manufacture("vn-800", 1)
		owner := e.SignUp("owner@example.com")
		owner.Claim(made[0], "Shop NVR")
		id := made[0].ID

		for _, bad := range []map[string]any{
			{"channel": 1, "version": 0, "desired": map[string]any{"fps": 120}},
			{"channel": 1, "version": 0, "desired": map[string]any{"resolution": "1x1"}},
			{"channel": 1, "version": 0, "desired": map[string]any{"teleport": true}},
			{"channel": 1, "version": 0, "desired": map[string]any{"privacy_masks": []any{map[string]any{"x": 0.1, "y": 0.1, "w": 2, "h": 0.1}}}},
			{"channel": 0, "version": 0, "desired": map[string]any{"fps": 10}}, // an NVR itself has no fps
			{"channel": 9, "version": 0, "desired": map[string]any{"fps": 10}},
			{"channel": 1, "desired": map[string]any{"fps": 10}},
		} {
			r := patchShadow(owner, id, bad)
			if r.Status != http.StatusBadRequest || r.ErrorMessage() == "" {
				t.Errorf("%v: %d %s, want 400 with a reason", bad, r.Status, r.Body)
			}
		}
		r := patchShadow(owner, id, map[string]any{"channel": 1, "version": 0, "desired": map[string]any{"fps": 120}})
		if !strings.Contains(r.ErrorMessage(), "/fps") {
			t.Errorf("the reason should name the setting: %q", r.ErrorMessage())
		}

		ok := map[string]any{"channel": 1, "version": 0, "desired": map[string]any{
			"fps": 15, "ir_mode": "auto", "osd": map[string]any{"text": "Till", "show_time": true},
			"privacy_masks": []any{map[string]any{"x": 0.1, "y": 0.2, "w": 0.3, "h": 0.2}}}}
		var sh device.Shadow
		owner.Must(http.StatusOK, "PATCH", "/api/v1/accounts/"+owner.AccountID+"/devices/"+id+"/shadow", ok).Decode(t, &sh)
		if sh.Version != 1 || len(sh.Delta) != 4 {
			t.Fatalf("after first change: %+v", sh)
		}
		// Another writer still at version 0 is refused.
		if r := patchShadow(owner, id, map[string]any{"channel": 1, "version": 0, "desired": map[string]any{"fps": 5}}); r.Status != http.StatusConflict {
			t.Fatalf("stale write: %d %s", r.Status, r.Body)
		}
		// Channel 2 is independent.
		if ch2 := shadow(t, owner, id, 2); ch2.Version != 0 || len(ch2.Desired) != 0 {
			t.Fatalf("channel 2 changed with channel 1: %+v", ch2)
		}
		owner.Must(http.StatusOK, "PATCH", "/api/v1/accounts/"+owner.AccountID+"/devices/"+id+"/shadow",
			map[string]any{"channel": 2, "version": 0, "desired": map[string]any{"fps": 5}})

		// The device reports two of the settings, plus one its schema
		// does not know: dropped and counted.
		if err := ingest(t, e, id, "ch/1/shadow/reported", `{"reported":{"fps":15,"ir_mode":"auto","cpu_temp":71}}`); err != nil {
			t.Fatal(err)
		}
		sh = shadow(t, owner, id, 1)
		if len(sh.Delta) != 2 || sh.Delta["fps"] != nil || sh.Delta["osd"] == nil || sh.Reported["cpu_temp"] != nil {
			t.Fatalf("after report: delta %s reported %s", raw(sh.Delta), raw(sh.Reported))
		}
		if d := getDevice(t, owner, id); d.Ingest.DroppedFields != 1 {
			t.Fatalf("dropped %d, want 1", d.Ingest.DroppedFields)
		}
		// null removes a desired setting.
		sh = device.Shadow{}
		owner.Must(http.StatusOK, "PATCH", "/api/v1/accounts/"+owner.AccountID+"/devices/"+id+"/shadow",
			map[string]any{"channel": 1, "version": 1, "desired": map[string]any{"osd": nil}}).Decode(t, &sh)
		if sh.Version != 2 || sh.Desired["osd"] != nil || len(sh.Delta) != 1 {
			t.Fatalf("after removing osd: %+v", sh)
		}
		// Settings are sealed at rest.
		assertNowhere(t, e, "Till")
	})
}

// Of many concurrent writers at the same version, exactly one wins.
func TestShadowConcurrentWriters(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		made := e.Operator().Manufacture("vc-100", 1)
		owner := e.SignUp("owner@example.com")
		owner.Claim(made[0], "Gate")
		const writers = 8
		var wg sync.WaitGroup
		codes := make([]int, writers)
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i] = patchShadow(owner, made[0].ID, map[string]any{"channel": 0, "version": 0, "desired": map[string]any{"fps": i + 1}}).Status
			}()
		}
		wg.Wait()
		won := 0
		for _, c := range codes {
			switch c {
			case http.StatusOK:
				won++
			case http.StatusConflict:
			default:
				t.Fatalf("unexpected status %d among %v", c, codes)
			}
		}
		if won != 1 {
			t.Fatalf("%d writers won at version 0 (%v), want exactly 1", won, codes)
		}
		if sh := shadow(t, owner, made[0].ID, 0); sh.Version != 1 {
			t.Fatalf("version %d after one winning write", sh.Version)
		}
	})
}

func raw(m map[string]json.RawMessage) string { b, _ := json.Marshal(m); return string(b) }

// The shadow carries the JSON Schema of its settings from the device model
// (the web app builds its settings form from it): an NVR channel's part
// for a channel, the NVR's own part for channel 0.
// proves: U-D
func TestShadowCarriesItsSchema(t *testing.T) {
	e := vigiltest.Start(t)
	made := e.Operator().Manufacture("vn-800", 1)
	owner := e.SignUp("owner@example.com")
	owner.Claim(made[0], "Shop NVR")
	for ch, want := range map[int][2]string{0: {"disk_overwrite", "fps"}, 1: {"fps", "disk_overwrite"}} {
		var sh struct {
			Schema struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"schema"`
		}
		owner.Must(http.StatusOK, "GET", "/api/v1/accounts/"+owner.AccountID+"/devices/"+made[0].ID+"/shadow?channel="+itoa(ch), nil).Decode(t, &sh)
		if _, ok := sh.Schema.Properties[want[0]]; !ok {
			t.Errorf("channel %d: schema lacks %s: %v", ch, want[0], sh.Schema.Properties)
		}
		if _, ok := sh.Schema.Properties[want[1]]; ok {
			t.Errorf("channel %d: schema has %s, which belongs to the other part", ch, want[1])
		}
	}
}
