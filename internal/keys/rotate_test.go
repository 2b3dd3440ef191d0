package keys_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/store/storetest"
)

// sealed is what a test sealed before a rotation, to open afterwards.
type sealed struct {
	scope      keys.Scope
	owner      string
	ct, pt     []byte
	secret     []byte
	blindIndex []byte
}

func sealSome(t *testing.T, kr *keys.Keyring) sealed {
	t.Helper()
	ctx := context.Background()
	s := sealed{scope: keys.ScopeSubject, owner: "usr_1", pt: []byte("Alice")}
	s.ct = mustSeal(t, kr, s.scope, s.owner, s.pt, nil)
	mustSeal(t, kr, keys.ScopeAccount, "acc_1", []byte("x"), nil)
	mustSeal(t, kr, keys.ScopeAccount, "acc_2", []byte("y"), nil)
	if err := kr.Destroy(ctx, keys.ScopeAccount, "acc_2"); err != nil {
		t.Fatal(err)
	}
	var err error
	s.secret, err = kr.SystemSecret(ctx, "audit/signing-key", func() ([]byte, error) { return []byte("ed25519 seed"), nil })
	if err != nil {
		t.Fatal(err)
	}
	if s.blindIndex, err = kr.BlindIndex(ctx, "users.email", []byte("alice@example.com")); err != nil {
		t.Fatal(err)
	}
	return s
}

// check opens everything s holds with kr, a keyring of a fresh node.
func (s sealed) check(t *testing.T, kr *keys.Keyring) {
	t.Helper()
	ctx := context.Background()
	mustOpen(t, kr, s.scope, s.owner, s.ct, nil, s.pt)
	secret, err := kr.SystemSecret(ctx, "audit/signing-key", func() ([]byte, error) { return []byte("other"), nil })
	if err != nil || !bytes.Equal(secret, s.secret) {
		t.Fatalf("system secret after rotation: %q, %v", secret, err)
	}
	bi, err := kr.BlindIndex(ctx, "users.email", []byte("alice@example.com"))
	if err != nil || !bytes.Equal(bi, s.blindIndex) {
		t.Fatalf("blind index changed with the rotation: %v", err)
	}
	if _, err := kr.AEAD(ctx, keys.ScopeAccount, "acc_2"); !errs.Is(err, errs.Gone) {
		t.Fatalf("destroyed key after rotation: %v, want gone", err)
	}
}

func TestRotateKEK(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clk *clock.Fake) {
		ctx := context.Background()
		oldKEK, newKEK := newKEK(t), newKEK(t)
		st := store.NewKeyStore(db)
		kr := keys.NewKeyring(oldKEK, st, clk)
		s := sealSome(t, kr)

		// Two live data keys, the blind-index key and the signing key.
		n, err := kr.RotateKEK(ctx, newKEK)
		if err != nil || n != 4 {
			t.Fatalf("rotate: %d rows, %v; want 4", n, err)
		}
		s.check(t, kr)
		s.check(t, keys.NewKeyring(newKEK, st, clk))
		if _, err := keys.NewKeyring(oldKEK, st, clk).Open(ctx, s.scope, s.owner, s.ct, nil); err == nil || errs.Is(err, errs.Gone) {
			t.Fatalf("the old KEK still opens data after rotation: %v", err)
		}
		// New keys made after the rotation are wrapped by the new KEK.
		ct := mustSeal(t, kr, keys.ScopeAccount, "acc_3", []byte("z"), nil)
		mustOpen(t, keys.NewKeyring(newKEK, st, clk), keys.ScopeAccount, "acc_3", ct, nil, []byte("z"))

		// Idempotent: nothing is left to rewrap.
		if n, err := kr.RotateKEK(ctx, newKEK); err != nil || n != 0 {
			t.Fatalf("second rotate: %d rows, %v; want 0", n, err)
		}
		// Resumable: a node still on the old KEK made a key meanwhile; the
		// next run rewraps that one only.
		lagging := keys.NewKeyring(oldKEK, st, clk)
		ct = mustSeal(t, lagging, keys.ScopeAccount, "acc_late", []byte("late"), nil)
		if n, err := kr.RotateKEK(ctx, newKEK); err != nil || n != 1 {
			t.Fatalf("resumed rotate: %d rows, %v; want 1", n, err)
		}
		mustOpen(t, keys.NewKeyring(newKEK, st, clk), keys.ScopeAccount, "acc_late", ct, nil, []byte("late"))
	})
}

