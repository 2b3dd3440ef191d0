package config

import (
	"strings"
	"testing"
)

func TestVideoSettings(t *testing.T) {
	cases := []struct{ doc, want string }{
		{"video:\n  rtsp_listen: 0.0.0.0:8554\n", "video.rtsp_listen: plain RTSP is only allowed on a loopback address"},
		{"video:\n  rtsp_listen: nope\n", "video.rtsp_listen: want host:port"},
		{"video:\n  rtsp_public_url: http://x\n", "video.rtsp_public_url: want an rtsp://"},
		{"video:\n  segment_target: 100ms\n", "video.segment_target: want between"},
		{"video:\n  token_ttl: 48h\n", "video.token_ttl: want between"},
		{"video:\n  webrtc_public_ip: somewhere\n", "video.webrtc_public_ip: want an IP"},
	}
	for _, c := range cases {
		cfg, err := Parse([]byte(c.doc), nil)
		if err != nil {
			t.Fatalf("%q: %v", c.doc, err)
		}
		cfg.Resolve()
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.doc, err, c.want)
		}
	}
	cfg, err := Parse([]byte("tls:\n  self_signed: true\nlisten: 0.0.0.0:8443\nbus:\n  mqtt_listen: 0.0.0.0:8883\nvideo:\n  rtsp_listen: 0.0.0.0:8322\n  webrtc_udp: 0.0.0.0:8189\n"), env(map[string]string{"VIGIL_SEGMENT_TARGET": "4s"}))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Resolve()
	if err := cfg.Validate(); err != nil || cfg.Video.SegmentTarget.Seconds() != 4 {
		t.Fatalf("RTSPS on every address with TLS: %v (segment target %s)", err, cfg.Video.SegmentTarget)
	}
}
