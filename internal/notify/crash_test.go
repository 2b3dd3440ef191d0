package notify_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/app"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/config"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/notify"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

const (
	crashDataEnv = "VIGIL_NOTIFY_CRASH_DATA"
	crashSMSEnv  = "VIGIL_NOTIFY_CRASH_SMS"
)

// TestCrashChild is not a test of its own: TestKill9DuringDelivery runs
// the test binary again with this test selected, as a vigil process whose
// only job is the delivery worker, and kills it.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDataEnv)
	if dir == "" {
		t.Skip("helper process of TestKill9DuringDelivery")
	}
	cfg := config.Default()
	cfg.DataDir, cfg.PublicURL = dir, "http://vigil.test"
	cfg.Resolve()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(ctx, cfg, app.Options{Offline: true, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	s := notify.New(store.NewNotifyStore(a.DB), a.Keys, a.Gate, a.Privacy, nil, clock.Real{}, log, notify.Options{
		PublicURL: cfg.PublicURL, Workers: 8, Lease: 500 * time.Millisecond, Poll: 50 * time.Millisecond, AllowLoopback: true,
		BaseDelay: 50 * time.Millisecond, MaxDelay: 200 * time.Millisecond, MaxAttempts: 30,
		SMS: config.SMS{BaseURL: os.Getenv(crashSMSEnv), AccountSID: smsSID, AuthToken: smsToken, From: "+15550001111",
			Processor: smsProcessor, Timeout: 5 * time.Second}})
	fmt.Println("worker running")
	s.Run(ctx) // until killed
}

// tally counts what a peer received per message ID.
type tally struct {
	mu  sync.Mutex
	ids map[string]int
}

func (c *tally) add(id string) {
	c.mu.Lock()
	c.ids[id]++
	c.mu.Unlock()
}

func (c *tally) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.ids))
	for k, v := range c.ids {
		out[k] = v
	}
	return out
}

// vigil is killed with SIGKILL again and again while it delivers, and
// restarted on the same database: every enqueued message still reaches
// every endpoint at least once, and a duplicate carries the same message
// ID.
func TestKill9DuringDelivery(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts a vigil process several times")
	}
	p := startPeers(t)
	e := vigiltest.Start(t, p.option)
	registerProcessor(t, e, smsProcessor, datamap.NotifyPrefs, datamap.NotifyMessage)
	alice := e.SignUp("alice@example.com")
	alice.Must(http.StatusOK, "PUT", "/api/v1/me/notifications/alarm", map[string]any{"channels": []string{"sms"}})
	p.verifyPhone(t, e, alice, "+33612345678")

	hooks := &tally{ids: map[string]int{}}
	var secret []byte
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := notify.Verify(secret, r.Header.Get(notify.SignatureHeader), body, time.Now(), 24*365*time.Hour); err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var pl notify.WebhookPayload
		json.Unmarshal(body, &pl)        //nolint:errcheck // an empty ID fails the check below
		time.Sleep(5 * time.Millisecond) // a receiver that takes a moment, so kills land mid-call
		hooks.add(pl.ID)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer hook.Close()
	var created notify.Webhook
	alice.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+alice.AccountID+"/webhooks", map[string]any{"url": hook.URL}).Decode(t, &created)
	secret = []byte(created.Secret)

	e = e.Restart(vigiltest.Offline) // no worker in this process
	s := service(e, notify.Options{})
	const n = 600
	for i := range n {
		msg := notify.Message{ID: fmt.Sprintf("alm_%04d", i), AccountID: alice.AccountID, Kind: notify.KindAlarm, Title: fmt.Sprintf("alm_%04d", i)}
		if err := s.Enqueue(context.Background(), msg, []string{alice.UserID}); err != nil {
			t.Fatal(err)
		}
	}

	// run starts a worker process and returns once it is delivering, so
	// that kills land during delivery however slowly the process starts.
	run := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashDataEnv+"="+e.Config.DataDir, crashSMSEnv+"="+p.smsURL)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		for sc.Scan() && !strings.Contains(sc.Text(), "worker running") {
		}
		go io.Copy(io.Discard, out) //nolint:errcheck // drains the rest
		return cmd
	}
	smsIDs := func() map[string]int {
		out := map[string]int{}
		for _, m := range p.sms.Messages() {
			out[strings.Fields(m.Body)[0]]++
		}
		return out
	}
	complete := func() bool { return len(hooks.snapshot()) == n && len(smsIDs()) == n }
	kills := 0
	for round := 0; round < 8 && !complete(); round++ {
		cmd := run()
		time.Sleep(time.Duration(150+rand.IntN(250)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait() //nolint:errcheck // killed
		kills++
		t.Logf("kill %d: %d webhook and %d SMS messages delivered so far", kills, len(hooks.snapshot()), len(smsIDs()))
	}
	cmd := run()
	deadline := time.Now().Add(3 * time.Minute)
	for !complete() && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL) //nolint:errcheck
	cmd.Wait()                          //nolint:errcheck

	for name, got := range map[string]map[string]int{"webhook": hooks.snapshot(), "sms": smsIDs()} {
		dups := 0
		for id, c := range got {
			if !strings.HasPrefix(id, "alm_") {
				t.Errorf("%s: a delivery with an unknown message ID %q", name, id)
			}
			dups += c - 1
		}
		for i := range n {
			if got[fmt.Sprintf("alm_%04d", i)] == 0 {
				t.Errorf("%s: message alm_%04d never delivered", name, i)
			}
		}
		t.Logf("%s: %d messages delivered after %d kills, %d duplicates (each with its message's ID)", name, len(got), kills, dups)
	}
	if kills < 3 {
		t.Fatalf("only %d kills landed before delivery finished; the test proves nothing", kills)
	}
}
