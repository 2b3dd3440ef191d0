package bus_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/bus"
	"github.com/vigil-cloud/vigil/internal/waittest"
)

func TestValidDeviceID(t *testing.T) {
	good := randomID()
	for _, tc := range []struct {
		id string
		ok bool
	}{
		{good, true},
		{"dev_abcdefghijklmnopqrstuvwxyz", true},
		{"", false},
		{"dev_", false},
		{good[:len(good)-1], false},
		{good + "a", false},
		{"dev_abcdefghijklmnopqrstuvwxy.", false},
		{"dev_abcdefghijklmnopqrstuvwxy*", false},
		{"dev_abcdefghijklmnopqrstuvwxy>", false},
		{"dev_abcdefghijklmnopqrstuvwxy/", false},
		{"dev_abcdefghijklmnopqrstuvwxy#", false},
		{"dev_abcdefghijklmnopqrstuvwxy ", false},
		{"dev_abcdefghijklmnopqrstuvwxy1", false}, // 1 is not base32
		{"dev_ABCDEFGHIJKLMNOPQRSTUVWXYZ", false},
		{"cam_abcdefghijklmnopqrstuvwxyz", false},
	} {
		if got := bus.ValidDeviceID(tc.id); got != tc.ok {
			t.Errorf("ValidDeviceID(%q) = %v, want %v", tc.id, got, tc.ok)
		}
	}
}

// The auth callout, not the embedded server's custom authentication, is
// what vigil uses; this shows it is asked for MQTT connections and sees
// the MQTT client ID and the remote address.
func TestConnectAuthenticates(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a, b := e.auth.add(), e.auth.add()
		c := e.mustConnect(a)
		if !c.IsConnected() {
			t.Fatal("good credential: not connected")
		}
		e.auth.mu.Lock()
		seen := e.auth.seen[len(e.auth.seen)-1]
		e.auth.mu.Unlock()
		if seen.ClientID != a.id || seen.Username != a.user || seen.RemoteIP != "127.0.0.1" {
			t.Errorf("authenticator saw %+v", seen)
		}

		bad := a
		bad.pass = "wrong"
		if _, err := e.connect(bad, "", true); err == nil {
			t.Error("bad password: connected")
		}
		if got := e.counter("vigil_bus_auth_refused_total", "reason=bad_credentials"); got != 1 {
			t.Errorf("bad_credentials refusals = %v, want 1", got)
		}

		// A's credential with B's client ID would take over B's session.
		if _, err := e.connect(a, b.id, true); err == nil {
			t.Error("foreign client ID: connected")
		}
		if got := e.counter("vigil_bus_auth_refused_total", "reason=client_id"); got != 1 {
			t.Errorf("client_id refusals = %v, want 1", got)
		}
		if !c.IsConnected() {
			t.Error("A's first connection was dropped")
		}
	})
}

func TestACL(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a, b := e.auth.add(), e.auth.add()
		ca := e.mustConnect(a)
		cb := e.mustConnect(b)
		msgs := e.collect("acl")

		for _, f := range []string{
			"dev/" + b.id + "/down/#", "dev/" + b.id + "/up/#", "dev/+/down/#", "#", "dev/#",
			"$MQTT/sub/#", "$MQTT/msgs/#",
		} {
			if got := ca.subscribe(t, f, 1); got != 0x80 {
				t.Errorf("A subscribed to %s: SUBACK %#x", f, got)
			}
		}
		if got := ca.subscribe(t, "dev/"+a.id+"/down/#", 1); got != 1 {
			t.Fatalf("A's own tree: SUBACK %#x", got)
		}
		if got := e.counter("vigil_bus_acl_denied_total", "op=subscribe"); got < 5 {
			t.Errorf("denied subscriptions counted %v, want >= 5", got)
		}

		// A publishes as B: the server acknowledges and drops it.
		ca.publish(t, up(b, "info"), []byte(`{"forged":true}`))
		ca.publish(t, "dev/"+b.id+"/down/config", []byte(`{"forged":true}`))
		ca.publish(t, up(a, "info"), []byte(`{"own":true}`))
		m := recv(t, msgs, "A's own message")
		if m.DeviceID != a.id || m.Topic != "info" || string(m.Payload) != `{"own":true}` {
			t.Errorf("got %+v", m)
		}
		if cb.subscribe(t, "dev/"+b.id+"/down/#", 1) != 1 {
			t.Fatal("B cannot subscribe to its own tree")
		}
		ca.publish(t, "dev/"+b.id+"/down/config", []byte(`{"forged":true}`))
		select {
		case m := <-msgs:
			t.Errorf("forged message reached the consumer: %+v", m)
		case m := <-cb.msgs:
			t.Errorf("forged message reached B: %s", m.Topic())
		case <-time.After(300 * time.Millisecond):
		}
		if got := e.counter("vigil_bus_acl_denied_total", "op=publish"); got != 3 {
			t.Errorf("denied publishes counted %v, want 3", got)
		}
		if !ca.IsConnected() {
			t.Error("A was disconnected for a denied publish")
		}
	})
}

