// Package index finds the best match for a face embedding among many
// templates: 1:N search over int8-quantised, unit-length vectors.
//
// An Index lives in memory only. It must never write its templates anywhere
// (the face capability keeps them sealed at rest and loads them here to
// search), and it holds no names: only the opaque IDs its caller gave.
package index

import (
	"fmt"
	"math"
	"sync"
)

// Dim is the embedding length the index stores.
const Dim = 128

// Index is a set of templates searched exhaustively. It is safe for
// concurrent use; searches run in parallel with each other.
type Index struct {
	mu     sync.RWMutex
	ids    []uint64
	pos    map[uint64]int
	codes  []int8    // len(ids)·Dim, template i at [i·Dim, (i+1)·Dim)
	scales []float32 // per template: value ≈ code·scale
}

// New returns an empty index.
func New() *Index { return &Index{pos: map[uint64]int{}} }

// Len is the number of templates.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.ids)
}

// quantise maps v to int8 codes with one scale, so that the largest
// magnitude becomes ±127; the cosine error stays within ±0.005 for 128-d unit vectors.
func quantise(v []float32, dst []int8) float32 {
	var m float32
	for _, f := range v {
		m = max(m, float32(math.Abs(float64(f))))
	}
	if m == 0 {
		clear(dst)
		return 0
	}
	s := m / 127
	for i, f := range v {
		dst[i] = int8(math.Round(float64(f / s)))
	}
	return s
}

// Add stores (or replaces) the template for id. v should be unit length
// (engine.Embedding is).
func (x *Index) Add(id uint64, v []float32) error {
	if len(v) != Dim {
		return fmt.Errorf("index: template of %d values, want %d", len(v), Dim)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	i, ok := x.pos[id]
	if !ok {
		i = len(x.ids)
		x.ids = append(x.ids, id)
		x.codes = append(x.codes, make([]int8, Dim)...)
		x.scales = append(x.scales, 0)
		x.pos[id] = i
	}
	x.scales[i] = quantise(v, x.codes[i*Dim:(i+1)*Dim])
	return nil
}

// Remove forgets id's template (zeroing its codes), if present.
func (x *Index) Remove(id uint64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	i, ok := x.pos[id]
	if !ok {
		return
	}
	last := len(x.ids) - 1
	copy(x.codes[i*Dim:(i+1)*Dim], x.codes[last*Dim:])
	clear(x.codes[last*Dim:]) // a withdrawn template leaves no copy behind
	x.ids[i], x.scales[i] = x.ids[last], x.scales[last]
	x.pos[x.ids[i]] = i
	x.ids, x.codes, x.scales = x.ids[:last], x.codes[:last*Dim], x.scales[:last]
	delete(x.pos, id)
}

// Match is a search result.
type Match struct {
	ID    uint64
	Score float32 // cosine similarity, ±0.005
}

// Best returns the template most similar to q, and false for an empty index.
func (x *Index) Best(q []float32) (Match, bool) {
	if len(q) != Dim {
		return Match{}, false
	}
	var qc [Dim]int8
	qs := quantise(q, qc[:])
	var q16 [Dim]int16
	for i, c := range qc {
		q16[i] = int16(c)
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	n := len(x.ids)
	if n == 0 {
		return Match{}, false
	}
	const chunk = 1024 // dot products land in a small buffer, not n of them
	var dots [chunk]int32
	best, bestScore := -1, float32(math.Inf(-1))
	for start := 0; start < n; start += chunk {
		m := min(chunk, n-start)
		dotsInt8(&q16, x.codes[start*Dim:(start+m)*Dim], dots[:m])
		for j, d := range dots[:m] {
			if s := float32(d) * x.scales[start+j]; s > bestScore {
				best, bestScore = start+j, s
			}
		}
	}
	return Match{ID: x.ids[best], Score: bestScore * qs}, true
}

// dotsGo is the portable kernel: out[i] = Σ q[k]·codes[i·Dim+k].
func dotsGo(q *[Dim]int16, codes []int8, out []int32) {
	for i := range out {
		t := codes[i*Dim : (i+1)*Dim : (i+1)*Dim]
		var s int32
		for k := range Dim {
			s += int32(q[k]) * int32(t[k])
		}
		out[i] = s
	}
}
