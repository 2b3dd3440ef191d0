package sim

import (
	"testing"
	"time"
)

// The embedded clip demuxes in pure Go: H.264 with its parameter sets,
// AAC, 4 seconds at 25 fps with a keyframe every 2 seconds.
func TestClip(t *testing.T) {
	c, err := LoadClip()
	if err != nil {
		t.Fatal(err)
	}
	video, keys, audio := 0, 0, 0
	for _, f := range c.Frames {
		if !f.Video {
			audio++
			continue
		}
		video++
		for _, n := range f.AU {
			if n[0]&0x1f == 5 {
				keys++
				break
			}
		}
	}
	if c.Duration != 4*time.Second || video != 100 || keys != 2 || audio < 150 || c.AAC.SampleRate != 48000 {
		t.Fatalf("clip: %s, %d video frames (%d keyframes), %d audio frames, AAC %d Hz", c.Duration, video, keys, audio, c.AAC.SampleRate)
	}
}
