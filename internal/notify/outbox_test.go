package notify_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/notify"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
	"github.com/vigil-cloud/vigil/internal/waittest"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

type deliveries struct {
	Deliveries []notify.Delivery `json:"deliveries"`
}

// Enqueueing the same message twice queues one delivery per endpoint, and
// a user outside the account gets nothing.
func TestEnqueueTwiceOneDeliveryPerEndpoint(t *testing.T) {
	p := startPeers(t)
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		alice, bob := e.SignUp("alice@example.com"), e.SignUp("bob@example.com")
		alice.Must(http.StatusOK, "PUT", "/api/v1/me/notifications/alarm", map[string]any{"channels": []string{"app", "email", "sms"}})
		p.verifyPhone(t, e, alice, "+33 6 12 34 56 78")
		e = e.Restart(vigiltest.Offline)
		alice = alice.On(e)
		s := service(e, notify.Options{})
		msg := notify.Message{ID: "alm_1", AccountID: alice.AccountID, Kind: notify.KindAlarm, Time: e.Clock.Now(), Title: "Motion at the door"}
		for range 2 {
			if err := s.Enqueue(context.Background(), msg, []string{alice.UserID, alice.UserID, bob.UserID}); err != nil {
				t.Fatal(err)
			}
		}
		var ds deliveries
		alice.Must(http.StatusOK, "GET", "/api/v1/accounts/"+alice.AccountID+"/deliveries", nil).Decode(t, &ds)
		got := map[notify.Channel]int{}
		for _, d := range ds.Deliveries {
			got[d.Channel]++
			if d.UserID != alice.UserID || d.MessageID != "alm_1" || d.Status != notify.StatusPending || d.Title != "Motion at the door" {
				t.Errorf("unexpected delivery %+v", d)
			}
		}
		if len(ds.Deliveries) != 3 || got[notify.ChannelApp] != 1 || got[notify.ChannelEmail] != 1 || got[notify.ChannelSMS] != 1 {
			t.Fatalf("deliveries %v, want one each on app, email and sms", got)
		}
	}, p.option)
}

// A failing peer is retried with exponential backoff (read from the fake
// clock), lands on the dead-letter list after the last attempt, and the
// owner sees it there and queues it again.
func TestRetryBackoffDeadLetter(t *testing.T) {
	p := startPeers(t)
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		rcv := &receiver{now: e.Clock.Now, status: http.StatusServiceUnavailable, got: make(chan notify.WebhookPayload, 10), refused: make(chan string, 10)}
		hook := httptest.NewServer(rcv)
		defer hook.Close()
		alice := e.SignUp("alice@example.com")
		var created notify.Webhook
		alice.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+alice.AccountID+"/webhooks", map[string]any{"url": hook.URL + "/in"}).Decode(t, &created)
		rcv.secret = []byte(created.Secret)
		e = e.Restart(vigiltest.Offline)
		alice = alice.On(e)
		s := service(e, notify.Options{MaxAttempts: 4, BaseDelay: time.Minute, MaxDelay: time.Hour})
		msg := notify.Message{ID: "alm_retry", AccountID: alice.AccountID, Kind: notify.KindAlarm, Title: "Tamper"}
		if err := s.Enqueue(context.Background(), msg, nil); err != nil {
			t.Fatal(err)
		}
		hookDelivery := func() notify.Delivery {
			var ds deliveries
			alice.Must(http.StatusOK, "GET", "/api/v1/accounts/"+alice.AccountID+"/deliveries", nil).Decode(t, &ds)
			for _, d := range ds.Deliveries {
				if d.Channel == notify.ChannelWebhook {
					return d
				}
			}
			t.Fatal("no webhook delivery")
			return notify.Delivery{}
		}
		// With jitter fixed at one half, the n-th retry waits 3/4 of
		// BaseDelay * 2^(n-1).
		for attempt, wait := range []time.Duration{45 * time.Second, 90 * time.Second, 3 * time.Minute} {
			if n := drain(t, s); n != 1 {
				t.Fatalf("attempt %d: %d deliveries sent, want 1", attempt+1, n)
			}
			d := hookDelivery()
			if d.Status != notify.StatusPending || d.Attempts != attempt+1 || !d.NextAt.Equal(e.Clock.Now().Add(wait)) {
				t.Fatalf("after attempt %d: %+v, want pending, next at +%s", attempt+1, d, wait)
			}
			if d.LastError != "webhook answered 503" {
				t.Fatalf("last error %q", d.LastError)
			}
			e.Clock.Advance(wait - time.Second)
			if n := drain(t, s); n != 0 {
				t.Fatalf("a retry ran %s early", time.Second)
			}
			e.Clock.Advance(time.Second)
		}
		drain(t, s)
		if d := hookDelivery(); d.Status != notify.StatusDead || d.Attempts != 4 {
			t.Fatalf("after the last attempt: %+v, want dead", d)
		}
		var dead deliveries
		alice.Must(http.StatusOK, "GET", "/api/v1/accounts/"+alice.AccountID+"/deliveries?status=dead", nil).Decode(t, &dead)
		if len(dead.Deliveries) != 1 {
			t.Fatalf("dead letters %+v", dead.Deliveries)
		}
		// The receiver recovers; the owner retries the dead letter.
		rcv.status = 0
		alice.Must(http.StatusNoContent, "POST", "/api/v1/accounts/"+alice.AccountID+"/deliveries/"+dead.Deliveries[0].ID+"/retry", nil)
		alice.Must(http.StatusNotFound, "POST", "/api/v1/accounts/"+alice.AccountID+"/deliveries/"+dead.Deliveries[0].ID+"/retry", nil)
		drain(t, s)
		select {
		case got := <-rcv.got:
			if got.ID != "alm_retry" || got.Type != notify.KindAlarm || got.Title != "Tamper" {
				t.Fatalf("webhook received %+v", got)
			}
		default:
			t.Fatal("the retried webhook did not arrive")
		}
		if d := hookDelivery(); d.Status != notify.StatusSent {
			t.Fatalf("after the retry: %+v", d)
		}
		if len(rcv.refused) != 0 {
			t.Fatalf("the receiver refused a signature: %s", <-rcv.refused)
		}
	}, p.option)
}

