package notify

import (
	"context"
	"errors"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
)

// RegisterPrivacy gives the privacy centre the export and erasure of how
// people are reached, of what was sent to them and of the webhooks of the
// accounts they own, and the retention of sent messages and of the
// webhooks of closed accounts.
func (s *Service) RegisterPrivacy(r *fulfil.Registry) error {
	return errors.Join(
		r.Register(datamap.NotifyPrefs, fulfil.Handlers{Export: prefsHandler{s}, Erase: prefsHandler{s}}),
		r.Register(datamap.NotifyMessage, fulfil.Handlers{Export: messageHandler{s}, Erase: messageHandler{s}, Purge: messageHandler{s}}),
		r.Register(datamap.NotifyWebhook, fulfil.Handlers{Export: webhookHandler{s}, Erase: webhookHandler{s}, Purge: webhookHandler{s}}),
	)
}

type prefsHandler struct{ s *Service }

// prefsExport is a person's notification settings as exported: the phone
// number in full (it is theirs), the push services but not the keys.
type prefsExport struct {
	Channels          map[Kind][]Channel `json:"channels"`
	Phone             string             `json:"phone,omitempty"`
	PushSubscriptions []PushSubscription `json:"push_subscriptions"`
}

func (h prefsHandler) Export(ctx context.Context, d access.Decision, subj fulfil.Subject, _ fulfil.Scope, emit func(fulfil.Record) error) error {
	// The export decision is turned into the read the settings need; the
	// gate records both.
	rd, err := h.s.check(ctx, worker, access.Read, prefsRes(subj.ID), d.Purpose())
	if err != nil {
		return err
	}
	p, err := h.s.preferences(ctx, rd, subj.ID)
	if err != nil {
		return err
	}
	out := prefsExport{Channels: p.Channels, PushSubscriptions: p.PushSubscriptions}
	if sealed, err := h.s.store.Phone(ctx, rd, subj.ID); err == nil {
		if b, err := h.s.openSubject(ctx, subj.ID, "notify_phones.phone_sealed", subj.ID, sealed); err == nil {
			out.Phone = string(b)
		}
	}
	return emit(fulfil.Record{ID: "notification-settings", Data: out})
}

func (h prefsHandler) Erase(ctx context.Context, d access.Decision, subj fulfil.Subject, _ fulfil.Scope) (fulfil.Erased, error) {
	n, err := h.s.store.EraseSubject(ctx, d, datamap.NotifyPrefs, subj.ID)
	return fulfil.Erased{Rows: n}, err
}

type messageHandler struct{ s *Service }

func (h messageHandler) Export(ctx context.Context, d access.Decision, subj fulfil.Subject, sc fulfil.Scope, emit func(fulfil.Record) error) error {
	return h.s.store.ExportDeliveries(ctx, d, subj.ID, func(r DeliveryRow) error {
		if !sc.InRange(r.CreatedAt) {
			return nil
		}
		out := struct {
			Delivery
			Message *FeedItem `json:"message,omitempty"`
		}{Delivery: h.s.delivery(ctx, r)}
		if m, ok := h.s.content(ctx, r); ok {
			it := feedItem(r.ID, m)
			out.Message = &it
		}
		return emit(fulfil.Record{ID: r.ID, Data: out})
	})
}

func (h messageHandler) Erase(ctx context.Context, d access.Decision, subj fulfil.Subject, _ fulfil.Scope) (fulfil.Erased, error) {
	n, err := h.s.store.EraseSubject(ctx, d, datamap.NotifyMessage, subj.ID)
	return fulfil.Erased{Rows: n}, err
}

func (h messageHandler) Expired(ctx context.Context, cutoff time.Time) ([]string, error) {
	return h.s.store.ExpiredMessages(ctx, cutoff)
}

func (h messageHandler) Purge(ctx context.Context, d access.Decision, owner string, cutoff time.Time) (int64, error) {
	return h.s.store.PurgeMessages(ctx, d, owner, cutoff)
}
