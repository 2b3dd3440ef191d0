package config

import (
	"net"
	"net/url"
	"time"
)

// Video configures the live video path: where devices publish RTSP, how
// long segments are, how long stream tokens last, and where WebRTC viewers
// reach vigil.
type Video struct {
	// RTSPListen is where cameras and NVRs publish (ANNOUNCE/RECORD, TCP).
	// With TLS configured the listener speaks RTSPS; plain RTSP is only
	// allowed on a loopback address.
	RTSPListen string `yaml:"rtsp_listen" env:"VIGIL_RTSP_LISTEN"`
	// RTSPPublicURL is what devices are told to publish to, e.g.
	// rtsps://video.example.com:8322; defaults to the listen address.
	RTSPPublicURL string `yaml:"rtsp_public_url" env:"VIGIL_RTSP_PUBLIC_URL"`
	// SegmentTarget is the shortest segment: a segment is cut at the first
	// keyframe after it.
	SegmentTarget time.Duration `yaml:"segment_target" env:"VIGIL_SEGMENT_TARGET"`
	// TokenTTL is how long a stream token (a live view's URL) is valid.
	TokenTTL time.Duration `yaml:"token_ttl" env:"VIGIL_STREAM_TOKEN_TTL"`
	// ViewerIdle closes a stream's live HLS muxer after no viewer asked
	// for it this long.
	ViewerIdle time.Duration `yaml:"viewer_idle" env:"VIGIL_VIEWER_IDLE"`
	// WebRTCUDP is the one UDP address all WebRTC (WHEP) viewers share
	// (ICE over a single-port mux). WebRTC media is always encrypted
	// (DTLS-SRTP), so any address is allowed. Empty turns WHEP off.
	WebRTCUDP string `yaml:"webrtc_udp" env:"VIGIL_WEBRTC_UDP"`
	// WebRTCPublicIP is the address viewers reach WebRTCUDP at, when vigil
	// is behind a 1:1 NAT; empty announces the listener's own addresses.
	WebRTCPublicIP string `yaml:"webrtc_public_ip" env:"VIGIL_WEBRTC_PUBLIC_IP"`
	// PullEnabled lets owners have vigil pull their cameras' RTSP URLs
	// (cameras on the LAN of an on-premises vigil). Off by default: vigil
	// would connect wherever an owner points it.
	PullEnabled bool `yaml:"pull_enabled" env:"VIGIL_PULL_ENABLED"`
}

func defaultVideo() Video {
	return Video{
		RTSPListen:    "127.0.0.1:8554",
		SegmentTarget: 2 * time.Second,
		TokenTTL:      10 * time.Minute,
		ViewerIdle:    30 * time.Second,
		WebRTCUDP:     "127.0.0.1:8189",
	}
}

func (c Config) validateVideo(bad func(setting, format string, args ...any)) {
	v := c.Video
	host, port, err := net.SplitHostPort(v.RTSPListen)
	if err != nil || port == "" {
		bad("video.rtsp_listen", "want host:port, got %q", v.RTSPListen)
	} else if !c.TLS.Enabled() && !isLoopback(host) {
		bad("video.rtsp_listen", "plain RTSP is only allowed on a loopback address; configure TLS to listen on %q", host)
	}
	if v.RTSPPublicURL != "" {
		if u, err := url.Parse(v.RTSPPublicURL); err != nil || (u.Scheme != "rtsp" && u.Scheme != "rtsps") || u.Host == "" {
			bad("video.rtsp_public_url", "want an rtsp:// or rtsps:// URL, got %q", v.RTSPPublicURL)
		}
	}
	if v.SegmentTarget < 500*time.Millisecond || v.SegmentTarget > 60*time.Second {
		bad("video.segment_target", "want between 500ms and 60s, got %s", v.SegmentTarget)
	}
	if v.TokenTTL < 10*time.Second || v.TokenTTL > 24*time.Hour {
		bad("video.token_ttl", "want between 10s and 24h, got %s", v.TokenTTL)
	}
	if v.ViewerIdle < time.Second {
		bad("video.viewer_idle", "want at least 1s, got %s", v.ViewerIdle)
	}
	if v.WebRTCUDP != "" {
		if _, port, err := net.SplitHostPort(v.WebRTCUDP); err != nil || port == "" {
			bad("video.webrtc_udp", "want host:port, got %q", v.WebRTCUDP)
		}
	}
	if v.WebRTCPublicIP != "" && net.ParseIP(v.WebRTCPublicIP) == nil {
		bad("video.webrtc_public_ip", "want an IP address, got %q", v.WebRTCPublicIP)
	}
}
