package live

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4/seekablebuffer"
)

// fragmentCase is a two-second fragment: 25 fps video of a few NAL units
// per frame, and AAC at 48 kHz, as cameras send them.
func fragmentCase(rng *rand.Rand, video, audio, bframes bool) []fragTrack {
	var tracks []fragTrack
	if video {
		v := fragTrack{id: 1, base: rng.Uint64N(1 << 40)}
		for i := range 50 {
			s := &fmp4.Sample{Duration: 3600, IsNonSyncSample: i > 0}
			if bframes {
				s.PTSOffset = int32(rng.IntN(7200)) - 1800
			}
			var au [][]byte
			for range 1 + rng.IntN(3) {
				n := make([]byte, 1+rng.IntN(4000))
				for k := range n {
					n[k] = byte(rng.Uint32())
				}
				au = append(au, n)
			}
			v.samples = append(v.samples, s)
			v.aus = append(v.aus, au)
		}
		tracks = append(tracks, v)
	}
	if audio {
		a := fragTrack{id: 2, base: rng.Uint64N(1 << 40)}
		for range 94 {
			p := make([]byte, 100+rng.IntN(300))
			for k := range p {
				p[k] = byte(rng.Uint32())
			}
			a.samples = append(a.samples, &fmp4.Sample{Duration: 1024, Payload: p})
		}
		tracks = append(tracks, a)
	}
	return tracks
}

// mediacommonPart is what fmp4.Part writes for the same fragment.
func mediacommonPart(t testing.TB, seq uint32, tracks []fragTrack) []byte {
	part := fmp4.Part{SequenceNumber: seq}
	for _, tr := range tracks {
		pt := &fmp4.PartTrack{ID: tr.id, BaseTime: tr.base}
		for j, s := range tr.samples {
			c := *s
			if tr.aus != nil {
				for _, n := range tr.aus[j] {
					l := len(n)
					c.Payload = append(c.Payload, byte(l>>24), byte(l>>16), byte(l>>8), byte(l))
					c.Payload = append(c.Payload, n...)
				}
			}
			pt.Samples = append(pt.Samples, &c)
		}
		part.Tracks = append(part.Tracks, pt)
	}
	var buf seekablebuffer.Buffer
	if err := part.Marshal(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// The fragments vigil writes are byte for byte those of mediacommon's
// fmp4.Part, for video alone, audio alone, both, with and without
// composition offsets (B-frames).
func TestFragmentMatchesMediacommon(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i, c := range []struct{ video, audio, bframes bool }{
		{true, true, false}, {true, true, true}, {true, false, false}, {false, true, false}, {true, false, true},
	} {
		for seq := range uint32(3) {
			tracks := fragmentCase(rng, c.video, c.audio, c.bframes)
			chunks, want := marshalFragment(seq+1, tracks), mediacommonPart(t, seq+1, tracks)
			got := chunks.Bytes()
			if !bytes.Equal(got, want) {
				at := 0
				for at < min(len(got), len(want)) && got[at] == want[at] {
					at++
				}
				t.Fatalf("case %d %+v: %d bytes, mediacommon %d; first difference at byte %d", i, c, len(got), len(want), at)
			}
			// The samples are pointed at, not copied.
			for _, tr := range tracks {
				for j, s := range tr.samples {
					sample := s.Payload
					if tr.aus != nil {
						sample = tr.aus[j][0]
					}
					if !slices.ContainsFunc(chunks, func(b []byte) bool { return len(b) > 0 && &b[0] == &sample[0] }) {
						t.Fatalf("case %d: sample %d of track %d was copied into the fragment", i, j, tr.id)
					}
				}
			}
		}
	}
}

// BenchmarkFragment cuts a two-second 2 Mbit/s fragment, with vigil's
// writer and with mediacommon's:
//
//	go test -run '^$' -bench Fragment -benchmem ./internal/media/live/
func BenchmarkFragment(b *testing.B) {
	tracks := fragmentCase(rand.New(rand.NewPCG(3, 4)), true, true, false)
	for i := range tracks[0].aus {
		for j := range tracks[0].aus[i] {
			tracks[0].aus[i][j] = make([]byte, 10000) // 50 frames of 1–3 NAL units: about 2 Mbit/s
		}
	}
	b.Run("vigil", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			marshalFragment(1, tracks)
		}
	})
	b.Run("mediacommon", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			mediacommonPart(b, 1, tracks)
		}
	})
}
