package incident

import (
	"context"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
)

// RegisterPrivacy gives the privacy centre the exporter of the incidents
// that affected a person, and the retention purgers of both categories
// (their erasure is exempt: the law requires the breach documentation).
func (s *Service) RegisterPrivacy(r *fulfil.Registry) error {
	if err := r.Register(datamap.IncidentRecord, fulfil.Handlers{Purge: recordPurger{s}}); err != nil {
		return err
	}
	h := affectedHandler{s}
	return r.Register(datamap.IncidentAffected, fulfil.Handlers{Export: h, Purge: h})
}

type recordPurger struct{ s *Service }

func (p recordPurger) Expired(ctx context.Context, cutoff time.Time) ([]string, error) {
	return p.s.store.ExpiredIncidents(ctx, cutoff)
}

func (p recordPurger) Purge(ctx context.Context, d access.Decision, owner string, cutoff time.Time) (int64, error) {
	return p.s.store.PurgeIncident(ctx, d, owner, cutoff)
}

type affectedHandler struct{ s *Service }

// Export writes each incident that affected the subject: what of theirs
// was touched and how they were told.
func (h affectedHandler) Export(ctx context.Context, d access.Decision, sub fulfil.Subject, sc fulfil.Scope, emit func(fulfil.Record) error) error {
	return h.s.store.ExportAffected(ctx, d, sub.ID, func(a Affected) error {
		if !sc.InRange(a.CreatedAt) {
			return nil
		}
		return emit(fulfil.Record{ID: a.IncidentID, Data: a})
	})
}

func (h affectedHandler) Expired(ctx context.Context, cutoff time.Time) ([]string, error) {
	return h.s.store.ExpiredAffected(ctx, cutoff)
}

func (h affectedHandler) Purge(ctx context.Context, d access.Decision, owner string, cutoff time.Time) (int64, error) {
	return h.s.store.PurgeAffected(ctx, d, owner, cutoff)
}
