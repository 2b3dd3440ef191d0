package record_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigil-cloud/vigil/internal/blob"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/media/record"
	"github.com/vigil-cloud/vigil/internal/media/record/recordtest"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// slowIndex is an index whose every transaction takes a while (a slow
// disk), and whose first transaction of more than one step fails as a
// whole (a lost connection).
type slowIndex struct {
	record.Store
	calls, failed atomic.Int64
}

func (s *slowIndex) IndexSegments(ctx context.Context, steps []record.IndexStep, writer string) error {
	s.calls.Add(1)
	time.Sleep(20 * time.Millisecond)
	if len(steps) > 1 && s.failed.CompareAndSwap(0, 1) {
		return errs.E(errs.Unavailable, "connection lost")
	}
	return s.Store.IndexSegments(ctx, steps, writer)
}

// Many streams' segments share index transactions when storage is slow
// (group commit), a transaction that fails as a whole is retried step by
// step so no segment is lost with it, and a step refused on its own
// (a camera released mid-stream) fails alone.
func TestIndexGroupCommit(t *testing.T) {
	e := vigiltest.Start(t)
	const streams, each = 12, 4
	cams := make([]*cam, streams)
	for i := range cams {
		cams[i] = newCam(t, e, "group"+string(rune('a'+i))+"@example.com")
	}
	idx := &slowIndex{Store: store.NewRecordingStore(e.App.DB)}
	raw, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	rec := record.NewRecorder(idx, blob.NewSealed(raw, e.App.Keys), e.App.Gate, e.Clock, e.App.Log, record.Config{})
	reg := prometheus.NewRegistry()
	if err := rec.Register(reg); err != nil {
		t.Fatal(err)
	}
	start := e.Clock.Now().Add(-time.Hour).Truncate(time.Second)
	// Each stream starts (its session init is stored with a first
	// segment); then the last camera is released: its next segments are
	// refused, the others' are not.
	ss := make([]*recordtest.Stream, streams)
	for i, c := range cams {
		ss[i] = c.stream("g", start)
		if err := rec.Segment(context.Background(), ss[i].Segment()); err != nil {
			t.Fatal(err)
		}
	}
	gone := cams[streams-1]
	gone.owner.Must(http.StatusNoContent, "DELETE", "/api/v1/accounts/"+gone.owner.AccountID+"/devices/"+gone.device, nil)

	var wg sync.WaitGroup
	var refused atomic.Int64
	for i, c := range cams {
		wg.Go(func() {
			s := ss[i]
			for range each {
				err := rec.Segment(context.Background(), s.Segment())
				switch {
				case c == gone && errs.Is(err, errs.Gone):
					refused.Add(1)
				case err != nil:
					t.Errorf("%s: %v", c.device, err)
				}
			}
		})
	}
	wg.Wait()

	for _, c := range cams[:streams-1] {
		if n := countRows(t, e, "SELECT count(*) FROM rec_segments WHERE account_id = ? AND state = 1", c.owner.AccountID); n != 1+each {
			t.Fatalf("%s: %d segments stored, want %d", c.device, n, 1+each)
		}
		if n := countRows(t, e, "SELECT count(*) FROM rec_ranges WHERE account_id = ?", c.owner.AccountID); n != 1 {
			t.Fatalf("%s: %d ranges, want 1", c.device, n)
		}
	}
	// Its first segment stays (until retention purges released devices);
	// nothing came after.
	if n := countRows(t, e, "SELECT count(*) FROM rec_segments WHERE device_id = ?", gone.device); n != 1 || refused.Load() != each {
		t.Fatalf("released camera: %d rows, %d refusals, want 1 and %d", n, refused.Load(), each)
	}
	if idx.failed.Load() != 1 {
		t.Fatal("no transaction of several steps was tried: nothing was grouped")
	}
	steps, commits := gauge(t, reg, "vigil_recording_index_steps_total"), gauge(t, reg, "vigil_recording_index_commits_total")
	// Each stored segment takes two steps, each refused one one.
	if want := float64(streams*2 + (streams-1)*each*2 + each); steps != want {
		t.Fatalf("%v index steps, want %v", steps, want)
	}
	if commits != float64(idx.calls.Load()) || commits > steps/2 {
		t.Fatalf("%v commits (%d transactions) for %v steps: not grouped", commits, idx.calls.Load(), steps)
	}
	t.Logf("%v steps in %v transactions", steps, commits)
}
