package engine

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/jpeg"
	"testing"
)

func jpegOf(t testing.TB, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h)), nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withSize rewrites the frame header (SOF0) of a JPEG to claim w×h, without
// adding any pixel data: the forged header a hostile camera would send.
func withSize(t testing.TB, data []byte, w, h int) []byte {
	t.Helper()
	out := append([]byte(nil), data...)
	i := bytes.Index(out, []byte{0xFF, 0xC0})
	if i < 0 {
		t.Fatal("no SOF0")
	}
	binary.BigEndian.PutUint16(out[i+5:], uint16(h))
	binary.BigEndian.PutUint16(out[i+7:], uint16(w))
	return out
}

// TestDecodeRefusesBadInput: every kind of bad upload is a clear error of
// the right kind, never a panic, and a huge frame is refused from its header
// before anything is decoded.
func TestDecodeRefusesBadInput(t *testing.T) {
	good := jpegOf(t, 64, 48)
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrNotJPEG},
		{"not an image", []byte("hello, this is text"), ErrNotJPEG},
		{"png", png, ErrNotJPEG},
		{"only the SOI marker", []byte{0xFF, 0xD8, 0xFF, 0xD9}, ErrCorrupt},
		{"truncated", good[:len(good)/2], ErrCorrupt},
		{"header only", good[:200], ErrCorrupt},
		{"0×0", withSize(t, good, 0, 0), ErrTooSmall},
		{"too small", jpegOf(t, 8, 8), ErrTooSmall},
		{"huge claimed size", withSize(t, good, 65000, 65000), ErrTooLarge},
		{"over the pixel budget", withSize(t, good, 4000, 4000), ErrTooLarge},
		{"too many bytes", append(append([]byte(nil), good...), make([]byte, 9<<20)...), ErrTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := Decode(c.data, DefaultLimits())
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if m != nil {
				t.Error("an image came back with the error")
			}
		})
	}
	if m, err := Decode(good, DefaultLimits()); err != nil || m.W != 64 || m.H != 48 {
		t.Fatalf("good JPEG: %v", err)
	}
}

// TestHugeHeaderNotDecoded shows the refusal comes from the header: a
// forged 65000×65000 frame is refused without allocating its 12 GB.
func TestHugeHeaderNotDecoded(t *testing.T) {
	data := withSize(t, jpegOf(t, 64, 48), 65000, 65000)
	allocs := testing.AllocsPerRun(5, func() { _, _ = Decode(data, DefaultLimits()) })
	if allocs > 100 {
		t.Errorf("%v allocations to refuse a forged header", allocs)
	}
}

// TestDetectOnPicturesWithoutFaces: blank, tiny and odd-shaped pictures give
// no faces and no panic, on both paths.
func TestDetectOnPicturesWithoutFaces(t *testing.T) {
	e := newTestEngine(t)
	for _, sz := range [][2]int{{16, 16}, {1280, 720}, {17, 900}, {900, 17}} {
		m := NewRGB(sz[0], sz[1])
		if f := e.Detect(m); len(f) != 0 {
			t.Errorf("%v: %d faces in a black picture", sz, len(f))
		}
		f := e.DetectCrop(m)
		_ = e.Describe(m, f)
	}
	var nilEngine *Engine
	if _, err := nilEngine.Decode(jpegOf(t, 64, 64)); err == nil {
		t.Error("nil engine decoded")
	}
}

// FuzzDecode: no input makes Decode (and detection on what it returns) panic.
func FuzzDecode(f *testing.F) {
	f.Add(jpegOf(f, 64, 48))
	f.Add(jpegOf(f, 16, 16))
	f.Add([]byte{0xFF, 0xD8, 0xFF})
	for _, p := range loadPhotos(f)[:2] {
		f.Add(p.data)
	}
	e := newTestEngine(f)
	lim := DefaultLimits()
	lim.MaxPixels = 400 * 400 // keep each fuzz run fast
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Decode(data, lim)
		if err != nil {
			if m != nil {
				t.Fatal("image with error")
			}
			return
		}
		for _, face := range e.Detect(m) {
			_ = e.Describe(m, face)
		}
	})
}
