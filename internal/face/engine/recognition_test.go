package engine

import (
	"testing"
)

// TestSamePersonMatchesOthersDoNot runs the whole pipeline on every photo and
// compares every pair: same-person pairs must score at or above
// MatchThreshold, different people below. It logs the false-match and
// false-non-match counts the README reports.
func TestSamePersonMatchesOthersDoNot(t *testing.T) {
	e := newTestEngine(t)
	photos := loadPhotos(t)
	embs := make([]Embedding, len(photos))
	for i, p := range photos {
		m, err := e.Decode(p.data)
		if err != nil {
			t.Fatal(err)
		}
		f, _ := primaryFace(e, m)
		embs[i] = e.Describe(m, f)
	}
	var same, diff, falseMatch, falseNonMatch int
	var worstSame, worstDiff float32 = 1, -1
	for i := range photos {
		for j := i + 1; j < len(photos); j++ {
			s := Similarity(embs[i], embs[j])
			if photos[i].person == photos[j].person {
				same++
				worstSame = min(worstSame, s)
				if !Matches(embs[i], embs[j]) {
					falseNonMatch++
					t.Errorf("%s vs %s: same person scored %.3f < %.3f", photos[i].name, photos[j].name, s, MatchThreshold)
				}
				continue
			}
			diff++
			worstDiff = max(worstDiff, s)
			if Matches(embs[i], embs[j]) {
				falseMatch++
				t.Errorf("%s vs %s: different people scored %.3f ≥ %.3f", photos[i].name, photos[j].name, s, MatchThreshold)
			}
		}
	}
	if same == 0 || diff < 50 {
		t.Fatalf("photo set too small: %d same-person pairs, %d different", same, diff)
	}
	t.Logf("%d photos: %d same-person pairs (lowest %.3f, %d false non-matches), %d different-person pairs (highest %.3f, %d false matches)",
		len(photos), same, worstSame, falseNonMatch, diff, worstDiff, falseMatch)
}

// TestCropPath: a tight crop of a face (as a camera with on-board detection
// uploads) is recognised as the person in the full photo.
func TestCropPath(t *testing.T) {
	e := newTestEngine(t)
	var p1, p2 photo
	for _, p := range loadPhotos(t) {
		switch p.name {
		case "paul-rudd-1":
			p1 = p
		case "paul-rudd-2":
			p2 = p
		}
	}
	m1, _ := e.Decode(p1.data)
	m2, _ := e.Decode(p2.data)
	f2 := e.Detect(m2)[0]
	full := e.Describe(m2, f2)
	b := e.Detect(m1)[0].Box
	crop := m1.warp(affine{a: 1, tx: float64(b.Min.X), ty: float64(b.Min.Y)}, b.Dx())
	cropEmb := e.Describe(crop, e.DetectCrop(crop))
	if s := Similarity(cropEmb, full); s < MatchThreshold {
		t.Errorf("crop of paul-rudd-1 vs paul-rudd-2: %.3f < %.3f", s, MatchThreshold)
	}
}
