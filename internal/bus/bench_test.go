package bus_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

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

// BenchmarkIdleEdge measures what the edge alone (the embedded NATS server
// with its MQTT listener and JetStream stream, as vigil opens it) costs
// while nothing happens: CPU as a percentage of one core and context
// switches per second of this process, over VIGIL_IDLE_WINDOW (60 s)
// after a 10 s settle. It is the floor under an idle vigil serve
// (scripts/idle-bench.sh); BenchmarkIdleTicker is the cost of the server's
// 100 ms access-time ticker on its own.
//
//	go test -run '^$' -bench Idle -benchtime 1x ./internal/bus/
func BenchmarkIdleEdge(b *testing.B) {
	bs, err := bus.Open(context.Background(), bus.Options{DataDir: b.TempDir(), MQTTListen: "127.0.0.1:0", Auth: newDevices()})
	if err != nil {
		b.Fatal(err)
	}
	defer bs.Close()
	measureIdle(b)
}

// BenchmarkIdleTicker is a process whose only work is a goroutine woken
// every 100 ms, as nats-server's access-time service (server/ats) does.
func BenchmarkIdleTicker(b *testing.B) {
	var last atomic.Int64
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case now := <-t.C:
				last.Store(now.UnixNano())
			case <-done:
				return
			}
		}
	}()
	measureIdle(b)
}

func measureIdle(b *testing.B) {
	window := time.Minute
	if d, err := time.ParseDuration(os.Getenv("VIGIL_IDLE_WINDOW")); err == nil && d > 0 {
		window = d
	}
	for b.Loop() {
		time.Sleep(10 * time.Second)
		var r0, r1 syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &r0); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		time.Sleep(window)
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &r1); err != nil {
			b.Fatal(err)
		}
		took := time.Since(start)
		cpu := time.Duration(r1.Utime.Nano()+r1.Stime.Nano()-r0.Utime.Nano()-r0.Stime.Nano()) * time.Nanosecond
		switches := float64(r1.Nvcsw + r1.Nivcsw - r0.Nvcsw - r0.Nivcsw)
		b.ReportMetric(100*cpu.Seconds()/took.Seconds(), "cpu-%")
		b.ReportMetric(switches/took.Seconds(), "switches/s")
	}
}
