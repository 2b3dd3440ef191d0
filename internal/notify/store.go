package notify

import (
	"context"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
)

// Status is where a delivery stands.
type Status string

// Delivery statuses.
const (
	StatusPending Status = "pending" // waiting for its first or next attempt
	StatusSent    Status = "sent"    // the channel's peer accepted it
	StatusDead    Status = "dead"    // every attempt failed: on the dead-letter list
	StatusGone    Status = "gone"    // the endpoint no longer exists (push subscription expired)
	StatusSkipped Status = "skipped" // nothing to send to any more (no phone, unsubscribed)
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	switch s {
	case StatusPending, StatusSent, StatusDead, StatusGone, StatusSkipped:
		return true
	}
	return false
}

// PushSubRow is a stored Web Push subscription; Sealed holds its endpoint
// and keys under the person's key.
type PushSubRow struct {
	ID            string
	UserID        string
	EndpointIndex []byte
	Sealed        []byte
	CreatedAt     time.Time
}

// WebhookRow is a stored webhook; its URL and secret are sealed under the
// account's key.
type WebhookRow struct {
	ID           string
	AccountID    string
	Kinds        []Kind
	URLSealed    []byte
	SecretSealed []byte
	CreatedBy    string
	CreatedAt    time.Time
}

// MessageRow is a stored message; Sealed holds its content under the
// account's key.
type MessageRow struct {
	AccountID string
	ID        string
	Kind      Kind
	Sealed    []byte
	CreatedAt time.Time
}

// DeliveryRow is one message on its way to one endpoint of one person (or
// one webhook of the account, with no person).
type DeliveryRow struct {
	ID         string
	AccountID  string
	MessageID  string
	Kind       Kind
	UserID     string
	Channel    Channel
	EndpointID string
	Status     Status
	Attempts   int
	NextAt     time.Time
	LeaseUntil time.Time
	LastError  string
	CreatedAt  time.Time
	DoneAt     time.Time
	// Sealed is the message's content, sealed under the account's key.
	Sealed []byte
}

// EnqueueItem is one message to store with its deliveries, under the
// gate's decision to create the account's messages.
type EnqueueItem struct {
	Decision   access.Decision
	Message    MessageRow
	Deliveries []DeliveryRow
}

// Outcome is what one attempt came to.
type Outcome struct {
	ID       string
	Status   Status
	Attempts int
	Next     time.Time
	LastErr  string
}

// DeliveryQuery selects deliveries to list: of an account (AccountID) or
// of one person (UserID), optionally of one status or channel.
type DeliveryQuery struct {
	AccountID string
	UserID    string
	Channel   Channel
	Status    Status
	MessageID string // one message's deliveries
	Limit     int
}