// A webhook call carries a signature its receiver verifies; a tampered body,
// an old timestamp or another secret is refused.
func TestWebhookSignature(t *testing.T) {
	secret := []byte("whsec_test")
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	body := []byte(`{"id":"alm_1","type":"alarm"}`)
	sig := notify.Sign(secret, now, body)
	if err := notify.Verify(secret, sig, body, now.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatalf("a genuine call was refused: %v", err)
	}
	for name, c := range map[string]struct {
		secret []byte
		header string
		body   []byte
		at     time.Time
	}{
		"tampered body":  {secret, sig, []byte(`{"id":"alm_2","type":"alarm"}`), now},
		"old timestamp":  {secret, sig, body, now.Add(6 * time.Minute)},
		"future":         {secret, sig, body, now.Add(-6 * time.Minute)},
		"other secret":   {[]byte("whsec_other"), sig, body, now},
		"no signature":   {secret, "t=" + sig[2:12], body, now},
		"garbage header": {secret, "v1=zz", body, now},
	} {
		if err := notify.Verify(c.secret, c.header, c.body, c.at, 5*time.Minute); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// End to end: a signed webhook call reaches a receiver that verifies it;
// the same call with its body altered in transit is refused.
func TestWebhookEndToEnd(t *testing.T) {
	p := startPeers(t)
	e := vigiltest.Start(t, p.option)
	rcv := &receiver{now: e.Clock.Now, got: make(chan notify.WebhookPayload, 10), refused: make(chan string, 10)}
	tamper := false
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tamper {
			r.Body = http.NoBody
		}
		rcv.ServeHTTP(w, r)
	}))
	defer hook.Close()
	alice := e.SignUp("alice@example.com")
	var created notify.Webhook
	alice.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+alice.AccountID+"/webhooks", map[string]any{"url": hook.URL, "kinds": []string{"alarm"}}).Decode(t, &created)
	if created.Secret == "" {
		t.Fatal("no secret in the creation answer")
	}
	rcv.secret = []byte(created.Secret)
	var list struct{ Webhooks []notify.Webhook }
	alice.Must(http.StatusOK, "GET", "/api/v1/accounts/"+alice.AccountID+"/webhooks", nil).Decode(t, &list)
	if len(list.Webhooks) != 1 || list.Webhooks[0].Secret != "" || list.Webhooks[0].URL != hook.URL {
		t.Fatalf("listed webhooks %+v: the secret must not be shown again", list.Webhooks)
	}
	alice.Must(http.StatusBadRequest, "POST", "/api/v1/accounts/"+alice.AccountID+"/webhooks", map[string]any{"url": "http://example.com/hook"})
	msg := notify.Message{ID: "alm_hook", AccountID: alice.AccountID, Kind: notify.KindAlarm, Title: "Person", DeviceID: "dev_x", AlarmType: "person"}
	if err := e.App.Notify.Enqueue(context.Background(), msg, []string{alice.UserID}); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-rcv.got:
		if got.ID != "alm_hook" || got.AlarmType != "person" || got.AccountID != alice.AccountID {
			t.Fatalf("received %+v", got)
		}
	case why := <-rcv.refused:
		t.Fatalf("genuine call refused: %s", why)
	case <-time.After(10 * time.Second):
		t.Fatal("webhook not called")
	}
	tamper = true
	msg.ID = "alm_hook2"
	if err := e.App.Notify.Enqueue(context.Background(), msg, nil); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-rcv.got:
		t.Fatalf("a tampered call was accepted: %+v", got)
	case <-rcv.refused:
	case <-time.After(10 * time.Second):
		t.Fatal("webhook not called")
	}
	// Firmware notices do not go to a webhook that takes only alarms.
	if err := e.App.Notify.Enqueue(context.Background(), notify.Message{ID: "fw_1", AccountID: alice.AccountID, Kind: notify.KindFirmware, Title: "Update"}, nil); err != nil {
		t.Fatal(err)
	}
	var ds deliveries
	alice.Must(http.StatusOK, "GET", "/api/v1/accounts/"+alice.AccountID+"/deliveries", nil).Decode(t, &ds)
	for _, d := range ds.Deliveries {
		if d.MessageID == "fw_1" {
			t.Fatalf("firmware notice queued for the alarm webhook: %+v", d)
		}
	}
}

