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

// buildTimed appends n entries one second apart from storetest.Start, in
// batches, and returns the log.
func buildTimed(t testing.TB, n int) *audit.Log {
	clk := clock.NewFake(storetest.Start)
	f := newFixture(t, storetest.OpenSQLite(t, clk), clk)
	l := f.newLog(audit.Options{})
	batch := make([]audit.Entry, 0, 4096)
	for i := range n {
		e := entry(i, fmt.Sprintf("acc_%d", i%100), fmt.Sprintf("usr_%d", i%500))
		e.Time = storetest.Start.Add(time.Duration(i) * time.Second)
		batch = append(batch, e)
		if len(batch) == cap(batch) || i == n-1 {
			if err := l.AppendBatch(context.Background(), batch); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	return l
}

// ScanTime finds exactly the entries of a window, by time, without the
// personal fields.
func TestScanTime(t *testing.T) {
	l := buildTimed(t, 10000)
	from, to := storetest.Start.Add(5000*time.Second), storetest.Start.Add(5099*time.Second)
	var got []int64
	err := l.ScanTime(context.Background(), from, to, func(e audit.Entry) error {
		if e.Time.Before(from) || e.Time.After(to) || e.Personal != nil {
			t.Fatalf("entry %d at %s outside %s..%s or with personal fields", e.Seq, e.Time, from, to)
		}
		got = append(got, e.Seq)
		return nil
	})
	if err != nil || len(got) != 100 || got[0] != 5001 || got[99] != 5100 {
		t.Fatalf("scan: %v, %d entries %v", err, len(got), got[:min(3, len(got))])
	}
	for _, w := range [][2]time.Duration{{-time.Hour, -time.Minute}, {20000 * time.Second, 30000 * time.Second}} {
		n := 0
		if err := l.ScanTime(context.Background(), storetest.Start.Add(w[0]), storetest.Start.Add(w[1]), func(audit.Entry) error { n++; return nil }); err != nil || n != 0 {
			t.Fatalf("window %v: %v, %d entries", w, err, n)
		}
	}
}

// BenchmarkScanTime200k reads a one-hour window of a log of 200 000
// entries (one a second, 55 hours) on a SQLite file: the incident room's
// affected computation for a credential's window.
func BenchmarkScanTime200k(b *testing.B) {
	l := buildTimed(b, 200000)
	from := storetest.Start.Add(100000 * time.Second)
	for b.Loop() {
		n := 0
		if err := l.ScanTime(context.Background(), from, from.Add(time.Hour), func(audit.Entry) error { n++; return nil }); err != nil || n != 3601 {
			b.Fatalf("scan: %v, %d entries", err, n)
		}
	}
}
