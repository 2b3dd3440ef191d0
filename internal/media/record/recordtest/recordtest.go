// Package recordtest makes real fMP4 segments for tests of the recorded
// video path: a ten-second H.264 + AAC clip (320x240 test pattern and a
// 440 Hz tone, made once with ffmpeg, fragmented at each 2-s keyframe)
// split into its init and fragments, looped with decode times that keep
// increasing, as the live side's segmenter hands them over.
package recordtest

import (
	"bytes"
	_ "embed"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4/seekablebuffer"

	"github.com/vigil-cloud/vigil/internal/media"
)

// The clip was made with:
//
//	ffmpeg -f lavfi -i testsrc=size=320x240:rate=25 -f lavfi -i sine=frequency=440:sample_rate=48000 -t 10 \
//	  -c:v libx264 -preset veryfast -profile:v baseline -pix_fmt yuv420p -g 50 -keyint_min 50 -sc_threshold 0 -b:v 120k \
//	  -c:a aac -b:a 32k -f mp4 -movflags frag_keyframe+empty_moov+default_base_moof clip.mp4
//
//go:embed clip.mp4
var clip []byte

// Clip is the clip split into its init and its fragments (moof+mdat),
// each starting at a keyframe.
type Clip struct {
	Init      []byte
	Fragments [][]byte
	Durations []time.Duration // of each fragment
	Tracks    []media.Track
	scale     map[int]uint32
	length    map[int]uint64 // each track's total duration in its timescale
}

// Load splits the embedded clip.
func Load() (*Clip, error) {
	c := &Clip{scale: map[int]uint32{}, length: map[int]uint64{}}
	b := clip
	var frag []byte
	for len(b) >= 8 {
		size := int(binary.BigEndian.Uint32(b))
		typ := string(b[4:8])
		if size < 8 || size > len(b) {
			return nil, fmt.Errorf("recordtest: bad box %q", typ)
		}
		box := b[:size]
		b = b[size:]
		switch typ {
		case "ftyp", "moov":
			c.Init = append(c.Init, box...)
		case "moof":
			frag = append([]byte(nil), box...)
		case "mdat":
			c.Fragments = append(c.Fragments, append(frag, box...))
			frag = nil
		}
	}
	var in fmp4.Init
	if err := in.Unmarshal(bytes.NewReader(c.Init)); err != nil {
		return nil, err
	}
	for _, t := range in.Tracks {
		c.scale[t.ID] = t.TimeScale
	}
	c.Tracks = []media.Track{{Kind: "video", Codec: "avc1.42c00d"}, {Kind: "audio", Codec: "mp4a.40.2"}}
	for _, f := range c.Fragments {
		var ps fmp4.Parts
		if err := ps.Unmarshal(f); err != nil {
			return nil, err
		}
		var video uint64
		for _, p := range ps {
			for _, pt := range p.Tracks {
				var d uint64
				for _, s := range pt.Samples {
					d += uint64(s.Duration)
				}
				c.length[pt.ID] += d
				if pt.ID == in.Tracks[0].ID {
					video += d
				}
			}
		}
		c.Durations = append(c.Durations, time.Duration(float64(video)/float64(c.scale[in.Tracks[0].ID])*float64(time.Second)))
	}
	return c, nil
}

// Stream hands out the segments of one publishing session, looping the
// clip.
type Stream struct {
	Clip      *Clip
	AccountID string
	DeviceID  string
	Channel   int
	Session   string
	ClaimedAt time.Time // the claim the session was opened under (zero: the account's current one)
	Next      time.Time // the next segment's start
	seq       uint64
}

// Segment returns the next segment of the session.
func (s *Stream) Segment() media.Segment {
	c := s.Clip
	n := len(c.Fragments)
	i := int(s.seq % uint64(n))
	loop := s.seq / uint64(n)
	var ps fmp4.Parts
	if err := ps.Unmarshal(c.Fragments[i]); err != nil {
		panic(err)
	}
	for _, p := range ps {
		p.SequenceNumber = uint32(s.seq + 1)
		for _, pt := range p.Tracks {
			pt.BaseTime += loop * c.length[pt.ID]
		}
	}
	var buf seekablebuffer.Buffer
	if err := ps.Marshal(&buf); err != nil {
		panic(err)
	}
	seg := media.Segment{AccountID: s.AccountID, DeviceID: s.DeviceID, Channel: s.Channel, Session: s.Session, Seq: s.seq, ClaimedAt: s.ClaimedAt,
		Start: s.Next, Duration: c.Durations[i], Tracks: c.Tracks, Init: c.Init, Fragments: media.Chunks{buf.Bytes()}}
	s.seq++
	s.Next = s.Next.Add(c.Durations[i])
	return seg
}
