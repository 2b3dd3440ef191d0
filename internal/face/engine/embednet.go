package engine

import (
	"fmt"

	"github.com/vigil-cloud/vigil/internal/face/engine/nn"
)

// chipSize is the side of the aligned face the descriptor network reads.
const chipSize = 150

// meanRGB is what both face-api networks subtract before dividing by 255.
var meanRGB = [3]float32{122.782, 117.001, 104.298}

// resBlock is one residual block of dlib's ResNet: two 3×3 convolutions
// (the first strided in a down block) and an identity (or pooled) shortcut.
type resBlock struct {
	conv1, conv2 *nn.Conv
	down         bool
}

// descriptorNet is dlib's face-recognition ResNet as face-api lays it out.
type descriptorNet struct {
	stem   *nn.Conv
	blocks []resBlock
	fc     []float32 // [256,128]
}

func convLayer(w *nn.Weights, prefix string, k, cin, cout, stride int, pad nn.Padding, relu bool) (*nn.Conv, error) {
	f, err := w.Get(prefix+"/conv/filters", k, k, cin, cout)
	if err != nil {
		return nil, err
	}
	b, err := w.Get(prefix+"/conv/bias", cout)
	if err != nil {
		return nil, err
	}
	s, err := w.Get(prefix+"/scale/weights", cout)
	if err != nil {
		return nil, err
	}
	sh, err := w.Get(prefix+"/scale/biases", cout)
	if err != nil {
		return nil, err
	}
	return nn.NewConv(f, k, k, cin, cout, stride, pad, b, s, sh, relu)
}

func newDescriptorNet(manifest, bin []byte) (*descriptorNet, error) {
	w, err := nn.LoadWeights(manifest, bin)
	if err != nil {
		return nil, fmt.Errorf("descriptor model: %w", err)
	}
	n := &descriptorNet{}
	if n.stem, err = convLayer(w, "conv32_down", 7, 3, 32, 2, nn.Valid, true); err != nil {
		return nil, err
	}
	type spec struct {
		name      string
		cin, cout int
		down      bool
	}
	specs := []spec{
		{"conv32_1", 32, 32, false}, {"conv32_2", 32, 32, false}, {"conv32_3", 32, 32, false},
		{"conv64_down", 32, 64, true}, {"conv64_1", 64, 64, false}, {"conv64_2", 64, 64, false}, {"conv64_3", 64, 64, false},
		{"conv128_down", 64, 128, true}, {"conv128_1", 128, 128, false}, {"conv128_2", 128, 128, false},
		{"conv256_down", 128, 256, true}, {"conv256_1", 256, 256, false}, {"conv256_2", 256, 256, false},
		{"conv256_down_out", 256, 256, true},
	}
	for _, s := range specs {
		var b resBlock
		b.down = s.down
		stride, pad := 1, nn.Same
		if s.down {
			stride, pad = 2, nn.Valid
		}
		if b.conv1, err = convLayer(w, s.name+"/conv1", 3, s.cin, s.cout, stride, pad, true); err != nil {
			return nil, err
		}
		if b.conv2, err = convLayer(w, s.name+"/conv2", 3, s.cout, s.cout, 1, nn.Same, false); err != nil {
			return nil, err
		}
		n.blocks = append(n.blocks, b)
	}
	if n.fc, err = w.Get("fc", 256, 128); err != nil {
		return nil, err
	}
	return n, nil
}

// forward maps a 150×150 RGB chip to the 128-d descriptor, as face-api's
// FaceRecognitionNet.forwardInput does.
func (n *descriptorNet) forward(chip *RGB) []float32 {
	x := chip.normalised()
	x = n.stem.Forward(x)
	x = nn.MaxPool(x, 3, 2)
	for _, b := range n.blocks {
		x = b.forward(x)
	}
	return nn.Dense(x.Mean(), n.fc, nil, 128)
}

func (b resBlock) forward(x *nn.Tensor) *nn.Tensor {
	out := b.conv2.Forward(b.conv1.Forward(x))
	if !b.down {
		return out.AddInPlace(x).Relu()
	}
	// The shortcut of a down block is a 2×2 average pool, zero-padded in
	// channels; when the strided convolution came out one smaller than the
	// pool, face-api pads it with a zero row and column at the end.
	pooled := nn.AvgPool(x, 2, 2)
	if out.H != pooled.H || out.W != pooled.W {
		out = padEnd(out, pooled.H, pooled.W)
	}
	for p := 0; p < out.H*out.W; p++ {
		dst := out.Data[p*out.C : p*out.C+pooled.C]
		src := pooled.Data[p*pooled.C : (p+1)*pooled.C]
		for c, v := range src {
			dst[c] += v
		}
	}
	return out.Relu()
}

// padEnd returns t grown to h×w with zeros after the last row and column.
func padEnd(t *nn.Tensor, h, w int) *nn.Tensor {
	out := nn.NewTensor(h, w, t.C)
	for y := 0; y < t.H; y++ {
		copy(out.Data[y*w*t.C:], t.Data[y*t.W*t.C:(y+1)*t.W*t.C])
	}
	return out
}
