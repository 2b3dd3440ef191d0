package live_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/config"
	"github.com/vigil-cloud/vigil/internal/sim"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// BenchmarkStreamMemory measures the memory each added recording stream
// holds: vigil records a base set of simulated cameras (the 2 Mbit/s
// H.264+AAC clip of vigil sim over RTSP), then as many again, and the heap
// in use and the stacks are compared once both have settled. The
// publishers run in this process too, so the figure includes their
// gortsplib clients; VIGIL_HEAP_PROFILE=path writes the heap profile at
// the end, to see what holds the memory by package.
//
//	go test -run '^$' -bench StreamMemory -benchtime 1x ./internal/media/live/
//
// VIGIL_STREAMS=N sets the base and the added count (10).
func BenchmarkStreamMemory(b *testing.B) {
	n := 10
	if v, err := strconv.Atoi(os.Getenv("VIGIL_STREAMS")); err == nil && v > 0 {
		n = v
	}
	for b.Loop() {
		e := vigiltest.Start(b, func(*config.Config) {})
		owner := e.SignUp("owner@example.com")
		var members []sim.Member
		for i, m := range e.Operator().Manufacture("vc-100", 2*n) {
			cred := owner.Claim(m, fmt.Sprintf("Camera %d", i))
			members = append(members, sim.Member{DeviceID: cred.DeviceID, Secret: cred.Secret})
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		rtsp := "rtsp://" + e.App.Live.RTSPAddr().String()
		start := func(ms []sim.Member) {
			ready := make(chan struct{})
			go sim.RunVideo(ctx, sim.VideoConfig{Members: ms, RTSPURL: rtsp, Duration: time.Hour, Ready: func() { close(ready) }}) //nolint:errcheck // failures show as missing streams
			<-ready
			time.Sleep(20 * time.Second) // several segments recorded, queues at their steady size
		}
		start(members[:n])
		base := inUse()
		start(members[n:])
		both := inUse()
		per := float64(both-base) / float64(n) / (1 << 20)
		b.ReportMetric(per, "MiB/stream")
		b.Logf("%d streams: %.1f MiB in use (heap and stacks), %d streams: %.1f MiB: %.2f MiB per added stream",
			n, float64(base)/(1<<20), 2*n, float64(both)/(1<<20), per)
		if path := os.Getenv("VIGIL_HEAP_PROFILE"); path != "" {
			f, err := os.Create(path)
			if err != nil {
				b.Fatal(err)
			}
			if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
		cancel()
	}
}

// inUse is the heap in use and the goroutine stacks after a collection.
func inUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}
