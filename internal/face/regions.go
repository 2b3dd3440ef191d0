package face

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// StopInput is the operator's stop of face recognition in a region and the
// region's rule for what was collected under it.
type StopInput struct {
	Reason string `json:"reason"`
	// DeleteAfterDays is the region's rule: every enrolled person, template
	// and match of accounts in the region is erased this many days after
	// the stop (0: at once, at the job's next run).
	DeleteAfterDays int `json:"delete_after_days"`
}

// StopRegion stops face recognition for every account in region at once
// (F5): the next picture is not processed, and people see why. Only the
// DPO or the operator admin may; regions are checked by the caller's
// list.
func (s *Service) StopRegion(ctx context.Context, p access.Principal, region string, regions []string, in StopInput) (RegionStop, error) {
	if err := mayStop(p); err != nil {
		return RegionStop{}, err
	}
	if !slices.Contains(regions, region) {
		return RegionStop{}, errs.E(errs.Invalid, "region must be one of %s", strings.Join(regions, ", "))
	}
	reason := strings.TrimSpace(in.Reason)
	if reason == "" || len(reason) > 500 {
		return RegionStop{}, errs.E(errs.Invalid, "reason is required (at most 500 characters): people are shown it")
	}
	if in.DeleteAfterDays < 0 || in.DeleteAfterDays > 365 {
		return RegionStop{}, errs.E(errs.Invalid, "delete_after_days must be 0 to 365")
	}
	now := s.clk.Now().UTC().Truncate(time.Microsecond)
	st := RegionStop{Region: region, Reason: reason, StoppedAt: now, StoppedBy: p.ID, DeleteAfterDays: in.DeleteAfterDays,
		DueAt: now.Add(time.Duration(in.DeleteAfterDays) * 24 * time.Hour)}
	if err := s.store.StopRegion(ctx, st); err != nil {
		return RegionStop{}, err
	}
	s.log.Info("face recognition stopped in a region", "region", region, "by", p.ID, "delete_after_days", in.DeleteAfterDays)
	return st, nil
}

// ResumeRegion lifts a stop whose rule has not run yet; once data was
// erased, a site must be turned on again from scratch.
func (s *Service) ResumeRegion(ctx context.Context, p access.Principal, region string) error {
	if err := mayStop(p); err != nil {
		return err
	}
	return s.store.ResumeRegion(ctx, region)
}

// RegionStopOf returns a region's stop; errs.NotFound when it runs.
func (s *Service) RegionStopOf(ctx context.Context, region string) (RegionStop, error) {
	return s.store.RegionStop(ctx, region)
}

func mayStop(p access.Principal) error {
	if p.Kind != access.KindStaff || !p.MFA || (p.StaffRole != access.StaffDPO && p.StaffRole != access.StaffOperatorAdmin) {
		return errs.E(errs.Forbidden, "only the DPO or the operator admin stops face recognition in a region")
	}
	return nil
}

// ApplyRegionRules carries out the rule of every stop that is due: the
// region's face data is erased (keys destroyed, rows deleted) and the stop
// records when and how many people, as proof. The stops are rows, so a
// restart resumes where the last run ended.
func (s *Service) ApplyRegionRules(ctx context.Context) error {
	s.rulesMu.Lock()
	defer s.rulesMu.Unlock()
	due, err := s.store.DueStops(ctx, s.clk.Now())
	if err != nil {
		return err
	}
	for _, st := range due {
		d, err := s.check(ctx, regionRules, access.Delete, templateRes("", "", ""))
		if err != nil {
			return err
		}
		people, err := s.store.ErasePeopleInRegion(ctx, d, st.Region)
		if err != nil {
			return err
		}
		if err := s.shred(ctx, people); err != nil {
			return err
		}
		if err := s.store.FinishStop(ctx, st.Region, int64(len(people))); err != nil {
			return err
		}
		s.log.Info("face data of a stopped region erased", "region", st.Region, "people", len(people))
	}
	return s.eraseOrphans(ctx)
}

// eraseOrphans erases the face data of sites deleted meanwhile: the site's
// deletion does not know of face recognition, so this job follows it.
func (s *Service) eraseOrphans(ctx context.Context) error {
	d, err := s.check(ctx, regionRules, access.Delete, templateRes("", "", ""))
	if err != nil {
		return err
	}
	people, err := s.store.EraseOrphans(ctx, d)
	if err != nil {
		return err
	}
	if len(people) > 0 {
		s.log.Info("face data of deleted sites erased", "people", len(people))
	}
	return s.shred(ctx, people)
}

// Run applies the regions' rules at once (what a restart interrupted) and
// then every interval until ctx ends.
func (s *Service) Run(ctx context.Context, every time.Duration) {
	if err := s.ApplyRegionRules(ctx); err != nil && ctx.Err() == nil {
		s.log.Error("face region rules", "err", err)
	}
	clock.Every(ctx, every, func(ctx context.Context) {
		if err := s.ApplyRegionRules(ctx); err != nil {
			s.log.Error("face region rules", "err", err)
		}
	})
}
