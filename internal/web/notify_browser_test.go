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

	"github.com/vigil-cloud/vigil/internal/notify"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// The Notifications page works in Chromium under the production CSP:
// channel choices save, a webhook's secret is shown once, the push service
// worker registers, and an alarm arrives live on the inbox (SSE).
func TestNotificationsPageInChromium(t *testing.T) {
	node, chromium, script := vigiltest.Browser(t, "notify.mjs")
	e := vigiltest.Start(t)
	alice := e.SignUp("alice@example.com")
	helper := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/alarm" {
			http.NotFound(w, r)
			return
		}
		msg := notify.Message{ID: "alm_browser", AccountID: alice.AccountID, Kind: notify.KindAlarm, Time: e.Clock.Now(), Title: "Motion in the garden"}
		if err := e.App.Notify.Enqueue(r.Context(), msg, []string{alice.UserID}); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	}))
	defer helper.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Dir = filepath.Dir(script)
	cmd.Env = append(os.Environ(), "VIGIL_URL="+e.URL, "HELPER_URL="+helper.URL, "CHROMIUM="+chromium,
		"EMAIL=alice@example.com", "PASSWORD="+vigiltest.DefaultPassword)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("browser flow failed: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "notifications page flow passed") {
		t.Fatalf("unexpected output: %s", out)
	}
}
