package notify

import (
	"context"
	"encoding/json"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// Delivery is one message's way to one endpoint, as its recipient or the
// account's admins see it.
type Delivery struct {
	ID        string    `json:"id"`
	MessageID string    `json:"message_id"`
	Kind      Kind      `json:"kind"`
	Title     string    `json:"title"`
	UserID    string    `json:"user_id,omitempty"`
	Channel   Channel   `json:"channel"`
	Endpoint  string    `json:"endpoint_id,omitempty"`
	Status    Status    `json:"status"`
	Attempts  int       `json:"attempts"`
	NextAt    time.Time `json:"next_at"`
	LastError string    `json:"last_error,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	DoneAt    time.Time `json:"done_at"`
}

func (s *Service) delivery(ctx context.Context, r DeliveryRow) Delivery {
	d := Delivery{ID: r.ID, MessageID: r.MessageID, Kind: r.Kind, UserID: r.UserID, Channel: r.Channel, Endpoint: r.EndpointID,
		Status: r.Status, Attempts: r.Attempts, NextAt: r.NextAt, LastError: r.LastError, CreatedAt: r.CreatedAt, DoneAt: r.DoneAt}
	if m, ok := s.content(ctx, r); ok {
		d.Title = m.Title
	}
	return d
}

func (s *Service) content(ctx context.Context, r DeliveryRow) (Message, bool) {
	var m Message
	b, err := s.openAccount(ctx, r.AccountID, "notify_messages.content_sealed", contentAD(r.AccountID, r.MessageID), r.Sealed)
	if err != nil || json.Unmarshal(b, &m) != nil {
		return m, false
	}
	return m, true
}

func checkStatus(st Status) error {
	if st != "" && !st.Valid() {
		return errs.E(errs.Invalid, "unknown status %q (want pending, sent, dead, gone or skipped)", st)
	}
	return nil
}

// MyDeliveries lists the deliveries to the caller, newest first.
func (s *Service) MyDeliveries(ctx context.Context, p access.Principal, st Status) ([]Delivery, error) {
	if err := checkStatus(st); err != nil {
		return nil, err
	}
	d, err := s.check(ctx, p, access.List, access.Resource{Category: datamap.NotifyMessage, SubjectID: p.ID}, datamap.PurposeService)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.Deliveries(ctx, d, DeliveryQuery{UserID: p.ID, Status: st})
	if err != nil {
		return nil, err
	}
	out := make([]Delivery, 0, len(rows))
	for _, r := range rows {
		out = append(out, s.delivery(ctx, r))
	}
	return out, nil
}

// OpenFeed opens the caller's live feed of in-app messages; the gate
// decides and records the read once per connection. stop closes it.
func (s *Service) OpenFeed(ctx context.Context, p access.Principal) (items <-chan FeedItem, stop func(), err error) {
	if _, err := s.check(ctx, p, access.Read, access.Resource{Category: datamap.NotifyMessage, SubjectID: p.ID}, datamap.PurposeService); err != nil {
		return nil, nil, err
	}
	items, stop = s.feed.Subscribe(p.ID)
	return items, stop, nil
}

// Inbox lists the messages delivered to the caller in the app, newest
// first.
func (s *Service) Inbox(ctx context.Context, p access.Principal) ([]FeedItem, error) {
	d, err := s.check(ctx, p, access.List, access.Resource{Category: datamap.NotifyMessage, SubjectID: p.ID}, datamap.PurposeService)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.Deliveries(ctx, d, DeliveryQuery{UserID: p.ID, Channel: ChannelApp, Status: StatusSent})
	if err != nil {
		return nil, err
	}
	out := make([]FeedItem, 0, len(rows))
	for _, r := range rows {
		if m, ok := s.content(ctx, r); ok {
			out = append(out, feedItem(r.ID, m))
		}
	}
	return out, nil
}

// AccountDeliveries lists an account's deliveries (owner or admin),
// optionally of one status: StatusDead is the dead-letter list.
func (s *Service) AccountDeliveries(ctx context.Context, p access.Principal, accountID string, st Status) ([]Delivery, error) {
	if err := checkStatus(st); err != nil {
		return nil, err
	}
	d, err := s.check(ctx, p, access.List, messageRes(accountID, ""), datamap.PurposeService)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.Deliveries(ctx, d, DeliveryQuery{AccountID: accountID, Status: st})
	if err != nil {
		return nil, err
	}
	out := make([]Delivery, 0, len(rows))
	for _, r := range rows {
		out = append(out, s.delivery(ctx, r))
	}
	return out, nil
}

// RetryDelivery puts a dead letter of the account back in the queue
// (owner or admin).
func (s *Service) RetryDelivery(ctx context.Context, p access.Principal, accountID, id string) error {
	d, err := s.check(ctx, p, access.Update, messageRes(accountID, id), datamap.PurposeService)
	if err != nil {
		return err
	}
	if err := s.store.Retry(ctx, d, accountID, id); err != nil {
		return err
	}
	s.Wake()
	return nil
}

// MessageDeliveries lists every delivery of one message of an account, as
// vigil's own worker reads them: how the incident room tracks each notice
// it queued.
func (s *Service) MessageDeliveries(ctx context.Context, accountID, messageID string) ([]Delivery, error) {
	d, err := s.check(ctx, worker, access.List, messageRes(accountID, ""), datamap.PurposeService)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.Deliveries(ctx, d, DeliveryQuery{AccountID: accountID, MessageID: messageID, Limit: 500})
	if err != nil {
		return nil, err
	}
	out := make([]Delivery, 0, len(rows))
	for _, r := range rows {
		out = append(out, s.delivery(ctx, r))
	}
	return out, nil
}
