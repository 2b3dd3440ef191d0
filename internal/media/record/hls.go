package record

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"reflect"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4/seekablebuffer"

	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/media"
)

// gapTolerance is the largest gap between two segments a playlist plays
// through without a discontinuity.
const gapTolerance = 500 * time.Millisecond

// Playlist writes the HLS VOD playlist (fMP4) of the grant's range: one
// EXT-X-MAP per session, a discontinuity where the session changes or the
// recording has a gap, sound in the same segments as the picture. URIs are
// relative to the playlist.
func (s *Service) Playlist(ctx context.Context, g media.Grant, w io.Writer) error {
	var longest time.Duration
	n := 0
	err := s.st.GrantSegments(ctx, g, func(r SegmentRow) error {
		longest = max(longest, r.End.Sub(r.Start))
		n++
		return nil
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return errs.E(errs.NotFound, "nothing was recorded in this range")
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:%d\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n",
		int(math.Ceil(longest.Seconds())))
	var prev SegmentRow
	first := true
	err = s.st.GrantSegments(ctx, g, func(r SegmentRow) error {
		switch {
		case first:
			fmt.Fprintf(bw, "#EXT-X-MAP:URI=\"init/%d.mp4\"\n", r.InitID)
		case r.InitID != prev.InitID:
			fmt.Fprintf(bw, "#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"init/%d.mp4\"\n", r.InitID)
		case r.Seq != prev.Seq+1 || r.Start.Sub(prev.End).Abs() > gapTolerance:
			bw.WriteString("#EXT-X-DISCONTINUITY\n")
		}
		if first || r.InitID != prev.InitID || r.Seq != prev.Seq+1 || r.Start.Sub(prev.End).Abs() > gapTolerance {
			fmt.Fprintf(bw, "#EXT-X-PROGRAM-DATE-TIME:%s\n", r.Start.UTC().Format("2006-01-02T15:04:05.000Z07:00"))
		}
		fmt.Fprintf(bw, "#EXTINF:%.3f,\nseg/%d.m4s\n", r.End.Sub(r.Start).Seconds(), r.ID)
		prev, first = r, false
		return nil
	})
	if err != nil {
		return err
	}
	bw.WriteString("#EXT-X-ENDLIST\n")
	return bw.Flush()
}

// Init returns the decrypted init of a session of the grant's channel.
func (s *Service) Init(ctx context.Context, g media.Grant, id int64) (io.ReadCloser, error) {
	r, err := s.st.GrantInit(ctx, g, id)
	if err != nil {
		return nil, err
	}
	return s.rec.blobs.Open(ctx, g.AccountID, InitKey(r.DeviceID, r.Channel, r.ID))
}

// Segment returns the decrypted fragments of a segment of the grant's
// channel and range, decrypted as they are read.
func (s *Service) Segment(ctx context.Context, g media.Grant, id int64) (io.ReadCloser, int64, error) {
	r, err := s.st.GrantSegment(ctx, g, id)
	if err != nil {
		return nil, 0, err
	}
	rc, err := s.rec.blobs.Open(ctx, g.AccountID, SegmentKey(r.DeviceID, r.Channel, r.ID))
	return rc, r.Bytes, err
}

// MP4 writes the grant's range as one fragmented MP4: the first session's
// init, then every segment whose session has the same tracks, decode times
// rewritten so that they continue across sessions and gaps (a gap plays as
// a cut, picture and sound staying together). Sessions with other tracks
// (the camera changed codec or resolution) are left out: export them as a
// range of their own.
func (s *Service) MP4(ctx context.Context, g media.Grant, w io.Writer) error {
	// A long download stops once the viewer's right was withdrawn or the
	// token expired, not at its end.
	return s.writeMP4(ctx, g, w, func() bool { return s.tokens.Holds(ctx, g) })
}

// writeMP4 writes the grant's range; holds, when set, is asked before each
// segment.
func (s *Service) writeMP4(ctx context.Context, g media.Grant, w io.Writer, holds func() bool) error {
	mw := &mp4Writer{w: w, next: map[int]uint64{}, offset: map[int]int64{}, scale: map[int]uint32{}}
	n := 0
	err := s.st.GrantSegments(ctx, g, func(r SegmentRow) error {
		if r.InitID != mw.initID {
			ok, err := mw.session(ctx, s, g, r.InitID)
			if err != nil {
				return err
			}
			mw.skip = !ok
			mw.initID, mw.fresh = r.InitID, true
		}
		if mw.skip {
			return nil
		}
		if holds != nil && !holds() {
			return errs.E(errs.Unauthenticated, "stream token missing, invalid or expired")
		}
		rc, _, err := s.Segment(ctx, g, r.ID)
		if err != nil {
			return err
		}
		frag, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return err
		}
		n++
		return mw.segment(r.Seq, frag)
	})
	if err == nil && n == 0 {
		return errs.E(errs.NotFound, "nothing was recorded in this range")
	}
	return err
}

