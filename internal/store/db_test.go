package store_test

import (
	"context"
	"testing"

	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/store/storetest"
)

func TestErrorsBecomeDomainCodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *clock.Fake) {
		ctx := context.Background()
		insert := func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO accounts (id, name_sealed, region, created_at) VALUES (?, ?, ?, ?)`,
				"acc_x", []byte{1}, "EU", store.Micros(tx.Now))
			return err
		}
		if err := db.Write(ctx, insert); err != nil {
			t.Fatalf("first insert: %v", err)
		}
		if err := db.Write(ctx, insert); !errs.Is(err, errs.Conflict) {
			t.Fatalf("duplicate insert: got %v, want conflict", err)
		}
		err := db.Read(ctx, func(tx *store.Tx) error {
			var id string
			return tx.Err(tx.QueryRow(ctx, `SELECT id FROM accounts WHERE id = ?`, "acc_missing").Scan(&id), "account")
		})
		if !errs.Is(err, errs.NotFound) {
			t.Fatalf("missing row: got %v, want not_found", err)
		}
	})
}

func TestWriteRollsBackOnError(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *clock.Fake) {
		ctx := context.Background()
		boom := errs.E(errs.Invalid, "stop")
		err := db.Write(ctx, func(tx *store.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO accounts (id, name_sealed, region, created_at) VALUES (?, ?, ?, ?)`,
				"acc_y", []byte{1}, "EU", 1); err != nil {
				return err
			}
			return boom
		})
		if err != boom {
			t.Fatalf("got %v, want the callback's error", err)
		}
		var n int
		if err := db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM accounts`).Scan(&n)
		}); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("%d rows after rollback, want 0", n)
		}
	})
}
