package nn

import (
	"fmt"
	"math"
)

// Tensor is one image-like activation in HWC order (channels fastest), the
// layout TF.js uses, so weights need no transposition.
type Tensor struct {
	H, W, C int
	Data    []float32
}

// NewTensor returns a zeroed tensor of the given shape.
func NewTensor(h, w, c int) *Tensor {
	return &Tensor{H: h, W: w, C: c, Data: make([]float32, h*w*c)}
}

// At returns the value at row y, column x, channel c.
func (t *Tensor) At(y, x, c int) float32 { return t.Data[(y*t.W+x)*t.C+c] }

func (t *Tensor) String() string { return fmt.Sprintf("tensor[%d×%d×%d]", t.H, t.W, t.C) }

// Relu clamps negatives to zero in place.
func (t *Tensor) Relu() *Tensor {
	// Branch-free: activations are negative half the time, which a branch
	// mispredicts at every other value.
	for i, v := range t.Data {
		b := math.Float32bits(v)
		t.Data[i] = math.Float32frombits(b &^ uint32(int32(b)>>31))
	}
	return t
}

// AddInPlace adds u element-wise into t; both must have the same shape.
func (t *Tensor) AddInPlace(u *Tensor) *Tensor {
	if t.H != u.H || t.W != u.W || t.C != u.C {
		panic(fmt.Sprintf("nn: add %v and %v", t, u)) // a network wiring bug, never input-driven
	}
	d := t.Data[:len(u.Data)]
	for i, v := range u.Data {
		d[i] += v
	}
	return t
}

// Mean returns the per-channel mean over all positions (global average pool).
func (t *Tensor) Mean() []float32 {
	out := make([]float32, t.C)
	for p := 0; p < t.H*t.W; p++ {
		row := t.Data[p*t.C : (p+1)*t.C]
		for c, v := range row {
			out[c] += v
		}
	}
	n := float32(t.H * t.W)
	for c := range out {
		out[c] /= n
	}
	return out
}
