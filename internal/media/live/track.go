package live

import (
	"bytes"
	"fmt"

	"github.com/bluenviron/gohlslib/v2/pkg/codecparams"
	hlscodecs "github.com/bluenviron/gohlslib/v2/pkg/codecs"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"

	"github.com/vigil-cloud/vigil/internal/media"
)

// Codec is one of the codecs vigil passes through.
type Codec int

// Codecs: video H.264 and H.265; audio AAC (MPEG-4 audio), Opus and G.711.
const (
	H264 Codec = iota + 1
	H265
	AAC
	Opus
	G711
)

func (c Codec) String() string {
	switch c {
	case H264:
		return "H.264"
	case H265:
		return "H.265"
	case AAC:
		return "AAC"
	case Opus:
		return "Opus"
	case G711:
		return "G.711"
	}
	return "unknown"
}

// Video reports whether c is a video codec.
func (c Codec) Video() bool { return c == H264 || c == H265 }

// Track is one elementary stream of a live stream, with what a muxer needs
// to describe it. Parameter sets are the latest seen (SDP, then in band).
type Track struct {
	Codec     Codec
	ClockRate int

	// H.264 / H.265 parameter sets.
	VPS, SPS, PPS []byte
	// AAC.
	AACConfig *mpeg4audio.AudioSpecificConfig
	// Opus and G.711.
	Channels int
	// G.711: μ-law (PCMU) or A-law (PCMA).
	MULaw bool
}

// Unit is one access unit of one track: a video frame (its NAL units) or
// one audio frame. Times are in the track's clock rate, from the start of
// the publishing session (shared by the session's tracks).
type Unit struct {
	Track *Track
	PTS   int64
	DTS   int64 // decode time: PTS for audio, computed for video
	AU    [][]byte
	Key   bool // a video keyframe (IDR/IRAP) with its parameter sets; every audio unit
}

// codecString is the RFC 6381 codec string of a track, as HLS and the
// recorder name it.
func (t *Track) codecString() string {
	switch t.Codec {
	case H264:
		if len(t.SPS) > 0 {
			return codecparams.Marshal(&hlscodecs.H264{SPS: t.SPS, PPS: t.PPS})
		}
		return "avc1"
	case H265:
		if len(t.SPS) > 0 {
			return codecparams.Marshal(&hlscodecs.H265{VPS: t.VPS, SPS: t.SPS, PPS: t.PPS})
		}
		return "hvc1"
	case AAC:
		if t.AACConfig != nil {
			return codecparams.Marshal(&hlscodecs.MPEG4Audio{Config: *t.AACConfig})
		}
		return "mp4a.40.2"
	case Opus:
		return "opus"
	case G711:
		// fMP4 has no G.711 sample entry: segments carry the samples
		// expanded to 16-bit linear PCM (lossless, no re-encoding).
		return "ipcm"
	}
	return ""
}

func (t *Track) mediaTrack() media.Track {
	kind := "audio"
	if t.Codec.Video() {
		kind = "video"
	}
	return media.Track{Kind: kind, Codec: t.codecString()}
}

// params holds a video track's parameter sets, keeps them current from
// in-band NAL units and puts them in front of keyframes that lack them:
// ffmpeg and many cameras send them only in the SDP, and muxers reject
// keyframes without them.
type params struct {
	codec         Codec
	vps, sps, pps []byte
	changed       bool // set when a parameter set differs from the last one
}

func (p *params) set(dst *[]byte, nalu []byte) {
	if !bytes.Equal(*dst, nalu) {
		if *dst != nil {
			p.changed = true
		}
		*dst = bytes.Clone(nalu)
	}
}

// fix returns au without access unit delimiters, with the parameter sets
// in front when it is a keyframe, and whether it is one.
func (p *params) fix(au [][]byte) ([][]byte, bool) {
	switch p.codec {
	case H264:
		return p.fixH264(au)
	case H265:
		return p.fixH265(au)
	}
	return au, false
}

func (p *params) fixH264(au [][]byte) ([][]byte, bool) {
	key, hasSPS, hasPPS := false, false, false
	out := au[:0:0]
	for _, n := range au {
		if len(n) == 0 {
			continue
		}
		switch h264.NALUType(n[0] & 0x1f) {
		case h264.NALUTypeSPS:
			p.set(&p.sps, n)
			hasSPS = true
		case h264.NALUTypePPS:
			p.set(&p.pps, n)
			hasPPS = true
		case h264.NALUTypeAccessUnitDelimiter:
			continue
		case h264.NALUTypeIDR:
			key = true
		}
		out = append(out, n)
	}
	if !key {
		return out, false
	}
	if p.sps == nil || p.pps == nil {
		return out, false // not decodable yet
	}
	if !hasSPS || !hasPPS {
		fixed := make([][]byte, 0, len(out)+2)
		if !hasSPS {
			fixed = append(fixed, p.sps)
		}
		if !hasPPS {
			fixed = append(fixed, p.pps)
		}
		out = append(fixed, out...)
	}
	return out, true
}

func (p *params) fixH265(au [][]byte) ([][]byte, bool) {
	key, hasVPS, hasSPS, hasPPS := false, false, false, false
	out := au[:0:0]
	for _, n := range au {
		if len(n) < 2 {
			continue
		}
		switch t := h265.NALUType((n[0] >> 1) & 0x3f); t {
		case h265.NALUType_VPS_NUT:
			p.set(&p.vps, n)
			hasVPS = true
		case h265.NALUType_SPS_NUT:
			p.set(&p.sps, n)
			hasSPS = true
		case h265.NALUType_PPS_NUT:
			p.set(&p.pps, n)
			hasPPS = true
		case h265.NALUType_AUD_NUT:
			continue
		case h265.NALUType_IDR_W_RADL, h265.NALUType_IDR_N_LP, h265.NALUType_CRA_NUT:
			key = true
		}
		out = append(out, n)
	}
	if !key || p.vps == nil || p.sps == nil || p.pps == nil {
		return out, false
	}
	if !hasVPS || !hasSPS || !hasPPS {
		fixed := make([][]byte, 0, len(out)+3)
		if !hasVPS {
			fixed = append(fixed, p.vps)
		}
		if !hasSPS {
			fixed = append(fixed, p.sps)
		}
		if !hasPPS {
			fixed = append(fixed, p.pps)
		}
		out = append(fixed, out...)
	}
	return out, true
}

// checkTracks refuses a set of tracks vigil cannot carry.
func checkTracks(video, audio *Track) error {
	if video == nil && audio == nil {
		return fmt.Errorf("no supported track: vigil takes H.264 or H.265 video and AAC, Opus or G.711 audio")
	}
	return nil
}
