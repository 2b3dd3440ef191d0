package engine

import (
	"image"
	"math"
	"sort"

	pigo "github.com/esimov/pigo/core"
)

// detection is one clustered pigo hit: centre, side and summed score.
type detection struct {
	cx, cy, side float64
	score        float32
}

// detect runs the frontal-face cascade over the whole picture.
func (e *Engine) detect(m *RGB) []detection {
	minSize := e.opt.MinFace
	maxSize := min(m.W, m.H)
	if maxSize < minSize {
		return nil
	}
	params := pigo.CascadeParams{
		MinSize:     minSize,
		MaxSize:     maxSize,
		ShiftFactor: 0.1,
		ScaleFactor: 1.1,
		ImageParams: pigo.ImageParams{Pixels: m.gray(), Rows: m.H, Cols: m.W, Dim: m.W},
	}
	raw := e.finder.RunCascade(params, 0)
	raw = e.finder.ClusterDetections(raw, 0.2)
	var cand []detection
	for _, d := range raw {
		if d.Q >= e.opt.MinScore {
			cand = append(cand, detection{cx: float64(d.Col), cy: float64(d.Row), side: float64(d.Scale), score: d.Q})
		}
	}
	return suppress(cand)
}

// suppress keeps the best of overlapping detections: pigo's greedy clustering
// can leave two squares on one face (a tight and a loose one).
func suppress(cand []detection) []detection {
	sort.Slice(cand, func(i, j int) bool { return cand[i].score > cand[j].score })
	var out []detection
next:
	for _, c := range cand {
		for _, k := range out {
			if math.Abs(c.cx-k.cx) < k.side/2 && math.Abs(c.cy-k.cy) < k.side/2 {
				continue next // its centre lies on a face already kept
			}
		}
		out = append(out, c)
	}
	return out
}

func (d detection) box() image.Rectangle {
	h := d.side / 2
	return image.Rect(int(math.Round(d.cx-h)), int(math.Round(d.cy-h)), int(math.Round(d.cx+h)), int(math.Round(d.cy+h)))
}
