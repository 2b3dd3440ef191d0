package live

import (
	"encoding/binary"

	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"

	"github.com/vigil-cloud/vigil/internal/media"
)

// fragTrack is one track of a fragment: its samples and, for video, each
// sample's NAL units, written length-prefixed (AVCC) straight into the
// fragment.
type fragTrack struct {
	id      int
	base    uint64 // decode time of the first sample
	samples []*fmp4.Sample
	aus     [][][]byte // video: each sample's NAL units; nil: Payload holds the sample
}

// Sizes of the boxes of a fragment (ISO/IEC 14496-12), as mediacommon's
// fmp4.Part writes them: mfhd, tfhd with default-base-is-moof and no
// defaults, tfdt version 1, trun version 1 with a data offset.
const (
	boxHeader  = 8
	mfhdSize   = boxHeader + 4 + 4
	tfhdSize   = boxHeader + 4 + 4
	tfdtSize   = boxHeader + 4 + 8
	trunHeader = boxHeader + 4 + 4 + 4

	trunDataOffset     = 0x001
	trunDuration       = 0x100
	trunSize           = 0x200
	trunFlags          = 0x400
	trunCompositionOff = 0x800
	tfhdBaseIsMoof     = 0x020000
	sampleNonSync      = 1 << 16
)

// marshalFragment makes one moof+mdat fragment, byte for byte what
// fmp4.Part{SequenceNumber: seq, Tracks: ...}.Marshal writes, without
// copying the samples: the boxes and the NAL units' length prefixes are
// written into one small buffer, and the chunks returned point into it and
// at the samples' own bytes (which nothing writes to once received).
func marshalFragment(seq uint32, tracks []fragTrack) media.Chunks {
	moof := boxHeader + mfhdSize
	data := 0
	nalus, chunks := 0, 1 // the boxes' chunk, then one per audio sample, two per NAL unit
	flags := make([]uint32, len(tracks))
	for i, t := range tracks {
		f := uint32(trunDataOffset | trunDuration | trunSize)
		for j, s := range t.samples {
			if s.IsNonSyncSample {
				f |= trunFlags
			}
			if s.PTSOffset != 0 {
				f |= trunCompositionOff
			}
			data += t.sampleSize(j)
			if t.aus == nil {
				chunks++
			} else {
				nalus += len(t.aus[j])
			}
		}
		flags[i] = f
		moof += boxHeader + tfhdSize + tfdtSize + trunHeader + len(t.samples)*entrySize(f)
	}
	chunks += 2 * nalus
	w := make([]byte, 0, moof+boxHeader+4*nalus)
	w = box(w, moof, "moof")
	w = box(w, mfhdSize, "mfhd")
	w = binary.BigEndian.AppendUint32(w, 0) // version, flags
	w = binary.BigEndian.AppendUint32(w, seq)
	offset := moof + boxHeader // where the track's samples start, from the moof
	for i, t := range tracks {
		f := flags[i]
		w = box(w, boxHeader+tfhdSize+tfdtSize+trunHeader+len(t.samples)*entrySize(f), "traf")
		w = box(w, tfhdSize, "tfhd")
		w = binary.BigEndian.AppendUint32(w, tfhdBaseIsMoof)
		w = binary.BigEndian.AppendUint32(w, uint32(t.id))
		w = box(w, tfdtSize, "tfdt")
		w = binary.BigEndian.AppendUint32(w, 1<<24) // version 1
		w = binary.BigEndian.AppendUint64(w, t.base)
		w = box(w, trunHeader+len(t.samples)*entrySize(f), "trun")
		w = binary.BigEndian.AppendUint32(w, 1<<24|f) // version 1
		w = binary.BigEndian.AppendUint32(w, uint32(len(t.samples)))
		w = binary.BigEndian.AppendUint32(w, uint32(offset))
		for j, s := range t.samples {
			size := t.sampleSize(j)
			offset += size
			w = binary.BigEndian.AppendUint32(w, s.Duration)
			w = binary.BigEndian.AppendUint32(w, uint32(size))
			if f&trunFlags != 0 {
				var sf uint32
				if s.IsNonSyncSample {
					sf = sampleNonSync
				}
				w = binary.BigEndian.AppendUint32(w, sf)
			}
			if f&trunCompositionOff != 0 {
				w = binary.BigEndian.AppendUint32(w, uint32(s.PTSOffset))
			}
		}
	}
	w = box(w, boxHeader+data, "mdat")
	out := make(media.Chunks, 1, chunks) // out[0], the boxes, once the prefixes are in w
	for _, t := range tracks {
		for j, s := range t.samples {
			if t.aus == nil {
				out = append(out, s.Payload)
				continue
			}
			for _, nalu := range t.aus[j] {
				w = binary.BigEndian.AppendUint32(w, uint32(len(nalu)))
				out = append(out, w[len(w)-4:len(w):len(w)], nalu)
			}
		}
	}
	out[0] = w[:moof+boxHeader]
	return out
}

// sampleSize is the size of sample j in the mdat.
func (t fragTrack) sampleSize(j int) int {
	if t.aus == nil {
		return len(t.samples[j].Payload)
	}
	n := 0
	for _, nalu := range t.aus[j] {
		n += 4 + len(nalu)
	}
	return n
}

// entrySize is the size of one trun entry with flags f.
func entrySize(f uint32) int {
	n := 8 // duration, size
	if f&trunFlags != 0 {
		n += 4
	}
	if f&trunCompositionOff != 0 {
		n += 4
	}
	return n
}

func box(w []byte, size int, typ string) []byte {
	w = binary.BigEndian.AppendUint32(w, uint32(size))
	return append(w, typ...)
}