type mp4Writer struct {
	w       io.Writer
	first   *fmp4.Init
	initID  int64
	skip    bool
	lastSeq uint64
	fresh   bool // the next segment starts a session
	seqNo   uint32
	scale   map[int]uint32 // track ID -> timescale
	next    map[int]uint64 // track ID -> decode time after the last sample written
	offset  map[int]int64  // track ID -> added to the session's decode times
	started bool
}

// session reads a session's init; the first is written, a later one must
// have the same tracks.
func (m *mp4Writer) session(ctx context.Context, s *Service, g media.Grant, id int64) (bool, error) {
	rc, err := s.Init(ctx, g, id)
	if err != nil {
		return false, err
	}
	raw, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return false, err
	}
	var in fmp4.Init
	if err := in.Unmarshal(bytes.NewReader(raw)); err != nil {
		return false, errs.Wrap(err, errs.Internal, "recorded session header does not parse")
	}
	if m.first == nil {
		m.first = &in
		for _, t := range in.Tracks {
			m.scale[t.ID] = t.TimeScale
		}
		_, err := m.w.Write(raw)
		return true, err
	}
	if len(in.Tracks) != len(m.first.Tracks) {
		return false, nil
	}
	for i, t := range in.Tracks {
		f := m.first.Tracks[i]
		if t.ID != f.ID || t.TimeScale != f.TimeScale || reflect.TypeOf(t.Codec) != reflect.TypeOf(f.Codec) {
			return false, nil
		}
	}
	return true, nil
}

// segment rewrites the decode times of a segment's fragments and writes
// them. At the start of a session or after a gap the offset is chosen so
// that no track goes back in time and all tracks move by the same time.
func (m *mp4Writer) segment(seq uint64, frag []byte) error {
	var parts fmp4.Parts
	if err := parts.Unmarshal(frag); err != nil {
		return errs.Wrap(err, errs.Internal, "recorded segment does not parse")
	}
	if (m.fresh || seq != m.lastSeq+1) && len(parts) > 0 {
		// The first segment starts the file at zero.
		shift := math.Inf(1)
		for _, pt := range parts[0].Tracks {
			if ts := m.scale[pt.ID]; ts > 0 && !m.started {
				shift = math.Min(shift, -float64(pt.BaseTime)/float64(ts))
			}
		}
		if math.IsInf(shift, 1) {
			shift = 0
		}
		if m.started {
			shift = math.Inf(-1)
			for _, pt := range parts[0].Tracks {
				if ts := m.scale[pt.ID]; ts > 0 {
					shift = math.Max(shift, (float64(m.next[pt.ID])-float64(pt.BaseTime))/float64(ts))
				}
			}
			if math.IsInf(shift, -1) {
				shift = 0
			}
		}
		for id, ts := range m.scale {
			m.offset[id] = int64(math.Round(shift * float64(ts)))
		}
	}
	m.lastSeq, m.started, m.fresh = seq, true, false
	for _, p := range parts {
		m.seqNo++
		p.SequenceNumber = m.seqNo
		for _, pt := range p.Tracks {
			pt.BaseTime = uint64(int64(pt.BaseTime) + m.offset[pt.ID])
			end := pt.BaseTime
			for _, smp := range pt.Samples {
				end += uint64(smp.Duration)
			}
			m.next[pt.ID] = end
		}
	}
	var buf seekablebuffer.Buffer
	if err := parts.Marshal(&buf); err != nil {
		return errs.Wrap(err, errs.Internal, "write fragment")
	}
	_, err := m.w.Write(buf.Bytes())
	return err
}
