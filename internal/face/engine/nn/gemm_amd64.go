//go:build amd64 && !purego

package nn

import "golang.org/x/sys/cpu"

// hasFMA says whether the AVX2+FMA kernel may run; it is a fact about the
// processor, read once, never changed.
var hasFMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// kern4x16AVX is kern4x16Go with eight 8-wide FMA accumulators (gemm_amd64.s).
//
//go:noescape
func kern4x16AVX(a *float32, lda int, b *float32, c *float32, ldc int, k int)

func kern4x16(a []float32, lda int, b []float32, c []float32, ldc int, k int) {
	if !hasFMA || k == 0 {
		kern4x16Go(a, lda, b, c, ldc, k)
		return
	}
	// The bounds the assembly relies on, checked here once.
	_ = a[3*lda+k-1]
	_ = b[k*panel-1]
	_ = c[3*ldc+panel-1]
	kern4x16AVX(&a[0], lda, &b[0], &c[0], ldc, k)
}
