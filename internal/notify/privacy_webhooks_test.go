package notify_test

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

func countWebhooks(t *testing.T, e *vigiltest.Env, accountID string) int {
	t.Helper()
	var n int
	err := e.App.DB.Read(context.Background(), func(tx *store.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT COUNT(*) FROM notify_webhooks WHERE account_id = ?`, accountID).Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// An account's webhooks are in its owner's access package (the address,
// never the signing secret; nothing of another account), go with a
// deletion request, and are purged once the account has been closed for
// their retention period. Before, notify.webhook was declared but skipped
// by export, erasure and retention alike.
// proves: R1
func TestWebhooksExportedErasedAndPurged(t *testing.T) {
	e := vigiltest.Start(t, func(c *config.Config) { c.Notify.AllowLoopback = true })
	ann, bob := e.SignUp("ann@example.com"), e.SignUp("bob@example.com")
	hook := func(c *vigiltest.Client, url string) string {
		var h struct{ ID, Secret string }
		c.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+c.AccountID+"/webhooks", map[string]any{"url": url}).Decode(t, &h)
		return h.Secret
	}
	annSecret := hook(ann, "http://127.0.0.1:9/ann-hook")
	hook(bob, "http://127.0.0.1:9/bob-hook")
	ann.WithMFA()
	dpo := e.StaffMember("dpo@vigil.test", access.StaffDPO)

	var req privacy.Request
	ann.Must(http.StatusCreated, "POST", "/api/v1/me/privacy-requests", map[string]any{"kind": "access", "region": "eu",
		"scope": map[string]any{"categories": []string{"notify.webhook"}}}).Decode(t, &req)
	dpo.Must(http.StatusAccepted, "POST", "/api/v1/staff/privacy-requests/"+req.ID+"/grant", nil)
	e.Mail.Wait(t, "ann@example.com", "Our answer")
	files := vigiltest.Unzip(t, ann.Must(http.StatusOK, "GET", "/api/v1/me/privacy-requests/"+req.ID+"/package", nil).Body)
	got := string(files["data/notify.webhook.json"])
	if !strings.Contains(got, "http://127.0.0.1:9/ann-hook") {
		t.Fatalf("the package's webhooks: %s", got)
	}
	if strings.Contains(got, "bob-hook") || strings.Contains(got, annSecret) || strings.Contains(got, "whsec_") {
		t.Fatalf("the package holds another account's webhook or a signing secret: %s", got)
	}

	ann.Login()
	ann.Must(http.StatusCreated, "POST", "/api/v1/me/privacy-requests", map[string]any{"kind": "deletion", "region": "eu",
		"scope": map[string]any{"categories": []string{"notify.webhook"}}}).Decode(t, &req)
	dpo.Must(http.StatusOK, "POST", "/api/v1/staff/privacy-requests/"+req.ID+"/grant", nil)
	if n := countWebhooks(t, e, ann.AccountID); n != 0 {
		t.Fatalf("%d of Ann's webhooks left after her deletion request", n)
	}
	if n := countWebhooks(t, e, bob.AccountID); n != 1 {
		t.Fatalf("Bob has %d webhooks after Ann's deletion", n)
	}

	// Bob's account closes; a month later retention purges its webhooks.
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
	if sweep.Purged[datamap.NotifyWebhook] != 1 || countWebhooks(t, e, bob.AccountID) != 0 {
		t.Fatalf("retention purged %d webhooks of the closed account; %d left", sweep.Purged[datamap.NotifyWebhook], countWebhooks(t, e, bob.AccountID))
	}
}
