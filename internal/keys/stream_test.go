package keys_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"testing"

	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/store/storetest"
)

func encryptStream(t testing.TB, kr *keys.Keyring, account string, pt, ad []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := kr.EncryptStream(context.Background(), account, &buf, ad)
	if err != nil {
		t.Fatalf("encrypt stream: %v", err)
	}
	if _, err := w.Write(pt); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func decryptStream(kr *keys.Keyring, account string, ct, ad []byte) ([]byte, error) {
	r, err := kr.DecryptStream(context.Background(), account, bytes.NewReader(ct), ad)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

func TestStreamRoundtrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clk *clock.Fake) {
		c := newCluster(t, db, clk)
		kr := c.node()
		for _, size := range []int{0, 1, 1 << 20, 3<<20 + 17} {
			pt := make([]byte, size)
			rand.Read(pt)
			ct := encryptStream(t, kr, "acc_1", pt, []byte("seg/1"))
			got, err := decryptStream(c.node(), "acc_1", ct, []byte("seg/1"))
			if err != nil || !bytes.Equal(got, pt) {
				t.Fatalf("%d bytes: got %d bytes, %v", size, len(got), err)
			}
		}
	})
}

func TestStreamRefusesWrongContextAndTampering(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clk *clock.Fake) {
		c := newCluster(t, db, clk)
		kr := c.node()
		pt := bytes.Repeat([]byte("frame "), 400_000) // over two 1 MiB segments (and hundreds of 4 KiB ones)
		ad := []byte("acct/acc_1/seg/1")
		ct := encryptStream(t, kr, "acc_1", pt, ad)
		encryptStream(t, kr, "acc_2", []byte("x"), nil) // acc_2 has a key

		flip := func(i int) []byte {
			b := bytes.Clone(ct)
			b[i] ^= 1
			return b
		}
		cases := map[string]struct {
			account string
			ct, ad  []byte
		}{
			"other associated data": {"acc_1", ct, []byte("acct/acc_1/seg/2")},
			"other account":         {"acc_2", ct, ad},
			"truncated":             {"acc_1", ct[:len(ct)-1], ad},
			"cut at a segment":      {"acc_1", ct[:len(ct)/2], ad},
			"header bit flipped":    {"acc_1", flip(20), ad},
			"body bit flipped":      {"acc_1", flip(len(ct) / 2), ad},
			"last byte flipped":     {"acc_1", flip(len(ct) - 1), ad},
			"empty":                 {"acc_1", nil, ad},
			"unknown version":       {"acc_1", append([]byte{9}, ct[1:]...), ad},
		}
		for name, tc := range cases {
			got, err := decryptStream(kr, tc.account, tc.ct, tc.ad)
			if !errs.Is(err, errs.Invalid) {
				t.Errorf("%s: got %d bytes, %v; want invalid", name, len(got), err)
			}
		}
		if err := kr.Destroy(context.Background(), keys.ScopeAccount, "acc_1"); err != nil {
			t.Fatal(err)
		}
		if _, err := decryptStream(c.node(), "acc_1", ct, ad); !errs.Is(err, errs.Gone) {
			t.Fatalf("after destroying the account key: %v, want gone", err)
		}
		if _, err := kr.EncryptStream(context.Background(), "acc_1", io.Discard, ad); !errs.Is(err, errs.Gone) {
			t.Fatalf("encrypt after destroying the account key: %v, want gone", err)
		}
	})
}

// FuzzDecryptStream feeds arbitrary bytes to the header parser and Tink's
// stream reader: they must fail cleanly, never panic or allocate unbounded.
func FuzzDecryptStream(f *testing.F) {
	clk := clock.NewFake(storetest.Start)
	kek, err := keys.NewLocalKEK()
	if err != nil {
		f.Fatal(err)
	}
	kr := keys.NewKeyring(kek, store.NewKeyStore(storetest.OpenSQLite(f, clk)), clk)
	plain := bytes.Repeat([]byte("x"), 5000)
	valid := encryptStream(f, kr, "acc_1", plain, []byte("ad"))
	f.Add(valid)
	f.Add(valid[:40])
	f.Add([]byte{1, 0, 0, 0, 0})
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := decryptStream(kr, "acc_1", b, []byte("ad"))
		// Tink leaves the key IDs beside the wrapped key unauthenticated, so a
		// changed header may still open; but nothing decrypts to other data.
		if err == nil && !bytes.Equal(got, plain) {
			t.Fatalf("arbitrary bytes decrypted to %d bytes of other data", len(got))
		}
		if err != nil && !errs.Is(err, errs.Invalid) {
			t.Fatalf("error without the invalid code: %v", err)
		}
	})
}

// Blobs sealed before content keys moved to 4 KiB segments (1 MiB ones)
// still open, and new blobs are sealed with the small segments (their
// ciphertext carries a tag every 4 KiB, so it is longer).
func TestStreamOpensBlobsOf1MiBSegments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clk *clock.Fake) {
		c := newCluster(t, db, clk)
		kr := c.node()
		pt := make([]byte, 600_000)
		rand.Read(pt)
		restore := keys.SealWith1MiBSegments()
		old := encryptStream(t, kr, "acc_1", pt, []byte("seg/old"))
		restore()
		cur := encryptStream(t, kr, "acc_1", pt, []byte("seg/new"))
		for name, ct := range map[string][]byte{"1 MiB": old, "4 KiB": cur} {
			ad := []byte("seg/old")
			if name == "4 KiB" {
				ad = []byte("seg/new")
			}
			got, err := decryptStream(c.node(), "acc_1", ct, ad)
			if err != nil || !bytes.Equal(got, pt) {
				t.Fatalf("%s segments: got %d bytes, %v", name, len(got), err)
			}
		}
		if tags := (len(pt) + 4095) / 4096 * 16; len(cur)-len(old) < tags/2 {
			t.Fatalf("new blob is %d bytes, old %d: not sealed in 4 KiB segments", len(cur), len(old))
		}
	})
}
