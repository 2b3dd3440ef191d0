package notify_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/vigil-cloud/vigil/internal/notify"
	"github.com/vigil-cloud/vigil/internal/notify/pushtest"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
	"github.com/vigil-cloud/vigil/internal/waittest"
)

// Web Push end to end: a subscription made at a real push service
// (web-push-testing) for vigil's VAPID key is registered the way the web app
// does it; vigil's push arrives with a valid VAPID token and decrypts
// (RFC 8291) to the message. When the push service answers 410 the
// subscription is removed and not tried again.
// proves: U-C
func TestWebPushEndToEnd(t *testing.T) {
	ps := pushtest.Start(t)
	p := startPeers(t)
	e := vigiltest.Start(t, p.option)
	alice := e.SignUp("alice@example.com")
	var key struct {
		PublicKey string `json:"public_key"`
	}
	e.Client().Must(http.StatusOK, "GET", "/api/v1/notify/vapid-key", nil).Decode(t, &key)
	sub := ps.Subscribe(t, key.PublicKey)
	in := map[string]any{"endpoint": sub.Endpoint, "expirationTime": nil, "keys": map[string]string{"p256dh": sub.Keys.P256dh, "auth": sub.Keys.Auth}}
	bad := map[string]any{"endpoint": sub.Endpoint, "keys": map[string]string{"p256dh": "short", "auth": sub.Keys.Auth}}
	alice.Must(http.StatusBadRequest, "POST", "/api/v1/me/push-subscriptions", bad)
	var created notify.PushSubscription
	alice.Must(http.StatusCreated, "POST", "/api/v1/me/push-subscriptions", in).Decode(t, &created)
	// Registering the same browser again keeps one subscription.
	alice.Must(http.StatusCreated, "POST", "/api/v1/me/push-subscriptions", in)
	if got := prefsOf(t, alice).PushSubscriptions; len(got) != 1 || got[0].ID != created.ID || got[0].Service != "localhost" {
		t.Fatalf("push subscriptions %+v", got)
	}
	msg := notify.Message{ID: "alm_push", AccountID: alice.AccountID, Kind: notify.KindAlarm, Time: e.Clock.Now(), Title: "Vehicle in the drive",
		Body: "Camera Drive saw a vehicle.", URL: "/#/alarms/alm_push"}
	if err := e.App.Notify.Enqueue(context.Background(), msg, []string{alice.UserID}); err != nil {
		t.Fatal(err)
	}
	var got []string
	waittest.Eventually(t, "the condition", func() bool { got = ps.Messages(t, sub.ClientHash); return len(got) > 0 })
	var payload struct {
		ID, Kind, Title, Body, URL string
	}
	if err := json.Unmarshal([]byte(got[0]), &payload); err != nil {
		t.Fatalf("decrypted payload %q: %v", got[0], err)
	}
	if payload.ID != "alm_push" || payload.Kind != "alarm" || payload.Title != "Vehicle in the drive" || payload.URL != "/#/alarms/alm_push" {
		t.Fatalf("decrypted payload %+v", payload)
	}
	// The browser unsubscribes: the push service answers 410 from now on.
	ps.Expire(t, sub.ClientHash)
	msg.ID = "alm_push2"
	if err := e.App.Notify.Enqueue(context.Background(), msg, []string{alice.UserID}); err != nil {
		t.Fatal(err)
	}
	waittest.Eventually(t, "the condition", func() bool {
		var ds deliveries
		alice.Must(http.StatusOK, "GET", "/api/v1/me/deliveries?status=gone", nil).Decode(t, &ds)
		return len(ds.Deliveries) == 1 && ds.Deliveries[0].MessageID == "alm_push2"
	})
	if got := prefsOf(t, alice).PushSubscriptions; len(got) != 0 {
		t.Fatalf("the expired subscription was kept: %+v", got)
	}
	// Nothing is queued for it any more.
	msg.ID = "alm_push3"
	if err := e.App.Notify.Enqueue(context.Background(), msg, []string{alice.UserID}); err != nil {
		t.Fatal(err)
	}
	var ds deliveries
	alice.Must(http.StatusOK, "GET", "/api/v1/me/deliveries", nil).Decode(t, &ds)
	for _, d := range ds.Deliveries {
		if d.MessageID == "alm_push3" && d.Channel == notify.ChannelPush {
			t.Fatalf("push queued for a removed subscription: %+v", d)
		}
	}
}
