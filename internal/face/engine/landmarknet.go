package engine

import (
	"fmt"

	"github.com/vigil-cloud/vigil/internal/face/engine/nn"
)

// landmarkSize is the side of the square face crop the landmark network reads.
const landmarkSize = 112

// separable is a depthwise 3×3 then pointwise 1×1 convolution with bias.
type separable struct {
	dw *nn.Depthwise
	pw *nn.Conv
}

func (s separable) forward(x *nn.Tensor) *nn.Tensor { return s.pw.Forward(s.dw.Forward(x)) }

// denseBlock is face-api's denseBlock3: three convolutions whose outputs are
// summed densely (out1, out1+out2, out1+out2+out3), each sum through a ReLU.
type denseBlock struct {
	first *nn.Conv // the first block starts with a plain strided convolution
	conv0 separable
	conv1 separable
	conv2 separable
}

// landmarkNet is face-api's FaceLandmark68TinyNet: 68 (x, y) points in [0,1]
// of its 112×112 input.
type landmarkNet struct {
	blocks [3]denseBlock
	fcW    []float32
	fcB    []float32
}

func loadSeparable(w *nn.Weights, prefix string, cin, cout, stride int) (separable, error) {
	dwf, err := w.Get(prefix+"/depthwise_filter", 3, 3, cin, 1)
	if err != nil {
		return separable{}, err
	}
	pwf, err := w.Get(prefix+"/pointwise_filter", 1, 1, cin, cout)
	if err != nil {
		return separable{}, err
	}
	b, err := w.Get(prefix+"/bias", cout)
	if err != nil {
		return separable{}, err
	}
	dw, err := nn.NewDepthwise(dwf, 3, 3, cin, stride, nn.Same)
	if err != nil {
		return separable{}, err
	}
	pw, err := nn.NewConv(pwf, 1, 1, cin, cout, 1, nn.Same, b, nil, nil, false)
	return separable{dw: dw, pw: pw}, err
}

func newLandmarkNet(manifest, bin []byte) (*landmarkNet, error) {
	w, err := nn.LoadWeights(manifest, bin)
	if err != nil {
		return nil, fmt.Errorf("landmark model: %w", err)
	}
	n := &landmarkNet{}
	chans := [4]int{3, 32, 64, 128}
	for i := range 3 {
		p := fmt.Sprintf("dense%d/", i)
		cin, cout := chans[i], chans[i+1]
		b := &n.blocks[i]
		if i == 0 {
			f, err := w.Get(p+"conv0/filters", 3, 3, cin, cout)
			if err != nil {
				return nil, err
			}
			bias, err := w.Get(p+"conv0/bias", cout)
			if err != nil {
				return nil, err
			}
			if b.first, err = nn.NewConv(f, 3, 3, cin, cout, 2, nn.Same, bias, nil, nil, true); err != nil {
				return nil, err
			}
		} else if b.conv0, err = loadSeparable(w, p+"conv0", cin, cout, 2); err != nil {
			return nil, err
		}
		if b.conv1, err = loadSeparable(w, p+"conv1", cout, cout, 1); err != nil {
			return nil, err
		}
		if b.conv2, err = loadSeparable(w, p+"conv2", cout, cout, 1); err != nil {
			return nil, err
		}
	}
	if n.fcW, err = w.Get("fc/weights", 128, 136); err != nil {
		return nil, err
	}
	if n.fcB, err = w.Get("fc/bias", 136); err != nil {
		return nil, err
	}
	return n, nil
}

func (b *denseBlock) forward(x *nn.Tensor) *nn.Tensor {
	var out1 *nn.Tensor
	if b.first != nil {
		out1 = b.first.Forward(x) // bias and ReLU fused
	} else {
		out1 = b.conv0.forward(x).Relu()
	}
	out2 := b.conv1.forward(out1)
	in3 := sum(out1, out2).Relu()
	out3 := b.conv2.forward(in3)
	return out3.AddInPlace(out2).AddInPlace(out1).Relu()
}

func sum(a, b *nn.Tensor) *nn.Tensor {
	out := &nn.Tensor{H: a.H, W: a.W, C: a.C, Data: append([]float32(nil), a.Data...)}
	return out.AddInPlace(b)
}

// forward returns 136 values: x0, y0, x1, y1, … relative to the input side.
func (n *landmarkNet) forward(crop *RGB) []float32 {
	x := crop.normalised()
	for i := range n.blocks {
		x = n.blocks[i].forward(x)
	}
	x = nn.AvgPool(x, 14, 2)
	return nn.Dense(x.Data, n.fcW, n.fcB, 136)
}