// Store keeps preferences, endpoints and the outbox. Methods returning or
// changing personal data take the gate's decision. Errors: errs.NotFound
// for a row that does not exist or belongs to another account or person.
type Store interface {
	Prefs(ctx context.Context, d access.Decision, userID string) (map[Kind][]Channel, error)
	SetPrefs(ctx context.Context, d access.Decision, userID string, kind Kind, channels []Channel) error
	Phone(ctx context.Context, d access.Decision, userID string) ([]byte, error)
	// PhoneStatus returns the sealed number and whether it was verified.
	PhoneStatus(ctx context.Context, d access.Decision, userID string) ([]byte, bool, error)
	// SetPhone stores a number, unverified, with the fingerprint of the
	// code sent to it.
	SetPhone(ctx context.Context, d access.Decision, userID string, sealed, codeIndex []byte, codeExpires time.Time) error
	// VerifyPhone marks the number verified when codeIndex is the live
	// code's fingerprint (errs.Invalid when wrong, errs.Gone when void).
	VerifyPhone(ctx context.Context, d access.Decision, userID string, codeIndex []byte) error
	DeletePhone(ctx context.Context, d access.Decision, userID string) error
	PushSubs(ctx context.Context, d access.Decision, userID string) ([]PushSubRow, error)
	// AddPushSub stores a subscription, or replaces the keys of the one
	// with the same endpoint index, and returns its ID.
	AddPushSub(ctx context.Context, d access.Decision, r PushSubRow) (string, error)
	DeletePushSub(ctx context.Context, d access.Decision, userID, id string) error

	Webhooks(ctx context.Context, d access.Decision, accountID string) ([]WebhookRow, error)
	Webhook(ctx context.Context, d access.Decision, accountID, id string) (WebhookRow, error)
	CreateWebhook(ctx context.Context, d access.Decision, r WebhookRow) error
	DeleteWebhook(ctx context.Context, d access.Decision, accountID, id string) error

	// Members returns those of userIDs who belong to the account.
	Members(ctx context.Context, accountID string, userIDs []string) ([]string, error)
	// AccountsOf lists, for every person, the open accounts they belong to
	// in region ("" for any region), oldest membership first; it holds
	// identifiers only (for notices that go to everyone).
	AccountsOf(ctx context.Context, region string) (map[string][]string, error)
	// UserEmail returns a person's sealed e-mail address and language.
	UserEmail(ctx context.Context, d access.Decision, userID string) (sealed []byte, language string, err error)

	// Enqueue stores each item's message (once) and its deliveries that are
	// not there yet, all in one transaction, and returns how many
	// deliveries each item added.
	Enqueue(ctx context.Context, items []EnqueueItem) ([]int, error)
	// ClaimDue leases up to limit pending deliveries due now, so no other
	// worker takes them until the lease ends. It returns bookkeeping only.
	ClaimDue(ctx context.Context, limit int, lease time.Duration) ([]DeliveryRow, error)
	// NextDue tells when the earliest pending delivery may be claimed
	// (its next attempt and the end of its lease both past); ok is false
	// when none is pending.
	NextDue(ctx context.Context) (at time.Time, ok bool, err error)
	// Finish records the outcomes of attempts and ends their leases, in
	// one transaction.
	Finish(ctx context.Context, outcomes []Outcome) error
	Message(ctx context.Context, d access.Decision, accountID, id string) (MessageRow, error)
	Deliveries(ctx context.Context, d access.Decision, q DeliveryQuery) ([]DeliveryRow, error)
	// ExportDeliveries streams a person's deliveries with their messages'
	// sealed content; EraseSubject deletes a person's preferences, phone
	// number, push subscriptions and deliveries.
	ExportDeliveries(ctx context.Context, d access.Decision, userID string, emit func(DeliveryRow) error) error
	EraseSubject(ctx context.Context, d access.Decision, category datamap.CategoryID, userID string) (int64, error)
	// ExpiredMessages lists the accounts with messages created before
	// cutoff; PurgeMessages deletes them and their deliveries.
	ExpiredMessages(ctx context.Context, cutoff time.Time) ([]string, error)
	PurgeMessages(ctx context.Context, d access.Decision, accountID string, cutoff time.Time) (int64, error)
	// ExportWebhooks streams an account's webhooks for a subject who owns
	// it; EraseWebhooks deletes them (pending deliveries are skipped).
	ExportWebhooks(ctx context.Context, d access.Decision, subjectID, accountID string, emit func(WebhookRow) error) error
	EraseWebhooks(ctx context.Context, d access.Decision, subjectID, accountID string) (int64, error)
	// ExpiredWebhooks lists the accounts, gone or closed before cutoff,
	// that still hold webhooks; PurgeWebhooks deletes them.
	ExpiredWebhooks(ctx context.Context, cutoff time.Time) ([]string, error)
	PurgeWebhooks(ctx context.Context, d access.Decision, accountID string, cutoff time.Time) (int64, error)
	// Retry puts a dead delivery of the account back in the queue.
	Retry(ctx context.Context, d access.Decision, accountID, id string) error
}
