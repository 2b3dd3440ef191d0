package device_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/sim"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// BenchmarkIngest measures the database side of device ingest: batches of
// 256 messages (heartbeats, events every 10th, info every 50th) from 100
// devices, each batch in one transaction.
//
//	go test -run '^$' -bench Ingest -benchtime 20000x ./internal/device/
func BenchmarkIngest(b *testing.B) {
	e := vigiltest.Start(b)
	made := e.Operator().Manufacture("vc-100", 100)
	owner := e.SignUp("bench@example.com")
	for i, m := range made {
		owner.Claim(m, fmt.Sprintf("cam %d", i))
	}
	const batch = 256
	msgs := make([]device.Uplink, batch)
	now := time.Now()
	b.ResetTimer()
	for i := 0; i < b.N; i += batch {
		for j := range msgs {
			n := i + j
			m := device.Uplink{DeviceID: made[n%len(made)].ID, Topic: "heartbeat", Payload: []byte("{}"), Received: now}
			switch {
			case n%50 == 1:
				m.Topic, m.Payload = "info", []byte(`{"firmware_version":"1.0.0","time_zone":"UTC"}`)
			case n%10 == 0:
				m.Topic, m.Payload = "event", []byte(`{"kind":"error","code":"E1"}`)
			}
			msgs[j] = m
		}
		for _, err := range e.App.Devices.Ingest(b.Context(), msgs) {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkIngestEndToEnd measures device ingest from the camera to the
// database against the broker's own rate, in one run: 100 devices publish
// heartbeats flat out over MQTT (QoS 1, 10 in flight each, 200 each); the
// broker's acknowledged rate is compared with the rate at which vigil
// stored them (from the first publish to the last stored).
//
//	go test -run '^$' -bench IngestEndToEnd -benchtime 1x ./internal/device/
func BenchmarkIngestEndToEnd(b *testing.B) {
	const clients, inflight, msgs = 100, 10, 200
	e := vigiltest.Start(b)
	made := e.Operator().Manufacture("vc-100", clients)
	owner := e.SignUp("bench@example.com")
	creds := make([]device.Credential, clients)
	for i, m := range made {
		creds[i] = owner.Claim(m, fmt.Sprintf("cam %d", i))
	}
	addr := strings.TrimPrefix(creds[0].MQTTURL, "mqtt://")
	for b.Loop() {
		before := ingested(b, e)
		r, err := sim.LoadMQTT(b.Context(), addr, clients, inflight, msgs, func(i int) (string, string, string) {
			return creds[i].DeviceID, creds[i].DeviceID, creds[i].Secret
		})
		if err != nil {
			b.Fatal(err)
		}
		// Stored: until the count stops growing for 3 s, as vigil sim waits.
		// Both rates count from the first publish: the clients' connections
		// come before it and are in neither.
		last, lastAt := before, time.Now()
		for time.Since(lastAt) < 3*time.Second {
			time.Sleep(10 * time.Millisecond)
			if n := ingested(b, e); n > last {
				last, lastAt = n, time.Now()
			}
		}
		stored := lastAt.Sub(r.Start)
		rate := (last - before) / stored.Seconds()
		b.Logf("%d acknowledged at %.0f msg/s; %.0f stored in %s = %.0f msg/s; %s", r.Messages, r.PerSec, last-before, stored.Round(time.Millisecond), rate, counters(b, e))
		b.ReportMetric(r.PerSec, "acked-msgs/s")
		b.ReportMetric(rate, "stored-msgs/s")
		b.ReportMetric(rate/r.PerSec, "stored/acked")
	}
}

// ingested is vigil's count of device messages handled.
func ingested(b *testing.B, e *vigiltest.Env) float64 {
	mfs, err := e.App.Metrics.Gather()
	if err != nil {
		b.Fatal(err)
	}
	var n float64
	for _, mf := range mfs {
		if mf.GetName() == "vigil_ingest_messages_total" {
			for _, m := range mf.GetMetric() {
				n += m.GetCounter().GetValue()
			}
		}
	}
	return n
}

// counters lists the ingest and uplink counters by label, to see what
// became of the messages.
func counters(b *testing.B, e *vigiltest.Env) string {
	mfs, err := e.App.Metrics.Gather()
	if err != nil {
		b.Fatal(err)
	}
	var out []string
	for _, mf := range mfs {
		if n := mf.GetName(); n == "vigil_ingest_messages_total" || strings.HasPrefix(n, "vigil_bus_uplink") {
			for _, m := range mf.GetMetric() {
				var ls []string
				for _, l := range m.GetLabel() {
					ls = append(ls, l.GetValue())
				}
				out = append(out, fmt.Sprintf("%s{%s}=%.0f", n, strings.Join(ls, ","), m.GetCounter().GetValue()))
			}
		}
	}
	return strings.Join(out, " ")
}
