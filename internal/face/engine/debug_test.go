package engine

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// TestDebugDraw writes each photo with its boxes and landmarks, and its chip,
// to $FACE_DEBUG_DIR, for a person to look at. Skipped otherwise.
func TestDebugDraw(t *testing.T) {
	dir := os.Getenv("FACE_DEBUG_DIR")
	if dir == "" {
		t.Skip("FACE_DEBUG_DIR not set")
	}
	e := newTestEngine(t)
	for _, p := range loadPhotos(t) {
		m, err := e.Decode(p.data)
		if err != nil {
			t.Fatal(err)
		}
		faces := e.Detect(m)
		t.Logf("%s: %d faces", p.name, len(faces))
		out := &RGB{W: m.W, H: m.H, Pix: append([]uint8(nil), m.Pix...)}
		for i, f := range faces {
			t.Logf("  box %v score %.1f", f.Box, f.Score)
			for x := f.Box.Min.X; x < f.Box.Max.X; x++ {
				out.set(x, f.Box.Min.Y, 0, 255, 0)
				out.set(x, f.Box.Max.Y-1, 0, 255, 0)
			}
			for y := f.Box.Min.Y; y < f.Box.Max.Y; y++ {
				out.set(f.Box.Min.X, y, 0, 255, 0)
				out.set(f.Box.Max.X-1, y, 0, 255, 0)
			}
			for _, l := range f.Landmarks {
				out.set(int(l.X), int(l.Y), 255, 0, 0)
				out.set(int(l.X)+1, int(l.Y), 255, 0, 0)
			}
			writePNG(t, filepath.Join(dir, p.name+"-chip"+string(rune('0'+i))+".png"), alignChip(m, f))
		}
		writePNG(t, filepath.Join(dir, p.name+".png"), out)
	}
}

func (m *RGB) set(x, y int, r, g, b uint8) {
	if x < 0 || y < 0 || x >= m.W || y >= m.H {
		return
	}
	o := 3 * (y*m.W + x)
	m.Pix[o], m.Pix[o+1], m.Pix[o+2] = r, g, b
}

func writePNG(t *testing.T, path string, m *RGB) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, m.Image()); err != nil {
		t.Fatal(err)
	}
}