// Webhooks go to public https:// addresses only, and the check is made
// again when connecting: an address that was accepted (or a name that now
// resolves elsewhere) but leads to a loopback or private address is never
// called.
func TestWebhookRefusesNonPublicAddresses(t *testing.T) {
	p := startPeers(t)
	e := vigiltest.Start(t, p.option)
	alice := e.SignUp("alice@example.com")
	for _, u := range []string{"https://10.0.0.1/hook", "https://192.168.1.20/hook", "https://169.254.169.254/latest", "http://example.com/hook",
		"ftp://example.com/x", "https://user:pw@example.com/", "not a url"} {
		if r := alice.Do("POST", "/api/v1/accounts/"+alice.AccountID+"/webhooks", map[string]any{"url": u}); r.Status != http.StatusBadRequest {
			t.Errorf("webhook %s: %d %s", u, r.Status, r.Body)
		}
	}
	called := make(chan struct{}, 1)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { called <- struct{}{} }))
	defer hook.Close()
	// This vigil allows loopback (tests); a strict one shares its database.
	alice.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+alice.AccountID+"/webhooks", map[string]any{"url": hook.URL})
	e = e.Restart(vigiltest.Offline)
	alice = alice.On(e)
	strict := notify.New(store.NewNotifyStore(e.App.DB), e.App.Keys, e.App.Gate, e.App.Privacy, nil, e.Clock,
		slog.New(slog.NewTextHandler(io.Discard, nil)), notify.Options{PublicURL: e.Config.PublicURL, MaxAttempts: 1})
	if err := strict.Enqueue(context.Background(), notify.Message{ID: "alm_ssrf", AccountID: alice.AccountID, Kind: notify.KindAlarm, Title: "x"}, nil); err != nil {
		t.Fatal(err)
	}
	drain(t, strict)
	select {
	case <-called:
		t.Fatal("a loopback webhook was called by a vigil that does not allow it")
	default:
	}
	var ds deliveries
	alice.Must(http.StatusOK, "GET", "/api/v1/accounts/"+alice.AccountID+"/deliveries?status=dead", nil).Decode(t, &ds)
	if len(ds.Deliveries) != 1 || ds.Deliveries[0].LastError != "webhook unreachable" {
		t.Fatalf("dead letters %+v", ds.Deliveries)
	}
}

