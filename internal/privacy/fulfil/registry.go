package fulfil

import (
	"context"
	"errors"
	"fmt"

	"github.com/vigil-cloud/vigil/internal/datamap"
)

// Registry maps data-map categories to the handlers that export, erase,
// correct and purge them. Each capability registers its own categories at
// start-up; the request and retention engines iterate the data map and ask
// the registry, so a new category needs no change in privacy.
type Registry struct {
	dm       *datamap.Registry
	handlers map[datamap.CategoryID]Handlers
	redactor func(ctx context.Context, selfie []byte) (Redactor, error)
	footage  Footage
}

// SetRedaction registers how a redactor is made from a requester's selfie
// (face recognition provides it).
func (r *Registry) SetRedaction(fn func(ctx context.Context, selfie []byte) (Redactor, error)) {
	r.redactor = fn
}

// Redactor makes the redactor of one export; nil when nothing can redact.
func (r *Registry) Redactor(ctx context.Context, selfie []byte) (Redactor, error) {
	if r.redactor == nil {
		return nil, nil
	}
	return r.redactor(ctx, selfie)
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

// SubjectCategories are the categories whose data a request may name: every
// declared category except the privacy centre's own bookkeeping and staff
// records, which are answered through their own channels.
func (r *Registry) SubjectCategories() []*datamap.Category {
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

// Check holds the registry against its data map: every declared category
// has an export handler, an erasure handler and a retention purger, unless
// the data map says why it needs none (datamap.Category.Exempt); and no
// category both registers a handler and claims to need none. vigil refuses
// to start when it fails, so a category cannot be forgotten by the
// privacy centre.
func (r *Registry) Check() error {
	var problems []error
	for _, c := range r.dm.Categories() {
		h := r.handlers[c.ID]
		for _, k := range []struct {
			what string
			has  bool
			why  string
		}{{"export handler", h.Export != nil, c.Exempt.Export}, {"erasure handler", h.Erase != nil, c.Exempt.Erasure},
			{"retention purger", h.Purge != nil, c.Exempt.Retention}} {
			switch {
			case !k.has && k.why == "":
				problems = append(problems, fmt.Errorf("%s has no %s and the data map gives no reason it needs none", c.ID, k.what))
			case k.has && k.why != "":
				problems = append(problems, fmt.Errorf("%s registers a %s the data map says it does not need", c.ID, k.what))
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("privacy registry: %w", errors.Join(problems...))
	}
	return nil
}
