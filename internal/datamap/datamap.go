// Package datamap is the one registry of the personal data vigil keeps. Each
// category says which fields it has, where they are stored, for which purposes
// they may be used, on which legal basis, for how long, how they are exported
// and how they are erased. Ingest, the access gate, retention, export and
// deletion all read this registry; nothing may store a personal field that is
// not declared here (a schema test enforces it).
package datamap

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Purpose is a use of personal data the privacy statement allows (U-A..U-I).
type Purpose string

// The purposes. Every read of personal data names one of them.
const (
	PurposeService         Purpose = "U-A" // deliver, activate, verify; support at the user's request
	PurposeUpdates         Purpose = "U-B" // app and firmware update notices
	PurposeAlarms          Purpose = "U-C" // alarm pushes, live and recorded viewing
	PurposeRemoteConfig    Purpose = "U-D" // remote configuration of devices and NVR channels
	PurposeAnalytics       Purpose = "U-E" // internal audit and analysis on pseudonymised data
	PurposeTroubleshooting Purpose = "U-F" // error details the user chose to send
	PurposeSync            Purpose = "U-G" // store and sync what the user uploads or downloads
	PurposeAntiFraud       Purpose = "U-H" // anti-loss and anti-fraud
	PurposeConsented       Purpose = "U-I" // anything else, only with recorded consent
)

var purposeTitles = map[Purpose]string{
	PurposeService:         "Provide and support the service you asked for",
	PurposeUpdates:         "Tell you about app and firmware updates",
	PurposeAlarms:          "Send your alarms and let you watch live and recorded video",
	PurposeRemoteConfig:    "Configure your devices remotely",
	PurposeAnalytics:       "Internal audit and statistics on pseudonymised data",
	PurposeTroubleshooting: "Fix errors you chose to report",
	PurposeSync:            "Store and sync what you upload or download",
	PurposeAntiFraud:       "Protect against device theft and account takeover",
	PurposeConsented:       "Other uses you have separately agreed to",
}

// Title returns a short plain description of the purpose.
func (p Purpose) Title() string { return purposeTitles[p] }

// Valid reports whether p is one of the declared purposes.
func (p Purpose) Valid() bool { _, ok := purposeTitles[p]; return ok }

