package access

import (
	"fmt"
	"time"
)

// Kind is what sort of principal acts.
type Kind string

// Principal kinds.
const (
	KindAnonymous Kind = "anonymous" // not signed in (sign-up, sign-in, public pages)
	KindUser      Kind = "user"      // a customer's user
	KindStaff     Kind = "staff"     // the vendor's staff
	KindDevice    Kind = "device"    // a camera or NVR (device link)
	KindSystem    Kind = "system"    // vigil itself (retention jobs, mail)
	// KindIntegration is a service a customer shared cameras with (a home
	// automation hub, an alarm-receiving centre): it holds a scoped token
	// and sees only what its share opens.
	KindIntegration Kind = "integration"
)

// Role is a customer user's role in an account or a site. Higher roles include
// the rights of lower ones.
type Role string

// Customer roles, lowest first.
const (
	RoleGuest  Role = "guest"
	RoleMember Role = "member"
	RoleAdmin  Role = "admin"
	RoleOwner  Role = "owner"
)

var roleRank = map[Role]int{RoleGuest: 1, RoleMember: 2, RoleAdmin: 3, RoleOwner: 4}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return roleRank[r] > 0 }

// AtLeast reports whether r includes the rights of min.
func (r Role) AtLeast(min Role) bool { return roleRank[r] >= roleRank[min] && r.Valid() }

// ParseRole checks a role name from input.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if !r.Valid() {
		return "", fmt.Errorf("unknown role %q (want guest, member, admin or owner)", s)
	}
	return r, nil
}

// StaffRole is a vendor staff member's role. Support L1 < support L2 <
// security officer < DPO for personal data; the operator admin manages staff
// accounts and sees no customer data by virtue of that role.
type StaffRole string

// Staff roles.
const (
	StaffSupportL1     StaffRole = "support_l1"
	StaffSupportL2     StaffRole = "support_l2"
	StaffSecurity      StaffRole = "security"
	StaffDPO           StaffRole = "dpo"
	StaffOperatorAdmin StaffRole = "operator_admin"
)

var staffRank = map[StaffRole]int{StaffSupportL1: 1, StaffSupportL2: 2, StaffSecurity: 3, StaffDPO: 4, StaffOperatorAdmin: 0}

// Valid reports whether r is a known staff role.
func (r StaffRole) Valid() bool { _, ok := staffRank[r]; return ok }

// AtLeast reports whether r includes the data rights of min.
func (r StaffRole) AtLeast(min StaffRole) bool {
	return staffRank[r] >= staffRank[min] && staffRank[min] > 0
}

// ParseStaffRole checks a staff role name from input.
func ParseStaffRole(s string) (StaffRole, error) {
	r := StaffRole(s)
	if !r.Valid() {
		return "", fmt.Errorf("unknown staff role %q (want support_l1, support_l2, security, dpo or operator_admin)", s)
	}
	return r, nil
}

// Membership is a user's role in an account, or in one site of it when SiteID
// is set.
type Membership struct {
	AccountID string
	SiteID    string
	Role      Role
	// Frozen: the account was transferred elsewhere and is read-only until
	// it closes.
	Frozen bool
}

// Principal is who asks. It is built by authentication and never from
// client-supplied fields.
type Principal struct {
	Kind Kind
	ID   string

	// Customer users.
	Memberships []Membership

	// Vendor staff.
	StaffRole          StaffRole
	MFA                bool      // this session passed a second factor
	TrainingValidUntil time.Time // end of the staff member's privacy training

	// Where the request came from; sealed into audit entries under the
	// principal's own key, never stored in clear.
	IP        string
	UserAgent string
}

// Anonymous returns the principal of a request that is not signed in.
func Anonymous(ip, userAgent string) Principal {
	return Principal{Kind: KindAnonymous, IP: ip, UserAgent: userAgent}
}

// System returns vigil's own principal for background work named by job.
func System(job string) Principal { return Principal{Kind: KindSystem, ID: job} }

// RoleIn returns the principal's role for an account, taking a site role into
// account when siteID is set: a site role applies to that site only; an
// account-wide role applies everywhere in the account.
func (p Principal) RoleIn(accountID, siteID string) (Role, bool) {
	var best Role
	for _, m := range p.Memberships {
		if m.AccountID != accountID {
			continue
		}
		if m.SiteID != "" && m.SiteID != siteID {
			continue
		}
		if roleRank[m.Role] > roleRank[best] {
			best = m.Role
		}
	}
	return best, best != ""
}

// SitesOnly returns the sites a user's roles in an account are limited to,
// or nil when they hold an account-wide role there (or none at all).
func (p Principal) SitesOnly(accountID string) []string {
	var sites []string
	for _, m := range p.Memberships {
		if m.AccountID != accountID {
			continue
		}
		if m.SiteID == "" {
			return nil
		}
		sites = append(sites, m.SiteID)
	}
	return sites
}

// ListScopes returns where a listing of r is decided for p: r itself, or,
// for someone whose roles cover some sites only, r at each of those sites
// (one decision per site, each listing that site's objects).
func (p Principal) ListScopes(r Resource) []Resource {
	sites := p.SitesOnly(r.AccountID)
	if len(sites) == 0 {
		return []Resource{r}
	}
	out := make([]Resource, len(sites))
	for i, site := range sites {
		out[i] = r
		out[i].SiteID = site
	}
	return out
}

// Frozen reports whether the principal's account is frozen (transferred).
func (p Principal) Frozen(accountID string) bool {
	for _, m := range p.Memberships {
		if m.AccountID == accountID && m.Frozen {
			return true
		}
	}
	return false
}

// MemberOf reports whether the principal has any role in the account,
// account-wide or in one of its sites.
func (p Principal) MemberOf(accountID string) bool {
	for _, m := range p.Memberships {
		if m.AccountID == accountID {
			return true
		}
	}
	return false
}
