package blob_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/vigil-cloud/vigil/internal/blob"
	"github.com/vigil-cloud/vigil/internal/blob/blobtest"
)

func newDir(t testing.TB) *blob.Dir {
	t.Helper()
	d, err := blob.NewDir(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDirContract(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store { return newDir(t) })
}

func TestDirFilesArePrivate(t *testing.T) {
	root := filepath.Join(t.TempDir(), "blobs")
	d, err := blob.NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	blobtest.Put(t, d, "acct/a/seg/1", []byte("x"))
	for p, want := range map[string]os.FileMode{
		root: 0o700, filepath.Join(root, "acct", "a", "seg"): 0o700, filepath.Join(root, "acct", "a", "seg", "1"): 0o600,
	} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %04o, want %04o", p, got, want)
		}
	}
	// A temporary file a crash left behind is no blob.
	if err := os.WriteFile(filepath.Join(root, "acct", "a", "seg", ".tmp-123"), []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	if keys := blobtest.Keys(t, d, ""); len(keys) != 1 || keys[0] != "acct/a/seg/1" {
		t.Fatalf("list shows %v", keys)
	}
}
