package vuln

import (
	"context"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
)

// RegisterPrivacy gives the privacy centre the exporter, eraser and
// retention purger of vulnerability reports.
func (s *Service) RegisterPrivacy(r *fulfil.Registry) error {
	h := handler{s}
	return r.Register(datamap.VulnReport, fulfil.Handlers{Export: h, Erase: h, Purge: h})
}

type handler struct{ s *Service }

// Export writes the subject's reports: their contact, their words, the
// outcome and the attachments' names and sizes.
func (h handler) Export(ctx context.Context, d access.Decision, sub fulfil.Subject, sc fulfil.Scope, emit func(fulfil.Record) error) error {
	return h.s.store.ExportReports(ctx, d, sub.ID, func(r ReportRow, atts []AttachmentRow) error {
		if !sc.InRange(r.SubmittedAt) {
			return nil
		}
		v, err := h.s.full(ctx, r, atts)
		if err != nil {
			return err
		}
		v.TriagedBy = ""
		return emit(fulfil.Record{ID: r.ID, Data: v})
	})
}

// Erase deletes the subject's reports and their attachments; the
// attachments' keys are shredded afterwards.
func (h handler) Erase(ctx context.Context, d access.Decision, sub fulfil.Subject, _ fulfil.Scope) (fulfil.Erased, error) {
	ids, err := h.s.store.EraseReports(ctx, d, sub.ID, time.Time{})
	out := fulfil.Erased{Rows: int64(len(ids))}
	for _, id := range ids {
		out.Blobs += h.s.deleteBlobs(ctx, id)
		out.Shred = append(out.Shred, fulfil.KeyRef{Scope: keys.ScopeAccount, Owner: attachmentsOwner(id)})
	}
	return out, err
}

// Expired lists reporters with reports triaged before cutoff.
func (h handler) Expired(ctx context.Context, cutoff time.Time) ([]string, error) {
	return h.s.store.ExpiredReporters(ctx, cutoff)
}

// Purge deletes a reporter's reports triaged before cutoff, their
// attachments and the attachments' keys.
func (h handler) Purge(ctx context.Context, d access.Decision, owner string, cutoff time.Time) (int64, error) {
	ids, err := h.s.store.EraseReports(ctx, d, owner, cutoff)
	for _, id := range ids {
		h.s.deleteBlobs(ctx, id)
		if derr := h.s.keys.Destroy(ctx, keys.ScopeAccount, attachmentsOwner(id)); derr != nil && err == nil {
			err = derr
		}
	}
	return int64(len(ids)), err
}

// deleteBlobs deletes a report's attachment blobs and says how many.
func (s *Service) deleteBlobs(ctx context.Context, reportID string) int {
	var names []string
	if err := s.blobs.List(ctx, attachmentsOwner(reportID), "", func(k string) error { names = append(names, k); return nil }); err != nil {
		s.log.Warn("cannot list a report's attachments", "report", reportID, "err", err)
	}
	n := 0
	for _, k := range names {
		if err := s.blobs.Delete(ctx, attachmentsOwner(reportID), k); err == nil {
			n++
		}
	}
	return n
}
