package keys_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/store/storetest"
)

// cluster is a database and a KEK shared by any number of vigil nodes.
type cluster struct {
	db  *store.DB
	clk *clock.Fake
	kek keys.KEK
}

func newCluster(t testing.TB, db *store.DB, clk *clock.Fake) *cluster {
	return &cluster{db: db, clk: clk, kek: newKEK(t)}
}

// node returns a keyring as a freshly started node has it: empty cache.
func (c *cluster) node() *keys.Keyring {
	return keys.NewKeyring(c.kek, store.NewKeyStore(c.db), c.clk)
}

func newKEK(t testing.TB) *keys.LocalKEK {
	t.Helper()
	k, err := keys.NewLocalKEK()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustSeal(t testing.TB, kr *keys.Keyring, scope keys.Scope, owner string, pt, ad []byte) []byte {
	t.Helper()
	ct, err := kr.Seal(context.Background(), scope, owner, pt, ad)
	if err != nil {
		t.Fatalf("seal for %s %s: %v", scope, owner, err)
	}
	return ct
}

func mustOpen(t testing.TB, kr *keys.Keyring, scope keys.Scope, owner string, ct, ad, want []byte) {
	t.Helper()
	got, err := kr.Open(context.Background(), scope, owner, ct, ad)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("open for %s %s: %q, %v; want %q", scope, owner, got, err, want)
	}
}

func TestSealOpen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clk *clock.Fake) {
		ctx := context.Background()
		c := newCluster(t, db, clk)
		kr := c.node()
		pt, ad := []byte("alice@example.com"), []byte("users.email_sealed/usr_1")
		ct := mustSeal(t, kr, keys.ScopeSubject, "usr_1", pt, ad)
		if bytes.Contains(ct, pt) {
			t.Fatal("ciphertext contains the plaintext")
		}
		mustOpen(t, kr, keys.ScopeSubject, "usr_1", ct, ad, pt)
		mustOpen(t, c.node(), keys.ScopeSubject, "usr_1", ct, ad, pt) // another node unwraps the same key

		if _, err := kr.Open(ctx, keys.ScopeSubject, "usr_1", ct, []byte("users.email_sealed/usr_2")); !errs.Is(err, errs.Invalid) {
			t.Fatalf("open with other associated data: %v, want invalid", err)
		}
		mustSeal(t, kr, keys.ScopeSubject, "usr_2", []byte("x"), nil)
		if _, err := kr.Open(ctx, keys.ScopeSubject, "usr_2", ct, ad); !errs.Is(err, errs.Invalid) {
			t.Fatalf("open under another person's key: %v, want invalid", err)
		}
		mustSeal(t, kr, keys.ScopeAccount, "usr_1", []byte("x"), nil)
		if _, err := kr.Open(ctx, keys.ScopeAccount, "usr_1", ct, ad); !errs.Is(err, errs.Invalid) {
			t.Fatalf("open under the same ID in another scope: %v, want invalid", err)
		}
		if _, err := kr.Open(ctx, keys.ScopeSubject, "usr_never", ct, ad); !errs.Is(err, errs.NotFound) {
			t.Fatalf("open for an owner without a key: %v, want not_found", err)
		}
		for _, bad := range []struct {
			scope keys.Scope
			owner string
		}{{"tenant", "acc_1"}, {keys.ScopeAccount, ""}, {keys.ScopeAccount, "a\x00b"}, {keys.ScopeAccount, "a b"}} {
			if _, err := kr.AEAD(ctx, bad.scope, bad.owner); !errs.Is(err, errs.Invalid) {
				t.Errorf("AEAD(%q, %q): %v, want invalid", bad.scope, bad.owner, err)
			}
		}
	})
}

