package privacy

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/keys"
)

// Subject is the person a request is about, as the exporters and erasers
// see them.
type Subject struct {
	Kind RequesterKind
	ID   string // the person's random ID (a user ID, or the ID given to a person without an account)
	// Memberships are a user's roles; empty for a person without an account.
	Memberships []access.Membership
}

// OwnedAccounts returns the accounts in which the subject is an
// account-wide owner: account-level data of those is the subject's to see.
func (s Subject) OwnedAccounts() []string {
	var out []string
	for _, m := range s.Memberships {
		if m.Role == access.RoleOwner && m.SiteID == "" {
			out = append(out, m.AccountID)
		}
	}
	return out
}

// Record is one record of a category in an export. ID is stable, so that a
// record marked confidential or privileged can be recognised and left out.
type Record struct {
	ID   string `json:"id"`
	Data any    `json:"data"`
	// Derived marks a record that answering requests itself produced (the
	// access-log entries of the export job); it is exported but not counted
	// when checking whether the data changed since an earlier answer.
	Derived bool `json:"-"`
}

// Exporter writes a category's records about a subject, within the scope
// (its time range and devices), one at a time: exports stream and never hold
// a category in memory. It must emit only the subject's own records, never
// another person's (R7). d is the gate's decision to export the category for
// the subject; store methods require it.
type Exporter interface {
	Export(ctx context.Context, d access.Decision, s Subject, sc Scope, emit func(Record) error) error
}

// MediaExporter is implemented by exporters of media categories: each file
// is streamed into the package under media/<category>/<name>.
type MediaExporter interface {
	ExportMedia(ctx context.Context, d access.Decision, s Subject, sc Scope, put func(name string, r io.Reader) error) error
}

// Erased is what an eraser did.
type Erased struct {
	Rows  int64 // rows deleted
	Blobs int   // blobs deleted
	// Shred lists the keys to destroy once every eraser has run; destroying
	// them makes every copy of what they sealed unreadable.
	Shred []KeyRef
	// Kept says what the law requires to keep and how it is pseudonymised;
	// empty when nothing is kept.
	Kept string
}

// KeyRef names a data key.
type KeyRef struct {
	Scope keys.Scope `json:"scope"`
	Owner string     `json:"owner"`
}

// Eraser erases a category's data about a subject within the scope.
type Eraser interface {
	Erase(ctx context.Context, d access.Decision, s Subject, sc Scope) (Erased, error)
}

// Corrector replaces one correctable field of a category and returns the
// value it had.
type Corrector interface {
	Correct(ctx context.Context, d access.Decision, s Subject, field, value string) (before string, err error)
}

// Purger purges a category's data once its retention ended.
type Purger interface {
	// Expired lists the owners (accounts or persons) holding data of the
	// category that ended before cutoff.
	Expired(ctx context.Context, cutoff time.Time) ([]string, error)
	// Purge erases owner's data of the category that ended before cutoff
	// and returns how many records went.
	Purge(ctx context.Context, d access.Decision, owner string, cutoff time.Time) (int64, error)
}

// Handlers are what one capability provides for one of its categories.
// Any may be nil: a category without an exporter holds nothing to export.
type Handlers struct {
	Export  Exporter
	Erase   Eraser
	Correct Corrector
	Purge   Purger
}

// Registry maps data-map categories to the handlers that export, erase,
// correct and purge them. Each capability registers its own categories at
// start-up; the request and retention engines iterate the data map and ask
// the registry, so a new category needs no change here.
type Registry struct {
	dm       *datamap.Registry
	handlers map[datamap.CategoryID]Handlers
}

// NewRegistry returns an empty registry over the data map.
func NewRegistry(dm *datamap.Registry) *Registry {
	return &Registry{dm: dm, handlers: map[datamap.CategoryID]Handlers{}}
}

// Register adds the handlers of a declared category, once.
func (r *Registry) Register(c datamap.CategoryID, h Handlers) error {
	cat, ok := r.dm.Category(c)
	if !ok {
		return fmt.Errorf("privacy: category %q is not in the data map", c)
	}
	if _, dup := r.handlers[c]; dup {
		return fmt.Errorf("privacy: handlers of %q registered twice", c)
	}
	if h.Correct != nil && !hasCorrectable(cat) {
		return fmt.Errorf("privacy: %q has a corrector but no correctable field", c)
	}
	r.handlers[c] = h
	return nil
}

// Handlers returns what is registered for c.
func (r *Registry) Handlers(c datamap.CategoryID) Handlers { return r.handlers[c] }

func hasCorrectable(c *datamap.Category) bool {
	for _, f := range c.Fields {
		if f.Correctable {
			return true
		}
	}
	return false
}

// subjectCategories are the categories whose data a request may name: every
// declared category except the privacy centre's own bookkeeping and staff
// records, which are answered through their own channels.
func (r *Registry) subjectCategories() []*datamap.Category {
	var out []*datamap.Category
	for _, c := range r.dm.Categories() {
		switch c.ID {
		case datamap.PrivacyDocument, datamap.PrivacyExport, datamap.PrivacyHold, datamap.StaffProfile:
			continue
		}
		out = append(out, c)
	}
	return out
}