// Purposes lists every purpose in order.
func Purposes() []Purpose {
	ps := make([]Purpose, 0, len(purposeTitles))
	for p := range purposeTitles {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	return ps
}

// LegalBasis is why vigil may process a category at all.
type LegalBasis string

// Legal bases (GDPR art. 6 vocabulary, which most regimes map onto).
const (
	BasisContract           LegalBasis = "contract"
	BasisConsent            LegalBasis = "consent"
	BasisLegalObligation    LegalBasis = "legal_obligation"
	BasisLegitimateInterest LegalBasis = "legitimate_interest"
)

// Erasure is how a category is erased when its retention ends or its subject
// asks for deletion.
type Erasure string

// Erasure methods.
const (
	EraseCryptoShred  Erasure = "crypto_shred" // destroy the key; ciphertext becomes noise
	ErasePurge        Erasure = "purge"        // delete rows and blobs
	ErasePseudonymise Erasure = "pseudonymise" // keep the record, destroy what identifies the person
)

// ExportFormat is how a category appears in a data-subject export.
type ExportFormat string

// Export formats.
const (
	ExportJSON  ExportFormat = "json"  // one JSON document per category
	ExportMedia ExportFormat = "media" // the original media files, decrypted
)

// Sensitivity grades how closely a category is guarded.
type Sensitivity int

// Sensitivity levels. Vendor staff never see Media or Biometric data without
// the customer's time-boxed grant.
const (
	Ordinary Sensitivity = iota
	Credential
	Media
	Biometric
)

// Retention is how long a category is kept and from which moment.
type Retention struct {
	Period time.Duration
	From   string // the event the period counts from, e.g. "created", "account closed"
}

func (r Retention) String() string {
	days := int(r.Period / (24 * time.Hour))
	return fmt.Sprintf("%d days from %s", days, r.From)
}

// CategoryID names a category, e.g. "account.profile".
type CategoryID string

// Field is one personal field of a category.
type Field struct {
	Name        string
	Description string
	// Column is where the field is stored, as "table.column"; empty for a
	// field that is never stored (for example a password before hashing).
	Column      string
	Correctable bool // the subject may correct it through a request
	Encrypted   bool // stored sealed under the subject's or account's key
}

// Category is one kind of personal data.
type Category struct {
	ID          CategoryID
	Title       string
	Description string
	Fields      []Field
	Purposes    []Purpose
	Basis       LegalBasis
	Retention   Retention
	Export      ExportFormat
	Erasure     Erasure
	Sensitivity Sensitivity
	// Exempt says why the category needs no handler of a kind; its
	// capability must register every handler not excused here, or vigil
	// refuses to start (fulfil.Registry.Check).
	Exempt Exempt
}

// Exempt holds the reasons a category needs no export handler, no erasure
// handler or no retention purger. An empty reason means the handler is
// required.
type Exempt struct {
	Export    string
	Erasure   string
	Retention string
}

// Allows reports whether the category may be used for purpose.
func (c *Category) Allows(p Purpose) bool { return slices.Contains(c.Purposes, p) }

// Field returns the named field.
func (c *Category) Field(name string) (Field, bool) {
	for _, f := range c.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// Registry holds the declared categories and the operational (non-personal)
// columns of the schema.
type Registry struct {
	categories  map[CategoryID]*Category
	order       []CategoryID
	operational map[string]string // "table.column" -> why it holds no personal data
	columns     map[string]CategoryID
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{
		categories:  map[CategoryID]*Category{},
		operational: map[string]string{},
		columns:     map[string]CategoryID{},
	}
}

// Register adds a category after checking that it is complete.
func (r *Registry) Register(c Category) error {
	var problems []string
	if c.ID == "" || !strings.Contains(string(c.ID), ".") {
		problems = append(problems, "id must look like area.name")
	}
	if _, dup := r.categories[c.ID]; dup {
		problems = append(problems, "declared twice")
	}
	if c.Title == "" || len(c.Fields) == 0 {
		problems = append(problems, "needs a title and at least one field")
	}
	if len(c.Purposes) == 0 {
		problems = append(problems, "needs at least one purpose")
	}
	for _, p := range c.Purposes {
		if !p.Valid() {
			problems = append(problems, fmt.Sprintf("unknown purpose %q", p))
		}
	}
	if c.Basis == "" || c.Erasure == "" || c.Export == "" {
		problems = append(problems, "needs a legal basis, an erasure method and an export format")
	}
	if c.Retention.Period <= 0 || c.Retention.From == "" {
		problems = append(problems, "needs a retention period and its starting event")
	}
	for _, f := range c.Fields {
		if f.Column == "" {
			continue
		}
		if owner, taken := r.columns[f.Column]; taken {
			problems = append(problems, fmt.Sprintf("column %s already belongs to %s", f.Column, owner))
		}
		if _, op := r.operational[f.Column]; op {
			problems = append(problems, fmt.Sprintf("column %s is also declared operational", f.Column))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("datamap: category %q: %s", c.ID, strings.Join(problems, "; "))
	}
	cc := c
	r.categories[c.ID] = &cc
	r.order = append(r.order, c.ID)
	for _, f := range c.Fields {
		if f.Column != "" {
			r.columns[f.Column] = c.ID
		}
	}
	return nil
}

// Operational declares a column that holds no personal data, with the reason.
func (r *Registry) Operational(column, why string) error {
	if why == "" {
		return fmt.Errorf("datamap: operational column %s needs a reason", column)
	}
	if owner, ok := r.columns[column]; ok {
		return fmt.Errorf("datamap: column %s belongs to category %s", column, owner)
	}
	r.operational[column] = why
	return nil
}

// Category returns the category with id.
func (r *Registry) Category(id CategoryID) (*Category, bool) {
	c, ok := r.categories[id]
	return c, ok
}

// Categories returns every category in declaration order.
func (r *Registry) Categories() []*Category {
	out := make([]*Category, 0, len(r.order))
	for _, id := range r.order {
		out = append(out, r.categories[id])
	}
	return out
}

// ColumnOwner says what a stored column is: the category holding it, or the
// reason it is operational. ok is false for an undeclared column.
func (r *Registry) ColumnOwner(column string) (category CategoryID, operationalWhy string, ok bool) {
	if c, found := r.columns[column]; found {
		return c, "", true
	}
	if why, found := r.operational[column]; found {
		return "", why, true
	}
	return "", "", false
}

// Allows reports whether category id may be used for purpose p.
func (r *Registry) Allows(id CategoryID, p Purpose) bool {
	c, ok := r.categories[id]
	return ok && c.Allows(p)
}

// Filter keeps the fields of record that category id declares and returns the
// names of the fields it dropped, sorted. It is how ingest minimises: what no
// category allows is never stored.
func (r *Registry) Filter(id CategoryID, record map[string]any) (kept map[string]any, dropped []string, err error) {
	c, ok := r.categories[id]
	if !ok {
		return nil, nil, fmt.Errorf("datamap: unknown category %q", id)
	}
	kept = make(map[string]any, len(record))
	for k, v := range record {
		if _, declared := c.Field(k); declared {
			kept[k] = v
		} else {
			dropped = append(dropped, k)
		}
	}
	sort.Strings(dropped)
	return kept, dropped, nil
}
