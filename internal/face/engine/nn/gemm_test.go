package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestGemmMatchesNaive holds the packed (and, on amd64, assembly) product to
// a plain triple loop, including the ragged edges (M not a multiple of 4, N
// not of 16).
func TestGemmMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, sz := range [][3]int{{1, 1, 1}, {4, 16, 3}, {7, 33, 29}, {37, 64, 288}, {5, 136, 128}} {
		m, n, k := sz[0], sz[1], sz[2]
		a := make([]float32, m*k)
		b := make([]float32, k*n)
		for i := range a {
			a[i] = r.Float32()*2 - 1
		}
		for i := range b {
			b[i] = r.Float32()*2 - 1
		}
		c := make([]float32, m*n)
		gemm(m, n, k, a, k, packB(b, k, n), c)
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				var want float64
				for kk := 0; kk < k; kk++ {
					want += float64(a[i*k+kk]) * float64(b[kk*n+j])
				}
				if math.Abs(float64(c[i*n+j])-want) > 1e-4*math.Max(1, math.Abs(want)) {
					t.Fatalf("%v: c[%d][%d] = %v, want %v (fma=%v)", sz, i, j, c[i*n+j], want, hasFMA)
				}
			}
		}
	}
}

func TestSamePaddingLikeTF(t *testing.T) {
	for _, c := range []struct{ in, k, s, out, before int }{
		{112, 3, 2, 56, 0}, {56, 3, 1, 56, 1}, {35, 3, 2, 18, 1}, {150, 7, 2, 75, 2},
	} {
		o, b := outSize(c.in, c.k, c.s, Same)
		if o != c.out || b != c.before {
			t.Errorf("same(%d,k%d,s%d) = %d,%d want %d,%d", c.in, c.k, c.s, o, b, c.out, c.before)
		}
	}
}
