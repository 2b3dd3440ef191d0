package nn

// The convolutions reduce to one matrix product C[M×N] = A[M×K]·B[K×N]: A is
// the image patches (one row per output position), B the filters. B is packed
// once, at load, into panels of 16 columns ([panel][k][16]), so the inner
// kernel reads it contiguously; A is read in place, four rows at a time.

const panel = 16

// packB lays out a row-major K×N matrix as ceil(N/16) panels of K×16,
// zero-padding the last panel.
func packB(b []float32, k, n int) []float32 {
	np := (n + panel - 1) / panel
	out := make([]float32, np*k*panel)
	for p := 0; p < np; p++ {
		dst := out[p*k*panel:]
		for kk := 0; kk < k; kk++ {
			for j := 0; j < panel; j++ {
				col := p*panel + j
				if col < n {
					dst[kk*panel+j] = b[kk*n+col]
				}
			}
		}
	}
	return out
}

// gemm computes C = A·B for A (M×K, row stride lda), packed B (K×N) and C
// (M×N, row stride ldc = N). C is overwritten.
func gemm(m, n, k int, a []float32, lda int, bp []float32, c []float32) {
	np := (n + panel - 1) / panel
	var tmp [4 * panel]float32
	for p := 0; p < np; p++ {
		bpanel := bp[p*k*panel : (p+1)*k*panel]
		col := p * panel
		width := min(panel, n-col)
		i := 0
		for ; i+4 <= m; i += 4 {
			if width == panel {
				kern4x16(a[i*lda:], lda, bpanel, c[i*n+col:], n, k)
				continue
			}
			kern4x16(a[i*lda:], lda, bpanel, tmp[:], panel, k)
			for r := 0; r < 4; r++ {
				copy(c[(i+r)*n+col:(i+r)*n+col+width], tmp[r*panel:r*panel+width])
			}
		}
		for ; i < m; i++ {
			kern1x16(a[i*lda:i*lda+k], bpanel, tmp[:panel])
			copy(c[i*n+col:i*n+col+width], tmp[:width])
		}
	}
}

// kern1x16 computes one row of a 16-column panel: c[j] = Σ_k a[k]·b[k][j].
func kern1x16(a, b, c []float32) {
	var c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15 float32
	for kk, av := range a {
		r := b[kk*panel : kk*panel+panel : kk*panel+panel]
		c0 += av * r[0]
		c1 += av * r[1]
		c2 += av * r[2]
		c3 += av * r[3]
		c4 += av * r[4]
		c5 += av * r[5]
		c6 += av * r[6]
		c7 += av * r[7]
		c8 += av * r[8]
		c9 += av * r[9]
		c10 += av * r[10]
		c11 += av * r[11]
		c12 += av * r[12]
		c13 += av * r[13]
		c14 += av * r[14]
		c15 += av * r[15]
	}
	c = c[:panel]
	c[0], c[1], c[2], c[3] = c0, c1, c2, c3
	c[4], c[5], c[6], c[7] = c4, c5, c6, c7
	c[8], c[9], c[10], c[11] = c8, c9, c10, c11
	c[12], c[13], c[14], c[15] = c12, c13, c14, c15
}

// kern4x16Go is the portable 4-row kernel.
func kern4x16Go(a []float32, lda int, b []float32, c []float32, ldc int, k int) {
	for r := 0; r < 4; r++ {
		kern1x16(a[r*lda:r*lda+k], b[:k*panel], c[r*ldc:r*ldc+panel])
	}
}
