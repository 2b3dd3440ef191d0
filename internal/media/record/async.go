package record

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/vigil-cloud/vigil/internal/media"
)

// Async is the media.Sink the live side is given: it queues each stream's
// segments and records them on a goroutine of that stream, in order, so a
// slow database or blob store never stalls the publishing connection (and
// so never the live viewers). Each stream's queue holds at most depth
// segments: a full queue holds the publisher back for at most Patience,
// then (storage slower than the camera) the oldest queued segment is
// dropped whole, counted
// (vigil_recording_segments_dropped_total), and the range recorded after it
// says how many were dropped before it (dropped_before), so the owner sees
// the gap on the timeline. Memory stays bounded; the lag is a metric.
type Async struct {
	rec   *Recorder
	log   *slog.Logger
	depth int

	mu     sync.RWMutex
	queues map[streamKey]chan queued
	wg     sync.WaitGroup
	closed bool
}

var _ media.Sink = (*Async)(nil)

// Patience is how long a stream's full queue holds its publisher back
// before the oldest queued segment is dropped.
const Patience = 250 * time.Millisecond

type queued struct {
	seg media.Segment
	at  time.Time
}

// NewAsync returns an asynchronous sink in front of rec.
func NewAsync(rec *Recorder, depth int) *Async {
	if depth < 1 {
		depth = 8
	}
	return &Async{rec: rec, log: rec.log, depth: depth, queues: map[streamKey]chan queued{}}
}

// Segment queues seg for its stream's recorder goroutine.
func (a *Async) Segment(ctx context.Context, seg media.Segment) error {
	if err := checkSegment(seg); err != nil {
		return err
	}
	k := streamKey{seg.AccountID, seg.DeviceID, seg.Channel}
	// The read lock is held while sending, so Close does not close a queue
	// under a sender.
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.closed {
		return context.Canceled
	}
	q := a.queues[k]
	if q == nil {
		a.mu.RUnlock()
		a.mu.Lock()
		if q = a.queues[k]; q == nil && !a.closed {
			q = make(chan queued, a.depth)
			a.queues[k] = q
			a.wg.Add(1)
			go a.run(q)
		}
		a.mu.Unlock()
		a.mu.RLock()
		if a.closed {
			return context.Canceled
		}
	}
	item := queued{seg, time.Now()}
	// Backpressure first: a full queue holds the publisher back a little
	// (a burst, a passing stall); past that, storage is behind.
	select {
	case q <- item:
		a.rec.m.queued.Inc()
		return nil
	default:
	}
	wait := time.NewTimer(Patience)
	defer wait.Stop()
	select {
	case q <- item:
		a.rec.m.queued.Inc()
		return nil
	case <-wait.C:
	case <-ctx.Done():
		return ctx.Err()
	}
	for {
		select {
		case q <- item:
			a.rec.m.queued.Inc()
			return nil
		default:
		}
		// Full: storage is behind. Drop the oldest queued segment whole
		// (the recorder may take it first; then the send is retried).
		select {
		case old := <-q:
			a.rec.m.queued.Dec()
			a.rec.dropped(k, 1)
			a.log.Warn("recording fell behind: a segment was dropped", "account", old.seg.AccountID, "device", old.seg.DeviceID, "channel", old.seg.Channel)
		default:
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

func (a *Async) run(q chan queued) {
	defer a.wg.Done()
	for item := range q {
		a.rec.m.queued.Dec()
		a.rec.m.lag.Set(time.Since(item.at).Seconds())
		seg := item.seg
		if err := a.rec.Segment(context.Background(), seg); err != nil {
			a.log.Error("recording a segment failed", "account", seg.AccountID, "device", seg.DeviceID, "channel", seg.Channel, "err", err)
		}
	}
}

// Close records what is queued and stops.
func (a *Async) Close() {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return
	}
	a.closed = true
	for _, q := range a.queues {
		close(q)
	}
	a.mu.Unlock()
	a.wg.Wait()
}
