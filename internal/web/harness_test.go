package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/media/record/recordtest"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// stepHelper serves what a browser script cannot do itself, on the test's
// environment: /totp?secret= (the clock moves on past the last code),
// /token?to=&subject= (the token in the newest matching e-mail),
// /advance?d= and /now (vigil's clock), and the test's own extra paths.
func stepHelper(t *testing.T, e *vigiltest.Env, extra map[string]http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch r.URL.Path {
		case "/token":
			for range 200 {
				for _, m := range e.Mail.Messages() {
					if m.To == q.Get("to") && strings.Contains(m.Subject, q.Get("subject")) {
						i := strings.Index(m.Body, "token=")
						end := strings.IndexAny(m.Body[i:], " \n\r")
						if end < 0 {
							end = len(m.Body) - i
						}
						w.Write([]byte(m.Body[i+len("token=") : i+end]))
						return
					}
				}
				time.Sleep(50 * time.Millisecond)
			}
			http.Error(w, "no such e-mail", http.StatusNotFound)
		case "/totp":
			e.Clock.Advance(31 * time.Second)
			code, err := account.TOTPCode(q.Get("secret"), e.Clock.Now())
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			fmt.Fprint(w, code)
		case "/advance":
			d, err := time.ParseDuration(q.Get("d"))
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			e.Clock.Advance(d)
			fmt.Fprint(w, e.Clock.Now().Format(time.RFC3339))
		case "/now":
			fmt.Fprint(w, e.Clock.Now().Format(time.RFC3339))
		default:
			if f, ok := extra[r.URL.Path]; ok {
				f(w, r)
				return
			}
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// screenshots is where browser scripts write their screenshots:
// $VIGIL_SCREENSHOTS, else e2e/screenshots/.
func screenshots(t *testing.T, script string) string {
	t.Helper()
	shots := os.Getenv("VIGIL_SCREENSHOTS")
	if shots == "" {
		shots = filepath.Join(filepath.Dir(script), "screenshots")
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	return shots
}

// runScript runs a browser script with env (CHROMIUM is added) and fails
// the test unless it prints passed.
func runScript(t *testing.T, node, chromium, script string, timeout time.Duration, passed string, env ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Dir = filepath.Dir(script)
	cmd.Env = append(append(os.Environ(), "CHROMIUM="+chromium), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s failed: %v\n%s", filepath.Base(script), err, out)
	}
	if !strings.Contains(string(out), passed) {
		t.Fatalf("unexpected output: %s", out)
	}
	t.Logf("%s", out)
}

// ingest hands vigil one uplink of a device, as MQTT would.
func ingest(t *testing.T, e *vigiltest.Env, deviceID, topic string, body map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	for _, err := range e.App.Devices.Ingest(t.Context(), []device.Uplink{{DeviceID: deviceID, Topic: topic, Payload: b, Received: e.Clock.Now()}}) {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// record stores n segments of the test clip for a device from start.
func record(t *testing.T, e *vigiltest.Env, accountID, deviceID string, start time.Time, n int) {
	t.Helper()
	clip, err := recordtest.Load()
	if err != nil {
		t.Fatal(err)
	}
	s := &recordtest.Stream{Clip: clip, AccountID: accountID, DeviceID: deviceID, Session: "web-" + deviceID, Next: start}
	for range n {
		if err := e.App.Recorder.Segment(context.Background(), s.Segment()); err != nil {
			t.Fatal(err)
		}
	}
}
