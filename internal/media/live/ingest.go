package live

import (
	"errors"

	"github.com/bluenviron/gortsplib/v5"
	"github.com/bluenviron/gortsplib/v5/pkg/description"
	"github.com/bluenviron/gortsplib/v5/pkg/format"
	"github.com/bluenviron/gortsplib/v5/pkg/format/rtph264"
	"github.com/bluenviron/gortsplib/v5/pkg/format/rtph265"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"
	"github.com/pion/rtp"
)

// ingest maps the medias a publisher announced (or a camera described) to
// at most one video and one audio track, and turns their RTP packets into
// units of a stream. Other medias are ignored.
type ingest struct {
	video, audio         *Track
	vmedia, amedia       *description.Media
	vformat, aformat     format.Format
	decodeVideo          func(*rtp.Packet) ([][]byte, error)
	decodeAudio          func(*rtp.Packet) ([][]byte, error)
	audioSamplesPerFrame int64 // AAC: several frames per packet, each this long
}

var errNoTrack = errors.New("no supported track: vigil takes H.264 or H.265 video and AAC, Opus or G.711 audio")

func newIngest(desc *description.Session) (*ingest, error) {
	in := &ingest{}
	for _, m := range desc.Medias {
		for _, f := range m.Formats {
			if in.video == nil {
				if err := in.tryVideo(m, f); err != nil {
					return nil, err
				}
			}
			if in.audio == nil {
				if err := in.tryAudio(m, f); err != nil {
					return nil, err
				}
			}
		}
	}
	if in.video == nil && in.audio == nil {
		return nil, errNoTrack
	}
	return in, nil
}

func (in *ingest) tryVideo(m *description.Media, f format.Format) error {
	switch f := f.(type) {
	case *format.H264:
		d, err := f.CreateDecoder()
		if err != nil {
			return err
		}
		sps, pps := f.SafeParams()
		in.video = &Track{Codec: H264, ClockRate: f.ClockRate(), SPS: sps, PPS: pps}
		in.decodeVideo = func(p *rtp.Packet) ([][]byte, error) { return d.Decode(p) }
	case *format.H265:
		d, err := f.CreateDecoder()
		if err != nil {
			return err
		}
		vps, sps, pps := f.SafeParams()
		in.video = &Track{Codec: H265, ClockRate: f.ClockRate(), VPS: vps, SPS: sps, PPS: pps}
		in.decodeVideo = func(p *rtp.Packet) ([][]byte, error) { return d.Decode(p) }
	default:
		return nil
	}
	in.vmedia, in.vformat = m, f
	return nil
}

func (in *ingest) tryAudio(m *description.Media, f format.Format) error {
	switch f := f.(type) {
	case *format.MPEG4Audio:
		if f.Config == nil {
			return nil
		}
		d, err := f.CreateDecoder()
		if err != nil {
			return err
		}
		in.audio = &Track{Codec: AAC, ClockRate: f.ClockRate(), AACConfig: f.Config, Channels: f.Config.ChannelCount}
		in.decodeAudio = d.Decode
		in.audioSamplesPerFrame = mpeg4audio.SamplesPerAccessUnit
	case *format.Opus:
		d, err := f.CreateDecoder()
		if err != nil {
			return err
		}
		in.audio = &Track{Codec: Opus, ClockRate: f.ClockRate(), Channels: f.ChannelCount}
		in.decodeAudio = func(p *rtp.Packet) ([][]byte, error) {
			b, err := d.Decode(p)
			return [][]byte{b}, err
		}
	case *format.G711:
		d, err := f.CreateDecoder()
		if err != nil {
			return err
		}
		in.audio = &Track{Codec: G711, ClockRate: f.ClockRate(), Channels: f.ChannelCount, MULaw: f.MULaw}
		in.decodeAudio = func(p *rtp.Packet) ([][]byte, error) {
			b, err := d.Decode(p)
			return [][]byte{b}, err
		}
	default:
		return nil
	}
	in.amedia, in.aformat = m, f
	return nil
}

// packetSource is what publishes RTP: a server session or a pulling client.
type packetSource interface {
	OnPacketRTP(*description.Media, format.Format, gortsplib.OnPacketRTPFunc)
	PacketPTS(*description.Media, *rtp.Packet) (int64, bool)
}

// feed routes the source's packets into s.
func (in *ingest) feed(src packetSource, s *Stream) {
	m := s.hub.metrics
	if in.video != nil {
		src.OnPacketRTP(in.vmedia, in.vformat, func(p *rtp.Packet) {
			pts, ok := src.PacketPTS(in.vmedia, p)
			if !ok {
				return
			}
			au, err := in.decodeVideo(p)
			if err != nil {
				if !errors.Is(err, rtph264.ErrMorePacketsNeeded) && !errors.Is(err, rtph265.ErrMorePacketsNeeded) &&
					!errors.Is(err, rtph264.ErrNonStartingPacketAndNoPrevious) && !errors.Is(err, rtph265.ErrNonStartingPacketAndNoPrevious) {
					m.dropped.WithLabelValues("rtp").Inc()
				}
				return
			}
			s.WriteVideo(pts, au)
		})
	}
	if in.audio != nil {
		src.OnPacketRTP(in.amedia, in.aformat, func(p *rtp.Packet) {
			pts, ok := src.PacketPTS(in.amedia, p)
			if !ok {
				return
			}
			frames, err := in.decodeAudio(p)
			if err != nil {
				m.dropped.WithLabelValues("rtp").Inc()
				return
			}
			for i, f := range frames {
				s.WriteAudio(pts+int64(i)*in.audioSamplesPerFrame, f)
			}
		})
	}
}
