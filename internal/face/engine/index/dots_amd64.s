//go:build amd64 && !purego

#include "textflag.h"

// func dotsAVX2(q *int16, codes *int8, out *int32, n int)
//
// out[i] = Σ_k q[k]·codes[i·128+k] for i < n. Codes are sign-extended to
// 16 bits, multiplied pairwise and added into 32-bit lanes (VPMADDWD); the
// eight lanes are summed at the end of each template.
TEXT ·dotsAVX2(SB), NOSPLIT, $0-32
	MOVQ q+0(FP), DI
	MOVQ codes+8(FP), SI
	MOVQ out+16(FP), DX
	MOVQ n+24(FP), CX
	VMOVDQU 0(DI), Y8
	VMOVDQU 32(DI), Y9
	VMOVDQU 64(DI), Y10
	VMOVDQU 96(DI), Y11
	VMOVDQU 128(DI), Y12
	VMOVDQU 160(DI), Y13
	VMOVDQU 192(DI), Y14
	VMOVDQU 224(DI), Y15

loop:
	VPMOVSXBW 0(SI), Y1
	VPMADDWD  Y8, Y1, Y0
	VPMOVSXBW 16(SI), Y2
	VPMADDWD  Y9, Y2, Y2
	VPMOVSXBW 32(SI), Y3
	VPMADDWD  Y10, Y3, Y3
	VPMOVSXBW 48(SI), Y4
	VPMADDWD  Y11, Y4, Y4
	VPADDD    Y2, Y0, Y0
	VPADDD    Y4, Y3, Y3
	VPMOVSXBW 64(SI), Y1
	VPMADDWD  Y12, Y1, Y1
	VPMOVSXBW 80(SI), Y2
	VPMADDWD  Y13, Y2, Y2
	VPMOVSXBW 96(SI), Y4
	VPMADDWD  Y14, Y4, Y4
	VPMOVSXBW 112(SI), Y5
	VPMADDWD  Y15, Y5, Y5
	VPADDD    Y1, Y0, Y0
	VPADDD    Y2, Y3, Y3
	VPADDD    Y4, Y0, Y0
	VPADDD    Y5, Y3, Y3
	VPADDD    Y3, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPADDD    X1, X0, X0
	VPSHUFD   $0x4E, X0, X1
	VPADDD    X1, X0, X0
	VPSHUFD   $0xB1, X0, X1
	VPADDD    X1, X0, X0
	VMOVD     X0, (DX)
	ADDQ      $128, SI
	ADDQ      $4, DX
	DECQ      CX
	JNE       loop
	VZEROUPPER
	RET