func TestDisconnectRevoked(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a, other := e.auth.add(), e.auth.add()
		c := e.mustConnect(a)
		co := e.mustConnect(other)
		e.auth.revoke(a.id)
		if !c.IsConnected() {
			t.Fatal("revoking alone kicked the device")
		}
		start := time.Now()
		if n := e.bus.Disconnect(a.id); n != 1 {
			t.Errorf("Disconnect closed %d connections, want 1", n)
		}
		recv(t, c.lost, "connection lost")
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("kick took %v", d)
		}
		if _, err := e.connect(a, "", true); err == nil {
			t.Error("revoked device reconnected")
		}
		if !co.IsConnected() {
			t.Error("another device was kicked")
		}
		if n := e.bus.Disconnect("dev_*"); n != 0 {
			t.Errorf("Disconnect of a wildcard closed %d", n)
		}
	})
}

func TestUplink(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.auth.add()
		c := e.mustConnect(a)
		msgs := e.collect("ingest")
		topics := []string{"info", "event", "ch/2/shadow/reported", "log/access"}
		for i, tp := range topics {
			c.publish(t, up(a, tp), fmt.Appendf(nil, `{"n":%d}`, i))
		}
		for i, tp := range topics {
			m := recv(t, msgs, "uplink")
			if m.DeviceID != a.id || m.Topic != tp || string(m.Payload) != fmt.Sprintf(`{"n":%d}`, i) || m.Received.IsZero() {
				t.Errorf("message %d = %+v", i, m)
			}
		}
		// Not captured: outside up/.
		c.publish(t, "dev/"+a.id+"/status", []byte("x"))
		select {
		case m := <-msgs:
			t.Errorf("non-uplink topic captured: %+v", m)
		case <-time.After(200 * time.Millisecond):
		}
	})
}

func TestPermanentErrorTerms(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.auth.add()
		c := e.mustConnect(a)
		var mu sync.Mutex
		calls := map[string]int{}
		got := make(chan bus.Message, 10)
		e.consume("perm", func(_ context.Context, m bus.Message) error {
			mu.Lock()
			calls[string(m.Payload)]++
			n := calls[string(m.Payload)]
			mu.Unlock()
			switch string(m.Payload) {
			case "bad":
				return bus.Permanent(errors.New("not in the data map"))
			case "flaky":
				if n == 1 {
					return errors.New("database busy")
				}
			}
			got <- m
			return nil
		})
		c.publish(t, up(a, "info"), []byte("bad"))
		c.publish(t, up(a, "info"), []byte("good"))
		if m := recv(t, got, "the next message"); string(m.Payload) != "good" {
			t.Errorf("got %q", m.Payload)
		}
		c.publish(t, up(a, "info"), []byte("flaky"))
		if m := recv(t, got, "the retried message"); string(m.Payload) != "flaky" {
			t.Errorf("got %q", m.Payload)
		}
		mu.Lock()
		defer mu.Unlock()
		if calls["bad"] != 1 || calls["flaky"] != 2 {
			t.Errorf("calls = %v, want bad once and flaky twice", calls)
		}
		if n := e.counter("vigil_bus_uplink_total", "outcome=term"); n != 1 {
			t.Errorf("terms = %v", n)
		}
	})
}

func TestGarbagePayloadKeepsDevice(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.auth.add()
		c := e.mustConnect(a)
		msgs := e.collect("garbage")
		garbage := []byte{0, 0xff, 0xfe, '\r', '\n', 'P', 'U', 'B', ' ', 0x10, 0x80}
		c.publish(t, up(a, "info"), garbage)
		c.publish(t, up(a, "info"), make([]byte, 512<<10))
		c.publish(t, up(a, "event"), []byte(`{"ok":true}`))
		if m := recv(t, msgs, "garbage"); string(m.Payload) != string(garbage) {
			t.Errorf("payload changed: %q", m.Payload)
		}
		recv(t, msgs, "large")
		recv(t, msgs, "after garbage")
		if !c.IsConnected() {
			t.Error("device disconnected")
		}
	})
}

