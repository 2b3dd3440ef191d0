package incident

import (
	"context"
	"fmt"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/clock"
)

// JobReminders is the system job that reminds the incident room of
// regulators' clocks.
const JobReminders = "incident-reminders"

// StaffMailer writes to staff members by ID and by role; the account
// capability, which holds their sealed addresses, implements it.
type StaffMailer interface {
	MailStaff(ctx context.Context, job string, ids []string, roles []access.StaffRole, subject, text string) int
}

// SetMailer connects the reminders to the staff's mailboxes.
func (s *Service) SetMailer(m StaffMailer) { s.mailer = m }

// reminderStages are how long before a regulator's deadline the incident
// room is reminded, most distant first; "overdue" comes after the last.
var reminderStages = []struct {
	name string
	left time.Duration
}{
	{"24 hours left", 24 * time.Hour},
	{"6 hours left", 6 * time.Hour},
	{"1 hour left", time.Hour},
	{"overdue", 0},
}

// stageOf is the most urgent stage a report with left to run has reached,
// or "" when none has.
func stageOf(left time.Duration) string {
	stage := ""
	for _, st := range reminderStages {
		if left <= st.left {
			stage = st.name
		}
	}
	return stage
}

// RemindDeadlines mails the responsible staff member and the security
// officers about every regulator report of an open incident that is
// required, not yet sent, and has reached a new reminder stage (24 hours,
// 6 hours, 1 hour left, overdue). Each stage is mailed once: the stage is
// kept on the report in the same transaction that claims it, so two nodes
// never both send it. It returns how many reminders went out.
func (s *Service) RemindDeadlines(ctx context.Context) (int, error) {
	if s.mailer == nil {
		return 0, nil
	}
	p := access.System(JobReminders)
	list, err := s.check(ctx, p, access.List, collection)
	if err != nil {
		return 0, err
	}
	incs, err := s.store.Incidents(ctx, list)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, inc := range incs {
		if inc.Status == StatusClosed || !s.reminderDue(inc, s.clk.Now()) {
			continue
		}
		upd, err := s.check(ctx, p, access.Update, one(inc.ID))
		if err != nil {
			return n, err
		}
		var due []Report
		now := s.clk.Now()
		if _, err := s.store.UpdateIncident(ctx, upd, inc.ID, func(x *Incident) error {
			due = due[:0]
			for i := range x.Reports {
				r := &x.Reports[i]
				if st := r.reminderDue(now); st != "" {
					r.Reminded = st
					due = append(due, *r)
				}
			}
			return nil
		}); err != nil {
			return n, err
		}
		for _, r := range due {
			s.mailer.MailStaff(ctx, JobReminders, []string{inc.Responsible}, []access.StaffRole{access.StaffSecurity}, reminderSubject(inc, r), reminderText(inc, r, now))
			n++
		}
	}
	return n, nil
}

// reminderDue reports, without a transaction, whether any report of inc
// may need a reminder now.
func (s *Service) reminderDue(inc Incident, now time.Time) bool {
	for _, r := range inc.Reports {
		if r.reminderDue(now) != "" {
			return true
		}
	}
	return false
}

// reminderDue is the reminder stage the report has newly reached at now
// (required, not sent, a stage not mailed yet), or "".
func (r *Report) reminderDue(now time.Time) string {
	r.clock(now)
	if st := stageOf(r.DueAt.Sub(now)); r.Required && r.SentAt.IsZero() && st != r.Reminded {
		return st
	}
	return ""
}

func reminderSubject(inc Incident, r Report) string {
	if r.Reminded == "overdue" {
		return fmt.Sprintf("Overdue: the %s report on incident %s", r.Law, inc.ID)
	}
	return fmt.Sprintf("Reminder, %s: the %s report on incident %s", r.Reminded, r.Law, inc.ID)
}

// reminderText names the incident, the law, the authority and the
// deadline; it holds no personal data (account IDs stay in the console).
func reminderText(inc Incident, r Report, now time.Time) string {
	due := r.DueAt.UTC().Format("2 January 2006, 15:04 MST")
	text := fmt.Sprintf("Incident %s (%s, severity %s) owes %s a report under %s for %d people in %s.\n",
		inc.ID, inc.Type, inc.Severity, r.Authority, r.Law, r.People, r.Region)
	if r.Reminded == "overdue" {
		text += fmt.Sprintf("It was due on %s and is %s late. Send it now and record the reasons for the delay with it.\n",
			due, now.Sub(r.DueAt).Round(time.Minute))
	} else {
		text += fmt.Sprintf("It is due on %s, in %s.\n", due, r.DueAt.Sub(now).Round(time.Minute))
	}
	return text + "\nOpen the incident in the vigil console to generate the report and record its sending.\n"
}

// RunReminders sends reminders every interval until ctx ends.
func (s *Service) RunReminders(ctx context.Context, every time.Duration) {
	clock.Every(ctx, every, func(ctx context.Context) {
		if _, err := s.RemindDeadlines(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("incident reminders failed", "err", err)
		}
	})
}
