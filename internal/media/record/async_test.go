package record_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/media/record"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// The asynchronous sink records every stream's segments in order, and
// Close waits for what was queued.
func TestAsyncSink(t *testing.T) {
	e := vigiltest.Start(t)
	c := newCam(t, e, "async@example.com")
	c2 := &cam{e: e, owner: c.owner, device: c.device, clip: c.clip}
	sink := record.NewAsync(e.App.Recorder, 2)
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
