// Package engine finds faces in JPEG snapshots and face crops and turns each
// into a 128-number descriptor, in pure Go, with models embedded in the
// binary. It is the vision half of face recognition; consent, sealing of
// templates, the kill switch and exports live in the face capability, which
// is the only caller.
//
// engine never stores, logs or sends anything: it computes on the pixels it is
// given and returns numbers. It must never import another vigil package, and
// never decode an image whose header exceeds its Limits.
package engine

import (
	"fmt"
	"image"
	"math"
	"math/cmplx"

	pigo "github.com/esimov/pigo/core"

	"github.com/vigil-cloud/vigil/internal/face/engine/models"
)

// Options tune detection; the zero value means DefaultOptions.
type Options struct {
	// MinFace is the smallest face side, in pixels, the detector looks for.
	MinFace int
	// MinScore is the cascade score a clustered detection needs.
	MinScore float32
	// Limits bound what Decode accepts.
	Limits Limits
}

// DefaultOptions suit 1280×720 snapshots with faces from 40 px up.
func DefaultOptions() Options {
	return Options{MinFace: 40, MinScore: 5, Limits: DefaultLimits()}
}

// Engine holds the loaded models. It is safe for concurrent use: Detect and
// Describe only read it.
type Engine struct {
	opt    Options
	finder *pigo.Pigo
	lm     *landmarkNet
	desc   *descriptorNet
}

// New loads the embedded models (about 30 ms, 30 MB of float32 weights).
func New(opt Options) (*Engine, error) {
	def := DefaultOptions()
	if opt.MinFace <= 0 {
		opt.MinFace = def.MinFace
	}
	if opt.MinScore <= 0 {
		opt.MinScore = def.MinScore
	}
	if opt.Limits == (Limits{}) {
		opt.Limits = def.Limits
	}
	finder, err := pigo.NewPigo().Unpack(models.FaceFinder)
	if err != nil {
		return nil, fmt.Errorf("face engine: detector cascade: %w", err)
	}
	lm, err := newLandmarkNet(models.LandmarkManifest, models.LandmarkWeights)
	if err != nil {
		return nil, fmt.Errorf("face engine: %w", err)
	}
	desc, err := newDescriptorNet(models.RecognitionManifest, models.RecognitionWeights)
	if err != nil {
		return nil, fmt.Errorf("face engine: %w", err)
	}
	return &Engine{opt: opt, finder: finder, lm: lm, desc: desc}, nil
}

// Point is a position in image coordinates (pixel i spans [i, i+1)).
type Point struct{ X, Y float64 }

// Face is one detected face.
type Face struct {
	// Box is the detector's square around the face.
	Box image.Rectangle
	// Score is the detector's confidence (higher is surer; DefaultOptions
	// keep 5 and above).
	Score float32
	// Landmarks are the 68 points of the iBUG scheme (jaw 0–16, brows 17–26,
	// nose 27–35, eyes 36–47, mouth 48–67).
	Landmarks [68]Point
}

// Decode checks and decodes a JPEG under the engine's limits.
func (e *Engine) Decode(data []byte) (*RGB, error) {
	if e == nil {
		return nil, errNilEngine
	}
	return Decode(data, e.opt.Limits)
}

// Detect finds the faces in m and locates their landmarks.
func (e *Engine) Detect(m *RGB) []Face {
	var faces []Face
	for _, d := range e.detect(m) {
		faces = append(faces, e.landmarks(m, d))
	}
	return faces
}

// DetectCrop finds the face in a crop that a camera's own detector cut out.
// Such crops are often too tight for the cascade, so the crop is searched
// with a margin; if nothing is found the crop itself is taken as the face.
func (e *Engine) DetectCrop(m *RGB) Face {
	margin := max(m.W, m.H) / 3
	padded := NewRGB(m.W+2*margin, m.H+2*margin)
	for y := 0; y < m.H; y++ {
		copy(padded.Pix[3*((y+margin)*padded.W+margin):], m.Pix[3*y*m.W:3*(y+1)*m.W])
	}
	best := detection{cx: float64(m.W) / 2, cy: float64(m.H) / 2, side: float64(min(m.W, m.H))}
	for _, d := range e.detect(padded) {
		if d.score > best.score {
			best = d
			best.cx -= float64(margin)
			best.cy -= float64(margin)
		}
	}
	return e.landmarks(m, best)
}

// landmarkScale widens the cascade's square to the framing face-api's
// landmark network was trained on.
const landmarkScale = 1.0

func (e *Engine) landmarks(m *RGB, d detection) Face {
	side := d.side * landmarkScale
	x0, y0 := d.cx-side/2, d.cy-side/2
	a := side / landmarkSize
	crop := m.warp(affine{a: a, tx: x0, ty: y0}, landmarkSize)
	out := e.lm.forward(crop)
	f := Face{Box: d.box(), Score: d.score}
	for i := range f.Landmarks {
		f.Landmarks[i] = Point{X: x0 + float64(out[2*i])*side, Y: y0 + float64(out[2*i+1])*side}
	}
	return f
}

// Describe returns the face's descriptor: the embedding network run on the
// face aligned by its landmarks.
func (e *Engine) Describe(m *RGB, f Face) Embedding {
	return newEmbedding(e.desc.forward(alignChip(m, f)))
}

// chipTemplate is where dlib puts the outer and inner eye corners and the
// base of the nose in a 150-px face chip with 25 % padding, the framing the
// descriptor network was trained on; the pairs are 68-point indices.
var chipTemplate = [5]struct {
	idx  int
	x, y float64
}{
	{45, 0.8595674595992, 0.2134981538014},
	{42, 0.6460604764104, 0.2289674387677},
	{36, 0.1205750620789, 0.2137274526848},
	{39, 0.3340850613712, 0.2290642403242},
	{33, 0.4901123135679, 0.6277975316475},
}

// alignChip cuts the 150×150 chip: the least-squares similarity transform
// (rotation, scale, shift) taking the chip template onto the face's points.
func alignChip(m *RGB, f Face) *RGB {
	var ps, qs [5]complex128
	var pm, qm complex128
	for i, t := range chipTemplate {
		p := f.Landmarks[t.idx]
		ps[i] = complex(p.X, p.Y)
		qs[i] = complex((t.x+0.25)/1.5*chipSize, (t.y+0.25)/1.5*chipSize)
		pm += ps[i] / 5
		qm += qs[i] / 5
	}
	var num complex128
	var den float64
	for i := range ps {
		num += (ps[i] - pm) * cmplx.Conj(qs[i]-qm)
		den += real((qs[i] - qm) * cmplx.Conj(qs[i]-qm))
	}
	c := num / complex(den, 0) // source = c·chip + t
	t := pm - c*qm
	if math.IsNaN(real(c)) || c == 0 {
		c, t = 1, 0
	}
	return m.warp(affine{a: real(c), b: imag(c), tx: real(t), ty: imag(t)}, chipSize)
}
