// Package blobtest holds the contract every blob.Store passes, and opens the
// S3 test server when VIGIL_TEST_S3 names one. It is for tests only.
package blobtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/url"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/vigil-cloud/vigil/internal/blob"
	s3blob "github.com/vigil-cloud/vigil/internal/blob/s3"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// LargeSize is the size of the streamed object of the contract: over two
// S3 parts of s3blob.DefaultPartSize, so the S3 store uploads it in parts.
const LargeSize = 2*s3blob.DefaultPartSize + 12345

// Run runs the contract against stores made by open, a fresh one per subtest.
func Run(t *testing.T, open func(t *testing.T) blob.Store) {
	t.Run("PutOpenReplace", func(t *testing.T) { testPutOpenReplace(t, open(t)) })
	t.Run("Delete", func(t *testing.T) { testDelete(t, open(t)) })
	t.Run("InvalidKeys", func(t *testing.T) { testInvalidKeys(t, open(t)) })
	t.Run("FailedPutLeavesNothing", func(t *testing.T) { testFailedPut(t, open(t)) })
	t.Run("ConcurrentPutsStayWhole", func(t *testing.T) { testConcurrentPuts(t, open(t)) })
	t.Run("List", func(t *testing.T) { testList(t, open(t)) })
	t.Run("LargeStreamed", func(t *testing.T) { testLarge(t, open(t)) })
}

