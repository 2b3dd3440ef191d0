package record_test

import (
	"context"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigil-cloud/vigil/internal/blob"
	"github.com/vigil-cloud/vigil/internal/media/record"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// The asynchronous sink records every stream's segments in order, and
// Close waits for what was queued.
func TestAsyncSink(t *testing.T) {
	e := vigiltest.Start(t)
	c := newCam(t, e, "async@example.com")
	c2 := &cam{e: e, owner: c.owner, device: c.device, clip: c.clip}
	// The queue holds each channel's whole burst: sent at once, faster than
	// any camera, they would otherwise wait past Patience on a loaded
	// machine and be dropped (TestAsyncDropsOldestWhenStorageIsSlow).
	sink := record.NewAsync(e.App.Recorder, 6)
	start := e.Clock.Now().Add(-time.Hour).Truncate(time.Second)
	var wg sync.WaitGroup
	for ch := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := c2.stream("a", start)
			s.Channel = ch
			for range 6 {
				if err := sink.Segment(context.Background(), s.Segment()); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	sink.Close()
	if n := countRows(t, e, "SELECT count(*) FROM rec_segments WHERE account_id = ? AND state = 1", c.owner.AccountID); n != 18 {
		t.Fatalf("%d segments recorded, want 18", n)
	}
	if n := countRows(t, e, "SELECT count(*) FROM rec_ranges WHERE account_id = ?", c.owner.AccountID); n != 3 {
		t.Fatalf("%d ranges, want one per channel (in order)", n)
	}
	if err := sink.Segment(context.Background(), c.stream("b", start).Segment()); err == nil {
		t.Fatal("a closed sink took a segment")
	}
}

// slowBlobs is a blob store slower than the cameras: every Put waits until
// the test lets it go.
type slowBlobs struct {
	*blob.Dir
	release chan struct{}
}

func (s *slowBlobs) Put(ctx context.Context, key string, r io.Reader) error {
	select {
	case <-s.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	return s.Dir.Put(ctx, key, r)
}

// When storage is slower than the camera the publisher is never held
// back and memory stays bounded: each stream queues at most depth
// segments, drops whole segments oldest first, counts them, and the range
// recorded after the drop tells the owner on the timeline how many are
// missing before it. Every segment is either recorded or counted dropped.
func TestAsyncDropsOldestWhenStorageIsSlow(t *testing.T) {
	e := vigiltest.Start(t)
	c := newCam(t, e, "slow@example.com")
	raw, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	slow := &slowBlobs{Dir: raw, release: make(chan struct{})}
	rec := record.NewRecorder(store.NewRecordingStore(e.App.DB), blob.NewSealed(slow, e.App.Keys), e.App.Gate, e.Clock, e.App.Log, record.Config{})
	reg := prometheus.NewRegistry()
	if err := rec.Register(reg); err != nil {
		t.Fatal(err)
	}
	const depth, sent = 2, 10
	sink := record.NewAsync(rec, depth)
	start := e.Clock.Now().Add(-time.Hour).Truncate(time.Second)
	s := c.stream("slow", start)
	for i := range sent {
		began := time.Now()
		if err := sink.Segment(context.Background(), s.Segment()); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(began); d > 2*time.Second {
			t.Fatalf("segment %d: the publisher was held back %v by slow storage", i, d)
		}
		if q := gauge(t, reg, "vigil_recording_queued_segments"); q > depth {
			t.Fatalf("%v segments queued, bound is %d", q, depth)
		}
	}
	close(slow.release)
	sink.Close()

	dropped := int(gauge(t, reg, "vigil_recording_segments_dropped_total"))
	stored := countRows(t, e, "SELECT count(*) FROM rec_segments WHERE account_id = ? AND state = 1", c.owner.AccountID)
	if dropped < sent-depth-1 || stored+dropped != sent {
		t.Fatalf("%d stored and %d dropped of %d sent (queue of %d)", stored, dropped, sent, depth)
	}
	tl := c.timeline(t, start.Add(-time.Minute), start.Add(time.Hour))
	seen := 0
	for _, r := range tl.Ranges {
		seen += r.DroppedBefore
	}
	if seen != dropped || len(tl.Ranges) < 2 {
		t.Fatalf("the timeline shows %d dropped segments in %d ranges, %d were dropped", seen, len(tl.Ranges), dropped)
	}
}

func gauge(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			m := mf.GetMetric()[0]
			if m.GetCounter() != nil {
				return m.GetCounter().GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	return 0
}
