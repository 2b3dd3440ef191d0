package bus_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vigil-cloud/vigil/internal/bus/bustest"
)

// Two nodes in leaf mode on one cluster: a device on node A is reached by
// downlink sent from node B exactly once, at QoS 1 and QoS 0; its uplink,
// acknowledged by A, is ingested by B alone after A is gone; and its
// persistent session moves with it to B.
func TestLeafModeAnyNodeReachesAnyDevice(t *testing.T) {
	if testing.Short() {
		t.Skip("runs NATS servers")
	}
	hub := bustest.StartHub(t, 1)
	a := newLeafEnv(t, hub)
	b := &env{t: t, auth: a.auth, url: hub.URL, leaf: hub, prefix: a.prefix, dataDir: t.TempDir()}
	b.open()
	ctx := context.Background()
	for _, e := range []*env{a, b} {
		if err := e.bus.Ready(ctx); err != nil {
			t.Fatalf("a node in leaf mode is not ready: %v", err)
		}
	}

	d1, d2 := a.auth.add(), a.auth.add()
	c1, err := a.connect(d1, "", false)
	if err != nil {
		t.Fatal(err)
	}
	c2 := a.mustConnect(d2)
	if c1.subscribe(t, "dev/"+d1.id+"/down/#", 1) != 1 || c2.subscribe(t, "dev/"+d2.id+"/down/#", 0) != 0 {
		t.Fatal("subscribe")
	}
	if err := b.bus.SendToDevice(ctx, d1.id, "shadow/delta", []byte(`{"v":1}`)); err != nil {
		t.Fatal(err)
	}
	if err := b.bus.SendToDevice(ctx, d2.id, "shadow/delta", []byte(`{"v":2}`)); err != nil {
		t.Fatal(err)
	}
	if m := recv(t, c1.msgs, "QoS 1 downlink sent from the other node"); string(m.Payload()) != `{"v":1}` || m.Qos() != 1 {
		t.Errorf("device 1 got %q at QoS %d", m.Payload(), m.Qos())
	}
	if m := recv(t, c2.msgs, "QoS 0 downlink sent from the other node"); string(m.Payload()) != `{"v":2}` {
		t.Errorf("device 2 got %q", m.Payload())
	}
	select {
	case m := <-c1.msgs:
		t.Errorf("device 1 got a second copy %s", m.Topic())
	case m := <-c2.msgs:
		t.Errorf("device 2 got a second copy %s", m.Topic())
	case <-time.After(300 * time.Millisecond):
	}

	// Acknowledged by A; A closes before anyone ingested it; B ingests.
	for range 5 {
		c1.publish(t, "dev/"+d1.id+"/up/event", []byte(`{"id":"e"}`))
	}
	c1.Disconnect(0)
	a.bus.Close()
	got := b.collect("ingest")
	for i := range 5 {
		m := recv(t, got, "uplink acknowledged by the closed node")
		if m.DeviceID != d1.id || m.Topic != "event" {
			t.Fatalf("message %d: %s %s", i, m.DeviceID, m.Topic)
		}
	}
	select {
	case m := <-got:
		t.Fatalf("a sixth message %s", m.Topic)
	case <-time.After(300 * time.Millisecond):
	}

	// The device's session (its QoS 1 subscription) is found on B.
	c1b, err := b.connect(d1, "", false)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.bus.SendToDevice(ctx, d1.id, "shadow/delta", []byte(`{"v":3}`)); err != nil {
		t.Fatal(err)
	}
	if m := recv(t, c1b.msgs, "downlink on the resumed session"); string(m.Payload()) != `{"v":3}` {
		t.Errorf("device 1 on node B got %q", m.Payload())
	}
}

// In leaf mode the uplink a node settled leaves the cluster's shared MQTT
// stream: the purge that follows a node's acknowledgements empties it.
func TestLeafModePurgesSettledUplink(t *testing.T) {
	if testing.Short() {
		t.Skip("runs NATS servers")
	}
	hub := bustest.StartHub(t, 1)
	e := newLeafEnv(t, hub)
	ctx := context.Background()
	if err := e.bus.Ready(ctx); err != nil {
		t.Fatalf("not ready: %v", err)
	}
	nc, err := nats.Connect(hub.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.NewWithDomain(nc, hub.Domain)
	if err != nil {
		t.Fatal(err)
	}
	stored := func() uint64 {
		t.Helper()
		s, err := js.Stream(ctx, "$MQTT_msgs")
		if err != nil {
			t.Fatalf("the shared MQTT stream: %v", err)
		}
		info, err := s.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return info.State.Msgs
	}

	d := e.auth.add()
	c := e.mustConnect(d)
	got := e.collect("ingest")
	for range 5 {
		c.publish(t, up(d, "event"), []byte(`{"id":"e"}`))
	}
	for i := range 5 {
		recv(t, got, fmt.Sprintf("uplink message %d", i))
	}
	// The node looks at the consumer's floor 5 s after it settles.
	deadline := time.Now().Add(20 * time.Second)
	for n := stored(); n != 0; n = stored() {
		if time.Now().After(deadline) {
			t.Fatalf("%d settled uplink messages still in the shared stream after 20 s", n)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