// Put stores data under key or fails the test.
func Put(t testing.TB, s blob.Store, key string, data []byte) {
	t.Helper()
	if err := s.Put(context.Background(), key, bytes.NewReader(data)); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

// Get reads the blob under key or fails the test.
func Get(t testing.TB, s blob.Store, key string) []byte {
	t.Helper()
	rc, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("open %s: %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return b
}

// Keys lists the keys under prefix, sorted.
func Keys(t testing.TB, s blob.Store, prefix string) []string {
	t.Helper()
	var keys []string
	if err := s.List(context.Background(), prefix, func(k string) error { keys = append(keys, k); return nil }); err != nil {
		t.Fatalf("list %q: %v", prefix, err)
	}
	slices.Sort(keys)
	return keys
}

func wantAbsent(t *testing.T, s blob.Store, key string) {
	t.Helper()
	if rc, err := s.Open(context.Background(), key); !errs.Is(err, errs.NotFound) {
		if err == nil {
			rc.Close()
		}
		t.Fatalf("open %s: %v, want not_found", key, err)
	}
}

func testPutOpenReplace(t *testing.T, s blob.Store) {
	Put(t, s, "acct/a/seg/1.m4s", []byte("first"))
	Put(t, s, "acct/a/empty", nil)
	if got := Get(t, s, "acct/a/seg/1.m4s"); string(got) != "first" {
		t.Fatalf("got %q", got)
	}
	if got := Get(t, s, "acct/a/empty"); len(got) != 0 {
		t.Fatalf("empty blob read back as %d bytes", len(got))
	}
	Put(t, s, "acct/a/seg/1.m4s", []byte("second, longer"))
	if got := Get(t, s, "acct/a/seg/1.m4s"); string(got) != "second, longer" {
		t.Fatalf("after replace got %q", got)
	}
	wantAbsent(t, s, "acct/a/seg/2.m4s")
	wantAbsent(t, s, "acct/a/seg") // a "directory" of blobs is no blob
}

func testDelete(t *testing.T, s blob.Store) {
	ctx := context.Background()
	Put(t, s, "x/1", []byte("1"))
	Put(t, s, "x/2", []byte("2"))
	for range 2 { // idempotent
		if err := s.Delete(ctx, "x/1"); err != nil {
			t.Fatalf("delete: %v", err)
		}
	}
	wantAbsent(t, s, "x/1")
	if err := s.Delete(ctx, "never/was"); err != nil {
		t.Fatalf("delete of an absent blob: %v", err)
	}
	if got := Get(t, s, "x/2"); string(got) != "2" {
		t.Fatalf("neighbour after delete: %q", got)
	}
}

func testInvalidKeys(t *testing.T, s blob.Store) {
	ctx := context.Background()
	for _, key := range []string{"", "/a", "a/", "a//b", "..", "../a", "a/../b", "a/./b", ".hidden", "a/.tmp-1",
		"a b", `a\b`, "a\x00b", "é", "a?b", "a%2f", string(make([]byte, blob.MaxKeyLen+1))} {
		if err := s.Put(ctx, key, bytes.NewReader([]byte("x"))); !errs.Is(err, errs.Invalid) {
			t.Errorf("put %q: %v, want invalid", key, err)
		}
		if _, err := s.Open(ctx, key); !errs.Is(err, errs.Invalid) {
			t.Errorf("open %q: %v, want invalid", key, err)
		}
		if err := s.Delete(ctx, key); !errs.Is(err, errs.Invalid) {
			t.Errorf("delete %q: %v, want invalid", key, err)
		}
	}
	for _, prefix := range []string{"/", "a//", "../", "a/..", "a b"} {
		if err := s.List(ctx, prefix, func(string) error { return nil }); !errs.Is(err, errs.Invalid) {
			t.Errorf("list %q: %v, want invalid", prefix, err)
		}
	}
	if keys := Keys(t, s, ""); len(keys) != 0 {
		t.Fatalf("invalid keys left blobs: %v", keys)
	}
}

// failingReader yields n bytes, then fails.
type failingReader struct{ n int }

var errReader = errors.New("camera went away")

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n == 0 {
		return 0, errReader
	}
	k := min(len(p), f.n)
	clear(p[:k])
	f.n -= k
	return k, nil
}

func testFailedPut(t *testing.T, s blob.Store) {
	ctx := context.Background()
	if err := s.Put(ctx, "f/new", &failingReader{n: 100_000}); err == nil {
		t.Fatal("put from a failing reader succeeded")
	}
	wantAbsent(t, s, "f/new")
	Put(t, s, "f/old", []byte("complete"))
	if err := s.Put(ctx, "f/old", &failingReader{n: 100_000}); err == nil {
		t.Fatal("replacing put from a failing reader succeeded")
	}
	if got := Get(t, s, "f/old"); string(got) != "complete" {
		t.Fatalf("failed replace left %d bytes, want the old blob", len(got))
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Put(cancelled, "f/cancelled", bytes.NewReader([]byte("x"))); err == nil {
		t.Fatal("put with a cancelled context succeeded")
	}
	wantAbsent(t, s, "f/cancelled")
	if keys := Keys(t, s, "f/"); !slices.Equal(keys, []string{"f/old"}) {
		t.Fatalf("failed puts left %v", keys)
	}
}

func testConcurrentPuts(t *testing.T, s blob.Store) {
	versions := make([][]byte, 6)
	for i := range versions {
		versions[i] = bytes.Repeat([]byte{byte('a' + i)}, 200_000+i)
	}
	var wg sync.WaitGroup
	for _, v := range versions {
		wg.Go(func() {
			if err := s.Put(context.Background(), "c/same", bytes.NewReader(v)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got := Get(t, s, "c/same")
	if !slices.ContainsFunc(versions, func(v []byte) bool { return bytes.Equal(v, got) }) {
		t.Fatalf("concurrent puts left a mix of %d bytes", len(got))
	}
}

func testList(t *testing.T, s blob.Store) {
	for _, k := range []string{"acct/a/seg/1", "acct/a/seg/2", "acct/a/snap/1", "acct/ab/seg/1", "other"} {
		Put(t, s, k, []byte(k))
	}
	for prefix, want := range map[string][]string{
		"":            {"acct/a/seg/1", "acct/a/seg/2", "acct/a/snap/1", "acct/ab/seg/1", "other"},
		"acct/a/":     {"acct/a/seg/1", "acct/a/seg/2", "acct/a/snap/1"},
		"acct/a":      {"acct/a/seg/1", "acct/a/seg/2", "acct/a/snap/1", "acct/ab/seg/1"},
		"acct/a/s":    {"acct/a/seg/1", "acct/a/seg/2", "acct/a/snap/1"},
		"acct/a/seg/": {"acct/a/seg/1", "acct/a/seg/2"},
		"acct/c/":     nil,
		"nothing":     nil,
	} {
		if got := Keys(t, s, prefix); !slices.Equal(got, want) {
			t.Errorf("list %q: %v, want %v", prefix, got, want)
		}
	}
	stop := errors.New("enough")
	n := 0
	err := s.List(context.Background(), "acct/", func(string) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("list stopped by fn: %d calls, %v; want 1 call and fn's error", n, err)
	}
}

// testLarge streams an object bigger than two S3 parts from a generator,
// so neither side holds it whole, and compares digests.
func testLarge(t *testing.T, s blob.Store) {
	src := io.LimitReader(rand.Reader, LargeSize)
	h := sha256.New()
	if err := s.Put(context.Background(), "big/segment", io.TeeReader(src, h)); err != nil {
		t.Fatalf("put %d bytes: %v", LargeSize, err)
	}
	want := h.Sum(nil)
	rc, err := s.Open(context.Background(), "big/segment")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	h.Reset()
	n, err := io.Copy(h, rc)
	if err != nil || n != LargeSize || !bytes.Equal(h.Sum(nil), want) {
		t.Fatalf("read back %d bytes (%v), digest match %v; want %d bytes", n, err, bytes.Equal(h.Sum(nil), want), LargeSize)
	}
}

// S3URL returns the S3 test server, or "" when none is set.
func S3URL() string { return os.Getenv("VIGIL_TEST_S3") }

// OpenS3 returns an S3 store in a fresh bucket of the server VIGIL_TEST_S3
// names (for example http://127.0.0.1:7070), with VIGIL_TEST_S3_ACCESS_KEY
// and VIGIL_TEST_S3_SECRET_KEY (default testaccess/testsecret). It skips the
// test when VIGIL_TEST_S3 is not set, and removes the bucket afterwards.
func OpenS3(t testing.TB) *s3blob.Store {
	t.Helper()
	s, _ := openS3(t)
	return s
}

// S3Bucket is OpenS3 for a test that gives vigil the bucket by its
// settings: it returns them.
func S3Bucket(t testing.TB) s3blob.Config {
	t.Helper()
	_, cfg := openS3(t)
	return cfg
}

func openS3(t testing.TB) (*s3blob.Store, s3blob.Config) {
	t.Helper()
	raw := S3URL()
	if raw == "" {
		t.Skip("S3 tests skipped: set VIGIL_TEST_S3 (for example http://127.0.0.1:7070) to run them against an S3 server")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		t.Fatalf("VIGIL_TEST_S3 %q is not a URL like http://127.0.0.1:7070", raw)
	}
	var b [6]byte
	rand.Read(b[:])
	cfg := s3blob.Config{
		Endpoint:  u.Host,
		Bucket:    "vigil-test-" + hex.EncodeToString(b[:]),
		AccessKey: envOr("VIGIL_TEST_S3_ACCESS_KEY", "testaccess"),
		SecretKey: envOr("VIGIL_TEST_S3_SECRET_KEY", "testsecret"),
		TLS:       u.Scheme == "https",
		PathStyle: true,
	}
	s, err := s3blob.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("open S3 at %s: %v", raw, err)
	}
	t.Cleanup(func() { removeBucket(s, cfg) })
	return s, cfg
}

// removeBucket empties and removes a test bucket, best effort.
func removeBucket(s *s3blob.Store, cfg s3blob.Config) {
	ctx := context.Background()
	s.List(ctx, "", func(k string) error { return s.Delete(ctx, k) }) //nolint:errcheck
	c, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.TLS, BucketLookup: minio.BucketLookupPath,
	})
	if err == nil {
		c.RemoveBucket(ctx, cfg.Bucket) //nolint:errcheck
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
