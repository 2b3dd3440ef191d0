package engine

import (
	"testing"
)

// scene pastes the first n portraits side by side, scaled to height h, on a
// 1280×720 grey background: a snapshot-sized picture with several people.
func scene(t testing.TB, e *Engine, photos []photo, h int) (*RGB, []string) {
	t.Helper()
	out := NewRGB(1280, 720)
	for i := range out.Pix {
		out.Pix[i] = 96
	}
	x, y := 10, 10
	var who []string
	for _, p := range photos {
		m, err := e.Decode(p.data)
		if err != nil {
			t.Fatal(err)
		}
		w := m.W * h / m.H
		if x+w > out.W {
			x, y = 10, y+h+10
		}
		if y+h > out.H {
			break
		}
		s := m.warp(affine{a: float64(m.H) / float64(h)}, max(w, h))
		for yy := 0; yy < h; yy++ {
			copy(out.Pix[3*((y+yy)*out.W+x):3*((y+yy)*out.W+x+w)], s.Pix[3*yy*s.W:3*(yy*s.W+w)])
		}
		who = append(who, p.person)
		x += w + 10
	}
	return out, who
}
