package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/config"
	"github.com/vigil-cloud/vigil/internal/notify"
	"github.com/vigil-cloud/vigil/internal/notify/pushtest"
	"github.com/vigil-cloud/vigil/internal/store/storetest"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// BenchmarkPushLatency measures enqueue → Web Push received: messages are
// enqueued at a fixed rate for a few seconds into a running vigil (its own
// delivery worker, SQLite), pushed to npm web-push-testing through a proxy
// that notes when the push service accepted (decrypted) each one. It
// reports p50 and p99 in milliseconds. Run it once per rate:
//
//	go test ./internal/notify -run '^$' -bench PushLatency -benchtime=1x
//
// VIGIL_PUSH_RATES=100,200,300 picks other rates (messages/s),
// VIGIL_NOTIFY_WORKERS the sends in flight, and VIGIL_PUSH_DB=postgres
// runs vigil on PostgreSQL (VIGIL_TEST_POSTGRES) instead of SQLite.
func BenchmarkPushLatency(b *testing.B) {
	for _, rate := range pushtest.Rates(b, "VIGIL_PUSH_RATES", 100, 500) {
		b.Run(fmt.Sprintf("rate=%d", rate), func(b *testing.B) {
			pushLatency(b, rate, 5*time.Second)
		})
	}
}

func pushLatency(b *testing.B, rate int, dur time.Duration) {
	ps := pushtest.Start(b)
	front := ps.Front(b)
	p := startPeers(&testing.T{})
	opts := []vigiltest.Option{p.option, func(c *config.Config) {
		if w, err := strconv.Atoi(os.Getenv("VIGIL_NOTIFY_WORKERS")); err == nil {
			c.Notify.Workers = w
		}
	}}
	if os.Getenv("VIGIL_PUSH_DB") == "postgres" {
		url := storetest.PostgresSchemaURL(b)
		opts = append(opts, func(c *config.Config) { c.Database = config.Database{Driver: "postgres", URL: url} })
	}
	e := vigiltest.Start(b, opts...)
	alice := e.SignUp("alice@example.com")
	key, err := e.App.Notify.VAPIDPublicKey(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	sub := ps.Subscribe(b, key)
	endpoint := front.URL + "/notify/" + sub.ClientHash
	alice.Must(http.StatusCreated, "POST", "/api/v1/me/push-subscriptions", map[string]any{"endpoint": endpoint,
		"keys": map[string]string{"p256dh": sub.Keys.P256dh, "auth": sub.Keys.Auth}})
	alice.Must(http.StatusOK, "PUT", "/api/v1/me/notifications/alarm", map[string]any{"channels": []string{"push"}})

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
			id := fmt.Sprintf("bench-%06d", i)
			sent[i] = time.Now()
			msg := notify.Message{ID: id, AccountID: alice.AccountID, Kind: notify.KindAlarm, Title: id}
			if err := e.App.Notify.Enqueue(context.Background(), msg, []string{alice.UserID}); err != nil {
				b.Error(err)
			}
		}()
	}
	wg.Wait()
	enqueueEnd := time.Since(start)
	deadline := time.Now().Add(2 * time.Minute)
	var got []string
	for time.Now().Before(deadline) {
		if got = ps.Messages(b, sub.ClientHash); len(got) >= n {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	b.StopTimer()
	accepted := front.Accepted()
	if len(got) < n || len(accepted) < n {
		b.Fatalf("%d of %d pushes arrived (%d accepted)", len(got), n, len(accepted))
	}
	// The push service keeps payloads in the order it decrypted them and
	// answers in that order: the k-th payload is the k-th 201.
	lat := make([]time.Duration, 0, n)
	for k, raw := range got[:n] {
		var pl struct{ ID string }
		if err := json.Unmarshal([]byte(raw), &pl); err != nil {
			b.Fatal(err)
		}
		var i int
		fmt.Sscanf(pl.ID, "bench-%d", &i) //nolint:errcheck // checked by range
		if i < 0 || i >= n {
			b.Fatalf("payload %q", raw)
		}
		lat = append(lat, accepted[k].Sub(sent[i]))
	}
	p50, p99, worst := pushtest.Percentiles(lat)
	b.ReportMetric(p50, "p50-ms")
	b.ReportMetric(p99, "p99-ms")
	b.ReportMetric(float64(n)/enqueueEnd.Seconds(), "enqueued/s")
	b.Logf("rate %d/s, %d messages: p50 %.1f ms, p99 %.1f ms, max %.1f ms; enqueue phase %.2fs", rate, n, p50, p99, worst, enqueueEnd.Seconds())
}
