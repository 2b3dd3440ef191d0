package blob_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/vigil-cloud/vigil/internal/blob"
	"github.com/vigil-cloud/vigil/internal/blob/blobtest"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/store/sqlite"
	"github.com/vigil-cloud/vigil/internal/store/storetest"
)

// env is a Sealed store over under, with keys in db.
type env struct {
	db     *store.DB
	clk    *clock.Fake
	kek    keys.KEK
	kr     *keys.Keyring
	under  blob.Store
	sealed *blob.Sealed
}

func newEnv(t testing.TB, db *store.DB, under blob.Store) *env {
	t.Helper()
	kek, err := keys.NewLocalKEK()
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(storetest.Start)
	if db == nil {
		db = storetest.OpenSQLite(t, clk)
	}
	kr := keys.NewKeyring(kek, store.NewKeyStore(db), clk)
	return &env{db: db, clk: clk, kek: kek, kr: kr, under: under, sealed: blob.NewSealed(under, kr)}
}

// freshNode is the keyring of another node, with nothing cached.
func (e *env) freshNode() *blob.Sealed {
	return blob.NewSealed(e.under, keys.NewKeyring(e.kek, store.NewKeyStore(e.db), e.clk))
}

func (e *env) put(t testing.TB, account, key string, data []byte) {
	t.Helper()
	if err := e.sealed.Put(context.Background(), account, key, bytes.NewReader(data)); err != nil {
		t.Fatalf("sealed put %s/%s: %v", account, key, err)
	}
}

