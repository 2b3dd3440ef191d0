package privacy_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// A transfer package is bounded before anything in it is inflated: too
// many files, a file that inflates a hundredfold (a zip bomb), or a header
// announcing more than an import takes is refused on what the zip's
// directory says, with a message naming the bound.
// proves: P6
func TestTransferImportBoundedBeforeInflation(t *testing.T) {
	e := vigiltest.Start(t)
	zed := e.SignUp("zed@acme.example")
	build := func(add func(zw *zip.Writer)) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		add(zw)
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	zeros := func(n int) (raw []byte) {
		var b bytes.Buffer
		fw, _ := flate.NewWriter(&b, flate.BestCompression)
		fw.Write(make([]byte, n)) //nolint:errcheck // a bytes.Buffer
		fw.Close()
		return b.Bytes()
	}
	cases := map[string][]byte{
		"many files": build(func(zw *zip.Writer) {
			for i := range 20001 {
				zw.CreateHeader(&zip.FileHeader{Name: "f/" + strconv.Itoa(i), Method: zip.Store}) //nolint:errcheck // a bytes.Buffer
			}
		}),
		"a bomb": build(func(zw *zip.Writer) {
			raw := zeros(64 << 20) // 64 MiB of zeros: about 64 KiB deflated
			w, _ := zw.CreateRaw(&zip.FileHeader{Name: "manifest.json", Method: zip.Deflate, CompressedSize64: uint64(len(raw)), UncompressedSize64: 64 << 20, CRC32: 0})
			w.Write(raw) //nolint:errcheck // a bytes.Buffer
		}),
		"a huge header": build(func(zw *zip.Writer) {
			raw := zeros(1 << 10)
			w, _ := zw.CreateRaw(&zip.FileHeader{Name: "manifest.json", Method: zip.Deflate, CompressedSize64: uint64(len(raw)), UncompressedSize64: 3 << 30})
			w.Write(raw) //nolint:errcheck // a bytes.Buffer
		}),
	}
	for name, pkg := range cases {
		r := zed.DoType("POST", "/api/v1/transfers/import", "application/zip", pkg)
		if r.Status != http.StatusBadRequest || !strings.Contains(r.ErrorMessage(), "exceeds what an import takes") {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
	}
}
