package account

import (
	"context"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
)

// Stored rows. Personal fields arrive and leave sealed; the service opens
// them with the owner's key.

// AccountRow is a stored account.
type AccountRow struct {
	ID         string
	NameSealed []byte
	Region     string
	CreatedAt  time.Time
}

// SiteRow is a stored site.
type SiteRow struct {
	ID, AccountID string
	NameSealed    []byte
	TimeZone      string
	CreatedAt     time.Time
}

// UserRow is a stored user.
type UserRow struct {
	ID                string
	EmailIndex        []byte
	EmailSealed       []byte
	NameSealed        []byte
	Language          string
	TimeZone          string
	PasswordHash      string
	EmailVerifiedAt   time.Time
	TOTPSealed        []byte // nil when no second factor is enrolled
	TOTPPendingSealed []byte
	TOTPLastStep      int64
	FailedLogins      int
	LockedUntil       time.Time
	CreatedAt         time.Time
	PasswordChangedAt time.Time
}

// MemberRow is a membership with the member's sealed profile.
type MemberRow struct {
	access.Membership
	UserID      string
	EmailSealed []byte
	NameSealed  []byte
}

// StaffRow is a stored staff member.
type StaffRow struct {
	ID                 string
	EmailIndex         []byte
	EmailSealed        []byte
	NameSealed         []byte
	Role               access.StaffRole
	PasswordHash       string
	TOTPSealed         []byte
	TOTPPendingSealed  []byte
	TOTPLastStep       int64
	WebAuthnSealed     []byte
	TrainingValidUntil time.Time
	FailedLogins       int
	LockedUntil        time.Time
	DisabledAt         time.Time
	CreatedAt          time.Time
}

// StaffAuth is what authentication needs to know of a staff member.
type StaffAuth struct {
	Role               access.StaffRole
	TrainingValidUntil time.Time
	Disabled           bool
}

// SessionRow is a stored session, keyed by the hash of its token.
type SessionRow struct {
	IDHash          []byte
	PrincipalKind   access.Kind
	PrincipalID     string
	MFAPassed       bool
	PendingMFA      bool // signed in with a password, second factor still due
	IPSealed        []byte
	UserAgentSealed []byte
	CreatedAt       time.Time
	LastSeenAt      time.Time
	ExpiresAt       time.Time
}

// TokenRow is a stored API token.
type TokenRow struct {
	ID          string
	UserID      string
	TokenHash   []byte
	LabelSealed []byte
	CreatedAt   time.Time
	ExpiresAt   time.Time
	LastUsedAt  time.Time
}

// OneTimeToken is a single-use token (e-mail verification, password reset,
// invitation, staff set-up), stored by hash.
type OneTimeToken struct {
	Hash          []byte
	Purpose       string
	SubjectID     string
	PayloadSealed []byte
	CreatedAt     time.Time
	ExpiresAt     time.Time
}

// Credential is what a sign-in checks, for users and staff alike.
type Credential struct {
	PrincipalID       string
	PasswordHash      string
	TOTPSealed        []byte
	TOTPPendingSealed []byte
	TOTPLastStep      int64
	FailedLogins      int
	LockedUntil       time.Time
	Disabled          bool
	// WebAuthnSealed holds a staff member's passkeys and security keys
	// (nil for customers and for staff without one).
	WebAuthnSealed []byte
}

