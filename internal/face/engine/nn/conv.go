package nn

import "fmt"

// Padding is how a layer pads its input, TF's two modes.
type Padding int

const (
	// Valid pads nothing: the window never leaves the image.
	Valid Padding = iota
	// Same pads so that out = ceil(in/stride), the odd extra pixel after,
	// as TF does (this matters for stride 2 on even sizes).
	Same
)

// outSize returns the output length and the padding before one axis.
func outSize(in, k, stride int, p Padding) (out, before int) {
	if p == Valid {
		return (in-k)/stride + 1, 0
	}
	out = (in + stride - 1) / stride
	total := max((out-1)*stride+k-in, 0)
	return out, total / 2
}

// Conv is a 2-D convolution with a fused per-channel affine epilogue
// y = acc·Mul + Add (bias and a following scale layer folded together) and an
// optional ReLU.
type Conv struct {
	KH, KW, Cin, Cout, Stride int
	Pad                       Padding
	Relu                      bool
	packed                    []float32
	mul, add                  []float32
}

// NewConv builds a convolution from TF's HWIO filters [kh,kw,cin,cout].
// bias may be nil; scale and shift (face-api's scale layer) may be nil.
func NewConv(filters []float32, kh, kw, cin, cout, stride int, pad Padding, bias, scale, shift []float32, relu bool) (*Conv, error) {
	if len(filters) != kh*kw*cin*cout {
		return nil, fmt.Errorf("conv: %d filter values for %d×%d×%d×%d", len(filters), kh, kw, cin, cout)
	}
	c := &Conv{KH: kh, KW: kw, Cin: cin, Cout: cout, Stride: stride, Pad: pad, Relu: relu,
		packed: packB(filters, kh*kw*cin, cout), mul: make([]float32, cout), add: make([]float32, cout)}
	for o := range cout {
		b := float32(0)
		if bias != nil {
			b = bias[o]
		}
		m := float32(1)
		if scale != nil {
			m = scale[o]
			b *= m
			if shift != nil {
				b += shift[o]
			}
		}
		c.mul[o], c.add[o] = m, b
	}
	return c, nil
}

// Forward runs the convolution on x.
func (c *Conv) Forward(x *Tensor) *Tensor {
	if x.C != c.Cin {
		panic(fmt.Sprintf("nn: conv wants %d channels, got %v", c.Cin, x)) // wiring bug
	}
	oh, pt := outSize(x.H, c.KH, c.Stride, c.Pad)
	ow, pl := outSize(x.W, c.KW, c.Stride, c.Pad)
	out := NewTensor(oh, ow, c.Cout)
	k := c.KH * c.KW * c.Cin
	var a []float32
	if c.KH == 1 && c.KW == 1 && c.Stride == 1 {
		a = x.Data // a 1×1 convolution is the matrix product itself
	} else {
		a = im2col(x, c.KH, c.KW, c.Stride, pt, pl, oh, ow)
	}
	gemm(oh*ow, c.Cout, k, a, k, c.packed, out.Data)
	for p := 0; p < oh*ow; p++ {
		row := out.Data[p*c.Cout : (p+1)*c.Cout]
		for o, v := range row {
			v = v*c.mul[o] + c.add[o]
			if c.Relu && v < 0 {
				v = 0
			}
			row[o] = v
		}
	}
	return out
}

// im2col lays every receptive field out as one row (ky, kx, channel order,
// matching the HWIO filters), zeros where the window leaves the image.
func im2col(x *Tensor, kh, kw, stride, pt, pl, oh, ow int) []float32 {
	k := kh * kw * x.C
	a := make([]float32, oh*ow*k)
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			row := a[(oy*ow+ox)*k : (oy*ow+ox+1)*k]
			for ky := 0; ky < kh; ky++ {
				iy := oy*stride - pt + ky
				if iy < 0 || iy >= x.H {
					continue
				}
				for kx := 0; kx < kw; kx++ {
					ix := ox*stride - pl + kx
					if ix < 0 || ix >= x.W {
						continue
					}
					src := x.Data[(iy*x.W+ix)*x.C : (iy*x.W+ix+1)*x.C]
					copy(row[(ky*kw+kx)*x.C:], src)
				}
			}
		}
	}
	return a
}