func TestRotateKeyFile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clk *clock.Fake) {
		ctx := context.Background()
		path := filepath.Join(t.TempDir(), "kek.json")
		before, _, err := keys.LoadOrCreateKeyFile(path)
		if err != nil {
			t.Fatal(err)
		}
		oldFile, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		st := store.NewKeyStore(db)
		s := sealSome(t, keys.NewKeyring(before, st, clk))

		n, err := keys.RotateKeyFile(ctx, path, st, clk)
		if err != nil || n != 4 {
			t.Fatalf("rotate key file: %d rows, %v; want 4", n, err)
		}
		after, created, err := keys.LoadOrCreateKeyFile(path)
		if err != nil || created || after.ID() == before.ID() {
			t.Fatalf("reload after rotation: id %s (was %s), created=%v, %v", after.ID(), before.ID(), created, err)
		}
		s.check(t, keys.NewKeyring(after, st, clk))

		// The old key is gone from the file: a copy of the old file opens nothing.
		oldPath := filepath.Join(t.TempDir(), "old.json")
		if err := os.WriteFile(oldPath, oldFile, 0o600); err != nil {
			t.Fatal(err)
		}
		old, _, err := keys.LoadOrCreateKeyFile(oldPath)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := keys.NewKeyring(old, st, clk).Open(ctx, s.scope, s.owner, s.ct, nil); err == nil {
			t.Fatal("the old key file still opens data after rotation")
		}
		if _, err := after.Decrypt(mustEncrypt(t, old), nil); err == nil {
			t.Fatal("the rotated key file still holds the old key")
		}
	})
}

func mustEncrypt(t *testing.T, k keys.KEK) []byte {
	t.Helper()
	ct, err := k.Encrypt([]byte("x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return ct
}

func TestRotateKeyFileResumesAfterFailure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clk *clock.Fake) {
		path := filepath.Join(t.TempDir(), "kek.json")
		before, _, err := keys.LoadOrCreateKeyFile(path)
		if err != nil {
			t.Fatal(err)
		}
		st := store.NewKeyStore(db)
		s := sealSome(t, keys.NewKeyring(before, st, clk))

		// The database is unreachable after the new key was saved.
		cancelled, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := keys.RotateKeyFile(cancelled, path, st, clk); err == nil {
			t.Fatal("rotation with a cancelled context succeeded")
		}
		mid, _, err := keys.LoadOrCreateKeyFile(path)
		if err != nil || mid.ID() == before.ID() {
			t.Fatalf("after the failed run the file should hold the new primary: %v", err)
		}
		s.check(t, keys.NewKeyring(mid, st, clk)) // both keys: nothing is lost meanwhile

		n, err := keys.RotateKeyFile(context.Background(), path, st, clk)
		if err != nil || n != 4 {
			t.Fatalf("resumed rotation: %d rows, %v; want 4", n, err)
		}
		after, _, err := keys.LoadOrCreateKeyFile(path)
		if err != nil || after.ID() != mid.ID() {
			t.Fatalf("resumed rotation made yet another key: %s, want %s (%v)", after.ID(), mid.ID(), err)
		}
		s.check(t, keys.NewKeyring(after, st, clk))
		if _, err := after.Decrypt(mustEncrypt(t, before), nil); err == nil {
			t.Fatal("the resumed rotation kept the old key")
		}
	})
}
