package web_test

import (
	"context"
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
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// A new customer signs up, confirms, signs in, reads the access log, turns
// on an authenticator and signs in again with it, in headless Chromium,
// under the production Content-Security-Policy (no console errors allowed).
func TestWebAppInChromium(t *testing.T) {
	node, chromium, script := vigiltest.Browser(t, "webapp.mjs")
	e := vigiltest.Start(t)
	if _, err := e.App.Devices.RegisterManufactured(t.Context(), "test", []device.Manufactured{{Serial: "SN-WEB-1", Model: "vc-100", ClaimCode: "WEBCLAIM01"}}); err != nil {
		t.Fatal(err)
	}
	helper := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
			w.Write([]byte(code))
		default:
			http.NotFound(w, r)
		}
	}))
	defer helper.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Dir = filepath.Dir(script)
	cmd.Env = append(os.Environ(), "VIGIL_URL="+e.URL, "HELPER_URL="+helper.URL, "CHROMIUM="+chromium,
		"SHOT="+os.Getenv("VIGIL_SCREENSHOT"),
		"DEVICE_SERIAL=SN-WEB-1", "DEVICE_CODE=WEBCLAIM01")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("browser flow failed: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "web app flow passed") {
		t.Fatalf("unexpected output: %s", out)
	}
}
