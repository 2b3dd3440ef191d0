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
	Fragments []byte // one or more moof+mdat, decode times continuing the session's previous segment
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
// the publishing stream's goroutine, in order; it owns seg's byte slices
// after the call and should not block on slow storage for long.
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
