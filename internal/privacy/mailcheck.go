package privacy

import (
	"context"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
	"github.com/vigil-cloud/vigil/internal/mail"
)

// Outcomes of a transactional message.
const (
	MailSent     = "sent"     // handed to the processor, in force
	MailFallback = "fallback" // the processor lapsed; the configured fallback carried it
	MailHeld     = "held"     // not sent: no processor in force could carry it
)

// MailRecord is one transactional message (a confirmation, a reset link,
// an invitation, a privacy letter) as the processor check saw it. It holds
// no address and no body: the subject, which processor, and why it was
// held.
type MailRecord struct {
	ID          string    `json:"id"`
	At          time.Time `json:"at"`
	ProcessorID string    `json:"processor_id"`
	Subject     string    `json:"subject"`
	Status      string    `json:"status"`
	Reason      string    `json:"reason,omitempty"`
}

// MailLog keeps the records.
type MailLog interface {
	RecordMail(ctx context.Context, r MailRecord) error
	MailRecords(ctx context.Context, limit int) ([]MailRecord, error)
	Processor(ctx context.Context, id string) (ProcessorRow, error)
}

// CheckedMailer hands transactional mail to the mail processor only while
// its agreement and assessment are in force (E1, P4), as every notification
// channel does, and records each message; when the processor lapsed it
// uses the configured fallback (itself checked when it is a processor),
// or holds the message and says why. It never sends silently.
type CheckedMailer struct {
	next              mail.Mailer
	processor         string
	fallback          mail.Mailer
	fallbackProcessor string
	log               MailLog
	clk               clock.Clock
}

// NewCheckedMailer checks mail sent through next against processor ("" for
// the operator's own mail server, which is no processor: sent unchecked,
// still recorded). fallback may be nil.
func NewCheckedMailer(next mail.Mailer, processor string, fallback mail.Mailer, fallbackProcessor string, log MailLog, clk clock.Clock) *CheckedMailer {
	return &CheckedMailer{next: next, processor: processor, fallback: fallback, fallbackProcessor: fallbackProcessor, log: log, clk: clk}
}

// mayCarry returns "" when the processor may receive a person's address
// now, or why not.
func (c *CheckedMailer) mayCarry(ctx context.Context, processorID string, at time.Time) string {
	if processorID == "" {
		return ""
	}
	r, err := c.log.Processor(ctx, processorID)
	if errs.Is(err, errs.NotFound) {
		return "the mail processor is not in the registry of processors"
	} else if err != nil {
		return "the registry of processors could not be read"
	}
	if why := r.lapse(at); why != "" {
		return r.Name + ": " + why
	}
	for _, c := range r.Categories {
		if c == datamap.AccountProfile {
			return ""
		}
	}
	return r.Name + " does not receive e-mail addresses (account.profile)"
}

// Send checks, records and sends (or holds) one message.
func (c *CheckedMailer) Send(ctx context.Context, m mail.Mail) error {
	now := c.clk.Now().UTC().Truncate(time.Microsecond)
	rec := MailRecord{ID: id.New("mlr"), At: now, ProcessorID: c.processor, Subject: m.Subject, Status: MailSent}
	via := c.next
	if why := c.mayCarry(ctx, c.processor, now); why != "" {
		rec.Reason = why
		switch fb := c.mayCarry(ctx, c.fallbackProcessor, now); {
		case c.fallback != nil && fb == "":
			rec.Status, rec.ProcessorID, via = MailFallback, c.fallbackProcessor, c.fallback
		default:
			rec.Status = MailHeld
			if c.fallback != nil {
				rec.Reason += "; fallback: " + fb
			}
		}
	}
	if err := c.log.RecordMail(context.WithoutCancel(ctx), rec); err != nil {
		// A message whose handing-over cannot be recorded is not sent.
		return errs.Wrap(err, errs.Unavailable, "mail not recorded; not sent")
	}
	if rec.Status == MailHeld {
		return errs.E(errs.Unavailable, "mail held: %s", rec.Reason)
	}
	return via.Send(ctx, m)
}

// MailRecords lists the latest transactional messages, held ones with
// their reason (operator admin, DPO).
func (s *Service) MailRecords(ctx context.Context, p access.Principal, limit int) ([]MailRecord, error) {
	if err := requireStaff(p, access.StaffOperatorAdmin, access.StaffDPO); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	return s.store.MailRecords(ctx, limit)
}
