package engine

import (
	"testing"
)

// BenchmarkDetect1280x720 is detection plus landmarks on a 1280×720 snapshot
// holding several faces (per snapshot).
func BenchmarkDetect1280x720(b *testing.B) {
	e := newTestEngine(b)
	m, _ := scene(b, e, loadPhotos(b), 230)
	n := len(e.Detect(m))
	b.ResetTimer()
	start := cpuTime()
	for range b.N {
		e.Detect(m)
	}
	reportCPU(b, start)
	b.ReportMetric(float64(n), "faces")
}

// BenchmarkDetectOnly1280x720 is the cascade alone, without landmarks.
func BenchmarkDetectOnly1280x720(b *testing.B) {
	e := newTestEngine(b)
	m, _ := scene(b, e, loadPhotos(b), 230)
	b.ResetTimer()
	start := cpuTime()
	for range b.N {
		e.detect(m)
	}
	reportCPU(b, start)
}

// BenchmarkDescribe is alignment plus the descriptor network, per face.
func BenchmarkDescribe(b *testing.B) {
	e := newTestEngine(b)
	m, err := e.Decode(loadPhotos(b)[0].data)
	if err != nil {
		b.Fatal(err)
	}
	f := e.Detect(m)[0]
	b.ResetTimer()
	start := cpuTime()
	for range b.N {
		e.Describe(m, f)
	}
	reportCPU(b, start)
}

// BenchmarkSnapshotOneFace is the goal as one figure: a 1280×720
// snapshot with one person, detected (cascade and landmarks) and described
// (alignment and descriptor), per snapshot; the goal is ≤ 100 ms on one
// core.
func BenchmarkSnapshotOneFace(b *testing.B) {
	e := newTestEngine(b)
	var paul []photo
	for _, p := range loadPhotos(b) {
		if p.name == "paul-rudd-1" {
			paul = append(paul, p)
		}
	}
	m, _ := scene(b, e, paul, 230)
	if n := len(e.Detect(m)); n != 1 {
		b.Fatalf("faces found: %d", n)
	}
	b.ResetTimer()
	start := cpuTime()
	for range b.N {
		for _, f := range e.Detect(m) {
			e.Describe(m, f)
		}
	}
	reportCPU(b, start)
}
