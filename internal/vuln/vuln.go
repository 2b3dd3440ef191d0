// Package vuln is vigil's vulnerability intake and its security
// advisories (issue 14, I6): the public report form with its follow-up
// code, the security officer's triage queue (reject, duplicate, into an
// incident, into an advisory), advisories with the firmware and app
// versions they affect and the releases that fix them, and the
// /.well-known/security.txt that points finders here.
//
// vuln never keeps a reporter's words, address or files in clear: contact
// and details are sealed under the reporter's own key, attachments are
// sealed blobs under a key of the report alone, and nothing of them is
// opened without the gate's decision, which the audit log keeps.
package vuln

import (
	"context"
	"log/slog"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/blob"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/ratelimit"
)

// Status is where a report stands.
type Status string

// Report states: new until triaged, then one of the four outcomes.
const (
	StatusNew       Status = "new"
	StatusRejected  Status = "rejected"
	StatusDuplicate Status = "duplicate"
	StatusIncident  Status = "incident"
	StatusAdvisory  Status = "advisory"
)

// ReportRow is a stored report; the personal parts are sealed.
type ReportRow struct {
	ID            string
	ReporterID    string
	ContactIndex  []byte // nil when no address was given
	ContactSealed []byte
	DetailsSealed []byte
	Status        Status
	DecisionNote  string
	DuplicateOf   string
	IncidentID    string
	AdvisoryID    string
	FollowHash    []byte
	SubmittedAt   time.Time
	TriagedAt     time.Time
	TriagedBy     string
}

// AttachmentRow is a stored attachment's metadata; the file is a sealed
// blob.
type AttachmentRow struct {
	ID          string
	ReportID    string
	NameSealed  []byte
	ContentType string
	Size        int64
	CreatedAt   time.Time
}

// Decision is what triage records on a report.
type Decision struct {
	Status      Status
	Note        string
	DuplicateOf string
	IncidentID  string
	AdvisoryID  string
	By          string
}

// Store keeps reports and advisories. Methods on reports take the gate's
// decision and check it at the row.
type Store interface {
	// CreateReport stores a report with its attachments' metadata.
	CreateReport(ctx context.Context, d access.Decision, r ReportRow, atts []AttachmentRow) error
	// ReportIDByFollowHash finds a report by its follow-up code's hash;
	// errs.NotFound when none.
	ReportIDByFollowHash(ctx context.Context, hash []byte) (string, error)
	// ReportOwner returns the reporter of a report; errs.NotFound.
	ReportOwner(ctx context.Context, id string) (string, error)
	// Report returns one report and its attachments.
	Report(ctx context.Context, d access.Decision, id string) (ReportRow, []AttachmentRow, error)
	// Queue lists reports, new ones first, then by arrival.
	Queue(ctx context.Context, d access.Decision, limit int) ([]ReportRow, error)
	// Decide records triage on a report that is still new; errs.Conflict
	// when it was triaged already.
	Decide(ctx context.Context, d access.Decision, id string, dec Decision) error
	// ReporterByContact returns the pseudonym an address already has with
	// vigil's privacy centre or an earlier report; errs.NotFound.
	ReporterByContact(ctx context.Context, index []byte) (string, error)

	// PutAdvisory creates or replaces a draft advisory; errs.Conflict for a
	// published one or a slug in use.
	PutAdvisory(ctx context.Context, a Advisory) error
	// Advisory returns an advisory by ID; errs.NotFound.
	Advisory(ctx context.Context, id string) (Advisory, error)
	// AdvisoryBySlug returns a published advisory; errs.NotFound.
	AdvisoryBySlug(ctx context.Context, slug string) (Advisory, error)
	// Advisories lists advisories, newest first; drafts too when all is set.
	Advisories(ctx context.Context, all bool) ([]Advisory, error)
	// PublishAdvisory publishes a draft; errs.Conflict when published.
	PublishAdvisory(ctx context.Context, id, by string, at time.Time) error
	// Release returns a firmware release's public facts; errs.NotFound.
	Release(ctx context.Context, id string) (Release, error)
	// ReleaseOf returns the release of a model's version; errs.NotFound.
	ReleaseOf(ctx context.Context, model, version string) (Release, error)

	// ExportReports calls emit with each report of a reporter.
	ExportReports(ctx context.Context, d access.Decision, reporterID string, emit func(ReportRow, []AttachmentRow) error) error
	// EraseReports deletes a reporter's reports triaged before cutoff
	// (every report when cutoff is zero) and returns their IDs.
	EraseReports(ctx context.Context, d access.Decision, reporterID string, cutoff time.Time) ([]string, error)
	// ExpiredReporters lists reporters with reports triaged before cutoff.
	ExpiredReporters(ctx context.Context, cutoff time.Time) ([]string, error)
}

