package datamap_test

import (
	"context"
	"testing"

	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/store/storetest"
)

// Every column of the live schema is declared: as a field of a category of
// personal data, or as operational with the reason it holds none. A new
// column that holds personal data cannot slip in undeclared.
// proves: C5
func TestEveryColumnDeclared(t *testing.T) {
	reg := datamap.Default()
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *clock.Fake) {
		cols, err := db.Columns(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(cols) == 0 {
			t.Fatal("no columns in the schema")
		}
		for _, c := range cols {
			if _, _, ok := reg.ColumnOwner(c.String()); !ok {
				t.Errorf("column %s is not declared in the data map", c)
			}
		}
	})
}
