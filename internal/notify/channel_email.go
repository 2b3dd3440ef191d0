package notify

import (
	"context"
	"net/url"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/mail"
)

// emailChannel mails the person's sign-in address, when vigil has a mail
// transport; on by default for every kind but alarms.
type emailChannel struct{}

func (emailChannel) name() Channel         { return ChannelEmail }
func (emailChannel) chosen() bool          { return true }
func (emailChannel) byDefault(k Kind) bool { return k != KindAlarm }

func (emailChannel) targets(_ context.Context, s *Service, t target) ([]DeliveryRow, error) {
	if s.mailer == nil {
		return nil, nil
	}
	return []DeliveryRow{t.delivery(ChannelEmail, "")}, nil
}

func (emailChannel) send(ctx context.Context, s *Service, r DeliveryRow, m Message) error {
	return s.sendEmail(ctx, r, m)
}

func (s *Service) sendEmail(ctx context.Context, r DeliveryRow, m Message) error {
	d, err := s.check(ctx, worker, access.Read, access.Resource{Category: datamap.AccountProfile, SubjectID: r.UserID}, purposeOf(r.Kind))
	if err != nil {
		return err
	}
	sealed, _, err := s.store.UserEmail(ctx, d, r.UserID)
	if errs.Is(err, errs.NotFound) {
		return final(StatusSkipped, "the person no longer exists")
	} else if err != nil {
		return err
	}
	addr, err := s.openSubject(ctx, r.UserID, "users.email_sealed", r.UserID, sealed)
	if errs.Is(err, errs.Gone) {
		return final(StatusSkipped, "the person's address was erased")
	} else if err != nil {
		return err
	}
	text := m.Body
	if link := s.appLink(m.URL); link != "" {
		text += "\n\nOpen in vigil: " + link
	}
	// A snapshot goes by e-mail only as a link into the app, and only when
	// the mail provider may receive snapshot links.
	cats := []datamap.CategoryID{datamap.AccountProfile, datamap.NotifyMessage}
	if m.SnapshotID != "" && s.opts.EmailProcessor != "" && s.ledger != nil {
		if p, ok := s.ledger.(interface {
			MayDisclose(ctx context.Context, processorID string, category datamap.CategoryID, at time.Time) error
		}); ok && p.MayDisclose(ctx, s.opts.EmailProcessor, datamap.MediaSnapshot, s.clk.Now()) == nil {
			text += "\nSnapshot: " + s.appLink("/#/snapshots/"+url.PathEscape(m.SnapshotID))
			cats = append(cats, datamap.MediaSnapshot)
		}
	}
	headers := map[string]string{"X-Vigil-Message-Id": m.ID}
	if m.Kind == KindIncident {
		// A breach notice is owed, not subscribed to: no unsubscribe link.
		text += "\n\nvigil sends this notice to everyone a security incident concerned; it cannot be turned off.\n"
	} else {
		unsub, err := s.unsubscribeLink(ctx, r.UserID, m.Kind, ChannelEmail)
		if err != nil {
			return err
		}
		text += "\n\nStop these e-mails: " + unsub + "\n"
		headers["List-Unsubscribe"] = "<" + unsub + ">"
		headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
	}
	if s.opts.EmailProcessor != "" {
		if err := s.disclose(ctx, r, s.opts.EmailProcessor, cats, string(m.Kind)+" e-mail"); err != nil {
			return err
		}
	}
	msg := mail.Mail{To: string(addr), Subject: "[vigil] " + m.Title, Text: text, Headers: headers}
	if err := s.mailer.Send(ctx, msg); err != nil {
		return retryable("mail server did not take the message")
	}
	return nil
}
