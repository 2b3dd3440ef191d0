package privacy

import (
	"context"
	"fmt"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/datamap"
)

// Remind mails the data-protection officer about every request whose
// deadline is within RemindBefore and that was not reminded since it came
// within that window. It returns how many reminders went out.
func (s *Requests) Remind(ctx context.Context) (int, error) {
	d, err := s.gate.Check(ctx, access.System(JobRequests), access.List, access.Resource{Category: datamap.PrivacyRequest}, datamap.PurposeService)
	if err != nil {
		return 0, err
	}
	rows, err := s.store.Queue(ctx, d, 0)
	if err != nil {
		return 0, err
	}
	now := s.clk.Now().UTC()
	n := 0
	for _, r := range rows {
		window := r.Deadline().Add(-s.opts.RemindBefore)
		if now.Before(window) {
			break // the queue is ordered by deadline
		}
		if !r.RemindedAt.Before(window) {
			continue
		}
		left := r.Deadline().Sub(now).Round(time.Hour)
		s.notifyDPO(ctx, "Reminder: privacy request "+r.ID+" is due on "+day(r.Deadline()),
			fmt.Sprintf("The %s request %s (%s) must be answered by %s, in %s.", r.Kind, r.ID, r.Status, day(r.Deadline()), left))
		if err := s.store.MarkReminded(ctx, r.ID, now); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Run sends reminders every interval (by the wall clock; what is due is
// read from the injected clock) until ctx ends.
func (s *Requests) Run(ctx context.Context, every time.Duration) {
	clock.Every(ctx, every, func(ctx context.Context) {
		if _, err := s.Remind(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("privacy reminders failed", "err", err)
		}
		if _, err := s.CloseTransferred(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("closing transferred accounts failed", "err", err)
		}
	})
}

// Duties is the gate's source of the DPO's duties: an open privacy
// request of a person of the account. (Incidents, once vigil keeps them,
// join here.)
type Duties struct {
	store interface {
		OpenRequestNaming(ctx context.Context, accountID, subjectID string) (string, error)
	}
}

var _ access.Duties = Duties{}

// NewDuties returns the duty source over the requests' store.
func NewDuties(store interface {
	OpenRequestNaming(ctx context.Context, accountID, subjectID string) (string, error)
}) Duties {
	return Duties{store: store}
}

// Duty names the open request that lets the DPO read the account's data.
func (d Duties) Duty(ctx context.Context, q access.DutyQuery) (string, error) {
	id, err := d.store.OpenRequestNaming(ctx, q.AccountID, q.SubjectID)
	if err != nil || id == "" {
		return "", err
	}
	return "privacy request " + id, nil
}
