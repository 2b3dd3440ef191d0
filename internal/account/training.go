package account

import (
	"context"
	"fmt"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/datamap"
)

// Staff without current privacy training see no personal data (the gate
// refuses it). So that nobody lapses by surprise, each member is mailed 30
// and 7 days before their training ends, and the operator administrators
// are told whose ends; each reminder once, and afresh after the training
// date changes.

// trainingReminders are the days before the end at which reminders go.
var trainingReminders = []int{7, 30}

// RunTrainingReminders sends due reminders every interval until ctx ends.
func (s *Service) RunTrainingReminders(ctx context.Context, every time.Duration) {
	s.RemindTraining(ctx)
	clock.Every(ctx, every, func(ctx context.Context) { s.RemindTraining(ctx) })
}

// RemindTraining sends the reminders due now and returns how many.
func (s *Service) RemindTraining(ctx context.Context) int {
	d, err := s.check(ctx, access.System("staff-training"), access.List, access.Resource{Category: datamap.StaffProfile}, datamap.PurposeService)
	if err != nil {
		s.log.Error("training reminders", "err", err)
		return 0
	}
	rows, err := s.store.ListStaff(ctx, d)
	if err != nil {
		s.log.Error("training reminders", "err", err)
		return 0
	}
	sent, err := s.store.StaffTrainingReminders(ctx, d)
	if err != nil {
		s.log.Error("training reminders", "err", err)
		return 0
	}
	now, n := s.clk.Now(), 0
	for _, r := range rows {
		was, active := sent[r.ID]
		left := r.TrainingValidUntil.Sub(now)
		if !active || left <= 0 {
			continue
		}
		stage := 0
		for _, days := range trainingReminders {
			if left <= time.Duration(days)*24*time.Hour {
				stage = days
				break
			}
		}
		key := fmt.Sprintf("%d:%d", r.TrainingValidUntil.UnixMicro(), stage)
		if stage == 0 || was == key {
			continue
		}
		upd, err := s.check(ctx, access.System("staff-training"), access.Update, self(datamap.StaffProfile, r.ID), datamap.PurposeService)
		if err != nil {
			s.log.Error("training reminders", "err", err)
			continue
		}
		if won, err := s.store.SetStaffTrainingReminder(ctx, upd, r.ID, was, key); err != nil || !won {
			continue
		}
		day := r.TrainingValidUntil.UTC().Format("2 January 2006")
		if to := s.openSubject(ctx, r.ID, "staff.email_sealed", r.EmailSealed); to != "" {
			s.send(ctx, to, "Your vigil privacy training ends on "+day,
				"Your privacy training is recorded as valid until "+day+". After that, vigil shows you no personal data until an operator administrator records your renewed training.\n")
		}
		s.tellOperators(ctx, "Privacy training of "+r.ID+" ends on "+day,
			"The privacy training of staff member "+r.ID+" ends on "+day+". Record the renewal on the console's staff page once it is done.\n")
		n++
	}
	return n
}