// Webhooks and the account's delivery status are for its owners and admins:
// a member of the account is refused, and sees only their own deliveries.
// proves: P3
func TestWebhooksAndDeadLettersNeedAdmin(t *testing.T) {
	p := startPeers(t)
	e := vigiltest.Start(t, p.option)
	owner := e.SignUp("owner@example.com")
	owner.Must(http.StatusAccepted, "POST", "/api/v1/accounts/"+owner.AccountID+"/invitations", map[string]any{"email": "kim@example.com", "role": "member"})
	token := e.Mail.Wait(t, "kim@example.com", "invited").Token(t)
	kim := e.SignUp("kim@example.com")
	kim.Must(http.StatusOK, "POST", "/api/v1/invitations/accept", map[string]string{"token": token})
	base := "/api/v1/accounts/" + owner.AccountID
	for _, c := range []struct{ method, path string }{{"GET", base + "/webhooks"}, {"POST", base + "/webhooks"},
		{"GET", base + "/deliveries?status=dead"}, {"POST", base + "/deliveries/dlv_aaaaaaaaaaaaaaaaaaaaaaaaaa/retry"}} {
		if r := kim.Do(c.method, c.path, map[string]any{"url": "https://hooks.example.com/x"}); r.Status != http.StatusForbidden {
			t.Errorf("member %s %s: %d %s", c.method, c.path, r.Status, r.Body)
		}
	}
	msg := notify.Message{ID: "alm_team", AccountID: owner.AccountID, Kind: notify.KindAlarm, Title: "Team alarm"}
	if err := e.App.Notify.Enqueue(context.Background(), msg, []string{owner.UserID, kim.UserID}); err != nil {
		t.Fatal(err)
	}
	var mine deliveries
	kim.Must(http.StatusOK, "GET", "/api/v1/me/deliveries", nil).Decode(t, &mine)
	for _, d := range mine.Deliveries {
		if d.UserID != kim.UserID {
			t.Fatalf("a member sees another person's delivery: %+v", d)
		}
	}
	if len(mine.Deliveries) == 0 {
		t.Fatal("the member sees none of their own deliveries")
	}
	var all deliveries
	owner.Must(http.StatusOK, "GET", base+"/deliveries", nil).Decode(t, &all)
	if len(all.Deliveries) <= len(mine.Deliveries) {
		t.Fatalf("the owner sees %d deliveries, the member %d", len(all.Deliveries), len(mine.Deliveries))
	}
}

// An idle worker sleeps until the next delivery is due instead of looking
// every second, and still sends a retry as soon as it is due: here the
// injected clock jumps past the retry's time and the webhook is called
// again within a second or two, though the worker's idle sleep (up to
// 30 s) had not ended.
func TestIdleWorkerSendsTheRetryWhenDue(t *testing.T) {
	p := startPeers(t)
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		var calls atomic.Int32
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1) == 1 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}))
		defer hook.Close()
		alice := e.SignUp("alice@example.com")
		alice.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+alice.AccountID+"/webhooks", map[string]any{"url": hook.URL, "kinds": []string{"alarm"}})
		msg := notify.Message{ID: "alm_idle", AccountID: alice.AccountID, Kind: notify.KindAlarm, Title: "Person"}
		if err := e.App.Notify.Enqueue(context.Background(), msg, nil); err != nil {
			t.Fatal(err)
		}
		waittest.Eventually(t, "the first attempt", func() bool { return calls.Load() == 1 })
		var ds deliveries
		alice.Must(http.StatusOK, "GET", "/api/v1/accounts/"+alice.AccountID+"/deliveries", nil).Decode(t, &ds)
		if len(ds.Deliveries) != 1 || ds.Deliveries[0].Status != notify.StatusPending || !ds.Deliveries[0].NextAt.After(e.Clock.Now()) {
			t.Fatalf("after a 503: %+v, want one pending retry in the future", ds.Deliveries)
		}
		time.Sleep(1500 * time.Millisecond) // the worker is asleep now, until the retry is due
		if n := calls.Load(); n != 1 {
			t.Fatalf("%d calls before the retry was due", n)
		}
		e.Clock.Set(ds.Deliveries[0].NextAt)
		waittest.Within(t, "the retry, once due", 3*time.Second, func() bool { return calls.Load() == 2 })
	}, p.option)
}
