package revoke_test

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/revoke"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/store/storetest"
)

// countingStore counts the reads that reach the database.
type countingStore struct {
	revoke.Store
	reads atomic.Int64
}

func (c *countingStore) Epochs(ctx context.Context, keys []revoke.Key) (map[revoke.Key]uint64, error) {
	c.reads.Add(1)
	return c.Store.Epochs(ctx, keys)
}

// fanout delivers a node's bumps to other nodes, as the bus does.
type fanout []*revoke.Epochs

func (f fanout) PublishRevoke(key string, epoch uint64) error {
	for _, e := range f {
		e.Apply(key, epoch)
	}
	return nil
}

// Two nodes on one database: a stamp issued on one holds on the other
// until any of its keys is revoked; the revoking node refuses at once, the
// other at once when it hears the broadcast and within the TTL when it did
// not; checks are answered from memory (a thousand checks, no read);
// listeners hear revocations from either node.
// proves: P3
func TestEpochsAcrossNodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clk *clock.Fake) {
		ctx := context.Background()
		log := slog.New(slog.DiscardHandler)
		st1, st2 := &countingStore{Store: store.NewRevocationStore(db)}, &countingStore{Store: store.NewRevocationStore(db)}
		a := revoke.New(st1, clk, log, 5*time.Second)
		b := revoke.New(st2, clk, log, 5*time.Second)
		keys := []revoke.Key{revoke.Person("usr_1"), revoke.Member("acc_1", "usr_1"), revoke.Device("dev_1")}

		s, err := a.Stamp(ctx, keys...)
		if err != nil {
			t.Fatal(err)
		}
		if !b.Valid(ctx, s, keys...) {
			t.Fatal("a fresh stamp is refused on the other node")
		}
		before := st2.reads.Load()
		for range 1000 {
			if !b.Valid(ctx, s, keys...) {
				t.Fatal("refused on a repeated check")
			}
		}
		if n := st2.reads.Load() - before; n != 0 {
			t.Errorf("a thousand checks read the database %d times", n)
		}

		// Without a broadcast: the other node refuses once its cache ages.
		if err := a.Revoke(ctx, revoke.Member("acc_1", "usr_1")); err != nil {
			t.Fatal(err)
		}
		if a.Valid(ctx, s, keys...) {
			t.Error("the revoking node still accepts the stamp")
		}
		if !b.Valid(ctx, s, keys...) {
			t.Log("the other node read the revocation before its TTL (allowed)")
		}
		clk.Advance(5 * time.Second)
		if b.Valid(ctx, s, keys...) {
			t.Error("the other node accepts the stamp after its TTL")
		}

		// With a broadcast: at once, and the listeners hear it.
		var heard []revoke.Key
		b.OnRevoke(func(k revoke.Key) { heard = append(heard, k) })
		a.SetFanout(fanout{b})
		s2, _ := b.Stamp(ctx, keys...)
		if !a.Valid(ctx, s2, keys...) {
			t.Fatal("a stamp issued after the revocation is refused")
		}
		if err := a.Revoke(ctx, revoke.Device("dev_1")); err != nil {
			t.Fatal(err)
		}
		if b.Valid(ctx, s2, keys...) {
			t.Error("the other node accepts the stamp after the broadcast")
		}
		if len(heard) != 1 || heard[0] != revoke.Device("dev_1") {
			t.Errorf("the other node's listener heard %v", heard)
		}
		if id, ok := heard[0].DeviceID(); !ok || id != "dev_1" {
			t.Errorf("DeviceID of %q: %q %v", heard[0], id, ok)
		}
		// A stamp from the future (a node ahead of this one) is checked
		// against the database, not refused on a stale cache.
		clk.Advance(time.Second)
		if err := b.Revoke(ctx, revoke.Person("usr_1")); err != nil {
			t.Fatal(err)
		}
		s3, _ := b.Stamp(ctx, keys...)
		if !a.Valid(ctx, s3, keys...) {
			t.Error("a newer stamp is refused by a node that had not heard the bump")
		}
	})
}