func get(s *blob.Sealed, account, key string) ([]byte, error) {
	rc, err := s.Open(context.Background(), account, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func TestSealedRoundtripAndLayout(t *testing.T) {
	e := newEnv(t, nil, newDir(t))
	data := randomBytes(3<<20 + 5)
	e.put(t, "acc_1", "seg/cam_1/0001.m4s", data)
	e.put(t, "acc_1", "snap/1.jpg", []byte("jpeg"))
	e.put(t, "acc_2", "seg/cam_9/0001.m4s", []byte("other"))
	if got, err := get(e.freshNode(), "acc_1", "seg/cam_1/0001.m4s"); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("open: %d bytes, %v", len(got), err)
	}
	if keys := blobtest.Keys(t, e.under, ""); !slices.Equal(keys, []string{
		"acct/acc_1/seg/cam_1/0001.m4s", "acct/acc_1/snap/1.jpg", "acct/acc_2/seg/cam_9/0001.m4s"}) {
		t.Fatalf("layout in the store: %v", keys)
	}
	var listed []string
	if err := e.sealed.List(context.Background(), "acc_1", "seg/", func(k string) error { listed = append(listed, k); return nil }); err != nil ||
		!slices.Equal(listed, []string{"seg/cam_1/0001.m4s"}) {
		t.Fatalf("sealed list: %v, %v", listed, err)
	}
	if err := e.sealed.Delete(context.Background(), "acc_1", "snap/1.jpg"); err != nil {
		t.Fatal(err)
	}
	if _, err := get(e.sealed, "acc_1", "snap/1.jpg"); !errs.Is(err, errs.NotFound) {
		t.Fatalf("open after delete: %v", err)
	}
	for _, bad := range []string{"", "a/b", "..", ".x"} {
		if err := e.sealed.Put(context.Background(), bad, "k", bytes.NewReader(nil)); !errs.Is(err, errs.Invalid) {
			t.Errorf("account %q: %v, want invalid", bad, err)
		}
	}
}

func TestSealedDetectsSwappedAndMovedBlobs(t *testing.T) {
	e := newEnv(t, nil, newDir(t))
	e.put(t, "acc_1", "seg/1", []byte("monday"))
	e.put(t, "acc_1", "seg/2", []byte("tuesday"))
	e.put(t, "acc_2", "seg/1", []byte("other account"))
	one := blobtest.Get(t, e.under, "acct/acc_1/seg/1")
	two := blobtest.Get(t, e.under, "acct/acc_1/seg/2")
	blobtest.Put(t, e.under, "acct/acc_1/seg/1", two)
	blobtest.Put(t, e.under, "acct/acc_1/seg/2", one)
	blobtest.Put(t, e.under, "acct/acc_2/seg/1", one) // into another account
	for _, c := range []struct{ account, key string }{{"acc_1", "seg/1"}, {"acc_1", "seg/2"}, {"acc_2", "seg/1"}} {
		if got, err := get(e.sealed, c.account, c.key); !errs.Is(err, errs.Invalid) {
			t.Errorf("%s/%s after the swap: %q, %v; want invalid", c.account, c.key, got, err)
		}
	}
}

func TestSealedFailedPutStoresNothing(t *testing.T) {
	e := newEnv(t, nil, newDir(t))
	ctx := context.Background()
	if err := e.kr.Destroy(ctx, keys.ScopeAccount, "acc_closed"); err != nil {
		t.Fatal(err)
	}
	if err := e.sealed.Put(ctx, "acc_closed", "seg/1", bytes.NewReader([]byte("x"))); !errs.Is(err, errs.Gone) {
		t.Fatalf("put for a shredded account: %v, want gone", err)
	}
	pr, pw := io.Pipe()
	go func() {
		pw.Write(randomBytes(2 << 20))
		pw.CloseWithError(io.ErrUnexpectedEOF)
	}()
	if err := e.sealed.Put(ctx, "acc_1", "seg/1", pr); err == nil {
		t.Fatal("put from a failing source succeeded")
	}
	if keys := blobtest.Keys(t, e.under, ""); len(keys) != 0 {
		t.Fatalf("failed puts left %v", keys)
	}
}

// scan reports the files under root (or the files given) that contain marker.
func scan(t *testing.T, marker []byte, paths ...string) []string {
	t.Helper()
	var hits []string
	for _, root := range paths {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if os.IsNotExist(err) && p == root {
					return nil // e.g. no -wal file
				}
				return err
			}
			if d.IsDir() {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if bytes.Contains(b, marker) {
				hits = append(hits, p)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return hits
}

// proves: P2
// Plaintext written through Sealed or sealed into a field is found nowhere
// on disk: neither in the blob directory nor in the SQLite file or its WAL.
func TestNoPlaintextAtRest(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	dbPath := filepath.Join(tmp, "vigil.db")
	clk := clock.NewFake(storetest.Start)
	db, err := sqlite.Open(ctx, dbPath, clk)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dir, err := blob.NewDir(filepath.Join(tmp, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, db, dir)
	marker := []byte("P2-MARKER-" + hex.EncodeToString(randomBytes(12)))

	// A segment with the marker at its start, across a segment boundary
	// of the stream, and at its end; a small snapshot that is all marker.
	seg := randomBytes(3 << 20)
	for _, at := range []int{0, 1<<20 - 7, len(seg) - len(marker)} {
		copy(seg[at:], marker)
	}
	e.put(t, "acc_1", "seg/cam_1/0001.m4s", seg)
	e.put(t, "acc_1", "snap/1.jpg", marker)
	name, err := e.kr.Seal(ctx, keys.ScopeAccount, "acc_1", marker, []byte("accounts.name_sealed/acc_1"))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO accounts (id, name_sealed, region, created_at) VALUES (?, ?, ?, ?)`,
			"acc_1", name, "EU", store.Micros(tx.Now))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got, err := get(e.sealed, "acc_1", "snap/1.jpg"); err != nil || !bytes.Equal(got, marker) {
		t.Fatalf("the marker does not read back: %v", err)
	}
	onDisk := []string{filepath.Join(tmp, "blobs"), dbPath, dbPath + "-wal"}
	if hits := scan(t, marker, onDisk...); len(hits) > 0 {
		t.Fatalf("plaintext marker found at rest in %v", hits)
	}

	// The scan does see plaintext where there is some: the same marker
	// written unsealed to the directory and in clear to the database.
	blobtest.Put(t, dir, "plain/control", marker)
	if err := db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE accounts SET region = ? WHERE id = ?`, string(marker), "acc_1")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if hits := scan(t, marker, onDisk[0]); len(hits) != 1 {
		t.Fatalf("the control scan found the clear blob in %v, want one file", hits)
	}
	if hits := scan(t, marker, onDisk[1:]...); len(hits) == 0 {
		t.Fatal("the control scan did not find the clear marker in the database or its WAL")
	}
}

// proves: P2
// Destroying an account's key makes its blobs unreadable, in the store and
// in any copy of it, at once; other accounts are untouched. Runs on the
// directory store and, when VIGIL_TEST_S3 is set, on the S3 server.
func TestDestroyAccountKeyShredsBlobs(t *testing.T) {
	stores := map[string]func(t *testing.T) blob.Store{
		"dir": func(t *testing.T) blob.Store { return newDir(t) },
		"s3":  func(t *testing.T) blob.Store { return blobtest.OpenS3(t) },
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, nil, open(t))
			seg := randomBytes(2<<20 + 1)
			e.put(t, "acc_gone", "seg/cam_1/0001.m4s", seg)
			e.put(t, "acc_gone", "snap/1.jpg", []byte("a face"))
			e.put(t, "acc_kept", "seg/cam_7/0001.m4s", []byte("kept"))
			if got, err := get(e.freshNode(), "acc_gone", "seg/cam_1/0001.m4s"); err != nil || !bytes.Equal(got, seg) {
				t.Fatalf("before destroy: %d bytes, %v", len(got), err)
			}
			backup := blobtest.Get(t, e.under, "acct/acc_gone/seg/cam_1/0001.m4s") // a copy taken before

			if err := e.kr.Destroy(ctx, keys.ScopeAccount, "acc_gone"); err != nil {
				t.Fatal(err)
			}
			for node, s := range map[string]*blob.Sealed{"same node": e.sealed, "fresh node": e.freshNode()} {
				for _, key := range []string{"seg/cam_1/0001.m4s", "snap/1.jpg"} {
					if got, err := get(s, "acc_gone", key); !errs.Is(err, errs.Gone) {
						t.Errorf("%s: %s after destroy: %d bytes, %v; want gone", node, key, len(got), err)
					}
				}
				if got, err := get(s, "acc_kept", "seg/cam_7/0001.m4s"); err != nil || string(got) != "kept" {
					t.Errorf("%s: other account after destroy: %q, %v", node, got, err)
				}
			}
			fresh := keys.NewKeyring(e.kek, store.NewKeyStore(e.db), e.clk)
			ad := []byte("vigil/blob/v1\x00acct/acc_gone/seg/cam_1/0001.m4s")
			if _, err := fresh.DecryptStream(ctx, "acc_gone", bytes.NewReader(backup), ad); !errs.Is(err, errs.Gone) {
				t.Fatalf("backup copy after destroy: %v, want gone", err)
			}
			if bytes.Contains(backup, seg[:64]) {
				t.Fatal("the stored blob holds plaintext")
			}
			if err := e.sealed.Put(ctx, "acc_gone", "seg/cam_1/0002.m4s", bytes.NewReader([]byte("new"))); !errs.Is(err, errs.Gone) {
				t.Fatalf("put after destroy: %v, want gone", err)
			}
		})
	}
}