// Store keeps accounts, users, staff, sessions and tokens. Methods that read
// or change personal data take the gate's decision and return
// errs.Forbidden when it does not cover the call. Lookups of an object that
// does not exist, or belongs to another account, return errs.NotFound;
// duplicates return errs.Conflict.
type Store interface {
	// Sign-up: the account, its owner and the owner's membership, at once.
	CreateAccount(ctx context.Context, d access.Decision, a AccountRow, owner UserRow) error
	// ImportAccount creates an account owned by an existing user with its
	// sites, at once (an account moved in from another vigil).
	ImportAccount(ctx context.Context, d access.Decision, a AccountRow, ownerID string, sites []SiteRow) error
	Account(ctx context.Context, d access.Decision, id string) (AccountRow, error)
	UpdateAccount(ctx context.Context, d access.Decision, id string, nameSealed []byte, region string) error
	AccountsOf(ctx context.Context, userID string) ([]string, error)

	CreateSite(ctx context.Context, d access.Decision, s SiteRow) error
	Sites(ctx context.Context, d access.Decision, accountID string) ([]SiteRow, error)
	Site(ctx context.Context, d access.Decision, accountID, siteID string) (SiteRow, error)
	UpdateSite(ctx context.Context, d access.Decision, s SiteRow) error
	DeleteSite(ctx context.Context, d access.Decision, accountID, siteID string) error

	// Users. UserIDByEmail returns only an ID: it is how sign-in finds
	// whose credential to check.
	CreateUser(ctx context.Context, d access.Decision, u UserRow) error
	UserIDByEmail(ctx context.Context, emailIndex []byte) (string, error)
	User(ctx context.Context, d access.Decision, id string) (UserRow, error)
	UpdateProfile(ctx context.Context, d access.Decision, id string, nameSealed []byte, language, timeZone string) error
	MarkEmailVerified(ctx context.Context, d access.Decision, id string) error
	SetPassword(ctx context.Context, d access.Decision, kind access.Kind, id, hash string) error
	SetTOTP(ctx context.Context, d access.Decision, kind access.Kind, id string, pending, active []byte) error

	// Credentials of users and staff, for sign-in.
	Credential(ctx context.Context, d access.Decision, kind access.Kind, id string) (Credential, error)
	// RecordSignIn stores the outcome of a sign-in attempt: on success the
	// failure count resets; on failure it grows and lockedUntil is stored.
	RecordSignIn(ctx context.Context, d access.Decision, kind access.Kind, id string, ok bool, lockedUntil time.Time) error
	// UseTOTPStep stores step as the last used one, failing with
	// errs.Conflict when it is not newer (a replayed code).
	UseTOTPStep(ctx context.Context, d access.Decision, kind access.Kind, id string, step int64) error

	// Memberships of a user, for building the principal at authentication.
	Memberships(ctx context.Context, userID string) ([]access.Membership, error)
	Members(ctx context.Context, d access.Decision, accountID string) ([]MemberRow, error)
	// AddMember gives userID role in the account, limited to sites when
	// there are any, in one transaction.
	AddMember(ctx context.Context, d access.Decision, accountID, userID string, role access.Role, sites []string) error
	// SetMemberScope replaces a member's every membership in the account
	// with role over sites (none: every site); errs.NotFound when userID is
	// not a member.
	SetMemberScope(ctx context.Context, d access.Decision, accountID, userID string, role access.Role, sites []string) error
	// RemoveMember takes a member out of one site, or out of the account
	// altogether when siteID is empty.
	RemoveMember(ctx context.Context, d access.Decision, accountID, userID, siteID string) error
	// PendingTokens lists the live, unused tokens of purpose for subjectID,
	// newest first.
	PendingTokens(ctx context.Context, d access.Decision, purpose, subjectID string) ([]OneTimeToken, error)
	// WithdrawToken spends a live token of purpose for subjectID so that its
	// link no longer works; errs.NotFound when there is none.
	WithdrawToken(ctx context.Context, d access.Decision, hash []byte, purpose, subjectID string) error

	CreateSession(ctx context.Context, d access.Decision, s SessionRow) error
	// Session finds a live session by token hash; it is authentication
	// itself, so it takes no decision and returns no personal field.
	Session(ctx context.Context, idHash []byte) (SessionRow, error)
	PassSessionMFA(ctx context.Context, idHash []byte) error
	TouchSession(ctx context.Context, idHash []byte, at time.Time) error
	DeleteSession(ctx context.Context, idHash []byte) error
	Sessions(ctx context.Context, d access.Decision, kind access.Kind, principalID string) ([]SessionRow, error)
	DeleteSessionsOf(ctx context.Context, kind access.Kind, principalID string) error

	CreateAPIToken(ctx context.Context, d access.Decision, t TokenRow) error
	APIToken(ctx context.Context, hash []byte) (TokenRow, error)
	TouchAPIToken(ctx context.Context, id string, at time.Time) error
	APITokens(ctx context.Context, d access.Decision, userID string) ([]TokenRow, error)
	DeleteAPIToken(ctx context.Context, d access.Decision, userID, id string) error

	// SignInDelay returns until when sign-ins of an address from a network
	// wait (zero when they do not).
	SignInDelay(ctx context.Context, emailIndex, netIndex []byte) (time.Time, error)
	// RecordSignInFailure counts a failure of an address from a network,
	// sets the delay delay(failures) returns, and returns the count.
	RecordSignInFailure(ctx context.Context, emailIndex, netIndex []byte, delay func(failures int) time.Duration) (int, error)
	// ClearSignInFailures forgets the failures of an address from a
	// network, or from every network when netIndex is nil.
	ClearSignInFailures(ctx context.Context, emailIndex, netIndex []byte) error

	// DeleteAPITokensOf deletes every API token of a user.
	DeleteAPITokensOf(ctx context.Context, d access.Decision, userID string) error
	// SpendOneTimeTokens marks every live token of purpose for subjectID
	// used.
	SpendOneTimeTokens(ctx context.Context, purpose, subjectID string) error

	CreateOneTimeToken(ctx context.Context, t OneTimeToken) error
	// UseOneTimeToken marks a live token of purpose used and returns it;
	// errs.NotFound when it is unknown, used or expired.
	UseOneTimeToken(ctx context.Context, hash []byte, purpose string) (OneTimeToken, error)

	CreateStaff(ctx context.Context, d access.Decision, s StaffRow) error
	StaffIDByEmail(ctx context.Context, emailIndex []byte) (string, error)
	Staff(ctx context.Context, d access.Decision, id string) (StaffRow, error)
	// StaffAuth returns only what building a staff principal needs (role,
	// training date, disabled), no personal field: it is authentication.
	StaffAuth(ctx context.Context, id string) (StaffAuth, error)
	ListStaff(ctx context.Context, d access.Decision) ([]StaffRow, error)
	UpdateStaff(ctx context.Context, d access.Decision, id string, role access.StaffRole, trainingValidUntil time.Time, disabled bool) error
	CountStaff(ctx context.Context) (int, error)
	// StaffTrainingReminders returns the last training reminder of every
	// active staff member (d covers List).
	StaffTrainingReminders(ctx context.Context, d access.Decision) (map[string]string, error)
	// SetStaffTrainingReminder replaces the recorded reminder was by now;
	// false when another node did first.
	SetStaffTrainingReminder(ctx context.Context, d access.Decision, id, was, now string) (bool, error)
	// StaffWebAuthn returns a staff member's sealed passkeys and the sealed
	// ceremony in flight (d covers Authenticate).
	StaffWebAuthn(ctx context.Context, d access.Decision, id string) (keys, ceremony []byte, err error)
	// SetStaffWebAuthnCeremony stores (nil: clears) the ceremony in flight
	// (d covers Authenticate).
	SetStaffWebAuthnCeremony(ctx context.Context, d access.Decision, id string, ceremony []byte) error
	// SetStaffWebAuthnKeys replaces the sealed passkeys and clears the
	// ceremony (d covers Update, or Authenticate for a counter update).
	SetStaffWebAuthnKeys(ctx context.Context, d access.Decision, id string, keys []byte) error
	// CountActiveStaff counts the staff members of role who are not
	// disabled.
	CountActiveStaff(ctx context.Context, role access.StaffRole) (int, error)

	CreateRoleChange(ctx context.Context, d access.Decision, r RoleChangeRow) error
	RoleChanges(ctx context.Context, d access.Decision, limit int) ([]RoleChangeRow, error)
	RoleChange(ctx context.Context, d access.Decision, id string) (RoleChangeRow, error)
	DecideRoleChange(ctx context.Context, d access.Decision, r RoleChangeRow, status, by string) error
}
