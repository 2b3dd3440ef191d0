//go:build !amd64 || purego

package index

const hasAVX2 = false

func dotsInt8(q *[Dim]int16, codes []int8, out []int32) { dotsGo(q, codes, out) }
