package notify_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/notify"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
	"github.com/vigil-cloud/vigil/internal/waittest"
)

// A person's notification settings and the messages sent to them are in
// their data-subject export (their own only) and go with an erasure.
// proves: R1
func TestNotificationsExportAndErase(t *testing.T) {
	p := startPeers(t)
	e := vigiltest.Start(t, p.option)
	alice, bob := e.SignUp("alice@example.com"), e.SignUp("bob@example.com")
	p.verifyPhone(t, e, alice, "+33612345678")
	alice.Must(http.StatusOK, "PUT", "/api/v1/me/notifications/alarm", map[string]any{"channels": []string{"app"}})
	bob.Must(http.StatusOK, "PUT", "/api/v1/me/notifications/alarm", map[string]any{"channels": []string{"app"}})
	ctx := context.Background()
	for _, c := range []*vigiltest.Client{alice, bob} {
		msg := notify.Message{ID: "alm_" + c.UserID, AccountID: c.AccountID, Kind: notify.KindAlarm, Title: "For " + c.Email}
		if err := e.App.Notify.Enqueue(ctx, msg, []string{c.UserID}); err != nil {
			t.Fatal(err)
		}
	}
	subj := fulfil.Subject{ID: alice.UserID}
	export := func(cat datamap.CategoryID) string {
		d, err := e.App.Gate.Check(ctx, access.System("privacy-requests"), access.Export, access.Resource{Category: cat, SubjectID: alice.UserID}, datamap.PurposeService)
		if err != nil {
			t.Fatal(err)
		}
		var out []fulfil.Record
		if err := e.App.Fulfil.Handlers(cat).Export.Export(ctx, d, subj, fulfil.Scope{}, func(r fulfil.Record) error { out = append(out, r); return nil }); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(out)
		return string(b)
	}
	if got := export(datamap.NotifyPrefs); !strings.Contains(got, "+33612345678") || !strings.Contains(got, `"alarm":["app"]`) {
		t.Fatalf("settings export %s", got)
	}
	waittest.Eventually(t, "the condition", func() bool { return strings.Contains(export(datamap.NotifyMessage), `"status":"sent"`) })
	if got := export(datamap.NotifyMessage); !strings.Contains(got, "For alice@example.com") || strings.Contains(got, "bob@example.com") {
		t.Fatalf("messages export %s", got)
	}
	for _, cat := range []datamap.CategoryID{datamap.NotifyPrefs, datamap.NotifyMessage} {
		d, err := e.App.Gate.Check(ctx, access.System("privacy-requests"), access.Delete, access.Resource{Category: cat, SubjectID: alice.UserID}, datamap.PurposeService)
		if err != nil {
			t.Fatal(err)
		}
		if res, err := e.App.Fulfil.Handlers(cat).Erase.Erase(ctx, d, subj, fulfil.Scope{}); err != nil || res.Rows == 0 {
			t.Fatalf("erase %s: %+v %v", cat, res, err)
		}
	}
	if got := prefsOf(t, alice); got.Phone != "" || len(got.Channels[notify.KindAlarm]) != 2 {
		t.Fatalf("after erasure: %+v", got)
	}
	var inbox struct{ Messages []notify.FeedItem }
	waittest.Eventually(t, "the condition", func() bool {
		bob.Must(http.StatusOK, "GET", "/api/v1/me/inbox", nil).Decode(t, &inbox)
		return len(inbox.Messages) > 0
	})
	if len(inbox.Messages) != 1 {
		t.Fatalf("bob's messages went with alice's erasure: %+v", inbox.Messages)
	}
}
