package record

import (
	"context"
	"log/slog"
	"sync"

	"github.com/vigil-cloud/vigil/internal/media"
)

// Async is the media.Sink the live side is given: it queues each stream's
// segments and records them on a goroutine of that stream, in order, so a
// slow database or blob store does not stall the publishing connection
// until the queue (depth segments) is full; then it waits, holding the
// publisher back rather than losing video.
type Async struct {
	rec   *Recorder
	log   *slog.Logger
	depth int

	mu     sync.RWMutex
	queues map[streamKey]chan media.Segment
	wg     sync.WaitGroup
	closed bool
}

var _ media.Sink = (*Async)(nil)

// NewAsync returns an asynchronous sink in front of rec.
func NewAsync(rec *Recorder, depth int) *Async {
	if depth < 1 {
		depth = 8
	}
	return &Async{rec: rec, log: rec.log, depth: depth, queues: map[streamKey]chan media.Segment{}}
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
			q = make(chan media.Segment, a.depth)
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
	select {
	case q <- seg:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (a *Async) run(q chan media.Segment) {
	defer a.wg.Done()
	for seg := range q {
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