func TestWrappedKeyMovedToAnotherOwnerDoesNotUnwrap(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clk *clock.Fake) {
		ctx := context.Background()
		c := newCluster(t, db, clk)
		kr := c.node()
		mustSeal(t, kr, keys.ScopeAccount, "acc_a", []byte("a"), nil)
		ctB := mustSeal(t, kr, keys.ScopeAccount, "acc_b", []byte("b"), nil)
		// Someone with database access copies a's wrapped key over b's.
		err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE data_keys SET wrapped = (SELECT wrapped FROM data_keys WHERE scope = ? AND owner_id = ?)
				WHERE scope = ? AND owner_id = ?`, "account", "acc_a", "account", "acc_b")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		fresh := c.node()
		if _, err := fresh.AEAD(ctx, keys.ScopeAccount, "acc_b"); err == nil || errs.Is(err, errs.Gone) {
			t.Fatalf("moved key: AEAD gave %v, want an unwrap failure", err)
		}
		if _, err := fresh.Open(ctx, keys.ScopeAccount, "acc_b", ctB, nil); err == nil {
			t.Fatal("moved key opened b's ciphertext")
		}
	})
}

func TestConcurrentFirstUseMakesOneKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clk *clock.Fake) {
		ctx := context.Background()
		c := newCluster(t, db, clk)
		nodes := []*keys.Keyring{c.node(), c.node()}
		const perNode = 8
		cts := make([][]byte, len(nodes)*perNode)
		errc := make(chan error, len(cts))
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range cts {
			wg.Go(func() {
				<-start
				ct, err := nodes[i%len(nodes)].Seal(ctx, keys.ScopeAccount, "acc_race", []byte("hello"), nil)
				cts[i] = ct
				errc <- err
			})
		}
		close(start)
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Fatalf("concurrent seal: %v", err)
			}
		}
		// Every ciphertext opens under the one stored key.
		fresh := c.node()
		for i, ct := range cts {
			if _, err := fresh.Open(ctx, keys.ScopeAccount, "acc_race", ct, nil); err != nil {
				t.Fatalf("ciphertext %d does not open under the stored key: %v", i, err)
			}
		}
		var n int
		if err := db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM data_keys WHERE owner_id = ?`, "acc_race").Scan(&n)
		}); err != nil || n != 1 {
			t.Fatalf("%d key rows (%v), want 1", n, err)
		}
	})
}

func TestDestroyShredsKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clk *clock.Fake) {
		ctx := context.Background()
		c := newCluster(t, db, clk)
		kr := c.node()
		ct := mustSeal(t, kr, keys.ScopeSubject, "usr_gone", []byte("Alice"), nil)
		keep := mustSeal(t, kr, keys.ScopeSubject, "usr_kept", []byte("Bob"), nil)
		if err := kr.Destroy(ctx, keys.ScopeSubject, "usr_gone"); err != nil {
			t.Fatal(err)
		}
		if err := kr.Destroy(ctx, keys.ScopeSubject, "usr_gone"); err != nil {
			t.Fatalf("second destroy: %v", err)
		}
		for name, kr := range map[string]*keys.Keyring{"same node": kr, "fresh node": c.node()} {
			if _, err := kr.Open(ctx, keys.ScopeSubject, "usr_gone", ct, nil); !errs.Is(err, errs.Gone) {
				t.Errorf("%s: open after destroy: %v, want gone", name, err)
			}
			if _, err := kr.AEAD(ctx, keys.ScopeSubject, "usr_gone"); !errs.Is(err, errs.Gone) {
				t.Errorf("%s: AEAD after destroy: %v, want gone", name, err)
			}
			if _, err := kr.Seal(ctx, keys.ScopeSubject, "usr_gone", []byte("new"), nil); !errs.Is(err, errs.Gone) {
				t.Errorf("%s: seal after destroy: %v, want gone", name, err)
			}
			mustOpen(t, kr, keys.ScopeSubject, "usr_kept", keep, nil, []byte("Bob"))
		}
		var wrapped []byte
		var destroyedAt int64
		if err := db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT wrapped, destroyed_at FROM data_keys WHERE scope = ? AND owner_id = ?`,
				"subject", "usr_gone").Scan(&wrapped, &destroyedAt)
		}); err != nil {
			t.Fatal(err)
		}
		if wrapped != nil || destroyedAt != store.Micros(storetest.Start) {
			t.Fatalf("tombstone: wrapped %d bytes, destroyed_at %d; want none and %d", len(wrapped), destroyedAt, store.Micros(storetest.Start))
		}
		// An owner destroyed before first use never gets a key either.
		if err := kr.Destroy(ctx, keys.ScopeAccount, "acc_unused"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.node().AEAD(ctx, keys.ScopeAccount, "acc_unused"); !errs.Is(err, errs.Gone) {
			t.Fatalf("AEAD after destroy before first use: %v, want gone", err)
		}
	})
}

func TestDestroyOnAnotherNodeStopsCachedKeyWithinTTL(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clk *clock.Fake) {
		ctx := context.Background()
		c := newCluster(t, db, clk)
		a, b := c.node(), c.node()
		ct := mustSeal(t, a, keys.ScopeAccount, "acc_1", []byte("x"), nil)
		mustOpen(t, b, keys.ScopeAccount, "acc_1", ct, nil, []byte("x")) // b caches the key
		if err := a.Destroy(ctx, keys.ScopeAccount, "acc_1"); err != nil {
			t.Fatal(err)
		}
		// The documented window: b may still use its cached copy...
		clk.Advance(keys.CacheTTL - time.Second)
		mustOpen(t, b, keys.ScopeAccount, "acc_1", ct, nil, []byte("x"))
		// ...but not once the entry expires.
		clk.Advance(time.Second)
		if _, err := b.Open(ctx, keys.ScopeAccount, "acc_1", ct, nil); !errs.Is(err, errs.Gone) {
			t.Fatalf("open on another node after the cache TTL: %v, want gone", err)
		}
	})
}

func TestBlindIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clk *clock.Fake) {
		ctx := context.Background()
		c := newCluster(t, db, clk)
		index := func(kr *keys.Keyring, domain, value string) []byte {
			t.Helper()
			b, err := kr.BlindIndex(ctx, domain, []byte(value))
			if err != nil {
				t.Fatalf("blind index: %v", err)
			}
			return b
		}
		kr := c.node()
		a := index(kr, "users.email", "alice@example.com")
		if bytes.Contains(a, []byte("alice")) || len(a) < 32 {
			t.Fatalf("index %x is not a MAC", a)
		}
		if b := index(c.node(), "users.email", "alice@example.com"); !bytes.Equal(a, b) {
			t.Fatal("same domain and value gave two indexes on two nodes")
		}
		if b := index(kr, "staff.email", "alice@example.com"); bytes.Equal(a, b) {
			t.Fatal("two domains gave the same index")
		}
		if b := index(kr, "users.emai", "lalice@example.com"); bytes.Equal(a, b) {
			t.Fatal("moving bytes between domain and value gave the same index")
		}
		if b := index(kr, "users.email", "bob@example.com"); bytes.Equal(a, b) {
			t.Fatal("two values gave the same index")
		}
		// Another installation (its own database and KEK) has its own key.
		other := newCluster(t, storetest.OpenSQLite(t, clk), clk).node()
		if b := index(other, "users.email", "alice@example.com"); bytes.Equal(a, b) {
			t.Fatal("two installations gave the same index: the MAC is not keyed")
		}
	})
}

func TestSystemSecretMadeOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clk *clock.Fake) {
		ctx := context.Background()
		c := newCluster(t, db, clk)
		var mu sync.Mutex
		calls := 0
		gen := func() ([]byte, error) {
			mu.Lock()
			defer mu.Unlock()
			calls++
			return fmt.Appendf(nil, "secret-%d", calls), nil
		}
		got := make([][]byte, 8)
		var wg sync.WaitGroup
		for i := range got {
			wg.Go(func() {
				s, err := c.node().SystemSecret(ctx, "audit/signing-key", gen)
				if err != nil {
					t.Error(err)
				}
				got[i] = s
			})
		}
		wg.Wait()
		for i := range got {
			if !bytes.Equal(got[i], got[0]) || len(got[0]) == 0 {
				t.Fatalf("callers got different secrets: %q vs %q", got[i], got[0])
			}
		}
		var wrapped []byte
		if err := db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT wrapped FROM system_secrets WHERE name = ?`, "audit/signing-key").Scan(&wrapped)
		}); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(wrapped, got[0]) {
			t.Fatal("system secret stored in clear")
		}
	})
}