func TestDownlink(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		a, b := e.auth.add(), e.auth.add()
		ca := e.mustConnect(a)
		cb := e.mustConnect(b)
		if ca.subscribe(t, "dev/"+a.id+"/down/#", 1) != 1 || cb.subscribe(t, "dev/"+b.id+"/down/#", 0) != 0 {
			t.Fatal("subscribe")
		}
		if err := e.bus.SendToDevice(ctx, a.id, "shadow/delta", []byte(`{"v":1}`)); err != nil {
			t.Fatal(err)
		}
		if err := e.bus.SendToDevice(ctx, b.id, "ch/3/shadow/delta", []byte(`{"v":2}`)); err != nil {
			t.Fatal(err)
		}
		ma := recv(t, ca.msgs, "downlink at QoS 1")
		if ma.Topic() != "dev/"+a.id+"/down/shadow/delta" || string(ma.Payload()) != `{"v":1}` || ma.Qos() != 1 {
			t.Errorf("A got %s %q qos %d", ma.Topic(), ma.Payload(), ma.Qos())
		}
		mb := recv(t, cb.msgs, "downlink at QoS 0")
		if mb.Topic() != "dev/"+b.id+"/down/ch/3/shadow/delta" || string(mb.Payload()) != `{"v":2}` {
			t.Errorf("B got %s %q", mb.Topic(), mb.Payload())
		}
		select {
		case m := <-ca.msgs:
			t.Errorf("A got a second message %s", m.Topic())
		case m := <-cb.msgs:
			t.Errorf("B got a second message %s", m.Topic())
		case <-time.After(200 * time.Millisecond):
		}
		for _, bad := range []string{"", "a/../b", "a/#", "a/+", "a.b", "a//b", "a b"} {
			if err := e.bus.SendToDevice(ctx, a.id, bad, nil); err == nil {
				t.Errorf("topic %q accepted", bad)
			}
		}
		if err := e.bus.SendToDevice(ctx, "dev_*", "x", nil); err == nil {
			t.Error("wildcard device accepted")
		}
	})
}

// A device with a persistent session (clean session off) that is offline
// gets a QoS 1 downlink when it reconnects.
func TestDownlinkPersistentSession(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.auth.add()
		c, err := e.connect(a, "", false)
		if err != nil {
			t.Fatal(err)
		}
		if c.subscribe(t, "dev/"+a.id+"/down/#", 1) != 1 {
			t.Fatal("subscribe")
		}
		c.Disconnect(100)
		// Offline for the server too: a message sent while it still tears
		// the connection down goes to that connection and comes back only
		// after the session's AckWait (30 s).
		waittest.Eventually(t, "the device to be offline", func() bool { return e.bus.Connections(a.id) == 0 })
		if err := e.bus.SendToDevice(context.Background(), a.id, "shadow/delta", []byte("while away")); err != nil {
			t.Fatal(err)
		}
		c2, err := e.connect(a, "", false)
		if err != nil {
			t.Fatal(err)
		}
		m := recv(t, c2.msgs, "queued downlink")
		if string(m.Payload()) != "while away" || m.Qos() != 1 {
			t.Errorf("got %q qos %d", m.Payload(), m.Qos())
		}
	})
}

// A message whose ingest fails for a passing reason while newer messages
// wait behind it is not lost: the edge acknowledges cumulatively, so the
// newer messages' acknowledgement must not settle it unread. (It failed
// before the edge handed a failed tail over again in place.)
func TestTransientFailureLosesNothing(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.auth.add()
		c := e.mustConnect(a)
		var mu sync.Mutex
		seen := map[string]int{}
		failing, release := make(chan struct{}), make(chan struct{})
		e.consume("flaky", func(_ context.Context, m bus.Message) error {
			p := string(m.Payload)
			mu.Lock()
			seen[p]++
			n := seen[p]
			mu.Unlock()
			if p == "first" && n == 1 {
				close(failing)
				<-release // newer messages arrive meanwhile
				return errors.New("database busy")
			}
			return nil
		})
		c.publish(t, up(a, "info"), []byte("first"))
		recv(t, failing, "the first delivery")
		for i := range 5 {
			c.publish(t, up(a, "info"), fmt.Appendf(nil, "later-%d", i))
		}
		close(release)
		waittest.Eventually(t, "every message ingested", func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(seen) == 6 && seen["first"] >= 2
		})
	})
}

// A device cannot park data in the broker with retained messages: it may
// set the retain flag (the message flows as usual), but nothing is kept,
// so a later subscriber of its topics gets none of them, under however
// many topics the device used.
// proves: P6
func TestDevicesCannotParkRetainedMessages(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		dev := e.auth.add()
		c := e.mustConnect(dev)
		for i := range 50 {
			tok := c.Publish(fmt.Sprintf("dev/%s/park/%d", dev.id, i), 1, true, bytes.Repeat([]byte("x"), 4096))
			if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
				t.Fatalf("retained publish %d: %v", i, tok.Error())
			}
		}
		c.Disconnect(100)
		later := e.mustConnect(dev)
		if code := later.subscribe(t, "dev/"+dev.id+"/park/#", 0); code == 0x80 {
			t.Fatal("subscription refused")
		}
		select {
		case m := <-later.msgs:
			t.Fatalf("a later subscriber got a retained message on %s (%d bytes)", m.Topic(), len(m.Payload()))
		case <-time.After(1500 * time.Millisecond):
		}
	})
}
