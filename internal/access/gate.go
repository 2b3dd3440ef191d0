// Package access is the one gate every read or change of personal data passes
// through. Check decides from roles, grants and the data map's purposes, and
// writes every decision, allow and deny, to the audit log before it returns.
// Store methods that touch personal data take the Decision it returns, so code
// that skips the gate does not compile, and a decision for one account or
// category does not open another.
//
// The gate never allows vendor staff any standing access to a customer
// account's data: only a customer's live grant opens it, apart from the
// ordinary data vigil's own privacy duties need, and never media, snapshots
// or face data without a grant. Staff whose privacy training lapsed or who did
// not pass a second factor get nothing, and no one crosses tenants.
package access

import (
	"context"
	"fmt"
	"time"

	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// Action is what a principal wants to do with a resource.
type Action string

// Actions.
const (
	Read         Action = "read"
	List         Action = "list"
	Create       Action = "create"
	Update       Action = "update"
	Delete       Action = "delete"
	Export       Action = "export"
	Authenticate Action = "authenticate" // check a credential at sign-in
)

// Resource names the personal data an action concerns.
type Resource struct {
	Category  datamap.CategoryID
	AccountID string // the tenant whose data it is; "" for data of a person outside any account
	SiteID    string // set when the object belongs to one site
	ID        string // the object; "" for a whole collection
	SubjectID string // the person the data is about, when it is about one person
}

// Decision is the gate's answer. Only Check makes a valid one; the zero value
// allows nothing.
type Decision struct {
	valid     bool
	principal Principal
	action    Action
	resource  Resource
	purpose   datamap.Purpose
	seq       int64
	via       string
	share     *ShareScope
}

// Principal returns who the decision was made for.
func (d Decision) Principal() Principal { return d.principal }

// Resource returns what the decision covers.
func (d Decision) Resource() Resource { return d.resource }

// Purpose returns the purpose the decision was made for.
func (d Decision) Purpose() datamap.Purpose { return d.purpose }

// AuditSeq returns the audit entry that records the decision.
func (d Decision) AuditSeq() int64 { return d.seq }

// Via returns the ID of the customer's grant that allowed the decision, or
// "" when the principal's own role did: what is issued under the decision
// must end when that grant is revoked.
func (d Decision) Via() string { return d.via }

// Share returns the scope of the customer's share that allowed the
// decision, and false when no share did: what is served under it must stay
// within the share's rights (live, recordings) and window of recordings.
func (d Decision) Share() (ShareScope, bool) {
	if d.share == nil {
		return ShareScope{}, false
	}
	return *d.share, true
}

// Require checks, at the storage edge, that the decision covers action on r.
// A decision about one object covers only that object; a decision about a
// collection (no ID) covers every object of it in that account; a decision
// about one site covers only that site.
func (d Decision) Require(action Action, r Resource) error {
	if !d.valid {
		return errs.E(errs.Forbidden, "no access decision")
	}
	got := d.resource
	if d.action != action || got.Category != r.Category || got.AccountID != r.AccountID ||
		got.SubjectID != r.SubjectID || (got.ID != "" && got.ID != r.ID) || (got.SiteID != "" && got.SiteID != r.SiteID) {
		return errs.E(errs.Forbidden, "access decision does not cover %s of %s", action, r.Category)
	}
	return nil
}

// Record is an audit entry for one decision, handed to the Recorder.
type Record struct {
	Time       time.Time
	ActorKind  string
	ActorID    string
	ActorRole  string
	Action     string
	Category   string
	ResourceID string
	AccountID  string // whose log: the account, or the person for data outside any account
	Purpose    string
	Decision   string // "allow" or "deny"
	Reason     string
	SubjectID  string            // whose key seals Personal
	Personal   map[string]string // the actor's network details
	Route      string            // the API route the request came through; see WithRoute
}

type routeKey struct{}

// WithRoute marks ctx as serving an API route, written as the route table
// writes it ("GET /api/v1/accounts/{accountID}"): every decision made under
// ctx records it, so that an incident scoped to a route finds whose data
// the route reached (I3). The HTTP layer sets it; jobs and devices leave
// it empty.
func WithRoute(ctx context.Context, route string) context.Context {
	return context.WithValue(ctx, routeKey{}, route)
}

// RouteOf is the route WithRoute set on ctx, or "".
func RouteOf(ctx context.Context) string {
	r, _ := ctx.Value(routeKey{}).(string)
	return r
}

// Recorder makes records durable. The audit log implements it.
type Recorder interface {
	Record(ctx context.Context, r Record) (seq int64, err error)
}

// GrantQuery is what the gate asks a Grants source: may this staff member
// take action on this resource of an account at this time?
type GrantQuery struct {
	StaffID    string
	StaffRole  StaffRole
	AccountID  string
	SiteID     string // the site the data belongs to, when it belongs to one
	ResourceID string // the object (a device...); "" for a whole collection
	Category   datamap.CategoryID
	Action     Action
	At         time.Time
}

// Grants answers whether a customer has entrusted a staff member with an
// account's data, and keeps each use of a grant beside it so the customer
// sees it. Entrustment grants are managed by the privacy centre; without a
// Grants source no staff member holds any.
type Grants interface {
	// StaffGrant returns the ID of a live grant covering q, or "" when none
	// does.
	StaffGrant(ctx context.Context, q GrantQuery) (grantID string, err error)
	// GrantUsed records that the access recorded as audit entry seq used
	// the grant.
	GrantUsed(ctx context.Context, grantID string, seq int64, r Record) error
}

// ShareQuery is what the gate asks a Shares source: has a customer shared
// this object of an account with this person or integration?
type ShareQuery struct {
	RecipientID string
	AccountID   string
	SiteID      string
	ResourceID  string // the object (a device); a share never opens a whole collection
	Category    datamap.CategoryID
	Action      Action
	At          time.Time
}

// ShareScope is what a live share allows beyond the gate's category and
// action: watching live, watching recordings, and which recordings.
type ShareScope struct {
	ID         string
	Live       bool
	Recordings bool
	// From and To bound the recordings the share opens; zero: unbounded.
	From, To time.Time
}

// InWindow reports whether the recordings from..to lie in the share's
// window of recordings.
func (s ShareScope) InWindow(from, to time.Time) bool {
	return (s.From.IsZero() || !from.Before(s.From)) && (s.To.IsZero() || !to.After(s.To))
}

// Shares answers whether a customer shared an account's device with a
// person or an integration outside the account's roles, and keeps each use
// beside the share so both the owner and the recipient see it.
type Shares interface {
	// UserShare returns the live share covering q, and false when none does.
	UserShare(ctx context.Context, q ShareQuery) (ShareScope, bool, error)
	// ShareUsed records that the access recorded as audit entry seq used
	// the share.
	ShareUsed(ctx context.Context, shareID string, seq int64, r Record) error
}

// Gate decides and records.
type Gate struct {
	reg    *datamap.Registry
	rec    Recorder
	clk    clock.Clock
	grants Grants
	shares Shares
	duties Duties
	policy Policy
}

// SetShares connects the gate to the privacy centre's shares (built after
// the gate, which it depends on).
func (g *Gate) SetShares(s Shares) { g.shares = s }

// DutyQuery asks for the duty that lets the DPO read an account's ordinary
// data without the customer's grant.
type DutyQuery struct {
	AccountID string
	SubjectID string // the person the data is about, when one
}

// Duties names the open privacy request (or incident) that names a person
// of the account: the DPO's only reason to read its data without a grant.
type Duties interface {
	// Duty returns a reference to the open duty ("privacy request dsr_..."),
	// or "" when there is none.
	Duty(ctx context.Context, q DutyQuery) (string, error)
}

// SetDuties connects the gate to the privacy centre's open requests. With
// it, the DPO's access to an account's data without a grant holds only for
// an open request naming one of its people, and the log entry names it.
func (g *Gate) SetDuties(d Duties) { g.duties = d }

// New returns a gate over the data map. grants may be nil.
func New(reg *datamap.Registry, rec Recorder, clk clock.Clock, grants Grants, policy Policy) *Gate {
	return &Gate{reg: reg, rec: rec, clk: clk, grants: grants, policy: policy}
}

// Check decides whether p may take action on r for purpose, records the
// decision, and returns it. A denial is an error: errs.NotFound when the
// principal has no standing in the account (so existence does not leak),
// errs.Forbidden or errs.MFARequired otherwise. When the decision cannot be
// recorded, access is denied (errs.Unavailable). Under a Batch context a
// system job's repeated decision is made and recorded once.
func (g *Gate) Check(ctx context.Context, p Principal, action Action, r Resource, purpose datamap.Purpose) (Decision, error) {
	if e := shared(ctx, p, action, r, purpose); e != nil {
		e.once.Do(func() { e.d, e.err = g.check(ctx, p, action, r, purpose) })
		return e.d, e.err
	}
	return g.check(ctx, p, action, r, purpose)
}

func (g *Gate) check(ctx context.Context, p Principal, action Action, r Resource, purpose datamap.Purpose) (Decision, error) {
	now := g.clk.Now()
	ctx, duty := withDutySlot(ctx)
	grantID, share, denial := g.decide(ctx, p, action, r, purpose, now)
	rec := g.record(p, action, r, purpose, now, denial)
	rec.Route = RouteOf(ctx)
	switch {
	case denial == nil && *duty != "":
		rec.Reason = "duty: " + *duty
	case grantID != "":
		rec.Reason = "entrusted by grant " + grantID
	case share != nil:
		rec.Reason = "shared by share " + share.ID
		rec.ActorRole = "share recipient"
	}
	seq, err := g.rec.Record(ctx, rec)
	if err != nil {
		return Decision{}, errs.Wrap(err, errs.Unavailable, "access log unavailable; access refused")
	}
	if denial != nil {
		return Decision{}, denial
	}
	via := grantID
	switch {
	case grantID != "":
		// The customer must see every use of their grant: an access whose
		// use cannot be kept beside the grant does not happen.
		if err := g.grants.GrantUsed(ctx, grantID, seq, rec); err != nil {
			return Decision{}, errs.Wrap(err, errs.Unavailable, "cannot record the use of the grant; access refused")
		}
	case share != nil:
		// Likewise for a share: owner and recipient see each use.
		if err := g.shares.ShareUsed(ctx, share.ID, seq, rec); err != nil {
			return Decision{}, errs.Wrap(err, errs.Unavailable, "cannot record the use of the share; access refused")
		}
		via = share.ID
	}
	return Decision{valid: true, principal: p, action: action, resource: r, purpose: purpose, seq: seq, via: via, share: share}, nil
}

// Permits reports whether p may take action on r for purpose, without
// recording anything: to shape an answer (offer a download link or not),
// never to open data. What is then opened still passes Check.
func (g *Gate) Permits(ctx context.Context, p Principal, action Action, r Resource, purpose datamap.Purpose) bool {
	_, _, denial := g.decide(ctx, p, action, r, purpose, g.clk.Now())
	return denial == nil
}

// decide returns nil when p may act, and the ID of the customer's grant, or
// the scope of the customer's share, that allowed it when one did.
func (g *Gate) decide(ctx context.Context, p Principal, action Action, r Resource, purpose datamap.Purpose, now time.Time) (string, *ShareScope, error) {
	cat, ok := g.reg.Category(r.Category)
	if !ok {
		return "", nil, errs.E(errs.Forbidden, "undeclared data category %q", r.Category)
	}
	if !cat.Allows(purpose) {
		return "", nil, errs.E(errs.Forbidden, "purpose %s is not declared for %s", purpose, r.Category)
	}
	rule := g.policy.rule(r.Category)
	if r.SubjectID != "" && r.SubjectID == p.ID && (p.Kind == KindUser || p.Kind == KindStaff || p.Kind == KindIntegration) && rule.allowsSelf(action) {
		return "", nil, nil
	}
	switch p.Kind {
	case KindUser:
		if r.AccountID != "" && !p.MemberOf(r.AccountID) {
			// Someone outside the account: only a share opens anything.
			sc, err := g.shared(ctx, p, action, r, rule, now)
			return "", sc, err
		}
		return "", nil, g.decideUser(p, action, r, rule)
	case KindIntegration:
		sc, err := g.shared(ctx, p, action, r, rule, now)
		return "", sc, err
	case KindStaff:
		id, err := g.decideStaff(ctx, p, action, r, cat, rule, now)
		return id, nil, err
	}
	return "", nil, g.decideOther(p, action, r, rule)
}

// shared looks for the customer's share that opens r to p, a person or an
// integration outside the account. Without one the object is not found, as
// for any other tenant.
func (g *Gate) shared(ctx context.Context, p Principal, action Action, r Resource, rule Rule, now time.Time) (*ShareScope, error) {
	notFound := errs.E(errs.NotFound, "%s not found", r.Category)
	if r.AccountID == "" || r.ID == "" || g.shares == nil || !rule.shares(action) {
		return nil, notFound
	}
	sc, ok, err := g.shares.UserShare(ctx, ShareQuery{RecipientID: p.ID, AccountID: r.AccountID, SiteID: r.SiteID,
		ResourceID: r.ID, Category: r.Category, Action: action, At: now})
	if err != nil {
		return nil, errs.Wrap(err, errs.Unavailable, "cannot check shares")
	}
	if !ok {
		return nil, notFound
	}
	return &sc, nil
}

func (g *Gate) decideOther(p Principal, action Action, r Resource, rule Rule) error {
	switch p.Kind {
	case KindAnonymous:
		if rule.allowsAnonymous(action) {
			return nil
		}
		return errs.E(errs.Unauthenticated, "sign in first")
	case KindSystem:
		if rule.allowsSystem(action) {
			return nil
		}
		return errs.E(errs.Forbidden, "system job %q may not %s %s", p.ID, action, r.Category)
	}
	return errs.E(errs.Forbidden, "principal kind %q has no access to personal data", p.Kind)
}

func (g *Gate) decideUser(p Principal, action Action, r Resource, rule Rule) error {
	if r.AccountID == "" || !p.MemberOf(r.AccountID) {
		return errs.E(errs.NotFound, "%s not found", r.Category)
	}
	role, ok := p.RoleIn(r.AccountID, r.SiteID)
	if !ok {
		return errs.E(errs.NotFound, "%s not found", r.Category)
	}
	min, allowed := rule.Customer[action]
	if !allowed || !role.AtLeast(min) {
		return errs.E(errs.Forbidden, "your role (%s) may not %s %s", role, action, r.Category)
	}
	if p.Frozen(r.AccountID) && action != Read && action != List && action != Export {
		return errs.E(errs.Forbidden, "this account was transferred and is read-only until it closes")
	}
	return nil
}

// decideStaff allows vendor staff nothing standing in a customer's account:
// an account's data opens to them only through the customer's live grant,
// except the ordinary data the rule's Staff table opens for vigil's own
// duties (the DPO answering requests and incidents, security investigating
// abuse). Media and biometric data need a grant whatever the duty;
// credentials never open.
func (g *Gate) decideStaff(ctx context.Context, p Principal, action Action, r Resource, cat *datamap.Category, rule Rule, now time.Time) (string, error) {
	if !p.MFA {
		return "", errs.E(errs.MFARequired, "staff need a second factor before any personal data")
	}
	if !now.Before(p.TrainingValidUntil) {
		return "", errs.E(errs.Forbidden, "privacy training has lapsed; no access to personal data until it is renewed")
	}
	if cat.Sensitivity == datamap.Credential {
		return "", errs.E(errs.Forbidden, "staff never read customer credentials")
	}
	if r.AccountID != "" {
		if min, duty := rule.Staff[action]; duty && cat.Sensitivity < datamap.Media && p.StaffRole.AtLeast(min) {
			if min != StaffDPO || g.duties == nil {
				return "", nil
			}
			// The DPO's duty holds only for an open request (or
			// incident) naming a person of the account.
			ref, err := g.duties.Duty(ctx, DutyQuery{AccountID: r.AccountID, SubjectID: r.SubjectID})
			if err != nil {
				return "", errs.Wrap(err, errs.Unavailable, "cannot check the DPO's duties")
			}
			if ref != "" {
				setDuty(ctx, ref)
				return "", nil
			}
		}
		return g.entrusted(ctx, p, action, r, rule, now)
	}
	if p.StaffRole == StaffOperatorAdmin && rule.allowsOperator(action) {
		return "", nil
	}
	min, allowed := rule.Staff[action]
	if !allowed || !p.StaffRole.AtLeast(min) {
		return "", errs.E(errs.Forbidden, "staff role %s may not %s %s", p.StaffRole, action, r.Category)
	}
	return "", nil
}

// entrusted looks for the customer's grant that opens r to p.
func (g *Gate) entrusted(ctx context.Context, p Principal, action Action, r Resource, rule Rule, now time.Time) (string, error) {
	if !rule.entrusts(action) || p.StaffRole == StaffOperatorAdmin {
		return "", errs.E(errs.Forbidden, "staff may not %s %s of a customer account, even with a grant", action, r.Category)
	}
	if g.grants == nil {
		return "", errs.E(errs.NotFound, "%s not found: it needs the customer's entrustment grant", r.Category)
	}
	id, err := g.grants.StaffGrant(ctx, GrantQuery{StaffID: p.ID, StaffRole: p.StaffRole, AccountID: r.AccountID,
		SiteID: r.SiteID, ResourceID: r.ID, Category: r.Category, Action: action, At: now})
	if err != nil {
		return "", errs.Wrap(err, errs.Unavailable, "cannot check grants")
	}
	if id == "" {
		// Without the customer's grant the object is foreign to staff: not
		// found, as for any other tenant (the denial is still logged).
		return "", errs.E(errs.NotFound, "%s not found: it needs the customer's entrustment grant", r.Category)
	}
	return id, nil
}

// owner is whose log an entry goes to: the account the data belongs to, or,
// for data of one person outside any account (their profile, sessions,
// credentials), that person, so they can read every access to it too.
func owner(r Resource) string {
	if r.AccountID != "" {
		return r.AccountID
	}
	return r.SubjectID
}

func (g *Gate) record(p Principal, action Action, r Resource, purpose datamap.Purpose, now time.Time, denial error) Record {
	rec := Record{
		Time:       now,
		ActorKind:  string(p.Kind),
		ActorID:    p.ID,
		Action:     string(action),
		Category:   string(r.Category),
		ResourceID: r.ID,
		AccountID:  owner(r),
		Purpose:    string(purpose),
		Decision:   "allow",
	}
	switch p.Kind {
	case KindUser:
		if role, ok := p.RoleIn(r.AccountID, r.SiteID); ok {
			rec.ActorRole = string(role)
		}
	case KindStaff:
		rec.ActorRole = string(p.StaffRole)
	}
	if denial != nil {
		rec.Decision = "deny"
		rec.Reason = fmt.Sprintf("%s: %s", errs.CodeOf(denial), errs.MessageOf(denial))
	}
	// The actor's network details are personal data of the actor: sealed
	// under their key. An anonymous actor has no key of its own; its details
	// are sealed under the key of the person the attempt concerned, or dropped.
	rec.SubjectID = p.ID
	if p.Kind == KindAnonymous {
		rec.SubjectID = r.SubjectID
	}
	if rec.SubjectID != "" && (p.Kind == KindUser || p.Kind == KindStaff || p.Kind == KindAnonymous) {
		rec.Personal = map[string]string{}
		if p.IP != "" {
			rec.Personal["ip"] = p.IP
		}
		if p.UserAgent != "" {
			rec.Personal["user_agent"] = p.UserAgent
		}
	}
	return rec
}

type dutySlotKey struct{}

// withDutySlot gives one Check a place where decideStaff leaves the duty
// it relied on, for the audit entry.
func withDutySlot(ctx context.Context) (context.Context, *string) {
	var ref string
	return context.WithValue(ctx, dutySlotKey{}, &ref), &ref
}

func setDuty(ctx context.Context, ref string) {
	if p, ok := ctx.Value(dutySlotKey{}).(*string); ok {
		*p = ref
	}
}
