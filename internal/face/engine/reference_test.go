package engine

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestAgainstReferencePipeline compares the Go pipeline with face-api's own,
// end to end (its SSD detector, its full 68-point landmarks, its own
// alignment; testdata/golden/pipeline.json): the golden vectors prove the
// networks on the Go chip, this proves the chip. Different detectors and
// alignments never agree exactly, so each photo's two descriptors must be
// closer than dlib's 0.6 same-person bound (cosine ≥ 0.9 on unit vectors).
// It logs both pipelines' same- and different-person figures for the README.
func TestAgainstReferencePipeline(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "golden", "pipeline.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Faces []struct {
			Name       string    `json:"name"`
			Descriptor []float32 `json:"descriptor"`
		} `json:"faces"`
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	byName := map[string]Embedding{}
	for _, f := range ref.Faces {
		byName[f.Name] = newEmbedding(f.Descriptor)
	}
	e := newTestEngine(t)
	photos := loadPhotos(t)
	goEmb := map[string]Embedding{}
	for _, p := range photos {
		r, ok := byName[p.name]
		if !ok {
			t.Fatalf("%s: no reference vector (regenerate pipeline.json, see README)", p.name)
		}
		m, err := e.Decode(p.data)
		if err != nil {
			t.Fatal(err)
		}
		f, _ := primaryFace(e, m)
		goEmb[p.name] = e.Describe(m, f)
		s := Similarity(goEmb[p.name], r)
		t.Logf("%-16s Go vs reference pipeline cosine %.3f", p.name, s)
		if s < 0.9 {
			t.Errorf("%s: Go pipeline cosine %.3f to face-api's own < 0.9: detection or alignment is off", p.name, s)
		}
	}
	// Same-person and different-person figures of both pipelines, for the README.
	for _, side := range []struct {
		name string
		embs map[string]Embedding
	}{{"go", goEmb}, {"reference", byName}} {
		var sameMin, diffMax float32 = 1, -1
		for i := range photos {
			for j := i + 1; j < len(photos); j++ {
				s := Similarity(side.embs[photos[i].name], side.embs[photos[j].name])
				if photos[i].person == photos[j].person {
					sameMin = min(sameMin, s)
				} else {
					diffMax = max(diffMax, s)
				}
			}
		}
		t.Logf("%s pipeline: same person ≥ %.3f, different people ≤ %.3f", side.name, sameMin, diffMax)
	}
}
