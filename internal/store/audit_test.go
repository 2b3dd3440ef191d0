package store_test

import (
	"context"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/vigil-cloud/vigil/internal/audit"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/store/storetest"
)

func TestAuditColumnsAreDeclared(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *clock.Fake) {
		cols, err := db.Columns(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		reg, n := datamap.Default(), 0
		for _, c := range cols {
			if !strings.HasPrefix(c.Table, "audit_") {
				continue
			}
			n++
			if _, _, ok := reg.ColumnOwner(c.String()); !ok {
				t.Errorf("column %s is not in the data map", c)
			}
		}
		if n == 0 {
			t.Fatal("no audit tables in the schema")
		}
	})
}

// batchOf returns a batch of one placeholder row on top of size; the store
// does not read what it keeps.
func batchOf(size int64) audit.Batch {
	return audit.Batch{
		From:       size,
		Rows:       []audit.Row{{Seq: size + 1, AccountID: "acc_1", Data: []byte{1}, PrevHash: []byte{2}, Hash: []byte{3}}},
		Hashes:     make([]tlog.Hash, tlog.StoredHashCount(size+1)-tlog.StoredHashCount(size)),
		Checkpoint: "signed",
	}
}

func TestAuditCommitBuildsOnTheLockedHead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *clock.Fake) {
		ctx := context.Background()
		s := store.NewAuditStore(db)
		commit := func(build func(size int64) (audit.Batch, error)) error {
			return s.Commit(ctx, func(_ context.Context, size int64, _ audit.TreeReader) (audit.Batch, error) {
				return build(size)
			})
		}
		for range 3 {
			if err := commit(func(size int64) (audit.Batch, error) { return batchOf(size), nil }); err != nil {
				t.Fatal(err)
			}
		}
		if err := commit(func(int64) (audit.Batch, error) { return batchOf(1), nil }); !errs.Is(err, errs.Internal) {
			t.Errorf("batch on a stale head: got %v, want internal", err)
		}
		boom := errs.E(errs.Unavailable, "sealer down")
		if err := commit(func(int64) (audit.Batch, error) { return audit.Batch{}, boom }); err != boom {
			t.Errorf("failing build: got %v", err)
		}
		head, err := s.Head(ctx)
		if err != nil || head.Size != 3 || head.Checkpoint != "signed" {
			t.Fatalf("head %+v, %v; want size 3", head, err)
		}
		row, err := s.Row(ctx, 3)
		if err != nil || len(row.Sealed) != 0 {
			t.Fatalf("row 3: %+v, %v; want empty sealed fields", row, err)
		}
		if _, err := s.ReadHashes(ctx, []int64{0, tlog.StoredHashCount(3)}); !errs.Is(err, errs.NotFound) {
			t.Errorf("hash past the tree: got %v, want not found", err)
		}
	})
}
