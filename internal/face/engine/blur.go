package engine

import "image"

// blurMargin widens each box before blurring: the detector's square stops at
// the brows and chin, and hair, ears and jaw line also identify a person.
const blurMargin = 0.25

// Blur makes the faces in boxes unrecognisable, in place: each widened box is
// pixelated into blocks of a fifth of its side and then box-blurred three
// times, which leaves no detail the descriptor network (or a person) can use.
// Boxes may overlap each other and the picture's edge.
func Blur(m *RGB, boxes []image.Rectangle) {
	for _, b := range boxes {
		grow := int(float64(max(b.Dx(), b.Dy())) * blurMargin)
		r := b.Inset(-grow).Intersect(image.Rect(0, 0, m.W, m.H))
		if r.Empty() {
			continue
		}
		block := max(4, max(r.Dx(), r.Dy())/5)
		pixelate(m, r, block)
		for range 3 {
			boxBlur(m, r, block/2)
		}
	}
}

// pixelate replaces each block×block cell of r by its mean colour.
func pixelate(m *RGB, r image.Rectangle, block int) {
	for y0 := r.Min.Y; y0 < r.Max.Y; y0 += block {
		for x0 := r.Min.X; x0 < r.Max.X; x0 += block {
			y1, x1 := min(y0+block, r.Max.Y), min(x0+block, r.Max.X)
			var sum [3]int
			for y := y0; y < y1; y++ {
				for x := x0; x < x1; x++ {
					o := 3 * (y*m.W + x)
					sum[0] += int(m.Pix[o])
					sum[1] += int(m.Pix[o+1])
					sum[2] += int(m.Pix[o+2])
				}
			}
			n := (y1 - y0) * (x1 - x0)
			for y := y0; y < y1; y++ {
				for x := x0; x < x1; x++ {
					o := 3 * (y*m.W + x)
					m.Pix[o], m.Pix[o+1], m.Pix[o+2] = uint8(sum[0]/n), uint8(sum[1]/n), uint8(sum[2]/n)
				}
			}
		}
	}
}

// boxBlur averages every pixel of r over a (2·radius+1)² window clipped to
// r, horizontally then vertically, so no colour from outside r leaks in and
// nothing inside r leaks out.
func boxBlur(m *RGB, r image.Rectangle, radius int) {
	if radius < 1 {
		return
	}
	w, h := r.Dx(), r.Dy()
	line := make([]int, 3*max(w, h))
	pass := func(n int, at func(i int) int) {
		for i := 0; i < n; i++ {
			o := at(i)
			line[3*i], line[3*i+1], line[3*i+2] = int(m.Pix[o]), int(m.Pix[o+1]), int(m.Pix[o+2])
		}
		for i := 0; i < n; i++ {
			lo, hi := max(0, i-radius), min(n-1, i+radius)
			var s [3]int
			for j := lo; j <= hi; j++ {
				s[0] += line[3*j]
				s[1] += line[3*j+1]
				s[2] += line[3*j+2]
			}
			c := hi - lo + 1
			o := at(i)
			m.Pix[o], m.Pix[o+1], m.Pix[o+2] = uint8(s[0]/c), uint8(s[1]/c), uint8(s[2]/c)
		}
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		pass(w, func(i int) int { return 3 * (y*m.W + r.Min.X + i) })
	}
	for x := r.Min.X; x < r.Max.X; x++ {
		pass(h, func(i int) int { return 3 * ((r.Min.Y+i)*m.W + x) })
	}
}
