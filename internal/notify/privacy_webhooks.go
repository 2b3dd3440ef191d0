package notify

import (
	"context"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
)

// webhookHandler exports, erases and purges notify.webhook. Webhooks
// belong to an account: a person gets those of the accounts they own.
type webhookHandler struct{ s *Service }

// webhookExport is a webhook as exported: where it posts and what, never
// its signing secret, which is a credential and stays with vigil.
type webhookExport struct {
	AccountID string    `json:"account_id"`
	URL       string    `json:"url"`
	Kinds     []Kind    `json:"kinds"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

func (h webhookHandler) Export(ctx context.Context, d access.Decision, subj fulfil.Subject, sc fulfil.Scope, emit func(fulfil.Record) error) error {
	for _, acct := range subj.OwnedAccounts() {
		err := h.s.store.ExportWebhooks(ctx, d, subj.ID, acct, func(r WebhookRow) error {
			if !sc.InRange(r.CreatedAt) {
				return nil
			}
			out := webhookExport{AccountID: r.AccountID, URL: "[erased]", Kinds: r.Kinds, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt}
			if b, err := h.s.openAccount(ctx, r.AccountID, "notify_webhooks.url_sealed", r.ID, r.URLSealed); err == nil {
				out.URL = string(b)
			}
			return emit(fulfil.Record{ID: "webhook/" + r.ID, Data: out})
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func (h webhookHandler) Erase(ctx context.Context, d access.Decision, subj fulfil.Subject, _ fulfil.Scope) (fulfil.Erased, error) {
	var out fulfil.Erased
	for _, acct := range subj.OwnedAccounts() {
		n, err := h.s.store.EraseWebhooks(ctx, d, subj.ID, acct)
		if err != nil {
			return out, err
		}
		out.Rows += n
	}
	return out, nil
}

func (h webhookHandler) Expired(ctx context.Context, cutoff time.Time) ([]string, error) {
	return h.s.store.ExpiredWebhooks(ctx, cutoff)
}

func (h webhookHandler) Purge(ctx context.Context, d access.Decision, owner string, cutoff time.Time) (int64, error) {
	return h.s.store.PurgeWebhooks(ctx, d, owner, cutoff)
}
