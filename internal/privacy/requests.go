// Package privacy is vigil's privacy centre. This part handles the requests
// people make about their data (access, correction, deletion, portability):
// who may ask and how they prove it, what a request must name, the legal
// deadlines per region, the enumerated grounds for a refusal with the letter
// that explains it, and fulfilment driven by the data map through a registry
// of exporters and erasers each capability provides; and retention, which
// purges every category when its period ends unless a legal hold stops it.
//
// privacy never releases data before the requester's identity is verified,
// never refuses a request without one of the enumerated reasons and a
// letter, never puts another person's records into an export, and never
// keeps a request's personal details in clear: they are sealed under the
// requester's own key.
package privacy

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/blob"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/mail"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
)

// Status is where a request stands.
type Status string

// Request states.
const (
	StatusAwaitingEmail  Status = "awaiting_email"  // a person without an account has not confirmed their address yet
	StatusAwaitingReview Status = "awaiting_review" // documents wait for the data-protection officer
	StatusOpen           Status = "open"            // identity verified; the request waits for its answer
	StatusClosed         Status = "closed"          // answered
)

// Outcome is how a request was answered.
type Outcome string

// Outcomes.
const (
	OutcomeGranted  Outcome = "granted"
	OutcomeDenied   Outcome = "denied"
	OutcomeReferred Outcome = "answered_by_reference" // the same, unchanged data was provided before
)

// DenialReason is one of the only grounds on which a request may be refused.
type DenialReason string

// The enumerated grounds for refusing a request (R6). No other is accepted.
const (
	DenyNoSuchRight         DenialReason = "no_such_right"                           // the requester's region grants no such right
	DenyIdentityNotVerified DenialReason = "identity_not_verified"                   // the requester could not be identified
	DenyUnfounded           DenialReason = "unverifiable_out_of_scope_or_repetitive" // cannot be checked, is outside what vigil holds, or repeats without cause
	DenyHarmsDefence        DenialReason = "harms_vendor_in_dispute"                 // answering would harm the vendor's position in a legal dispute
	DenyStatistical         DenialReason = "statistical_no_identification"           // statistical or research data that identifies no one
	DenyOtherLegalGround    DenialReason = "other_legal_ground"                      // another ground a law provides, to be named in the letter
)

// Words is the ground in the words a letter uses.
func (r DenialReason) Words() string { return denialTexts[r] }

var denialTexts = map[DenialReason]string{
	DenyNoSuchRight:         "The law of your region does not give a right to this kind of request.",
	DenyIdentityNotVerified: "We could not confirm that you are the person the data is about, or that you may act for them.",
	DenyUnfounded:           "The request cannot be checked, concerns data we do not hold, or repeats an earlier request without a change since.",
	DenyHarmsDefence:        "Answering now would harm our position in a legal dispute that concerns this data.",
	DenyStatistical:         "The data concerned is statistical or research data that does not identify you or anyone else.",
	DenyOtherLegalGround:    "Another legal provision prevents us from answering, as explained below.",
}

