package privacy

import (
	"context"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
)

// Stored rows. Personal free text arrives and leaves sealed; the service
// opens it with the account's or the person's key.

// GrantRow is a stored entrustment grant.
type GrantRow struct {
	ID           string
	AccountID    string
	StaffID      string           // the one staff member entrusted, or ""
	StaffRole    access.StaffRole // or everyone holding this role, or ""
	Categories   []datamap.CategoryID
	Resources    []string // devices or sites; empty: the whole account
	StartsAt     time.Time
	EndsAt       time.Time
	TicketSealed []byte
	ReasonSealed []byte
	GrantedBy    string
	CreatedAt    time.Time
	RevokedAt    time.Time
	RevokedBy    string
}

// GrantUse is one access a grant allowed; Seq is its audit entry.
type GrantUse struct {
	GrantID    string             `json:"grant_id"`
	Seq        int64              `json:"seq"`
	AccountID  string             `json:"-"`
	StaffID    string             `json:"staff_id"`
	At         time.Time          `json:"at"`
	Action     string             `json:"action"`
	Category   datamap.CategoryID `json:"category"`
	ResourceID string             `json:"resource_id,omitempty"`
}

// NoticeRow is a published version of a document. Notices are vigil's own
// texts, not personal data.
type NoticeRow struct {
	ID          string
	Kind        Kind
	Region      string
	Language    string
	Version     int
	Body        string
	TextHash    []byte
	Material    bool
	Summary     string
	PublishedAt time.Time
	PublishedBy string
}

// AcceptanceRow records that a person accepted a notice version.
type AcceptanceRow struct {
	ID         string
	UserID     string
	NoticeID   string
	Kind       Kind
	Version    int
	TextHash   []byte
	AcceptedAt time.Time
	IPSealed   []byte
	Method     string
}

// ConsentRow records a person's consent to an optional purpose.
type ConsentRow struct {
	ID          string
	UserID      string
	Purpose     string
	NoticeID    string // the protocol version the consent relied on, if any
	GrantedAt   time.Time
	WithdrawnAt time.Time
	IPSealed    []byte
	Method      string
}

// NoticeSubject is what deciding which notices apply to a person needs:
// when they joined, their language, the regions of their accounts.
type NoticeSubject struct {
	CreatedAt time.Time
	Language  string
	Regions   []string
}

