package datamap_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/store/storetest"
)

// Every category says what it holds, why, on which basis, for how long,
// and how it is exported and erased; every stored field names a column that
// exists.
// proves: C5
func TestEveryCategoryComplete(t *testing.T) {
	reg := datamap.Default()
	db := storetest.OpenSQLite(t, clock.NewFake(storetest.Start))
	cols, err := db.Columns(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	live := map[string]bool{}
	for _, c := range cols {
		live[c.String()] = true
	}
	if len(reg.Categories()) < 5 {
		t.Fatalf("only %d categories", len(reg.Categories()))
	}
	for _, c := range reg.Categories() {
		if c.Title == "" || c.Description == "" || len(c.Purposes) == 0 || c.Basis == "" || c.Retention.Period <= 0 || c.Export == "" || c.Erasure == "" {
			t.Errorf("category %s is incomplete: %+v", c.ID, c)
		}
		for _, f := range c.Fields {
			if f.Column != "" && !live[f.Column] {
				t.Errorf("category %s declares %s, which the schema does not have", c.ID, f.Column)
			}
			if strings.HasSuffix(f.Column, "_sealed") != f.Encrypted && f.Column != "" {
				t.Errorf("%s: encrypted flag %v does not match the column name", f.Column, f.Encrypted)
			}
		}
	}
}

func TestRegisterRefusesIncompleteOrDoubleDeclarations(t *testing.T) {
	good := datamap.Category{ID: "x.y", Title: "X", Fields: []datamap.Field{{Name: "f", Column: "t.f"}},
		Purposes: []datamap.Purpose{datamap.PurposeService}, Basis: datamap.BasisContract,
		Retention: datamap.Retention{Period: 1, From: "created"}, Export: datamap.ExportJSON, Erasure: datamap.ErasePurge}
	r := datamap.NewRegistry()
	if err := r.Register(good); err != nil {
		t.Fatal(err)
	}
	bad := map[string]func(c *datamap.Category){
		"duplicate":       func(c *datamap.Category) {},
		"no purpose":      func(c *datamap.Category) { c.ID, c.Purposes = "x.p", nil },
		"unknown purpose": func(c *datamap.Category) { c.ID, c.Purposes = "x.q", []datamap.Purpose{"U-Z"} },
		"no retention":    func(c *datamap.Category) { c.ID, c.Retention = "x.r", datamap.Retention{} },
		"column reused":   func(c *datamap.Category) { c.ID = "x.s" },
		"bad id":          func(c *datamap.Category) { c.ID, c.Fields = "nodot", []datamap.Field{{Name: "g", Column: "t.g"}} },
	}
	for name, mutate := range bad {
		c := good
		mutate(&c)
		if err := r.Register(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := r.Operational("t.f", "not personal"); err == nil {
		t.Error("a personal column was also declared operational")
	}
	if err := r.Operational("t.z", ""); err == nil {
		t.Error("an operational column without a reason was accepted")
	}
}

// Ingest keeps only declared fields and says which it dropped.
// proves: C5
func TestFilterDropsUndeclaredFields(t *testing.T) {
	reg := datamap.Default()
	kept, dropped, err := reg.Filter(datamap.AccountProfile, map[string]any{
		"name": "Ann", "language": "fr", "gps_location": "48.85,2.35", "contacts": []string{"x"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) != 2 || kept["name"] != "Ann" || kept["language"] != "fr" {
		t.Fatalf("kept %v", kept)
	}
	if !slices.Equal(dropped, []string{"contacts", "gps_location"}) {
		t.Fatalf("dropped %v", dropped)
	}
	if _, _, err := reg.Filter("no.such", nil); err == nil {
		t.Fatal("unknown category accepted")
	}
}
