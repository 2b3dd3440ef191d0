package face

import (
	"context"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
)

// RegisterPrivacy gives the privacy centre the exporters, erasers and
// retention purgers of enrolled people (with their templates) and of match
// events.
func (s *Service) RegisterPrivacy(r *fulfil.Registry) error {
	for _, c := range []datamap.CategoryID{datamap.FaceTemplate, datamap.FaceMatch} {
		h := handler{s: s, cat: c}
		if err := r.Register(c, fulfil.Handlers{Export: h, Erase: h, Purge: h}); err != nil {
			return err
		}
	}
	// A filmed person's search is exported as the footage its request
	// releases (datamap: Exempt.Export); it is erased and purged here.
	sh := handler{s: s, cat: datamap.FaceSearch}
	return r.Register(datamap.FaceSearch, fulfil.Handlers{Erase: sh, Purge: sh})
}

type handler struct {
	s   *Service
	cat datamap.CategoryID
}

// Export writes the enrolments (never the numbers of a template: their
// count and dates) or the match events of the accounts the subject owns.
func (h handler) Export(ctx context.Context, d access.Decision, sub fulfil.Subject, sc fulfil.Scope, emit func(fulfil.Record) error) error {
	for _, acct := range sub.OwnedAccounts() {
		var err error
		if h.cat == datamap.FaceTemplate {
			err = h.s.store.ExportPeople(ctx, d, sub.ID, acct, func(r PersonRow) error {
				return emit(fulfil.Record{ID: r.ID, Data: h.s.person(ctx, r)})
			})
		} else {
			err = h.s.store.ExportMatches(ctx, d, sub.ID, acct, func(m Match) error {
				if !sc.InRange(m.At) {
					return nil
				}
				m.Text = h.s.matchText(ctx, m)
				return emit(fulfil.Record{ID: m.ID, Data: m})
			})
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Erase deletes the category's data of the accounts the subject owns; the
// enrolled people's keys are shredded by the privacy centre afterwards.
func (h handler) Erase(ctx context.Context, d access.Decision, sub fulfil.Subject, _ fulfil.Scope) (fulfil.Erased, error) {
	var out fulfil.Erased
	if h.cat == datamap.FaceSearch {
		reqs, err := h.s.store.EraseSearches(ctx, d, sub.ID, time.Time{})
		out.Rows = int64(len(reqs))
		for _, r := range reqs {
			out.Shred = append(out.Shred, fulfil.KeyRef{Scope: keys.ScopeAccount, Owner: fulfil.SelfieKeyOwner(r)})
		}
		return out, err
	}
	for _, acct := range sub.OwnedAccounts() {
		if h.cat == datamap.FaceMatch {
			n, err := h.s.store.EraseMatches(ctx, d, sub.ID, acct, time.Time{})
			out.Rows += n
			if err != nil {
				return out, err
			}
			continue
		}
		people, err := h.s.store.ErasePeople(ctx, d, sub.ID, acct, time.Time{})
		if err != nil {
			return out, err
		}
		out.Rows += int64(len(people))
		for _, p := range people {
			out.Shred = append(out.Shred, fulfil.KeyRef{Scope: keys.ScopeSubject, Owner: p})
		}
	}
	return out, nil
}

// Expired lists accounts with enrolments or matches past their retention.
func (h handler) Expired(ctx context.Context, cutoff time.Time) ([]string, error) {
	if h.cat == datamap.FaceSearch {
		return h.s.store.ExpiredSearches(ctx, cutoff)
	}
	if h.cat == datamap.FaceMatch {
		return h.s.store.ExpiredMatches(ctx, cutoff)
	}
	return h.s.store.ExpiredPeople(ctx, cutoff)
}

// Purge erases an account's enrolments (destroying each person's key) or
// matches older than cutoff.
func (h handler) Purge(ctx context.Context, d access.Decision, owner string, cutoff time.Time) (int64, error) {
	if h.cat == datamap.FaceMatch {
		return h.s.store.EraseMatches(ctx, d, owner, owner, cutoff)
	}
	if h.cat == datamap.FaceSearch {
		// A search outliving its retention belongs to a request left open
		// too long: its template's key goes, then its rows.
		reqs, err := h.s.store.EraseSearches(ctx, d, owner, cutoff)
		for _, r := range reqs {
			if err := h.s.keys.Destroy(ctx, keys.ScopeAccount, fulfil.SelfieKeyOwner(r)); err != nil && !errs.Is(err, errs.NotFound) {
				return 0, err
			}
		}
		return int64(len(reqs)), err
	}
	people, err := h.s.store.ErasePeople(ctx, d, owner, owner, cutoff)
	if err != nil {
		return 0, err
	}
	return int64(len(people)), h.s.shred(ctx, people)
}