// IncidentOpener opens an incident in the incident register from a
// report triaged into one; it returns the incident's ID. The register is
// handed over by the composition root (SetIncidents).
type IncidentOpener interface {
	Open(ctx context.Context, p access.Principal, in IncidentSeed) (string, error)
}

// IncidentSeed is what a report gives the incident it becomes: words of
// the security officer, never the reporter's contact.
type IncidentSeed struct {
	ReportID string
	Type     string // a type of the incident taxonomy; "vulnerability" when not given
	Title    string
	Summary  string
}

// Options tune the service.
type Options struct {
	// PublicURL is where people reach vigil (links, security.txt).
	PublicURL string
	// Mailbox is the security team's address, named in security.txt.
	Mailbox string
	// Languages the team reads reports in (security.txt).
	Languages []string
	// TxtValidity is how far ahead security.txt's Expires lies.
	TxtValidity time.Duration
	// ReportsPerHour bounds the reports one client network files an hour.
	ReportsPerHour int
	// MaxAttachments and MaxAttachmentBytes bound a report's files.
	MaxAttachments     int
	MaxAttachmentBytes int64
	// Limits makes the report quota shared across nodes (zero: this
	// node's own).
	Limits ratelimit.Factory
}

// Service is vulnerability intake and advisories.
type Service struct {
	store     Store
	gate      *access.Gate
	keys      *keys.Keyring
	blobs     *blob.Sealed
	clk       clock.Clock
	log       *slog.Logger
	opts      Options
	limit     ratelimit.Allower
	incidents IncidentOpener
}

// New builds the service.
func New(st Store, gate *access.Gate, kr *keys.Keyring, blobs *blob.Sealed, clk clock.Clock, log *slog.Logger, o Options) *Service {
	if o.TxtValidity <= 0 {
		o.TxtValidity = 180 * 24 * time.Hour
	}
	if o.ReportsPerHour <= 0 {
		o.ReportsPerHour = 5
	}
	if o.MaxAttachments <= 0 {
		o.MaxAttachments = 3
	}
	if o.MaxAttachmentBytes <= 0 {
		o.MaxAttachmentBytes = 2 << 20
	}
	if len(o.Languages) == 0 {
		o.Languages = []string{"en"}
	}
	return &Service{store: st, gate: gate, keys: kr, blobs: blobs, clk: clk, log: log, opts: o,
		limit: o.Limits.New(clk, "vuln-reports", o.ReportsPerHour, time.Hour)}
}

// SetIncidents hands over the incident register, built after this
// service; without it, triage into an incident is refused.
func (s *Service) SetIncidents(o IncidentOpener) { s.incidents = o }

// MaxBody bounds a report's JSON body: the attachments in base64 and the
// text.
func (s *Service) MaxBody() int64 {
	return int64(s.opts.MaxAttachments)*s.opts.MaxAttachmentBytes*4/3 + 64<<10
}

// attachmentsOwner names the key, of the report alone, that seals its
// attachments: destroying it shreds just them.
func attachmentsOwner(reportID string) string { return reportID + ".att" }
