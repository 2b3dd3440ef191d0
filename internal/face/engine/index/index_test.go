package index

import (
	"math"
	"math/rand/v2"
	"testing"
)

func randomUnit(r *rand.Rand) []float32 {
	v := make([]float32, Dim)
	var n float64
	for i := range v {
		v[i] = float32(r.NormFloat64())
		n += float64(v[i] * v[i])
	}
	for i := range v {
		v[i] /= float32(math.Sqrt(n))
	}
	return v
}

func dot(a, b []float32) float32 {
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// TestBestIsTheExactBest holds the quantised search to a float32 brute
// force: same winner, score within 0.005.
func TestBestIsTheExactBest(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	x := New()
	var all [][]float32
	for i := range 3000 {
		v := randomUnit(r)
		all = append(all, v)
		if err := x.Add(uint64(i+100), v); err != nil {
			t.Fatal(err)
		}
	}
	for range 50 {
		// A query near one template, as a second photo of an enrolled person is.
		target := r.IntN(len(all))
		q := make([]float32, Dim)
		noise := randomUnit(r)
		for i := range q {
			q[i] = all[target][i] + 0.5*noise[i]
		}
		var n float64
		for _, v := range q {
			n += float64(v * v)
		}
		for i := range q {
			q[i] /= float32(math.Sqrt(n))
		}
		m, ok := x.Best(q)
		if !ok || m.ID != uint64(target+100) {
			t.Fatalf("best = %+v, want id %d", m, target+100)
		}
		if want := dot(q, all[target]); math.Abs(float64(m.Score-want)) > 0.005 {
			t.Errorf("score %.4f, exact %.4f", m.Score, want)
		}
	}
}

func TestAVX2MatchesPortable(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	var q [Dim]int16
	for i := range q {
		q[i] = int16(r.IntN(255) - 127)
	}
	codes := make([]int8, 37*Dim)
	for i := range codes {
		codes[i] = int8(r.IntN(255) - 127)
	}
	a, b := make([]int32, 37), make([]int32, 37)
	dotsInt8(&q, codes, a)
	dotsGo(&q, codes, b)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("dot %d: %d vs portable %d (avx2=%v)", i, a[i], b[i], hasAVX2)
		}
	}
}

func TestAddReplaceRemove(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	x := New()
	if _, ok := x.Best(randomUnit(r)); ok {
		t.Fatal("empty index found a match")
	}
	a, b, c := randomUnit(r), randomUnit(r), randomUnit(r)
	_ = x.Add(1, a)
	_ = x.Add(2, b)
	_ = x.Add(3, c)
	_ = x.Add(2, a) // replace: 2 now holds a
	if x.Len() != 3 {
		t.Fatalf("len %d", x.Len())
	}
	x.Remove(1)
	x.Remove(99)
	if m, _ := x.Best(a); m.ID != 2 {
		t.Errorf("after removing 1, best for a = %d, want 2", m.ID)
	}
	x.Remove(2)
	if m, _ := x.Best(a); m.ID != 3 {
		t.Errorf("after removing 2, best = %d, want 3 (the only one left)", m.ID)
	}
	if err := x.Add(4, make([]float32, 5)); err == nil {
		t.Error("a 5-value template was accepted")
	}
	if _, ok := x.Best(make([]float32, 3)); ok {
		t.Error("a 3-value query matched")
	}
}

// BenchmarkBest100k is one 1:N search over 100,000 templates.
func BenchmarkBest100k(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	x := New()
	for i := range 100_000 {
		_ = x.Add(uint64(i), randomUnit(r))
	}
	q := randomUnit(r)
	b.ResetTimer()
	start := cpuTime()
	for range b.N {
		x.Best(q)
	}
	reportCPU(b, start)
}
