package device_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/device"
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
