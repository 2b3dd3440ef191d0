// Package media is vigil's video path: devices publish RTSP, vigil remuxes
// it (never transcodes) into fragmented MP4 segments cut at keyframes,
// serves it live (LL-HLS, WebRTC), and records it encrypted under the
// account's key, for playback and export.
//
// This file is the contract between the live side (media/live: ingest,
// GOP cache, segmenter, live viewers) and the recorded side (media/record:
// encrypted segments, index, retention, playback, export): the live side
// hands each finished segment to a Sink; alarms mark moments with a Marker.
package media

import (
	"context"
	"io"
	"time"
)

// Track is one elementary stream of a segment.
type Track struct {
	Kind  string // "video" or "audio"
	Codec string // RFC 6381 codec string, as HLS needs it: "avc1.64001f", "hvc1.1.6.L93.B0", "mp4a.40.2", "opus", "alaw", "ulaw"
}

// A Segment is a few seconds of one camera channel as fragmented MP4. Its
// first video sample is a keyframe, so it plays on its own after Init.
type Segment struct {
	AccountID string
	DeviceID  string
	Channel   int    // 0 for a camera; the NVR channel number otherwise
	Session   string // one publishing session: its segments share Init and their decode times increase
	// ClaimedAt is when the device was claimed into AccountID, as the
	// publishing session found it: a segment is stored only while that
	// claim holds, so a released (or re-claimed) camera never writes into
	// the former owner's account. Zero binds to the account alone.
	ClaimedAt time.Time
	Seq       uint64 // the segment's number within the session, from 0
	Start     time.Time
	Duration  time.Duration
	Tracks    []Track
	Init      []byte // ftyp+moov
	Fragments Chunks // one or more moof+mdat, decode times continuing the session's previous segment
}

// Chunks is a byte string kept as the slices it was made of. A segment's
// video stays in the buffers its frames arrived in until it is encrypted:
// copying half a megabyte per segment into one new buffer first cost more
// CPU, in page faults and collections, than the copy itself suggests.
type Chunks [][]byte

// Len is the number of bytes.
func (c Chunks) Len() int {
	n := 0
	for _, b := range c {
		n += len(b)
	}
	return n
}

// Bytes returns the bytes in one new slice.
func (c Chunks) Bytes() []byte {
	out := make([]byte, 0, c.Len())
	for _, b := range c {
		out = append(out, b...)
	}
	return out
}

// Reader reads the bytes from the start; each call gives a new reader.
func (c Chunks) Reader() io.Reader { return &chunksReader{rest: c} }

// chunksReader reads rest, from off in its first chunk. It never writes to
// the Chunks it reads: a segment may be read again (a retried upload).
type chunksReader struct {
	rest Chunks
	off  int
}

func (r *chunksReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && len(r.rest) > 0 {
		k := copy(p[n:], r.rest[0][r.off:])
		n += k
		r.advance(k)
	}
	if n == 0 && len(p) > 0 {
		return 0, io.EOF
	}
	return n, nil
}

// WriteTo writes the remaining chunks to w, one Write each, so io.Copy
// needs no buffer of its own.
func (r *chunksReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for len(r.rest) > 0 {
		n, err := w.Write(r.rest[0][r.off:])
		total += int64(n)
		r.advance(n)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// advance moves past n bytes of the first chunk, and past every chunk
// then used up (empty ones too).
func (r *chunksReader) advance(n int) {
	r.off += n
	for len(r.rest) > 0 && r.off == len(r.rest[0]) {
		r.rest, r.off = r.rest[1:], 0
	}
}

// HasAudio reports whether the segment carries sound.
func (s Segment) HasAudio() bool {
	for _, t := range s.Tracks {
		if t.Kind == "audio" {
			return true
		}
	}
	return false
}

// A Sink takes finished segments. The recorder is one. Segment is called on
// the publishing stream's goroutine, in order, and should not block on slow
// storage for long. The sink may keep seg's byte slices after the call but
// never writes to them: the samples in Fragments are the very buffers the
// live side's GOP cache and viewers read.
type Sink interface {
	Segment(ctx context.Context, seg Segment) error
}

// A Marker records that something happened on a channel at a moment (an
// alarm), so recordings around it are marked, kept per the event retention,
// and, for devices recording on events only, kept at all.
type Marker interface {
	Mark(ctx context.Context, m Mark) error
}

// A BatchMarker also records many marks at once, in one write: what an
// alarm fan-out pass uses instead of one write per alarm.
type BatchMarker interface {
	Marker
	MarkAll(ctx context.Context, ms []Mark) error
}

// Mark is one event mark on a channel's timeline.
type Mark struct {
	AccountID string
	DeviceID  string
	Channel   int
	At        time.Time
	Kind      string // the alarm type: "motion", "person", ...
	Ref       string // the alarm's ID
}
