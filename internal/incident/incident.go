// Package incident is vigil's incident room (requirements I1-I5): the
// register of security incidents with their type from a declared taxonomy
// and a severity graded by declared rules, the response plan of each type
// (stop-loss, analysis, locating, remediation, retrospective), the people
// affected as the audit log shows them, the notices that tell them through
// the notification outbox, the public notice where telling each of them is
// impractical, and the reports to regulators on each law's clock.
//
// incident never shows a person's details to anyone but the security
// officer and the DPO, never closes an incident with a stage still open, and
// never records a regulator report as sent without a ledger entry.
package incident

import (
	"context"
	"log/slog"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/datamap"
)

// Status is where an incident is in its life.
type Status string

// Statuses.
const (
	StatusOpen   Status = "open"
	StatusClosed Status = "closed"
)

// Sources of an incident: how vigil learned of it.
const (
	SourceStaff         = "staff"                // a staff member opened it by hand
	SourceVulnerability = "vulnerability_report" // triage of a vulnerability report (I6)
	SourceMonitoring    = "monitoring"           // an alert of vigil's own monitoring
	SourceCustomer      = "customer_report"      // a customer told support
)

// Sources lists the accepted sources.
func Sources() []string {
	return []string{SourceStaff, SourceVulnerability, SourceMonitoring, SourceCustomer}
}

// Criteria are the facts the severity is graded from (I1). People and
// categories come from the affected computation once it ran; the officer
// declares whether data left the vendor.
type Criteria struct {
	PeopleAffected int                  `json:"people_affected"`
	Accounts       int                  `json:"accounts_affected"`
	Categories     []datamap.CategoryID `json:"categories"`
	// BiometricOrVideo is derived from Categories (their sensitivity in
	// the data map), or declared when the officer knows it first.
	BiometricOrVideo bool `json:"biometric_or_video"`
	LeftVendor       bool `json:"left_vendor"`
}

// Event is one line of an incident's timeline.
type Event struct {
	At   time.Time `json:"at"`
	By   string    `json:"by"` // staff ID, or a system job's name
	Kind string    `json:"kind"`
	Note string    `json:"note"`
}

// Incident is one entry of the register.
type Incident struct {
	ID        string   `json:"id"`
	Slug      string   `json:"slug"` // the public notice's stable name
	Type      Type     `json:"type"`
	Title     string   `json:"title"`
	Summary   string   `json:"summary"`
	Source    string   `json:"source"`
	SourceRef string   `json:"source_ref,omitempty"`
	Status    Status   `json:"status"`
	Severity  Severity `json:"severity"`
	// Grading lists the declared rules that set the severity.
	Grading     []string  `json:"grading"`
	Criteria    Criteria  `json:"criteria"`
	Responsible string    `json:"responsible"` // staff ID
	OpenedBy    string    `json:"opened_by"`
	AwareAt     time.Time `json:"aware_at"` // when vigil became aware: the regulators' clocks start here
	OpenedAt    time.Time `json:"opened_at"`
	ClosedAt    time.Time `json:"closed_at"`
	Stages      []Stage   `json:"stages"`
	Timeline    []Event   `json:"timeline"`
	Scope       *Scope    `json:"scope,omitempty"` // the last affected computation's scope
	Notice      *Notice   `json:"notice,omitempty"`
	Reports     []Report  `json:"reports"`
	// Retrospective is what was learned, recorded with the last stage.
	Retrospective string    `json:"retrospective"`
	PublishedAt   time.Time `json:"published_at"` // the public notice, when there is one
}

// OpenInput opens an incident. Type is a taxonomy ID (Types); Source one
// of Sources; SourceRef names the report or alert it came from.
type OpenInput struct {
	Type      string    `json:"type"`
	Title     string    `json:"title"`
	Summary   string    `json:"summary"`
	Source    string    `json:"source"`
	SourceRef string    `json:"source_ref"`
	AwareAt   time.Time `json:"aware_at"` // zero: now
	// Responsible is the staff member in charge; "" for the opener.
	Responsible string `json:"responsible"`
	// Criteria declared at opening (LeftVendor, BiometricOrVideo, a first
	// estimate of people); the affected computation replaces the counts.
	Criteria Criteria `json:"criteria"`
}

// Options tune the service.
type Options struct {
	// IndividualLimit: above this many affected people, telling each one
	// is impractical and a public notice is due as well (10 000).
	IndividualLimit int
	// Windows overrides the notification window of a regime (US states'
	// laws differ and change), by regime ID.
	Windows map[string]time.Duration
	// Contact is what notices give as the vendor's contact for incidents.
	Contact string
}

// Service is the incident room.
type Service struct {
	store   Store
	gate    *access.Gate
	reg     *datamap.Registry
	audit   AuditLog
	outbox  Outbox
	ledger  Ledger
	clk     clock.Clock
	log     *slog.Logger
	opts    Options
	regimes []Regime
	routes  map[string]bool
	mailer  StaffMailer
}

// New returns the service.
func New(st Store, gate *access.Gate, reg *datamap.Registry, audit AuditLog, outbox Outbox, ledger Ledger, clk clock.Clock, log *slog.Logger, o Options) *Service {
	if o.IndividualLimit <= 0 {
		o.IndividualLimit = 10000
	}
	if o.Contact == "" {
		o.Contact = "security@vigil.example"
	}
	return &Service{store: st, gate: gate, reg: reg, audit: audit, outbox: outbox, ledger: ledger, clk: clk, log: log, opts: o,
		regimes: regimes(o.Windows)}
}

// collection and one are the gate's resources of the register.
var collection = access.Resource{Category: datamap.IncidentRecord}

func one(id string) access.Resource {
	return access.Resource{Category: datamap.IncidentRecord, ID: id}
}

func affectedRes(id string) access.Resource {
	return access.Resource{Category: datamap.IncidentAffected, ID: id}
}

func (s *Service) check(ctx context.Context, p access.Principal, a access.Action, r access.Resource) (access.Decision, error) {
	return s.gate.Check(ctx, p, a, r, datamap.PurposeAntiFraud)
}
