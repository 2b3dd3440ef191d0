//go:build amd64 && !purego

package index

import "golang.org/x/sys/cpu"

// hasAVX2 is a fact about the processor, read once.
var hasAVX2 = cpu.X86.HasAVX2

// dotsAVX2 is dotsGo with 16-lane multiply-adds (dots_amd64.s).
//
//go:noescape
func dotsAVX2(q *int16, codes *int8, out *int32, n int)

func dotsInt8(q *[Dim]int16, codes []int8, out []int32) {
	if !hasAVX2 || len(out) == 0 {
		dotsGo(q, codes, out)
		return
	}
	_ = codes[len(out)*Dim-1] // the bound the assembly relies on
	dotsAVX2(&q[0], &codes[0], &out[0], len(out))
}
