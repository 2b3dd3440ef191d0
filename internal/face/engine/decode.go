package engine

import (
	"bytes"
	"errors"
	"fmt"
	"image/jpeg"
)

// Errors of Decode. The capability maps each to a 4xx; none carries image data.
var (
	ErrNotJPEG   = errors.New("face engine: not a JPEG image")
	ErrTooLarge  = errors.New("face engine: image too large")
	ErrTooSmall  = errors.New("face engine: image too small")
	ErrCorrupt   = errors.New("face engine: corrupt or truncated JPEG")
	errNilEngine = errors.New("face engine: not initialised")
)

// Limits bounds what Decode accepts, checked from the JPEG header before a
// single pixel is decoded, so a forged header cannot make vigil allocate.
type Limits struct {
	MaxBytes  int // encoded size
	MaxSide   int // width or height
	MaxPixels int // width × height
	MinSide   int // smaller than this cannot hold a recognisable face
}

// DefaultLimits admits camera snapshots up to 1920×1080 and face crops down
// to 16 px.
func DefaultLimits() Limits {
	return Limits{MaxBytes: 8 << 20, MaxSide: 4096, MaxPixels: 1920 * 1080, MinSide: 16}
}

// Decode checks and decodes one JPEG. It never panics on hostile input: the
// header is checked against l first, and the decoder's errors become ErrCorrupt.
func Decode(data []byte, l Limits) (img *RGB, err error) {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF {
		return nil, ErrNotJPEG
	}
	if l.MaxBytes > 0 && len(data) > l.MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(data), l.MaxBytes)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrCorrupt, err)
	}
	if cfg.Width > l.MaxSide || cfg.Height > l.MaxSide || cfg.Width*cfg.Height > l.MaxPixels {
		return nil, fmt.Errorf("%w: %d×%d", ErrTooLarge, cfg.Width, cfg.Height)
	}
	if cfg.Width < l.MinSide || cfg.Height < l.MinSide {
		return nil, fmt.Errorf("%w: %d×%d", ErrTooSmall, cfg.Width, cfg.Height)
	}
	defer func() {
		// image/jpeg is not known to panic, but a decoder bug must cost one
		// request a 4xx, not the process.
		if r := recover(); r != nil {
			img, err = nil, fmt.Errorf("%w: decoder failed", ErrCorrupt)
		}
	}()
	m, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return FromImage(m), nil
}
