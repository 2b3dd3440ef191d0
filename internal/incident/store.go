package incident

import (
	"context"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/audit"
	"github.com/vigil-cloud/vigil/internal/notify"
	"github.com/vigil-cloud/vigil/internal/privacy"
)

// Store keeps the register, the affected people and the public notices.
// Methods on personal data take the gate's decision. Errors: errs.NotFound
// for an incident or notice that does not exist.
type Store interface {
	CreateIncident(ctx context.Context, d access.Decision, inc Incident) error
	Incident(ctx context.Context, d access.Decision, id string) (Incident, error)
	// Incidents lists the register, newest first.
	Incidents(ctx context.Context, d access.Decision) ([]Incident, error)
	// UpdateIncident reads the incident, lets fn change it and writes it
	// back, in one transaction; fn's error leaves it as it was.
	UpdateIncident(ctx context.Context, d access.Decision, id string, fn func(*Incident) error) (Incident, error)

	// ReplaceAffected sets the incident's affected people (a new
	// computation replaces the last; notices already sent stay marked).
	ReplaceAffected(ctx context.Context, d access.Decision, incidentID string, rows []Affected) error
	Affected(ctx context.Context, d access.Decision, incidentID string) ([]Affected, error)
	// MarkNoticed records, for each row, the message that told the person.
	MarkNoticed(ctx context.Context, d access.Decision, incidentID string, rows []Affected) error
	// People returns the members of the accounts, with their language,
	// whether they have a verified contact, and the account's region.
	People(ctx context.Context, d access.Decision, accountIDs []string) ([]Person, error)
	// DeviceAccount returns the account a device belongs to ("" when
	// unclaimed), or errs.NotFound.
	DeviceAccount(ctx context.Context, d access.Decision, deviceID string) (string, error)
	// Subjects returns those of ids that are people (users) still known.
	Subjects(ctx context.Context, d access.Decision, ids []string) ([]Person, error)

	// PutPublic writes a public notice (by its slug); PublicNotices lists
	// them newest first.
	PutPublic(ctx context.Context, d access.Decision, n PublicNotice) error
	PublicNotices(ctx context.Context) ([]PublicNotice, error)
	PublicNotice(ctx context.Context, slug string) (PublicNotice, error)

	ExportAffected(ctx context.Context, d access.Decision, userID string, emit func(Affected) error) error
	ExpiredIncidents(ctx context.Context, cutoff time.Time) ([]string, error)
	PurgeIncident(ctx context.Context, d access.Decision, id string, cutoff time.Time) (int64, error)
	ExpiredAffected(ctx context.Context, cutoff time.Time) ([]string, error)
	PurgeAffected(ctx context.Context, d access.Decision, userID string, cutoff time.Time) (int64, error)
}

// AuditLog is the access log the affected people are computed from.
type AuditLog interface {
	// ScanTime calls fn with every entry from..to (inclusive), without
	// personal fields, in log order.
	ScanTime(ctx context.Context, from, to time.Time, fn func(audit.Entry) error) error
}

// Outbox is the notification outbox the notices go through.
type Outbox interface {
	Enqueue(ctx context.Context, msg notify.Message, userIDs []string) error
	// MessageDeliveries lists every delivery of one message of an account.
	MessageDeliveries(ctx context.Context, accountID, messageID string) ([]notify.Delivery, error)
}

// Ledger is the disclosure ledger a regulator report is recorded in.
type Ledger interface {
	RecordLegal(ctx context.Context, p access.Principal, accountID string, in privacy.LegalInput) (privacy.Disclosure, error)
}
