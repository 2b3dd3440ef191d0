package alarm_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/config"
	"github.com/vigil-cloud/vigil/internal/notify/pushtest"
	"github.com/vigil-cloud/vigil/internal/sim"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// BenchmarkAlarmToWebPush measures the whole alarm path: ten cameras
// publish alarms over MQTT (QoS 1) at a fixed rate for five seconds; vigil
// ingests them, fans them out through the owner's rules and its
// notification outbox, and pushes them (RFC 8291, VAPID) to npm
// web-push-testing, a real push service, through a proxy that notes when
// the service accepted each one. It reports p50 and p99 of camera
// publish → push accepted in milliseconds. One run per rate:
//
//	go test ./internal/alarm -run '^$' -bench AlarmToWebPush -benchtime=1x
//
// VIGIL_ALARM_RATES=100,300 picks other rates (alarms/s).
func BenchmarkAlarmToWebPush(b *testing.B) {
	for _, rate := range pushtest.Rates(b, "VIGIL_ALARM_RATES", 100, 500) {
		b.Run(fmt.Sprintf("rate=%d", rate), func(b *testing.B) { alarmToPush(b, rate, 5*time.Second) })
	}
}

func alarmToPush(b *testing.B, rate int, dur time.Duration) {
	ps := pushtest.Start(b)
	front := ps.Front(b)

	e := vigiltest.Start(b, func(c *config.Config) {
		c.Notify.AllowLoopback = true
		c.Alarm.Poll = 20 * time.Millisecond
		if w := os.Getenv("VIGIL_BENCH_WORKERS"); w != "" {
			c.Notify.Workers, _ = strconv.Atoi(w)
		}
	})
	owner := e.SignUp("bench@example.com")
	key, err := e.App.Notify.VAPIDPublicKey(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	sub := ps.Subscribe(b, key)
	owner.Must(http.StatusCreated, "POST", "/api/v1/me/push-subscriptions", map[string]any{"endpoint": front.URL + "/notify/" + sub.ClientHash,
		"keys": map[string]string{"p256dh": sub.Keys.P256dh, "auth": sub.Keys.Auth}})
	owner.Must(http.StatusOK, "PUT", "/api/v1/me/notifications/alarm", map[string]any{"channels": []string{"push"}})
	var cams []*sim.Device
	for i, m := range e.Operator().Manufacture("vc-100", 10) {
		cred := owner.Claim(m, fmt.Sprintf("Camera %d", i))
		cam, err := sim.Connect(context.Background(), sim.Config{URL: cred.MQTTURL, DeviceID: cred.DeviceID, Secret: cred.Secret, Firmware: "1.0.0"})
		if err != nil {
			b.Fatal(err)
		}
		defer cam.Close()
		cams = append(cams, cam)
	}

	n := int(dur.Seconds()) * rate
	writes0, audit0, cpu0 := e.App.DB.Writes(), auditSize(b, e.App.DB), cpuTime()
	sent := make([]time.Time, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	start := time.Now()
	b.ResetTimer()
	for i := range n {
		time.Sleep(time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(rate))))
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			sent[i] = time.Now()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := cams[i%len(cams)].Publish(ctx, "alarm", map[string]any{"id": fmt.Sprintf("bench-%06d", i), "type": "motion", "time": sent[i].UTC().Format(time.RFC3339Nano)})
			if err != nil {
				b.Error(err)
			}
		}()
	}
	wg.Wait()
	published := time.Since(start)
	// A push carries one alarm, or several due to the browser together:
	// its ID and those in More.
	type payload struct {
		ID   string
		More []string
	}
	var got []payload
	alarms := 0
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		got, alarms = got[:0], 0
		for _, raw := range ps.Messages(b, sub.ClientHash) {
			var pl payload
			if err := json.Unmarshal([]byte(raw), &pl); err != nil {
				b.Fatal(err)
			}
			got, alarms = append(got, pl), alarms+1+len(pl.More)
		}
		if alarms >= n {
			break
		}
	}
	b.StopTimer()
	// CPU of this process (vigil, its broker and the cameras; not the
	// push service): steadier than latency on a shared machine.
	cpu := cpuTime() - cpu0
	writes, audited := e.App.DB.Writes()-writes0, auditSize(b, e.App.DB)-audit0
	accepted := front.Accepted()
	if alarms < n || len(accepted) < len(got) {
		b.Fatalf("%d of %d alarms arrived in %d pushes (%d accepted)", alarms, n, len(got), len(accepted))
	}
	// Which camera event each alarm is: the push carries the alarm's ID.
	events := map[string]int{}
	stored := map[int]time.Time{} // when vigil stored each alarm
	err = e.App.DB.Read(context.Background(), func(tx *store.Tx) error {
		rows, err := tx.Query(context.Background(), `SELECT id, event_id, received_at FROM alarms`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, ev string
			var at int64
			if err := rows.Scan(&id, &ev, &at); err != nil {
				return err
			}
			var i int
			if _, err := fmt.Sscanf(ev, "bench-%d", &i); err == nil {
				events[id] = i
				stored[i] = store.FromMicros(at)
			}
		}
		return rows.Err()
	})
	if err != nil {
		b.Fatal(err)
	}
	// The push service keeps payloads in the order it decrypted them and
	// answers in that order: the k-th payload is the k-th 201.
	lat := make([]time.Duration, 0, n)
	ingest := make([]time.Duration, 0, n)
	for i, at := range stored {
		ingest = append(ingest, at.Sub(sent[i]))
	}
	for k, pl := range got {
		for _, id := range append(pl.More, pl.ID) {
			i, ok := events[id]
			if !ok {
				b.Fatalf("push for %q, not a benchmark alarm", id)
			}
			lat = append(lat, accepted[k].Sub(sent[i]))
		}
	}
	p50, p99, worst := pushtest.Percentiles(lat)
	_, in99, _ := pushtest.Percentiles(ingest)
	b.ReportMetric(in99, "stored-p99-ms")
	b.ReportMetric(p50, "p50-ms")
	b.ReportMetric(p99, "p99-ms")
	b.ReportMetric(float64(writes)/float64(n), "writes/alarm")
	b.ReportMetric(float64(audited)/float64(n), "audit/alarm")
	b.ReportMetric(cpu.Seconds()*1000/float64(n), "cpu-ms/alarm")
	b.ReportMetric(float64(len(got))/float64(n), "pushes/alarm")
	b.Logf("rate %d/s, %d alarms over MQTT: camera → push accepted p50 %.1f ms, p99 %.1f ms, max %.1f ms (stored p99 %.1f ms); published in %.2fs; %d pushes; %.2f write transactions, %.2f audit entries, %.2f ms CPU per alarm",
		rate, n, p50, p99, worst, in99, published.Seconds(), len(got), float64(writes)/float64(n), float64(audited)/float64(n), cpu.Seconds()*1000/float64(n))
}

// auditSize is how many entries the audit log holds.
func auditSize(b *testing.B, db *store.DB) int64 {
	var n int64
	err := db.Read(context.Background(), func(tx *store.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_entries`).Scan(&n)
	})
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// cpuTime is the CPU time this process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
