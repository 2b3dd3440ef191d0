package alarm_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
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
	var got []string
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if got = ps.Messages(b, sub.ClientHash); len(got) >= n {
			break
		}
	}
	b.StopTimer()
	accepted := front.Accepted()
	if len(got) < n || len(accepted) < n {
		b.Fatalf("%d of %d pushes arrived (%d accepted)", len(got), n, len(accepted))
	}
	// Which camera event each alarm is: the push carries the alarm's ID.
	events := map[string]int{}
	err = e.App.DB.Read(context.Background(), func(tx *store.Tx) error {
		rows, err := tx.Query(context.Background(), `SELECT id, event_id FROM alarms`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, ev string
			if err := rows.Scan(&id, &ev); err != nil {
				return err
			}
			var i int
			if _, err := fmt.Sscanf(ev, "bench-%d", &i); err == nil {
				events[id] = i
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
	for k, raw := range got[:n] {
		var pl struct{ ID string }
		if err := json.Unmarshal([]byte(raw), &pl); err != nil {
			b.Fatal(err)
		}
		i, ok := events[pl.ID]
		if !ok {
			b.Fatalf("push for %q, not a benchmark alarm", pl.ID)
		}
		lat = append(lat, accepted[k].Sub(sent[i]))
	}
	p50, p99, worst := pushtest.Percentiles(lat)
	b.ReportMetric(p50, "p50-ms")
	b.ReportMetric(p99, "p99-ms")
	b.Logf("rate %d/s, %d alarms over MQTT: camera → push accepted p50 %.1f ms, p99 %.1f ms, max %.1f ms; published in %.2fs",
		rate, n, p50, p99, worst, published.Seconds())
}