// Depthwise is a depthwise convolution (one 2-D filter per channel, TF's
// [kh,kw,c,1] layout), without bias: in the separable convolutions the bias
// comes after the pointwise step.
type Depthwise struct {
	KH, KW, C, Stride int
	Pad               Padding
	filters           []float32
}

// NewDepthwise builds a depthwise convolution.
func NewDepthwise(filters []float32, kh, kw, ch, stride int, pad Padding) (*Depthwise, error) {
	if len(filters) != kh*kw*ch {
		return nil, fmt.Errorf("depthwise: %d filter values for %d×%d×%d", len(filters), kh, kw, ch)
	}
	return &Depthwise{KH: kh, KW: kw, C: ch, Stride: stride, Pad: pad, filters: filters}, nil
}

// Forward runs the depthwise convolution on x.
func (d *Depthwise) Forward(x *Tensor) *Tensor {
	oh, pt := outSize(x.H, d.KH, d.Stride, d.Pad)
	ow, pl := outSize(x.W, d.KW, d.Stride, d.Pad)
	out := NewTensor(oh, ow, d.C)
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			dst := out.Data[(oy*ow+ox)*d.C : (oy*ow+ox+1)*d.C]
			for ky := 0; ky < d.KH; ky++ {
				iy := oy*d.Stride - pt + ky
				if iy < 0 || iy >= x.H {
					continue
				}
				for kx := 0; kx < d.KW; kx++ {
					ix := ox*d.Stride - pl + kx
					if ix < 0 || ix >= x.W {
						continue
					}
					src := x.Data[(iy*x.W+ix)*d.C : (iy*x.W+ix+1)*d.C]
					f := d.filters[(ky*d.KW+kx)*d.C : (ky*d.KW+kx+1)*d.C]
					src, f = src[:len(dst)], f[:len(dst)] // lets the compiler drop bounds checks
					for ch := range dst {
						dst[ch] += src[ch] * f[ch]
					}
				}
			}
		}
	}
	return out
}

// MaxPool is a k×k max pool with the given stride, valid padding.
func MaxPool(x *Tensor, k, stride int) *Tensor {
	oh, _ := outSize(x.H, k, stride, Valid)
	ow, _ := outSize(x.W, k, stride, Valid)
	out := NewTensor(oh, ow, x.C)
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			dst := out.Data[(oy*ow+ox)*x.C : (oy*ow+ox+1)*x.C]
			for ch := range dst {
				dst[ch] = x.At(oy*stride, ox*stride, ch)
			}
			for ky := 0; ky < k; ky++ {
				for kx := 0; kx < k; kx++ {
					src := x.Data[((oy*stride+ky)*x.W+ox*stride+kx)*x.C:]
					for ch := range dst {
						if src[ch] > dst[ch] {
							dst[ch] = src[ch]
						}
					}
				}
			}
		}
	}
	return out
}

// AvgPool is a k×k average pool with the given stride, valid padding.
func AvgPool(x *Tensor, k, stride int) *Tensor {
	oh, _ := outSize(x.H, k, stride, Valid)
	ow, _ := outSize(x.W, k, stride, Valid)
	out := NewTensor(oh, ow, x.C)
	inv := 1 / float32(k*k)
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			dst := out.Data[(oy*ow+ox)*x.C : (oy*ow+ox+1)*x.C]
			for ky := 0; ky < k; ky++ {
				for kx := 0; kx < k; kx++ {
					src := x.Data[((oy*stride+ky)*x.W+ox*stride+kx)*x.C:]
					for ch := range dst {
						dst[ch] += src[ch]
					}
				}
			}
			for ch := range dst {
				dst[ch] *= inv
			}
		}
	}
	return out
}

// Dense is y = x·W + b for W in TF's [in,out] layout.
func Dense(x, w, b []float32, out int) []float32 {
	y := make([]float32, out)
	for i, xv := range x {
		row := w[i*out : (i+1)*out]
		for j, wv := range row {
			y[j] += xv * wv
		}
	}
	for j := range y {
		if b != nil {
			y[j] += b[j]
		}
	}
	return y
}
