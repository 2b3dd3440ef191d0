package audit_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/vigil-cloud/vigil/internal/audit"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/store/storetest"
)

// appendAll appends perWorker entries from each of workers goroutines on
// the logs in turn and returns every Seq given.
func appendAll(t *testing.T, logs []*audit.Log, workers, perWorker int) []int64 {
	t.Helper()
	var mu sync.Mutex
	var seqs []int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			l := logs[w%len(logs)]
			for i := range perWorker {
				seq, err := l.Append(context.Background(), entry(i, fmt.Sprintf("acc_%d", w%3), fmt.Sprintf("usr_%d", w)))
				if err != nil {
					t.Errorf("Append: %v", err)
					return
				}
				mu.Lock()
				seqs = append(seqs, seq)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(seqs)
	return seqs
}

// wantContiguous fails unless seqs are exactly 1..n.
func wantContiguous(t *testing.T, seqs []int64, n int) {
	t.Helper()
	if len(seqs) != n {
		t.Fatalf("%d seqs, want %d", len(seqs), n)
	}
	for i, s := range seqs {
		if s != int64(i+1) {
			t.Fatalf("seq %d at position %d: seqs are not 1..%d", s, i, n)
		}
	}
}

func TestConcurrentAppendsVerify(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clk *clock.Fake) {
		f := newFixture(t, db, clk)
		l := f.start(t, audit.Options{})
		wantContiguous(t, appendAll(t, []*audit.Log{l}, 50, 20), 1000)
		if r := f.verify(t); !r.OK() || r.Entries != 1000 {
			t.Fatalf("Verify: %v (%d entries)", r, r.Entries)
		}
	})
}

// Two logs on one database stand for two vigil nodes: each keeps its own
// frontier, and the head row makes them take turns without forking.
func TestTwoNodesKeepOneChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clk *clock.Fake) {
		f := newFixture(t, db, clk)
		a, b := f.start(t, audit.Options{MaxBatch: 16}), f.start(t, audit.Options{MaxBatch: 16})
		wantContiguous(t, appendAll(t, []*audit.Log{a, b}, 20, 30), 600)
		if r := f.verify(t); !r.OK() || r.Entries != 600 {
			t.Fatalf("Verify: %v (%d entries)", r, r.Entries)
		}
	})
}

// waitQueued yields until n entries wait in l's queue. Appends block until
// they are queued, so this needs no timer.
func waitQueued(l *audit.Log, n int) {
	for l.Queued() < n {
		runtime.Gosched()
	}
}

// startAppends appends n entries in goroutines and returns their results.
func startAppends(l *audit.Log, n int) <-chan error {
	results := make(chan error, n)
	for i := range n {
		go func() {
			_, err := l.Append(context.Background(), entry(i, "acc_1", "usr_1"))
			results <- err
		}()
	}
	return results
}

func TestShutdownFlushesAcceptedEntries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clk *clock.Fake) {
		f := newFixture(t, db, clk)
		l := f.newLog(audit.Options{MaxBatch: 4})
		results := startAppends(l, 10)
		waitQueued(l, 10)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := l.Run(ctx); err != nil {
			t.Fatalf("Run: %v", err)
		}
		for range 10 {
			if err := <-results; err != nil {
				t.Errorf("accepted entry not committed: %v", err)
			}
		}
		if _, err := l.Append(context.Background(), entry(0, "acc_1", "usr_1")); !errs.Is(err, errs.Unavailable) {
			t.Errorf("Append after shutdown: got %v, want unavailable", err)
		}
		l.Close() // after Run: returns at once
		if r := f.verify(t); !r.OK() || r.Entries != 10 {
			t.Fatalf("Verify: %v (%d entries)", r, r.Entries)
		}
	})
}

func TestCloseStopsTheLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clk *clock.Fake) {
		f := newFixture(t, db, clk)
		l := f.newLog(audit.Options{})
		done := make(chan error, 1)
		go func() { done <- l.Run(context.Background()) }()
		if _, err := l.Append(context.Background(), entry(1, "acc_1", "usr_1")); err != nil {
			t.Fatal(err)
		}
		l.Close()
		if err := <-done; err != nil {
			t.Fatalf("Run: %v", err)
		}
		if _, err := l.Append(context.Background(), entry(2, "acc_1", "usr_1")); !errs.Is(err, errs.Unavailable) {
			t.Errorf("Append after Close: got %v, want unavailable", err)
		}
		if err := l.Run(context.Background()); err != nil {
			t.Errorf("Run after Close: %v", err)
		}
	})
}

// A log closed before Run ever started answers its queued callers instead
// of leaving them waiting.
func TestCloseWithoutRunFailsQueuedEntries(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite(t, clock.NewFake(storetest.Start)), clock.NewFake(storetest.Start))
	l := f.newLog(audit.Options{})
	results := startAppends(l, 3)
	waitQueued(l, 3)
	l.Close()
	for range 3 {
		if err := <-results; !errs.Is(err, errs.Unavailable) {
			t.Errorf("queued entry: got %v, want unavailable", err)
		}
	}
}

func TestAppendRejectsMalformedEntries(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite(t, clock.NewFake(storetest.Start)), clock.NewFake(storetest.Start))
	l := f.start(t, audit.Options{})
	for name, mutate := range map[string]func(*audit.Entry){
		"unknown actor kind":    func(e *audit.Entry) { e.ActorKind = "robot" },
		"user without id":       func(e *audit.Entry) { e.ActorID = "" },
		"no decision":           func(e *audit.Entry) { e.Decision = "" },
		"no action":             func(e *audit.Entry) { e.Action = "" },
		"unknown purpose":       func(e *audit.Entry) { e.Purpose = "U-Z" },
		"personal, no subject":  func(e *audit.Entry) { e.SubjectID = "" },
		"reason far too long":   func(e *audit.Entry) { e.Reason = string(make([]byte, 10_000)) },
		"resource id not UTF-8": func(e *audit.Entry) { e.ResourceID = "\xff" },
	} {
		e := entry(1, "acc_1", "usr_1")
		mutate(&e)
		if _, err := l.Append(context.Background(), e); !errs.Is(err, errs.Invalid) {
			t.Errorf("%s: got %v, want invalid", name, err)
		}
	}
}
