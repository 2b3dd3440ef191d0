package engine

import "math"

// Dim is the length of a descriptor.
const Dim = 128

// Embedding is a face descriptor scaled to unit length, so that the cosine
// similarity of two is their dot product.
type Embedding [Dim]float32

func newEmbedding(raw []float32) Embedding {
	var e Embedding
	var n float64
	for _, v := range raw {
		n += float64(v) * float64(v)
	}
	if n == 0 {
		return e
	}
	inv := float32(1 / math.Sqrt(n))
	for i, v := range raw {
		e[i] = v * inv
	}
	return e
}

// Similarity is the cosine similarity of two embeddings, in [-1, 1].
func Similarity(a, b Embedding) float32 {
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}
