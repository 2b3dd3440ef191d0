package engine

import (
	"image"
	"testing"
)

// TestBlurHidesEveryoneElse is the engine's half of R7: in a snapshot with
// several people, every face but one is blurred; detection and the embedding
// run on the result then find no face that matches any blurred person, while
// the one left clear is still found and matched.
func TestBlurHidesEveryoneElse(t *testing.T) {
	e := newTestEngine(t)
	photos := loadPhotos(t)
	m, _ := scene(t, e, photos, 230)
	faces := e.Detect(m)
	if len(faces) < 8 {
		t.Fatalf("scene: %d faces detected, want at least 8", len(faces))
	}
	before := make([]Embedding, len(faces))
	for i, f := range faces {
		before[i] = e.Describe(m, f)
	}
	keep := 0 // the requester
	var boxes []image.Rectangle
	for i, f := range faces {
		if i != keep {
			boxes = append(boxes, f.Box)
		}
	}
	Blur(m, boxes)

	after := e.Detect(m)
	foundKept := false
	for _, f := range after {
		emb := e.Describe(m, f)
		if Matches(emb, before[keep]) {
			foundKept = true
		}
		for i := range before {
			if i != keep && Similarity(emb, before[i]) >= MatchThreshold {
				t.Errorf("after blurring, a face at %v still matches blurred face %d (%v) at %.3f", f.Box, i, faces[i].Box, Similarity(emb, before[i]))
			}
		}
	}
	// Stronger than "not detected": cut each blurred region out and run the
	// crop path on it, as if someone knew where the faces had been.
	for i, f := range faces {
		if i == keep {
			continue
		}
		crop := m.warp(affine{tx: float64(f.Box.Min.X), ty: float64(f.Box.Min.Y), a: 1}, f.Box.Dx())
		emb := e.Describe(crop, e.DetectCrop(crop))
		if s := Similarity(emb, before[i]); s >= MatchThreshold {
			t.Errorf("blurred face %d (%v) still recognisable from its region: %.3f", i, f.Box, s)
		} else {
			t.Logf("blurred face %d: similarity to its clear self %.3f", i, s)
		}
	}
	if !foundKept {
		t.Errorf("the face left clear (%v) is no longer found", faces[keep].Box)
	}
	t.Logf("%d faces before, %d detections after blurring %d", len(faces), len(after), len(boxes))
}

func TestBlurStaysInsideThePicture(t *testing.T) {
	m := NewRGB(50, 40)
	for i := range m.Pix {
		m.Pix[i] = uint8(i * 7)
	}
	// Boxes over the edge, empty, and wholly outside must neither panic nor
	// touch pixels outside their (widened) area.
	Blur(m, []image.Rectangle{image.Rect(-20, -20, 10, 10), {}, image.Rect(100, 100, 120, 120), image.Rect(45, 35, 60, 60)})
	centre := 3 * (20*50 + 25)
	if got, want := m.Pix[centre], uint8(centre*7); got != want {
		t.Errorf("centre pixel changed by blurring corner boxes: %d", got)
	}
}
