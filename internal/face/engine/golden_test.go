package engine

import (
	"encoding/json"
	"flag"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
)

var updateInputs = flag.Bool("update-golden-inputs", false, "rewrite testdata/golden/inputs from the photos (then run golden.mjs)")

// goldenFile is what testdata/golden/golden.mjs writes: face-api's own
// outputs, under TF.js's CPU backend, for the inputs the Go pipeline cut.
type goldenFile struct {
	Generator string `json:"generator"`
	Faces     []struct {
		Name       string    `json:"name"`
		Landmarks  []float32 `json:"landmarks"`  // 136 values in [0,1] of the 112-px crop
		Descriptor []float32 `json:"descriptor"` // 128 raw values
	} `json:"faces"`
}

// primaryFace is the face the golden files are about: the detector's best,
// or the whole picture treated as a crop when the detector finds none.
func primaryFace(e *Engine, m *RGB) (Face, detection) {
	dets := e.detect(m)
	if len(dets) == 0 {
		f := e.DetectCrop(m)
		return f, detection{}
	}
	return e.landmarks(m, dets[0]), dets[0]
}

func TestWriteGoldenInputs(t *testing.T) {
	if !*updateInputs {
		t.Skip("run with -update-golden-inputs to rewrite the reference inputs")
	}
	e := newTestEngine(t)
	dir := filepath.Join("testdata", "golden", "inputs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range loadPhotos(t) {
		m, err := e.Decode(p.data)
		if err != nil {
			t.Fatal(err)
		}
		f, d := primaryFace(e, m)
		if d.side == 0 {
			d = detection{cx: float64(m.W) / 2, cy: float64(m.H) / 2, side: float64(min(m.W, m.H))}
		}
		side := d.side * landmarkScale
		crop := m.warp(affine{a: side / landmarkSize, tx: d.cx - side/2, ty: d.cy - side/2}, landmarkSize)
		writePNG(t, filepath.Join(dir, p.name+".landmark.png"), crop)
		writePNG(t, filepath.Join(dir, p.name+".chip.png"), alignChip(m, f))
	}
}

func readPNG(t *testing.T, path string) *RGB {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return FromImage(img)
}

func cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	return ab / math.Sqrt(aa*bb)
}

func loadGolden(t *testing.T) goldenFile {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "golden", "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g goldenFile
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Faces) < 10 {
		t.Fatalf("golden.json has %d faces", len(g.Faces))
	}
	return g
}

// TestGoldenNetworks holds both Go forward passes to face-api's reference
// outputs on the very same inputs: landmarks within a tenth of a pixel of the
// 112-px crop, descriptors at cosine similarity ≥ 0.999.
func TestGoldenNetworks(t *testing.T) {
	e := newTestEngine(t)
	g := loadGolden(t)
	dir := filepath.Join("testdata", "golden", "inputs")
	for _, ref := range g.Faces {
		lm := e.lm.forward(readPNG(t, filepath.Join(dir, ref.Name+".landmark.png")))
		var worst float64
		for i := range lm {
			worst = math.Max(worst, math.Abs(float64(lm[i]-ref.Landmarks[i]))*landmarkSize)
		}
		desc := e.desc.forward(readPNG(t, filepath.Join(dir, ref.Name+".chip.png")))
		cos := cosine(desc, ref.Descriptor)
		t.Logf("%-16s landmarks max error %.4f px, descriptor cosine %.6f", ref.Name, worst, cos)
		if worst > 0.1 {
			t.Errorf("%s: landmark off by %.3f px of 112", ref.Name, worst)
		}
		if cos < 0.999 {
			t.Errorf("%s: descriptor cosine %.6f < 0.999", ref.Name, cos)
		}
	}
}

// TestGoldenPipeline runs the whole Go pipeline (decode, detect, landmarks,
// align, describe) on each photo and holds the descriptor to the reference's
// (cosine ≥ 0.999): the golden inputs are what this pipeline cuts.
func TestGoldenPipeline(t *testing.T) {
	e := newTestEngine(t)
	g := loadGolden(t)
	byName := map[string][]float32{}
	for _, f := range g.Faces {
		byName[f.Name] = f.Descriptor
	}
	for _, p := range loadPhotos(t) {
		ref, ok := byName[p.name]
		if !ok {
			t.Errorf("%s: no golden vector (regenerate, see README)", p.name)
			continue
		}
		m, err := e.Decode(p.data)
		if err != nil {
			t.Fatal(err)
		}
		f, _ := primaryFace(e, m)
		got := e.Describe(m, f)
		if cos := cosine(got[:], ref); cos < 0.999 {
			t.Errorf("%s: pipeline descriptor cosine %.6f < 0.999", p.name, cos)
		}
	}
}
