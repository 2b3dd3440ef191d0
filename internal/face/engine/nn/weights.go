package nn

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
)

// Weights are the named float32 arrays of one TF.js model, de-quantised.
type Weights struct {
	arrays map[string][]float32
	shapes map[string][]int
}

type manifestGroup struct {
	Paths   []string `json:"paths"`
	Weights []struct {
		Name         string `json:"name"`
		Shape        []int  `json:"shape"`
		Dtype        string `json:"dtype"`
		Quantization *struct {
			Dtype string  `json:"dtype"`
			Scale float64 `json:"scale"`
			Min   float64 `json:"min"`
		} `json:"quantization"`
	} `json:"weights"`
}

// LoadWeights decodes a TF.js weights manifest and its concatenated binary
// shards (bin is all shards of all groups, in manifest order). Quantised
// entries are expanded exactly as TF.js does: value = min + q·scale.
func LoadWeights(manifest, bin []byte) (*Weights, error) {
	var groups []manifestGroup
	if err := json.Unmarshal(manifest, &groups); err != nil {
		return nil, fmt.Errorf("weights manifest: %w", err)
	}
	w := &Weights{arrays: map[string][]float32{}, shapes: map[string][]int{}}
	off := 0
	for _, g := range groups {
		for _, e := range g.Weights {
			if e.Dtype != "float32" {
				return nil, fmt.Errorf("weights %s: dtype %s not supported", e.Name, e.Dtype)
			}
			n := 1
			for _, d := range e.Shape {
				if d <= 0 || d > 1<<20 {
					return nil, fmt.Errorf("weights %s: bad shape %v", e.Name, e.Shape)
				}
				n *= d
			}
			vals := make([]float32, n)
			switch {
			case e.Quantization == nil:
				if off+4*n > len(bin) {
					return nil, fmt.Errorf("weights %s: data ends early", e.Name)
				}
				for i := range vals {
					vals[i] = math.Float32frombits(binary.LittleEndian.Uint32(bin[off+4*i:]))
				}
				off += 4 * n
			case e.Quantization.Dtype == "uint8":
				if off+n > len(bin) {
					return nil, fmt.Errorf("weights %s: data ends early", e.Name)
				}
				q := e.Quantization
				for i := range vals {
					vals[i] = float32(q.Min + float64(bin[off+i])*q.Scale)
				}
				off += n
			default:
				return nil, fmt.Errorf("weights %s: quantisation %s not supported", e.Name, e.Quantization.Dtype)
			}
			w.arrays[e.Name] = vals
			w.shapes[e.Name] = e.Shape
		}
	}
	if off != len(bin) {
		return nil, fmt.Errorf("weights: %d bytes left over after the manifest's entries", len(bin)-off)
	}
	return w, nil
}

// Get returns the named array and checks its shape.
func (w *Weights) Get(name string, shape ...int) ([]float32, error) {
	v, ok := w.arrays[name]
	if !ok {
		return nil, fmt.Errorf("weights: %s missing", name)
	}
	got := w.shapes[name]
	if len(got) != len(shape) {
		return nil, fmt.Errorf("weights %s: shape %v, want %v", name, got, shape)
	}
	for i := range got {
		if got[i] != shape[i] {
			return nil, fmt.Errorf("weights %s: shape %v, want %v", name, got, shape)
		}
	}
	return v, nil
}

// Shape returns the named array's shape, or nil.
func (w *Weights) Shape(name string) []int { return w.shapes[name] }
