package live_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/config"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/privacy"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

func countPulls(t *testing.T, e *vigiltest.Env, accountID string) int {
	t.Helper()
	var n int
	err := e.App.DB.Read(context.Background(), func(tx *store.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT COUNT(*) FROM live_pull_sources WHERE account_id = ?`, accountID).Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The camera stream addresses of an account are in its owner's access
// package (without the camera's password; nothing of another account), go
// with a deletion request, and are purged once the account has been closed
// for their retention period. Before, device.stream_source was declared
// but skipped by export, erasure and retention alike.
// proves: R1
func TestStreamSourcesExportedErasedAndPurged(t *testing.T) {
	e := vigiltest.Start(t, func(c *config.Config) { c.Video.PullEnabled = true })
	ann, bob := e.SignUp("ann@example.com"), e.SignUp("bob@example.com")
	made := e.Operator().Manufacture("vc-100", 2)
	pull := func(c *vigiltest.Client, m vigiltest.Made, url string) {
		cred := c.Claim(m, "Shed")
		c.Must(http.StatusNoContent, "PUT", "/api/v1/accounts/"+c.AccountID+"/devices/"+cred.DeviceID+"/channels/0/pull", map[string]any{"url": url})
	}
	pull(ann, made[0], "rtsp://admin:ann-cam-pass@127.0.0.1:9/ann-stream")
	pull(bob, made[1], "rtsp://admin:bob-cam-pass@127.0.0.1:9/bob-stream")
	ann.WithMFA()
	dpo := e.StaffMember("dpo@vigil.test", access.StaffDPO)

	var req privacy.Request
	ann.Must(http.StatusCreated, "POST", "/api/v1/me/privacy-requests", map[string]any{"kind": "access", "region": "eu",
		"scope": map[string]any{"categories": []string{"device.stream_source"}}}).Decode(t, &req)
	dpo.Must(http.StatusAccepted, "POST", "/api/v1/staff/privacy-requests/"+req.ID+"/grant", nil)
	e.Mail.Wait(t, "ann@example.com", "Our answer")
	files := vigiltest.Unzip(t, ann.Must(http.StatusOK, "GET", "/api/v1/me/privacy-requests/"+req.ID+"/package", nil).Body)
	got := string(files["data/device.stream_source.json"])
	if !strings.Contains(got, "rtsp://admin@127.0.0.1:9/ann-stream") || !strings.Contains(got, `"password_held":true`) {
		t.Fatalf("the package's stream addresses: %s", got)
	}
	if strings.Contains(got, "cam-pass") || strings.Contains(got, "bob-stream") {
		t.Fatalf("the package holds a camera password or another account's address: %s", got)
	}

	ann.Login()
	ann.Must(http.StatusCreated, "POST", "/api/v1/me/privacy-requests", map[string]any{"kind": "deletion", "region": "eu",
		"scope": map[string]any{"categories": []string{"device.stream_source"}}}).Decode(t, &req)
	dpo.Must(http.StatusOK, "POST", "/api/v1/staff/privacy-requests/"+req.ID+"/grant", nil)
	if n := countPulls(t, e, ann.AccountID); n != 0 {
		t.Fatalf("%d of Ann's stream addresses left after her deletion request", n)
	}
	if n := countPulls(t, e, bob.AccountID); n != 1 {
		t.Fatalf("Bob has %d stream addresses after Ann's deletion", n)
	}

	// Bob's account closes; a month later retention purges its addresses.
	err := e.App.DB.Write(context.Background(), func(tx *store.Tx) error {
		_, err := tx.Exec(context.Background(), `UPDATE accounts SET closed_at = ? WHERE id = ?`, store.Micros(e.Clock.Now()), bob.AccountID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(31 * 24 * time.Hour)
	sweep, err := e.App.Retention.Sweep(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sweep.Purged[datamap.DeviceStreamSource] != 1 || countPulls(t, e, bob.AccountID) != 0 {
		t.Fatalf("retention purged %d addresses of the closed account; %d left", sweep.Purged[datamap.DeviceStreamSource], countPulls(t, e, bob.AccountID))
	}
}
