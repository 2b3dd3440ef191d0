package bus_test

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vigil-cloud/vigil/internal/bus/bustest"
)

// Closing the edge while a device publishes and the forwarder copies to
// the external stream loses no message the device got a PUBACK for: after
// a reopen on the same data directory the forwarder finishes the job.
func TestExternalCloseMidFlowLosesNothing(t *testing.T) {
	addr := os.Getenv("VIGIL_TEST_NATS")
	if addr == "" {
		t.Skip("external NATS tests skipped: set VIGIL_TEST_NATS (for example 127.0.0.1:4222) to run them")
	}
	e := newEnv(t, "nats://"+addr)
	a := e.auth.add()
	c := e.mustConnect(a)

	var mu sync.Mutex
	acked := map[string]bool{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			p := strconv.Itoa(i)
			tok := c.Publish(up(a, "event"), 1, false, []byte(p))
			if !tok.WaitTimeout(5*time.Second) || tok.Error() != nil || !c.IsConnected() {
				return
			}
			mu.Lock()
			acked[p] = true
			n := len(acked)
			mu.Unlock()
			if n == 300 {
				go e.bus.Close() // mid-flow: the device is still publishing
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("publisher did not stop after Close")
	}
	mu.Lock()
	want := len(acked)
	mu.Unlock()
	if want < 300 {
		t.Fatalf("only %d messages acknowledged before close", want)
	}

	e.open()
	msgs := e.collect("lossless")
	got := map[string]bool{}
	for timeout := time.After(30 * time.Second); len(got) < want; {
		select {
		case m := <-msgs:
			got[string(m.Payload)] = true
		case <-timeout:
			t.Errorf("%d of %d acknowledged messages delivered after reopen", len(got), want)
			want = 0
		}
	}
	for p := range acked {
		if !got[p] {
			t.Errorf("acknowledged message %s lost", p)
		}
	}
	t.Logf("%d acknowledged, %d delivered", want, len(got))
}

// While the external stream refuses messages (full, here; a lost quorum or
// a partition in production), the edge keeps every acknowledged message
// and forwards it once the stream accepts again: none is settled by a
// later message's cumulative acknowledgement. On the old code the refused
// tail was negatively acknowledged, the next fetch brought newer messages,
// and their acknowledgement settled and purged the refused ones.
func TestForwardRefusedByClusterLosesNothing(t *testing.T) {
	url, _ := bustest.External(t)
	e := newEnv(t, url)
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.ToUpper(e.prefix) + "_UPLINK"
	s, err := js.Stream(t.Context(), name)
	if err != nil {
		t.Fatal(err)
	}
	cfg := s.CachedInfo().Config
	cfg.MaxMsgs, cfg.Discard = 40, jetstream.DiscardNew
	if _, err := js.UpdateStream(t.Context(), cfg); err != nil {
		t.Fatal(err)
	}

	dev := e.auth.add()
	c := e.mustConnect(dev)
	const n = 300
	for i := range n {
		c.publish(t, up(dev, "event"), []byte(strconv.Itoa(i)))
	}
	time.Sleep(3 * time.Second) // several refused rounds

	msgs := e.collect("refused")
	got := map[string]bool{}
	for timeout := time.After(45 * time.Second); len(got) < n; {
		select {
		case m := <-msgs:
			got[string(m.Payload)] = true
		case <-timeout:
			t.Fatalf("%d of %d acknowledged messages arrived", len(got), n)
		}
	}
}
