package account

import (
	"context"
	"slices"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
)

// MailStaff mails the active staff members named by ids and every active
// member holding one of roles, each once, for vigil's own job named job
// (a deadline reminder, say). Addresses are opened only here, under the
// job's decision; it returns how many members it wrote to.
func (s *Service) MailStaff(ctx context.Context, job string, ids []string, roles []access.StaffRole, subject, text string) int {
	d, err := s.check(ctx, access.System(job), access.List, access.Resource{Category: datamap.StaffProfile}, datamap.PurposeService)
	if err != nil {
		s.log.Error("staff not mailed", "job", job, "err", err)
		return 0
	}
	rows, err := s.store.ListStaff(ctx, d)
	if err != nil {
		s.log.Error("staff not mailed", "job", job, "err", err)
		return 0
	}
	n := 0
	for _, r := range rows {
		if !r.DisabledAt.IsZero() || !slices.Contains(ids, r.ID) && !slices.Contains(roles, r.Role) {
			continue
		}
		if to := s.openSubject(ctx, r.ID, "staff.email_sealed", r.EmailSealed); to != "" {
			s.send(ctx, to, subject, text)
			n++
		}
	}
	return n
}
