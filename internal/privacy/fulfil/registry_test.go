package fulfil_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
)

type handler struct{}

func (handler) Export(context.Context, access.Decision, fulfil.Subject, fulfil.Scope, func(fulfil.Record) error) error {
	return nil
}

func (handler) Erase(context.Context, access.Decision, fulfil.Subject, fulfil.Scope) (fulfil.Erased, error) {
	return fulfil.Erased{}, nil
}

func (handler) Expired(context.Context, time.Time) ([]string, error) { return nil, nil }

func (handler) Purge(context.Context, access.Decision, string, time.Time) (int64, error) {
	return 0, nil
}

func category(id datamap.CategoryID, column string, ex datamap.Exempt) datamap.Category {
	return datamap.Category{ID: id, Title: "T", Fields: []datamap.Field{{Name: "f", Column: column}},
		Purposes: []datamap.Purpose{datamap.PurposeService}, Basis: datamap.BasisContract,
		Retention: datamap.Retention{Period: time.Hour, From: "created"}, Export: datamap.ExportJSON, Erasure: datamap.ErasePurge, Exempt: ex}
}

// Check refuses a category without an export handler, an erasure handler
// or a retention purger unless the data map says why it needs none, and a
// handler registered against a stated reason.
func TestCheckRefusesACategoryWithoutHandlers(t *testing.T) {
	full := fulfil.Handlers{Export: handler{}, Erase: handler{}, Purge: handler{}}
	for _, tc := range []struct {
		name string
		ex   datamap.Exempt
		h    fulfil.Handlers
		want string // "" for no error
	}{
		{"all handlers", datamap.Exempt{}, full, ""},
		{"no handlers at all", datamap.Exempt{}, fulfil.Handlers{}, "no export handler"},
		{"no export", datamap.Exempt{}, fulfil.Handlers{Erase: handler{}, Purge: handler{}}, "no export handler"},
		{"no erasure", datamap.Exempt{}, fulfil.Handlers{Export: handler{}, Purge: handler{}}, "no erasure handler"},
		{"no purger", datamap.Exempt{}, fulfil.Handlers{Export: handler{}, Erase: handler{}}, "no retention purger"},
		{"no purger, with the reason", datamap.Exempt{Retention: "erased with its parent"}, fulfil.Handlers{Export: handler{}, Erase: handler{}}, ""},
		{"a reason and a handler", datamap.Exempt{Export: "shown in the app"}, full, "does not need"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dm := datamap.NewRegistry()
			if err := dm.Register(category("x.y", "t.f", tc.ex)); err != nil {
				t.Fatal(err)
			}
			r := fulfil.NewRegistry(dm)
			if err := r.Register("x.y", tc.h); err != nil {
				t.Fatal(err)
			}
			err := r.Check()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want an error about %q", err, tc.want)
			}
		})
	}
}
