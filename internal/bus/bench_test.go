package bus_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/vigil-cloud/vigil/internal/bus"
	"github.com/vigil-cloud/vigil/internal/sim"
)

// Run with:
//
//	go test -run '^$' -bench MQTT -benchtime 1x ./internal/bus/
//
// Each reports msgs/s for 100 clients, 10 QoS 1 messages in flight each.
const loadClients, loadInflight, loadMsgs = 100, 10, 200

// BenchmarkBareMQTT is a plain embedded nats-server MQTT listener with
// JetStream and no authentication: the ceiling for the edge.
func BenchmarkBareMQTT(b *testing.B) {
	addr, stop, err := sim.StartBare(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer stop()
	runLoad(b, addr, func(i int) (string, string, string) { return fmt.Sprintf("dev_bare%022d", i), "", "" })
}

// BenchmarkEdgeMQTT is the vigil edge: auth callout, per-device ACL and
// the uplink capture into the edge stream.
func BenchmarkEdgeMQTT(b *testing.B) {
	auth := newDevices()
	devs := make([]device, loadClients)
	for i := range devs {
		devs[i] = auth.add()
	}
	bs, err := bus.Open(context.Background(), bus.Options{DataDir: b.TempDir(), MQTTListen: "127.0.0.1:0", Auth: auth})
	if err != nil {
		b.Fatal(err)
	}
	defer bs.Close()
	runLoad(b, bs.MQTTAddr(), func(i int) (string, string, string) { return devs[i].id, devs[i].user, devs[i].pass })
}

func runLoad(b *testing.B, addr string, creds func(int) (string, string, string)) {
	for b.Loop() {
		r, err := sim.LoadMQTT(context.Background(), addr, loadClients, loadInflight, loadMsgs, creds)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(r.PerSec, "msgs/s")
	}
}
