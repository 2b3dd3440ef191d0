package live

import (
	"strconv"
	"testing"
)

// FuzzParsePath: any RTSP path either names a device and a channel that
// print back to the same path, or is refused; nothing panics.
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"dev_aaaaaaaaaaaaaaaaaaaaaaaaaa/0", "/dev_x/8/", "a/01", "a/-1", "a/1/2", "", "/", "a/999", "a/1000", "a/+1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		dev, ch, ok := parsePath(p)
		if !ok {
			return
		}
		if ch < 0 || ch > 999 || dev == "" {
			t.Fatalf("%q -> %q %d", p, dev, ch)
		}
		if got := dev + "/" + strconv.Itoa(ch); got != trimSlashes(p) {
			t.Fatalf("%q read as %q", p, got)
		}
	})
}

func trimSlashes(s string) string {
	for len(s) > 0 && s[0] == '/' {
		s = s[1:]
	}
	for len(s) > 0 && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
	}
	return s
}

// FuzzFixAccessUnit: whatever NAL units a publisher sends, fixing an
// access unit never panics, and a unit it calls a keyframe starts with the
// parameter sets.
func FuzzFixAccessUnit(f *testing.F) {
	f.Add([]byte{0x67, 1, 2}, []byte{0x68, 3}, []byte{0x65, 0x88}, true)
	f.Add([]byte{0x40, 1, 2}, []byte{0x42, 1}, []byte{0x26, 1}, false)
	f.Add([]byte{0x09, 0xf0}, []byte{}, []byte{0x41, 0x9a}, true)
	f.Fuzz(func(t *testing.T, a, b, c []byte, h264 bool) {
		codec := H265
		if h264 {
			codec = H264
		}
		p := &params{codec: codec}
		for range 2 {
			au, key := p.fix([][]byte{a, b, c})
			if key && (len(au) == 0 || len(p.sps) == 0 || len(p.pps) == 0) {
				t.Fatalf("keyframe without parameter sets: %x", au)
			}
			for _, n := range au {
				if len(n) == 0 {
					t.Fatal("empty NAL unit kept")
				}
			}
		}
	})
}
