package privacy_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/audit"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/privacy"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// seedAudit appends n entries to subject's own access log, from many
// goroutines so that group commit fills batches.
func seedAudit(b *testing.B, l *audit.Log, subject string, n int) {
	ctx := context.Background()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 256 {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				_, err := l.Append(ctx, audit.Entry{ActorKind: audit.ActorUser, ActorID: subject, ActorRole: "owner", Action: audit.ActionRead,
					Category: datamap.AccountProfile, ResourceID: "res_" + strconv.FormatInt(i, 10), AccountID: subject,
					Purpose: datamap.PurposeService, Decision: audit.Allow, SubjectID: subject,
					Personal: map[string]string{"ip": "198.51.100.7", "user_agent": "vigil-bench/1.0"}})
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// peakHeap samples the live heap every few milliseconds until stop is closed.
func peakHeap(stop <-chan struct{}) func() uint64 {
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return func() uint64 { <-done; return peak.Load() }
}

// BenchmarkExport exports the access log of a person with many events
// (VIGIL_BENCH_EVENTS, default 1,000,000, and a tenth of that for the
// comparison) into a sealed package in the blob store, and then erases the
// person by destroying their key. It reports the export's time and peak
// heap, which must not grow with the data, and the erasure's time.
// Run: go test ./internal/privacy/ -run '^$' -bench Export -benchtime 1x -timeout 60m
func BenchmarkExport(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("VIGIL_BENCH_EVENTS")); err == nil && v > 0 {
		n = v
	}
	for _, size := range []int{n / 10, n} {
		b.Run(fmt.Sprintf("events=%d", size), func(b *testing.B) {
			e := vigiltest.Start(b)
			ctx := context.Background()
			subject := "usr_benchsubject" + strconv.Itoa(size)
			t0 := time.Now()
			seedAudit(b, e.App.Audit, subject, size)
			b.Logf("seeded %d audit entries in %v", size, time.Since(t0).Round(time.Millisecond))
			subj := fulfil.Subject{Kind: fulfil.RequesterPerson, ID: subject}
			sc := fulfil.Scope{Categories: []datamap.CategoryID{datamap.AuditTrail, datamap.AccountProfile}}
			var m privacy.Manifest
			var peak uint64
			var size0 int64
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				runtime.GC()
				var base runtime.MemStats
				runtime.ReadMemStats(&base)
				stop := make(chan struct{})
				wait := peakHeap(stop)
				pr, pw := io.Pipe()
				errc := make(chan error, 1)
				go func() {
					var err error
					m, err = e.App.Requests.WritePackage(ctx, pw, "dsr_bench", subj, sc)
					pw.CloseWithError(err)
					errc <- err
				}()
				owner := fmt.Sprintf("bench%d.export", i)
				cr := &countingReader{r: pr}
				if err := e.App.Blobs.Put(ctx, owner, "package.zip", cr); err != nil {
					b.Fatal(err)
				}
				if err := <-errc; err != nil {
					b.Fatal(err)
				}
				close(stop)
				peak = wait() - min(wait(), base.HeapInuse)
				size0 = cr.n
			}
			b.StopTimer()
			var got int64
			for _, f := range m.Files {
				if f.Category == datamap.AuditTrail {
					got = f.Records
				}
			}
			if got < int64(size) { // plus the export job's own entries
				b.Fatalf("exported %d records, want %d", got, size)
			}
			b.ReportMetric(float64(size)/b.Elapsed().Seconds()*float64(b.N), "events/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(size0)/(1<<20), "package-MiB")

			// Erasure by crypto-shredding: one key, whatever the size.
			t1 := time.Now()
			if err := e.App.Keys.Destroy(ctx, keys.ScopeSubject, subject); err != nil {
				b.Fatal(err)
			}
			if err := e.App.Keys.Destroy(ctx, keys.ScopeAccount, "bench0.export"); err != nil {
				b.Fatal(err)
			}
			erase := time.Since(t1)
			page, err := e.App.Audit.ListAccount(ctx, subject, subject, 0, 10)
			if err != nil || page.Items[0].Personal != audit.PersonalErased {
				b.Fatalf("after shredding: %v %v", err, page.Items[0].Personal)
			}
			if _, err := e.App.Blobs.Open(ctx, "bench0.export", "package.zip"); err == nil {
				b.Fatal("the package still opens after its key was destroyed")
			}
			b.ReportMetric(float64(erase.Microseconds())/1000, "erase-ms")
		})
	}
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
