package notify_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/notify"
	"github.com/vigil-cloud/vigil/internal/notify/pushtest"
	"github.com/vigil-cloud/vigil/internal/store"
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

// pushed is a decrypted push as the service worker reads it.
type pushed struct {
	ID, Title, Body, URL string
	More                 []string
}

func pushesAt(t *testing.T, ps *pushtest.Service, sub pushtest.Subscription) []pushed {
	t.Helper()
	var out []pushed
	for _, raw := range ps.Messages(t, sub.ClientHash) {
		var p pushed
		if err := json.Unmarshal([]byte(raw), &p); err != nil {
			t.Fatalf("decrypted payload %q: %v", raw, err)
		}
		out = append(out, p)
	}
	return out
}

// subscribeAlarms registers a browser subscription of c at ps through
// front (nil: directly) for alarm pushes.
func subscribeAlarms(t *testing.T, e *vigiltest.Env, ps *pushtest.Service, front *pushtest.Front, c *vigiltest.Client) pushtest.Subscription {
	t.Helper()
	key, err := e.App.Notify.VAPIDPublicKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sub := ps.Subscribe(t, key)
	endpoint := sub.Endpoint
	if front != nil {
		endpoint = front.URL + "/notify/" + sub.ClientHash
	}
	c.Must(http.StatusCreated, "POST", "/api/v1/me/push-subscriptions", map[string]any{"endpoint": endpoint,
		"keys": map[string]string{"p256dh": sub.Keys.P256dh, "auth": sub.Keys.Auth}})
	c.Must(http.StatusOK, "PUT", "/api/v1/me/notifications/alarm", map[string]any{"channels": []string{"push"}})
	return sub
}

func alarmMsg(e *vigiltest.Env, c *vigiltest.Client, id, title string) notify.Message {
	return notify.Message{ID: id, AccountID: c.AccountID, Kind: notify.KindAlarm, Time: e.Clock.Now(), Title: title, URL: "/#/alarms/" + id}
}

// Alarms due to one browser at once go in one push that names them all
// (the newest as its ID, the others in More, every title in the text),
// and each delivery is recorded sent.
func TestAlarmsDueTogetherShareOnePush(t *testing.T) {
	ps := pushtest.Start(t)
	p := startPeers(t)
	e := vigiltest.Start(t, p.option)
	alice := e.SignUp("alice@example.com")
	sub := subscribeAlarms(t, e, ps, nil, alice)
	e = e.Restart(vigiltest.Offline)
	alice = alice.On(e)
	s := service(e, notify.Options{})
	for i, title := range []string{"Motion at Front door", "Person at Garage", "Vehicle at Drive"} {
		if err := s.Enqueue(context.Background(), alarmMsg(e, alice, "alm_"+string(rune('1'+i)), title), []string{alice.UserID}); err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(time.Second)
	}
	if n := drain(t, s); n != 3 {
		t.Fatalf("%d deliveries attempted, want 3", n)
	}
	got := pushesAt(t, ps, sub)
	if len(got) != 1 {
		t.Fatalf("%d pushes for 3 alarms due together, want 1: %+v", len(got), got)
	}
	g := got[0]
	if g.ID != "alm_3" || strings.Join(g.More, ",") != "alm_1,alm_2" || g.Title != "3 alarms" ||
		g.Body != "Vehicle at Drive\nPerson at Garage\nMotion at Front door" || !strings.HasSuffix(g.URL, "/#/events") {
		t.Fatalf("push %+v", g)
	}
	var ds deliveries
	alice.Must(http.StatusOK, "GET", "/api/v1/me/deliveries?status=sent", nil).Decode(t, &ds)
	if len(ds.Deliveries) != 3 {
		t.Fatalf("%d deliveries sent, want 3", len(ds.Deliveries))
	}
}

// While a push to a browser is in flight, the worker sends no other to
// it: the alarms due meanwhile wait and go together in the next push,
// sent as soon as the first returns.
func TestAlarmsDueDuringAPushGoInTheNext(t *testing.T) {
	ps := pushtest.Start(t)
	front := ps.Front(t)
	p := startPeers(t)
	e := vigiltest.Start(t, p.option)
	alice := e.SignUp("alice@example.com")
	sub := subscribeAlarms(t, e, ps, front, alice)
	front.Hold()
	enqueue := func(id string) {
		t.Helper()
		if err := e.App.Notify.Enqueue(context.Background(), alarmMsg(e, alice, id, "Motion "+id), []string{alice.UserID}); err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(time.Second)
	}
	enqueue("alm_1")
	waittest.Eventually(t, "the first push reaches the push service", func() bool { return front.Arrived() == 1 })
	for _, id := range []string{"alm_2", "alm_3", "alm_4"} {
		enqueue(id)
	}
	// The worker claims them (they are leased) but sends nothing more.
	waittest.Eventually(t, "the alarms due meanwhile are claimed", func() bool {
		var n int
		err := e.App.DB.Read(context.Background(), func(tx *store.Tx) error {
			return tx.QueryRow(context.Background(), `SELECT COUNT(*) FROM notify_deliveries WHERE status = 'pending' AND lease_until > 0`).Scan(&n)
		})
		return err == nil && n == 4
	})
	if n := front.Arrived(); n != 1 {
		t.Fatalf("%d pushes sent to a browser with one in flight", n)
	}
	front.Release()
	var got []pushed
	waittest.Eventually(t, "two pushes arrive", func() bool { got = pushesAt(t, ps, sub); return len(got) >= 2 })
	if len(got) != 2 || got[0].ID != "alm_1" || len(got[0].More) != 0 || got[1].ID != "alm_4" || strings.Join(got[1].More, ",") != "alm_2,alm_3" {
		t.Fatalf("pushes %+v", got)
	}
}
