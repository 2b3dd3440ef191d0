package alarm_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/config"
	"github.com/vigil-cloud/vigil/internal/notify"
	"github.com/vigil-cloud/vigil/internal/sim"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/store/sqlite"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// TestCrashChild is vigil itself, run by TestAlarmsSurviveKill9 in a child
// process that is killed with SIGKILL; it skips in a normal run.
func TestCrashChild(t *testing.T) {
	if !vigiltest.ServeAsChild(t) {
		t.Skip("runs only as the child of TestAlarmsSurviveKill9")
	}
}

// vigil is killed with SIGKILL again and again while a camera sends alarms
// and fan-out runs; after each restart on the same data directory, every
// alarm the camera got a PUBACK for is delivered to the owner's webhook
// through the notification outbox at least once,
// and every repeat carries the alarm's same ID.
// proves: U-C
func TestAlarmsSurviveKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts vigil several times")
	}
	mqttAddr := vigiltest.FreeAddr(t)
	e := vigiltest.Start(t, func(c *config.Config) {
		c.Bus.MQTTListen = mqttAddr
		c.Alarm.Poll = 50 * time.Millisecond
		c.Notify.AllowLoopback = true
	})
	owner := e.SignUp("owner@example.com")
	cred := owner.Claim(e.Operator().Manufacture("vc-100", 1)[0], "Garage")
	// The owner's signed webhook is one of each alarm's channels: every
	// acknowledged alarm must be delivered there, across the kills.
	hook := newHookReceiver(t)
	var created notify.Webhook
	owner.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+owner.AccountID+"/webhooks", map[string]any{"url": hook.URL(), "kinds": []string{"alarm"}}).Decode(t, &created)
	hook.setSecret(created.Secret)
	cfg := e.Config
	e.App.Close()

	var acked []string // event IDs the camera got a PUBACK for
	next := 0
	for round := range 4 {
		child := vigiltest.StartChild(t, "TestCrashChild", cfg)
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		cam, err := sim.Connect(ctx, sim.Config{URL: cred.MQTTURL, DeviceID: cred.DeviceID, Secret: cred.Secret, Firmware: "1.0.0"})
		if err != nil {
			cancel()
			_ = child.Process.Kill()
			t.Fatalf("round %d: %v", round, err)
		}
		// Several alarms in flight at once build a backlog, so that kills
		// land while ingest batches are fetched but not yet acknowledged.
		done := make(chan struct{})
		var wg sync.WaitGroup
		var mu sync.Mutex
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					mu.Lock()
					id := fmt.Sprintf("ev-%05d", next)
					next++
					mu.Unlock()
					pctx, pcancel := context.WithTimeout(ctx, 2*time.Second)
					err := cam.Publish(pctx, "alarm", map[string]any{"id": id, "type": "motion", "time": time.Now().UTC().Format(time.RFC3339Nano)})
					pcancel()
					if err != nil {
						return // vigil is gone
					}
					mu.Lock()
					acked = append(acked, id)
					mu.Unlock()
				}
			}()
		}
		go func() { wg.Wait(); close(done) }()
		time.Sleep(time.Duration(300+rand.IntN(700)) * time.Millisecond)
		if err := child.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = child.Wait()
		<-done
		cancel()
		cam.Close()
		t.Logf("round %d: %d alarms acknowledged so far, %d delivered", round, len(acked), len(hook.received()))
	}
	if len(acked) < 20 {
		t.Fatalf("only %d alarms acknowledged: the test proves little", len(acked))
	}

	// One last start drains what is pending.
	child := vigiltest.StartChild(t, "TestCrashChild", cfg)
	want := func() map[string]string {
		// The alarm IDs of the acknowledged event IDs, read from the
		// database the child uses (SQLite allows a second reader).
		db, err := sqlite.Open(context.Background(), cfg.Database.URL, e.Clock)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		ids := map[string]string{}
		err = db.Read(context.Background(), func(tx *store.Tx) error {
			rows, err := tx.Query(context.Background(), `SELECT event_id, id FROM alarms WHERE device_id = ?`, cred.DeviceID)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var ev, id string
				if err := rows.Scan(&ev, &id); err != nil {
					return err
				}
				ids[ev] = id
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	var missing []string
	// A batch in flight at the kill is delivered again once the bus's
	// ingest AckWait (30 s) has passed, and a moved-but-unacknowledged one
	// after 10 s more.
	// On a loaded machine the drain takes a while: give up only when it
	// stops making progress.
	deadline, progress := time.Now().Add(90*time.Second), -1
	for {
		ids, got := want(), hook.received()
		if n := len(got); n > progress {
			progress, deadline = n, time.Now().Add(90*time.Second)
		}
		missing = missing[:0]
		for _, ev := range acked {
			if id, ok := ids[ev]; !ok || got[id] == 0 {
				missing = append(missing, ev)
			}
		}
		if len(missing) == 0 || time.Now().After(deadline) {
			dups := 0
			for id, n := range got {
				if n > 1 {
					dups += n - 1
				}
				if !strings.HasPrefix(id, "alm_") {
					t.Errorf("notice under ID %q, not an alarm ID", id)
				}
			}
			t.Logf("%d acknowledged alarms, %d delivered to the webhook, %d repeats under the same ID, %d refused signatures", len(acked), len(got), dups, hook.refused())
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = child.Process.Signal(syscall.SIGTERM)
	_ = child.Wait()
	if len(missing) > 0 {
		ids := want()
		stored := 0
		for _, ev := range missing {
			if _, ok := ids[ev]; ok {
				stored++
			}
		}
		t.Fatalf("%d acknowledged alarms never reached the webhook (%d of them stored), e.g. %v", len(missing), stored, missing[:min(5, len(missing))])
	}
}

// hookReceiver is the owner's webhook endpoint: it checks each call's
// signature and counts deliveries per message ID.
type hookReceiver struct {
	srv     *httptest.Server
	mu      sync.Mutex
	secret  []byte
	got     map[string]int
	refusal int
}

func newHookReceiver(t *testing.T) *hookReceiver {
	h := &hookReceiver{got: map[string]int{}}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		h.mu.Lock()
		defer h.mu.Unlock()
		if err != nil || notify.Verify(h.secret, r.Header.Get("Vigil-Signature"), body, time.Now(), 24*time.Hour) != nil {
			h.refusal++
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var p notify.WebhookPayload
		if json.Unmarshal(body, &p) != nil || p.ID == "" {
			h.refusal++
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		h.got[p.ID]++
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookReceiver) URL() string { return h.srv.URL + "/vigil" }

func (h *hookReceiver) setSecret(s string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.secret = []byte(s)
}

func (h *hookReceiver) received() map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return maps.Clone(h.got)
}

func (h *hookReceiver) refused() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.refusal
}
