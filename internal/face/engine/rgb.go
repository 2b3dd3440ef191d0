package engine

import (
	"image"
	"image/color"
	"math"

	"github.com/vigil-cloud/vigil/internal/face/engine/nn"
)

// RGB is an 8-bit RGB image, three bytes a pixel, rows top to bottom. The
// engine works on this one layout so every stage reads pixels the same way.
type RGB struct {
	W, H int
	Pix  []uint8
}

// NewRGB returns a black w×h image.
func NewRGB(w, h int) *RGB { return &RGB{W: w, H: h, Pix: make([]uint8, 3*w*h)} }

// FromImage copies any image.Image into an RGB (alpha is dropped).
func FromImage(src image.Image) *RGB {
	b := src.Bounds()
	out := NewRGB(b.Dx(), b.Dy())
	switch s := src.(type) {
	case *image.YCbCr:
		for y := 0; y < out.H; y++ {
			for x := 0; x < out.W; x++ {
				yi := s.YOffset(b.Min.X+x, b.Min.Y+y)
				ci := s.COffset(b.Min.X+x, b.Min.Y+y)
				r, g, bl := color.YCbCrToRGB(s.Y[yi], s.Cb[ci], s.Cr[ci])
				o := 3 * (y*out.W + x)
				out.Pix[o], out.Pix[o+1], out.Pix[o+2] = r, g, bl
			}
		}
	case *image.Gray:
		for y := 0; y < out.H; y++ {
			for x := 0; x < out.W; x++ {
				v := s.Pix[s.PixOffset(b.Min.X+x, b.Min.Y+y)]
				o := 3 * (y*out.W + x)
				out.Pix[o], out.Pix[o+1], out.Pix[o+2] = v, v, v
			}
		}
	default:
		for y := 0; y < out.H; y++ {
			for x := 0; x < out.W; x++ {
				c := color.NRGBAModel.Convert(src.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
				o := 3 * (y*out.W + x)
				out.Pix[o], out.Pix[o+1], out.Pix[o+2] = c.R, c.G, c.B
			}
		}
	}
	return out
}

// Image returns the picture as an *image.RGBA (for encoding).
func (m *RGB) Image() *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, m.W, m.H))
	for i := 0; i < m.W*m.H; i++ {
		out.Pix[4*i], out.Pix[4*i+1], out.Pix[4*i+2], out.Pix[4*i+3] = m.Pix[3*i], m.Pix[3*i+1], m.Pix[3*i+2], 255
	}
	return out
}

// gray returns the luma plane pigo's cascade reads (BT.601 weights).
func (m *RGB) gray() []uint8 {
	g := make([]uint8, m.W*m.H)
	for i := range g {
		r, gr, b := uint32(m.Pix[3*i]), uint32(m.Pix[3*i+1]), uint32(m.Pix[3*i+2])
		g[i] = uint8((299*r + 587*gr + 114*b) / 1000)
	}
	return g
}

// normalised is the network input: (value − mean) / 255, HWC.
func (m *RGB) normalised() *nn.Tensor {
	t := nn.NewTensor(m.H, m.W, 3)
	for i := 0; i < m.W*m.H; i++ {
		for c := range 3 {
			t.Data[3*i+c] = (float32(m.Pix[3*i+c]) - meanRGB[c]) / 255
		}
	}
	return t
}

// affine maps output coordinates to source coordinates, both continuous
// (pixel i spans [i, i+1)): src = (a·u − b·v + tx, b·u + a·v + ty).
type affine struct{ a, b, tx, ty float64 }

// warp samples an out×out image from m through the similarity map f.
// Outside the picture is black, as face-api pads. When the map shrinks the
// face, each output pixel averages n×n bilinear samples so that a large face
// is not aliased into the small chip.
func (m *RGB) warp(f affine, out int) *RGB {
	dst := NewRGB(out, out)
	scale := math.Hypot(f.a, f.b)
	n := max(1, int(math.Ceil(scale)))
	inv := 1 / float64(n*n)
	for v := 0; v < out; v++ {
		for u := 0; u < out; u++ {
			var acc [3]float64
			for sy := 0; sy < n; sy++ {
				for sx := 0; sx < n; sx++ {
					pu := float64(u) + (float64(sx)+0.5)/float64(n)
					pv := float64(v) + (float64(sy)+0.5)/float64(n)
					x := f.a*pu - f.b*pv + f.tx
					y := f.b*pu + f.a*pv + f.ty
					m.bilinear(x-0.5, y-0.5, &acc) // pixel centres sit at i+0.5
				}
			}
			o := 3 * (v*out + u)
			for c := range 3 {
				dst.Pix[o+c] = uint8(math.Min(255, math.Max(0, math.Round(acc[c]*inv))))
			}
		}
	}
	return dst
}

// bilinear adds the colour interpolated between pixel centres at index
// coordinates (x, y) to acc.
func (m *RGB) bilinear(x, y float64, acc *[3]float64) {
	x0, y0 := math.Floor(x), math.Floor(y)
	fx, fy := x-x0, y-y0
	ix, iy := int(x0), int(y0)
	for dy := 0; dy < 2; dy++ {
		for dx := 0; dx < 2; dx++ {
			px, py := ix+dx, iy+dy
			if px < 0 || py < 0 || px >= m.W || py >= m.H {
				continue
			}
			wx := fx
			if dx == 0 {
				wx = 1 - fx
			}
			wy := fy
			if dy == 0 {
				wy = 1 - fy
			}
			o := 3 * (py*m.W + px)
			w := wx * wy
			acc[0] += w * float64(m.Pix[o])
			acc[1] += w * float64(m.Pix[o+1])
			acc[2] += w * float64(m.Pix[o+2])
		}
	}
}
