package audit_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/audit"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/store/storetest"
)

// BenchmarkAppend measures durable appends from many goroutines on a SQLite
// file (WAL, synchronous=FULL): group commit makes one fsync serve a batch.
func BenchmarkAppend(b *testing.B) {
	clk := clock.Real{}
	f := newFixture(b, storetest.OpenSQLite(b, clk), clk)
	l := f.start(b, audit.Options{})
	ctx := context.Background()
	// Many callers waiting at once, as on a busy server, fill the batches.
	b.SetParallelism(256)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			if _, err := l.Append(ctx, entry(i, "acc_bench", "usr_bench")); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
}

// BenchmarkVerify1M verifies a log of a million entries on a SQLite file.
// Building the log takes longer than verifying it; run with -benchtime=1x.
func BenchmarkVerify1M(b *testing.B) {
	const n = 1_000_000
	clk := clock.NewFake(storetest.Start)
	f := newFixture(b, storetest.OpenSQLite(b, clk), clk)
	l := f.newLog(audit.Options{})
	ctx := context.Background()
	// Large batches keep the fsyncs of building the log few.
	batch := make([]audit.Entry, 0, 4096)
	for i := range n {
		batch = append(batch, entry(i, fmt.Sprintf("acc_%d", i%1000), fmt.Sprintf("usr_%d", i%5000)))
		if len(batch) == cap(batch) || i == n-1 {
			if err := l.AppendBatch(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
			clk.Advance(time.Second / 8) // a history checkpoint every 8 batches
		}
	}
	for b.Loop() {
		r, err := audit.Verify(ctx, f.store, f.verifier)
		if err != nil || !r.OK() || r.Entries != n {
			b.Fatalf("Verify: %v, %v (%d entries)", err, r, r.Entries)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}
