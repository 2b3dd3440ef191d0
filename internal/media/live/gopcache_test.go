package live

import (
	"testing"
	"time"
)

// The GOP cache keeps the units from the last keyframe for WebRTC viewers;
// it keeps the GOP before that as well only while the stream is HLS-warm,
// so a stream nobody watches over HLS does not hold a second GOP.
func TestGOPCacheKeepsTheGOPBeforeOnlyWhileHLSWarm(t *testing.T) {
	s := &Stream{Video: &Track{Codec: H264, ClockRate: 90000}, lastKey: -1}
	feed := func(pattern string) {
		for _, c := range pattern {
			s.cache(&Unit{Track: s.Video, Key: c == 'K', AU: [][]byte{make([]byte, 1000)}})
		}
	}
	cached := func() string {
		out := make([]byte, len(s.gop))
		for i, u := range s.gop {
			out[i] = "PK"[b2i(u.Key)]
		}
		return string(out)
	}
	check := func(when, want string) {
		t.Helper()
		if got := cached(); got != want {
			t.Fatalf("%s: cache %q, want %q", when, got, want)
		}
		if s.gopBytes != 1000*len(want) {
			t.Fatalf("%s: %d bytes counted for %d units", when, s.gopBytes, len(want))
		}
		if s.lastKey != len(want)-1-lastIndexAfterKey(want) {
			t.Fatalf("%s: last keyframe at %d in %q", when, s.lastKey, want)
		}
	}
	feed("PPKPPKPP")
	check("cold", "KPP")
	s.hlsAsked.Store(time.Now().UnixNano()) // an HLS viewer asks
	feed("KPP")
	check("warm, one keyframe later", "KPPKPP")
	feed("KP")
	check("warm, two keyframes later", "KPPKP")
	s.hlsAsked.Store(time.Now().Add(-hlsWarm - time.Second).UnixNano()) // the viewer left long ago
	feed("KP")
	check("cold again", "KP")
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// lastIndexAfterKey counts the units after the last keyframe in pattern.
func lastIndexAfterKey(pattern string) int {
	n := 0
	for i := len(pattern) - 1; i >= 0 && pattern[i] != 'K'; i-- {
		n++
	}
	return n
}
