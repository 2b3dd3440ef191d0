package keys_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/store/storetest"
)

func benchKeyring(b *testing.B) *keys.Keyring {
	clk := clock.NewFake(storetest.Start)
	return keys.NewKeyring(newKEK(b), store.NewKeyStore(storetest.OpenSQLite(b, clk)), clk)
}

// BenchmarkSealField seals a 64-byte field with a cached person key.
func BenchmarkSealField(b *testing.B) {
	kr := benchKeyring(b)
	field, ad := bytes.Repeat([]byte("a"), 64), []byte("users.name_sealed/usr_1")
	mustSeal(b, kr, keys.ScopeSubject, "usr_1", field, ad)
	ctx := context.Background()
	for b.Loop() {
		if _, err := kr.Seal(ctx, keys.ScopeSubject, "usr_1", field, ad); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenField opens a sealed 64-byte field with a cached person key.
func BenchmarkOpenField(b *testing.B) {
	kr := benchKeyring(b)
	ad := []byte("users.name_sealed/usr_1")
	ct := mustSeal(b, kr, keys.ScopeSubject, "usr_1", bytes.Repeat([]byte("a"), 64), ad)
	ctx := context.Background()
	for b.Loop() {
		if _, err := kr.Open(ctx, keys.ScopeSubject, "usr_1", ct, ad); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncryptStream is the cryptographic part of a sealed 4 MiB
// segment, without storage.
func BenchmarkEncryptStream(b *testing.B) {
	kr := benchKeyring(b)
	seg := bytes.Repeat([]byte("v"), 4<<20)
	b.SetBytes(int64(len(seg)))
	for b.Loop() {
		w, err := kr.EncryptStream(context.Background(), "acc_1", io.Discard, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := w.Write(seg); err != nil {
			b.Fatal(err)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
