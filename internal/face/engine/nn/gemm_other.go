//go:build !amd64 || purego

package nn

const hasFMA = false

func kern4x16(a []float32, lda int, b []float32, c []float32, ldc int, k int) {
	kern4x16Go(a, lda, b, c, ldc, k)
}
