package notify

import (
	"context"
	"crypto/rand"
	"slices"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
)

func hookRes(accountID, id string) access.Resource {
	return access.Resource{Category: datamap.NotifyWebhook, AccountID: accountID, ID: id}
}

// Webhook is an account's webhook as its admins see it; the secret is
// only in the answer that created it.
type Webhook struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Kinds     []Kind    `json:"kinds"`
	Secret    string    `json:"secret,omitempty"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// WebhookInput describes a webhook to create.
type WebhookInput struct {
	URL   string `json:"url"`
	Kinds []Kind `json:"kinds"` // default: alarm, firmware, incident
}

// CreateWebhook adds a signed webhook to an account (owner or admin). The
// answer holds the signing secret, shown this once.
func (s *Service) CreateWebhook(ctx context.Context, p access.Principal, accountID string, in WebhookInput) (Webhook, error) {
	if err := s.checkEndpoint("url", in.URL); err != nil {
		return Webhook{}, err
	}
	kinds := in.Kinds
	if len(kinds) == 0 {
		kinds = []Kind{KindAlarm, KindFirmware, KindIncident}
	}
	for _, k := range kinds {
		if !k.Valid() {
			return Webhook{}, errs.E(errs.Invalid, "unknown kind %q (want alarm, firmware, incident or notice)", k)
		}
	}
	slices.Sort(kinds)
	kinds = slices.Compact(kinds)
	d, err := s.check(ctx, p, access.Create, hookRes(accountID, ""), datamap.PurposeService)
	if err != nil {
		return Webhook{}, err
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return Webhook{}, errs.Wrap(err, errs.Internal, "webhook secret")
	}
	secretText := "whsec_" + b64.EncodeToString(secret)
	row := WebhookRow{ID: id.New("whk"), AccountID: accountID, Kinds: kinds, CreatedBy: p.ID}
	if row.URLSealed, err = s.sealAccount(ctx, accountID, "notify_webhooks.url_sealed", row.ID, []byte(in.URL)); err != nil {
		return Webhook{}, err
	}
	if row.SecretSealed, err = s.sealAccount(ctx, accountID, "notify_webhooks.secret_sealed", row.ID, []byte(secretText)); err != nil {
		return Webhook{}, err
	}
	if err := s.store.CreateWebhook(ctx, d, row); err != nil {
		return Webhook{}, err
	}
	return Webhook{ID: row.ID, URL: in.URL, Kinds: kinds, Secret: secretText, CreatedBy: p.ID, CreatedAt: s.clk.Now().UTC()}, nil
}

// Webhooks lists an account's webhooks, without their secrets.
func (s *Service) Webhooks(ctx context.Context, p access.Principal, accountID string) ([]Webhook, error) {
	d, err := s.check(ctx, p, access.List, hookRes(accountID, ""), datamap.PurposeService)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.Webhooks(ctx, d, accountID)
	if err != nil {
		return nil, err
	}
	out := make([]Webhook, 0, len(rows))
	for _, r := range rows {
		w := Webhook{ID: r.ID, Kinds: r.Kinds, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, URL: "[unreadable]"}
		if b, err := s.openAccount(ctx, accountID, "notify_webhooks.url_sealed", r.ID, r.URLSealed); err == nil {
			w.URL = string(b)
		}
		out = append(out, w)
	}
	return out, nil
}

// DeleteWebhook removes an account's webhook; what it had pending is
// skipped.
func (s *Service) DeleteWebhook(ctx context.Context, p access.Principal, accountID, id string) error {
	d, err := s.check(ctx, p, access.Delete, hookRes(accountID, id), datamap.PurposeService)
	if err != nil {
		return err
	}
	return s.store.DeleteWebhook(ctx, d, accountID, id)
}

func (s *Service) openHook(ctx context.Context, h WebhookRow) (target string, secret []byte, err error) {
	u, err := s.openAccount(ctx, h.AccountID, "notify_webhooks.url_sealed", h.ID, h.URLSealed)
	if err != nil {
		return "", nil, err
	}
	sec, err := s.openAccount(ctx, h.AccountID, "notify_webhooks.secret_sealed", h.ID, h.SecretSealed)
	if err != nil {
		return "", nil, err
	}
	return string(u), sec, nil
}