// ProcessorRow is a company in the processor registry.
type ProcessorRow struct {
	ID                  string
	Name                string
	Service             string
	Categories          []datamap.CategoryID
	AgreementSignedAt   time.Time
	AgreementExpiresAt  time.Time
	AssessedAt          time.Time
	AssessmentExpiresAt time.Time
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// DisclosureRow is one ledger entry.
type DisclosureRow struct {
	ID              string
	AccountID       string
	SubjectID       string // the person concerned; "" for the whole account
	Kind            DisclosureKind
	ProcessorID     string
	RecipientSealed []byte
	ReferenceSealed []byte
	DetailsSealed   []byte
	Categories      []datamap.CategoryID
	Resources       []string
	DisclosedAt     time.Time
	ExpiresAt       time.Time
	RevokedAt       time.Time
	HoldUntil       time.Time
	RecordedBy      string
	CreatedAt       time.Time
}

// Store keeps the privacy centre's records. Methods that read or change
// personal data take the gate's decision and return errs.Forbidden when it
// does not cover the call; an object of another account is errs.NotFound;
// a duplicate is errs.Conflict.
type Store interface {
	CreateGrant(ctx context.Context, d access.Decision, g GrantRow) error
	Grants(ctx context.Context, d access.Decision, accountID string) ([]GrantRow, error)
	Grant(ctx context.Context, d access.Decision, accountID, id string) (GrantRow, error)
	// RevokeGrant ends a live grant at once; errs.NotFound when it is not
	// live.
	RevokeGrant(ctx context.Context, d access.Decision, accountID, id, by string) error
	GrantUses(ctx context.Context, d access.Decision, accountID string) ([]GrantUse, error)
	// GrantsToStaff lists the grants naming a staff member or their role.
	GrantsToStaff(ctx context.Context, d access.Decision, staffID string, role access.StaffRole) ([]GrantRow, error)
	// LiveGrants and RecordGrantUse are the gate's own lookups: they are
	// access control itself, so they take no decision. LiveGrants returns
	// the unrevoked grants of an account to the staff member or their role
	// that are running at a time; it returns no personal field.
	LiveGrants(ctx context.Context, accountID, staffID string, role access.StaffRole, at time.Time) ([]GrantRow, error)
	RecordGrantUse(ctx context.Context, u GrantUse) error
	// CreateGrantRequest stores a staff member's request to an open
	// account (errs.NotFound for no such account); errs.Conflict while the
	// member's earlier request to it is pending.
	CreateGrantRequest(ctx context.Context, d access.Decision, r GrantRequestRow) error
	GrantRequests(ctx context.Context, d access.Decision, accountID string) ([]GrantRequestRow, error)
	GrantRequestsBy(ctx context.Context, d access.Decision, staffID string) ([]GrantRequestRow, error)
	GrantRequest(ctx context.Context, d access.Decision, accountID, id string) (GrantRequestRow, error)
	// ApproveGrantRequest marks a pending request approved and stores its
	// grant g, together; errs.Conflict when it is no longer pending.
	ApproveGrantRequest(ctx context.Context, d access.Decision, requestID string, g GrantRow) error
	// DeclineGrantRequest marks a pending request declined.
	DeclineGrantRequest(ctx context.Context, d access.Decision, accountID, id, by string) error
	// StaffExists reports whether a staff member is known (and not
	// disabled), without reading anything about them.
	StaffExists(ctx context.Context, staffID string) (bool, error)

	// PublishNotice stores a new version; errs.Conflict when that version
	// exists.
	PublishNotice(ctx context.Context, n NoticeRow) error
	// Notices lists every version of a kind, oldest first.
	Notices(ctx context.Context, kind Kind) ([]NoticeRow, error)
	Notice(ctx context.Context, id string) (NoticeRow, error)
	CreateAcceptance(ctx context.Context, d access.Decision, a AcceptanceRow) error
	Acceptances(ctx context.Context, d access.Decision, userID string) ([]AcceptanceRow, error)
	// AcceptanceCounts counts the people who accepted each notice version
	// (by notice ID); it names nobody.
	AcceptanceCounts(ctx context.Context) (map[string]int, error)
	// AcceptedNotices returns the IDs of the notices of a kind a person
	// accepted, and NoticeSubject what choosing their notices needs. Both
	// answer the per-request check of whether someone may go on using the
	// service, like authentication, so they take no decision; no personal
	// field leaves the privacy service from them.
	AcceptedNotices(ctx context.Context, userID string, kind Kind) ([]string, error)
	NoticeSubject(ctx context.Context, userID string) (NoticeSubject, error)
	CreateConsent(ctx context.Context, d access.Decision, c ConsentRow) error
	// WithdrawConsent marks every live consent of a person to purpose
	// withdrawn; errs.NotFound when there is none.
	WithdrawConsent(ctx context.Context, d access.Decision, userID, purpose string) error
	Consents(ctx context.Context, d access.Decision, userID string) ([]ConsentRow, error)
	// LiveConsent returns a person's unwithdrawn consent to purpose, or
	// errs.NotFound; it answers a yes/no for other features and takes no
	// decision.
	LiveConsent(ctx context.Context, userID, purpose string) (ConsentRow, error)

	PutProcessor(ctx context.Context, p ProcessorRow) error
	Processors(ctx context.Context) ([]ProcessorRow, error)
	Processor(ctx context.Context, id string) (ProcessorRow, error)

	CreateDisclosure(ctx context.Context, d access.Decision, r DisclosureRow) error
	Disclosures(ctx context.Context, d access.Decision, accountID string) ([]DisclosureRow, error)
	SubjectDisclosures(ctx context.Context, d access.Decision, subjectID string) ([]DisclosureRow, error)
	// AllDisclosures lists the whole ledger, newest first, at most limit
	// entries, of one kind and one processor when they are not "".
	AllDisclosures(ctx context.Context, d access.Decision, kind DisclosureKind, processorID string, limit int) ([]DisclosureRow, error)
	// RevokeShare ends a live share at once; errs.NotFound when there is
	// none.
	RevokeShare(ctx context.Context, d access.Decision, accountID, id string) error
	ShareStore
	RecordMail(ctx context.Context, r MailRecord) error
	MailRecords(ctx context.Context, limit int) ([]MailRecord, error)
}

// ShareStore keeps camera shares beside their disclosures.
type ShareStore interface {
	// AccountObjects counts how many of ids are the account's devices or
	// sites.
	AccountObjects(ctx context.Context, accountID string, ids []string) (int, error)
	// CreateShare adds a share and its disclosure in one transaction.
	CreateShare(ctx context.Context, d access.Decision, disc DisclosureRow, r ShareRow) error
	AccountShares(ctx context.Context, d access.Decision, accountID string) ([]ShareRow, error)
	AccountShareUses(ctx context.Context, d access.Decision, accountID string) ([]ShareUse, error)
	// SharesTo lists the shares made to a recipient (a person's or an
	// integration's ID); d is about the recipient's own ledger.
	SharesTo(ctx context.Context, d access.Decision, recipientID string) ([]ShareRow, error)
	ShareUsesBy(ctx context.Context, d access.Decision, recipientID string) ([]ShareUse, error)
	// SharedDevices returns the account's devices among ids or in the sites
	// among ids.
	SharedDevices(ctx context.Context, accountID string, ids []string) ([]string, error)
	// AcceptShare binds a live, not yet accepted person's share whose
	// secret hashes to hash to userID, and forgets the secret;
	// errs.NotFound when there is none.
	AcceptShare(ctx context.Context, hash, userID string, at time.Time) (ShareRow, error)
	// IntegrationShare returns the live integration share whose token
	// hashes to hash, or errs.NotFound.
	IntegrationShare(ctx context.Context, hash string, at time.Time) (ShareRow, error)
	// LiveSharesTo lists the live shares of an account to a recipient at a
	// time; they answer the gate and take no decision.
	LiveSharesTo(ctx context.Context, recipientID, accountID string, at time.Time) ([]ShareRow, error)
	RecordShareUse(ctx context.Context, u ShareUse) error
}
