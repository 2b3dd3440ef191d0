// Package account manages the people and tenants of vigil: accounts (the
// customers) with their sites, users with roles, vendor staff, sessions, API
// tokens, passwords, second factors and the e-mails that go with them.
//
// It never stores a password, a session token or an API token, only their
// hashes, and never stores a personal field in clear: e-mail addresses,
// names and authenticator secrets are sealed under the key of the person
// they belong to (account names under the account's key), and looked up by
// keyed fingerprints.
package account

import (
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
)

// Account is a customer: the tenant that owns devices and data.
type Account struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Region    string    `json:"region"`
	CreatedAt time.Time `json:"created_at"`
	// Role is the caller's own role in the account, in the list of their
	// accounts (the highest, site-scoped ones too), so that the app offers
	// only what that role may do.
	Role access.Role `json:"role,omitempty"`
	// Sites are the sites the caller's role is limited to, in the list of
	// their accounts; none means every site.
	Sites []string `json:"sites,omitempty"`
}

// Site is a place of an account (a home, a shop) with its own time zone.
type Site struct {
	ID        string    `json:"id"`
	AccountID string    `json:"account_id"`
	Name      string    `json:"name"`
	TimeZone  string    `json:"time_zone"`
	CreatedAt time.Time `json:"created_at"`
}

// User is a customer's user.
type User struct {
	ID            string    `json:"id"`
	Email         string    `json:"email"`
	Name          string    `json:"name"`
	Language      string    `json:"language"`
	TimeZone      string    `json:"time_zone"`
	EmailVerified bool      `json:"email_verified"`
	MFAEnabled    bool      `json:"mfa_enabled"`
	CreatedAt     time.Time `json:"created_at"`
}

// Member is a user as seen from an account.
type Member struct {
	UserID string `json:"user_id"`
	Email  string `json:"email"`
	Name   string `json:"name"`
	// Sites are the sites the member's role is limited to; none means
	// every site of the account.
	Sites []string    `json:"sites,omitempty"`
	Role  access.Role `json:"role"`
}

// Staff is a vendor staff member.
type Staff struct {
	ID                 string           `json:"id"`
	Email              string           `json:"email"`
	Name               string           `json:"name"`
	Role               access.StaffRole `json:"role"`
	MFAEnabled         bool             `json:"mfa_enabled"`
	Factors            []string         `json:"factors"` // security_key, totp
	TrainingValidUntil time.Time        `json:"training_valid_until"`
	Disabled           bool             `json:"disabled"`
	CreatedAt          time.Time        `json:"created_at"`
}

// SessionInfo describes one of a user's sessions, for the user.
type SessionInfo struct {
	ID         string    `json:"id"` // a short public handle, not the token
	IP         string    `json:"ip"`
	UserAgent  string    `json:"user_agent"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	Current    bool      `json:"current"`
}

// APIToken describes an API token; the secret is shown once at creation.
type APIToken struct {
	ID         string    `json:"id"`
	Label      string    `json:"label"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
	Secret     string    `json:"token,omitempty"`
}
