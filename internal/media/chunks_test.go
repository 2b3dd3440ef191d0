package media_test

import (
	"bytes"
	"io"
	"testing"
	"testing/iotest"

	"github.com/vigil-cloud/vigil/internal/media"
)

// A Chunks reads back its bytes whatever the reader's buffer size, with
// empty chunks among them, through Read and through WriteTo, and as often
// as asked: reading never changes the Chunks.
func TestChunksReadBackTheirBytes(t *testing.T) {
	c := media.Chunks{[]byte("moof"), nil, []byte("ab"), []byte("cdefghij"), {}, []byte("k"), nil}
	want := []byte("moofabcdefghijk")
	if c.Len() != len(want) || !bytes.Equal(c.Bytes(), want) {
		t.Fatalf("Len %d, Bytes %q; want %d, %q", c.Len(), c.Bytes(), len(want), want)
	}
	for _, size := range []int{1, 2, 3, 7, 64} {
		buf := make([]byte, size)
		var got []byte
		r := c.Reader()
		for {
			n, err := r.Read(buf)
			got = append(got, buf[:n]...)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				t.Fatalf("Read with a %d-byte buffer returned 0 bytes and no error", size)
			}
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("Read with a %d-byte buffer: %q, want %q", size, got, want)
		}
	}
	var w bytes.Buffer
	if n, err := io.Copy(&w, c.Reader()); err != nil || n != int64(len(want)) || !bytes.Equal(w.Bytes(), want) {
		t.Fatalf("WriteTo: %d bytes %q, %v", n, w.Bytes(), err)
	}
	if err := iotest.TestReader(c.Reader(), want); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(c.Bytes(), want) {
		t.Fatalf("reading changed the chunks: %q", c.Bytes())
	}
	if n, err := (media.Chunks{}).Reader().Read(make([]byte, 4)); n != 0 || err != io.EOF {
		t.Fatalf("empty: %d, %v", n, err)
	}
}
