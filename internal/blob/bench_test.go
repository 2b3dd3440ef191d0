package blob_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
)

const segmentSize = 4 << 20

// BenchmarkSealedPut measures sealing a 4 MiB segment into the directory
// store, fsyncs included.
func BenchmarkSealedPut(b *testing.B) {
	e := newEnv(b, nil, newDir(b))
	seg := randomBytes(segmentSize)
	ctx := context.Background()
	b.SetBytes(segmentSize)
	for i := 0; b.Loop(); i++ {
		if err := e.sealed.Put(ctx, "acc_1", fmt.Sprintf("seg/%d", i%8), bytes.NewReader(seg)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSealedOpen measures reading and decrypting a 4 MiB segment from
// the directory store.
func BenchmarkSealedOpen(b *testing.B) {
	e := newEnv(b, nil, newDir(b))
	e.put(b, "acc_1", "seg/1", randomBytes(segmentSize))
	ctx := context.Background()
	b.SetBytes(segmentSize)
	for b.Loop() {
		rc, err := e.sealed.Open(ctx, "acc_1", "seg/1")
		if err != nil {
			b.Fatal(err)
		}
		if n, err := io.Copy(io.Discard, rc); err != nil || n != segmentSize {
			b.Fatal(n, err)
		}
		rc.Close()
	}
}