// DenialReasons lists the enumerated grounds.
func DenialReasons() []DenialReason {
	out := make([]DenialReason, 0, len(denialTexts))
	for r := range denialTexts {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}

// Valid reports whether r is one of the enumerated grounds.
func (r DenialReason) Valid() bool { _, ok := denialTexts[r]; return ok }

// Relation says for whom a requester acts.
type Relation string

// Relations.
const (
	RelationSelf     Relation = "self"
	RelationAgent    Relation = "agent"    // an authorised agent; needs proof of authority
	RelationGuardian Relation = "guardian" // a parent or legal guardian; needs proof of authority
)

// Correction is one field to correct.
type Correction struct {
	Category datamap.CategoryID `json:"category"`
	Field    string             `json:"field"`
	Value    string             `json:"value"`
}

// Contact is how to reach a requester; sealed under their key.
type Contact struct {
	Email      string `json:"email"`
	Name       string `json:"name"`
	OnBehalfOf string `json:"on_behalf_of,omitempty"` // the person an agent or guardian acts for
}

// Details are the requester's own words and the corrections they ask for.
type Details struct {
	Description string       `json:"description,omitempty"`
	Corrections []Correction `json:"corrections,omitempty"`
}

// Request is a data-subject request as the requester and the
// data-protection officer see it.
type Request struct {
	ID              string               `json:"id"`
	Kind            fulfil.RequestKind   `json:"kind"`
	Status          Status               `json:"status"`
	Region          string               `json:"region"`
	RequesterKind   fulfil.RequesterKind `json:"requester_kind"`
	RequesterID     string               `json:"requester_id"`
	Relation        Relation             `json:"relation"`
	Contact         *Contact             `json:"contact,omitempty"`
	Details         *Details             `json:"details,omitempty"`
	Scope           fulfil.Scope         `json:"scope"`
	SubmittedAt     time.Time            `json:"submitted_at"`
	DueAt           time.Time            `json:"due_at"`
	ExtendedDueAt   time.Time            `json:"extended_due_at,omitzero"`
	ExtensionReason string               `json:"extension_reason,omitempty"`
	VerifiedAt      time.Time            `json:"verified_at,omitzero"`
	DecidedAt       time.Time            `json:"decided_at,omitzero"`
	Outcome         Outcome              `json:"outcome,omitempty"`
	DenialReason    DenialReason         `json:"denial_reason,omitempty"`
	ReferenceID     string               `json:"reference_id,omitempty"`
	Letter          string               `json:"letter,omitempty"`
	Certificate     string               `json:"certificate,omitempty"`
	PackageReady    bool                 `json:"package_ready,omitempty"`
	Preparing       bool                 `json:"preparing,omitempty"` // granted; the package is being built in the background
	Documents       []Document           `json:"documents,omitempty"`
}

// Deadline returns the deadline in force: the extended one once extended.
func (r Request) Deadline() time.Time {
	if !r.ExtendedDueAt.IsZero() {
		return r.ExtendedDueAt
	}
	return r.DueAt
}

// Document describes an uploaded proof.
type Document struct {
	ID          string    `json:"id"`
	Kind        string    `json:"kind"` // identity or authority
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	CreatedAt   time.Time `json:"created_at"`
}

// Document kinds.
const (
	DocIdentity  = "identity"
	DocAuthority = "authority"
)

// RequestRow is a request as stored: personal fields sealed.
type RequestRow struct {
	ID                  string
	Kind                fulfil.RequestKind
	Status              Status
	Region              string
	RequesterKind       fulfil.RequesterKind
	RequesterID         string
	Relation            Relation
	ContactIndex        []byte
	ContactSealed       []byte
	DetailsSealed       []byte
	Scope               fulfil.Scope
	SubmittedAt         time.Time
	DueAt               time.Time
	ExtendedDueAt       time.Time
	ExtensionReason     string
	ExtensionNotifiedAt time.Time
	ConfirmHash         []byte
	AccessHash          []byte
	VerifiedAt          time.Time
	VerifiedBy          string
	DecidedAt           time.Time
	DecidedBy           string
	Outcome             Outcome
	DenialReason        DenialReason
	ReferenceID         string
	Fingerprint         []byte
	LetterSealed        []byte
	ExportBlob          string
	Certificate         string
	RemindedAt          time.Time
}

// Deadline returns the deadline in force.
func (r RequestRow) Deadline() time.Time {
	if !r.ExtendedDueAt.IsZero() {
		return r.ExtendedDueAt
	}
	return r.DueAt
}

// Decision records how a request was closed.
type Decision struct {
	Status       Status
	DecidedBy    string
	Outcome      Outcome
	DenialReason DenialReason
	ReferenceID  string
	Fingerprint  []byte
	LetterSealed []byte
	ExportBlob   string
	Certificate  string
}

// Change is a correction with its values before and after, sealed.
type Change struct {
	RequestID    string
	Category     datamap.CategoryID
	Field        string
	BeforeSealed []byte
	AfterSealed  []byte
	AuditSeq     int64
}

// RequestStore keeps requests. Methods that touch a request's personal fields
// take the gate's decision and return errs.Forbidden when it does not cover
// the call; unknown requests are errs.NotFound.
type RequestStore interface {
	CreateRequest(ctx context.Context, d access.Decision, r RequestRow) error
	// RequestOwner returns only the random ID of a request's requester: it
	// is how the gate learns whose data a request is before it decides.
	RequestOwner(ctx context.Context, id string) (string, error)
	Request(ctx context.Context, d access.Decision, id string) (RequestRow, error)
	// PersonByContact returns the random ID a person without an account
	// was given on an earlier request from the same address, or
	// errs.NotFound.
	PersonByContact(ctx context.Context, index []byte) (string, error)
	// RequestByConfirmHash and RequestByAccessHash find a request by the
	// hash of its one-time confirmation secret or of its access token; they
	// are authentication of a person without an account.
	RequestIDByConfirmHash(ctx context.Context, hash []byte) (string, error)
	RequestIDByAccessHash(ctx context.Context, hash []byte) (string, error)
	RequestsOf(ctx context.Context, d access.Decision, requesterID string) ([]RequestRow, error)
	// Queue lists the requests not closed, earliest deadline first.
	Queue(ctx context.Context, d access.Decision, limit int) ([]RequestRow, error)
	// ConfirmEmail spends the confirmation secret and stores the access hash.
	ConfirmEmail(ctx context.Context, id string, accessHash []byte) error
	SetStatus(ctx context.Context, d access.Decision, id string, from, to Status, verifiedBy string) error
	Extend(ctx context.Context, d access.Decision, id string, until time.Time, reason string) error
	Decide(ctx context.Context, d access.Decision, id string, dec Decision) error
	MarkReminded(ctx context.Context, id string, at time.Time) error
	// LastAnswered returns the latest other request of the same requester
	// as requestID, of one of two kinds, granted with a fingerprint, or
	// errs.NotFound.
	LastAnswered(ctx context.Context, d access.Decision, requestID string, kinds []fulfil.RequestKind) (RequestRow, error)

	AddDocument(ctx context.Context, d access.Decision, requestID string, doc Document) error
	Documents(ctx context.Context, d access.Decision, requestID string) ([]Document, error)

	RecordChange(ctx context.Context, d access.Decision, c Change) error

	// Exclusions returns the records of subjectID marked confidential or
	// privileged, by category, then record ID.
	Exclusions(ctx context.Context, subjectID string) (map[datamap.CategoryID]map[string]string, error)
	AddExclusion(ctx context.Context, d access.Decision, x Exclusion) error

	// Memberships returns a user's roles in open accounts.
	Memberships(ctx context.Context, userID string) ([]access.Membership, error)

	TransferStore
	ReplyStore

	// SessionMFAAt returns when the session whose token hashes to idHash
	// passed its second factor (the session's start: passing it opens a
	// new session), or the zero time when it did not.
	SessionMFAAt(ctx context.Context, idHash []byte) (time.Time, error)
}

// Exclusion marks one record as confidential or legally privileged: it is
// left out of every export, and the export says so.
type Exclusion struct {
	ID        string             `json:"id"`
	SubjectID string             `json:"subject_id"`
	Category  datamap.CategoryID `json:"category"`
	RecordID  string             `json:"record_id"`
	Marking   string             `json:"marking"` // confidential or privileged
	CreatedBy string             `json:"created_by"`
}

// Markings of excluded records.
const (
	MarkConfidential = "confidential"
	MarkPrivileged   = "privileged"
)

// RequestKeys is what request fulfilment needs of the keyring.
type RequestKeys interface {
	SealSubject(ctx context.Context, subjectID string, plaintext, ad []byte) ([]byte, error)
	OpenSubject(ctx context.Context, subjectID string, ciphertext, ad []byte) ([]byte, error)
	BlindIndex(ctx context.Context, domain string, value []byte) ([]byte, error)
	OpenAccount(ctx context.Context, accountID string, ciphertext, ad []byte) ([]byte, error)
	Destroy(ctx context.Context, scope keys.Scope, owner string) error
	SystemSecret(ctx context.Context, name string, generate func() ([]byte, error)) ([]byte, error)
}

// RequestOptions tune request handling.
type RequestOptions struct {
	PublicURL string
	Deadlines Deadlines
	// FreshMFA is how recently a signed-in requester must have passed a
	// second factor (default 10 minutes).
	FreshMFA time.Duration
	// RemindBefore is how long before a deadline the data-protection
	// officer is reminded (default 7 days).
	RemindBefore time.Duration
	// DPOMailbox receives reminders and new-request notices.
	DPOMailbox string
	// MaxDocument bounds an uploaded proof (default 10 MiB).
	MaxDocument int64
	// Exporters are the vigils whose transfer packages are imported;
	// KeyClient fetches their key URLs (it must reach public addresses
	// only: safedial).
	Exporters []TrustedExporter
	KeyClient *http.Client
}

func (o RequestOptions) withDefaults() RequestOptions {
	if o.Deadlines == nil {
		o.Deadlines = DefaultDeadlines()
	}
	if o.FreshMFA <= 0 {
		o.FreshMFA = 10 * time.Minute
	}
	if o.RemindBefore <= 0 {
		o.RemindBefore = 7 * 24 * time.Hour
	}
	if o.MaxDocument <= 0 {
		o.MaxDocument = 10 << 20
	}
	return o
}

// Profiles reads a signed-in user's own profile; the account service
// implements it.
type Profiles interface {
	Me(ctx context.Context, p access.Principal) (account.User, error)
}

// Deps are what the request service works with.
type Deps struct {
	Store    RequestStore
	Keys     RequestKeys
	Blobs    *blob.Sealed
	Gate     *access.Gate
	DataMap  *datamap.Registry
	Fulfil   *fulfil.Registry
	Profiles Profiles
	Holds    interface {
		Held(ctx context.Context, owner string) (bool, error)
	}
	Mailer mail.Mailer
	Clock  clock.Clock
	Log    *slog.Logger
	// Jobs keeps the background work decisions start; Notices the outbox
	// of deletion notices owed to processors.
	Jobs    JobStore
	Notices NoticeStore
	// Ledger records deletion notices and transfers in the disclosure
	// ledger; ProcessorNotifier delivers the notices (nil: they wait).
	Ledger            *Service
	ProcessorNotifier ProcessorNotifier
	// Tenants reads and creates accounts for transfers (T1).
	Tenants Tenants
}

// Requests is the data-subject request service.
type Requests struct {
	store    RequestStore
	keys     RequestKeys
	blobs    *blob.Sealed
	gate     *access.Gate
	reg      *datamap.Registry
	fulfil   *fulfil.Registry
	profiles Profiles
	holds    interface {
		Held(ctx context.Context, owner string) (bool, error)
	}
	mailer mail.Mailer
	clk    clock.Clock
	log    *slog.Logger
	opts   RequestOptions

	jobs      JobStore
	wake      chan struct{}
	notices   NoticeStore
	ledger    *Service
	processor ProcessorNotifier
	tenants   Tenants
	exporters *exporterKeys
}

// NewRequests returns the request service.
func NewRequests(d Deps, opts RequestOptions) *Requests {
	return &Requests{store: d.Store, keys: d.Keys, blobs: d.Blobs, gate: d.Gate, reg: d.DataMap, fulfil: d.Fulfil,
		profiles: d.Profiles, holds: d.Holds, mailer: d.Mailer, clk: d.Clock, log: d.Log, opts: opts.withDefaults(),
		jobs: d.Jobs, wake: make(chan struct{}, 1), notices: d.Notices, ledger: d.Ledger, processor: d.ProcessorNotifier, tenants: d.Tenants,
		exporters: &exporterKeys{list: opts.Exporters, client: opts.KeyClient, now: d.Clock.Now}}
}

// Deadlines returns the table in force.
func (s *Requests) Deadlines() Deadlines { return s.opts.Deadlines }
