package privacy

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/fanout"
	"github.com/vigil-cloud/vigil/internal/id"
)

// MaxGrant is the longest a customer may entrust support at once: long
// enough for a support case, short enough that nothing becomes standing
// access. A longer case needs a new grant.
const MaxGrant = 30 * 24 * time.Hour

// Grant is an entrustment grant as its account sees it.
type Grant struct {
	ID         string               `json:"id"`
	AccountID  string               `json:"account_id"`
	StaffID    string               `json:"staff_id,omitempty"`
	StaffRole  access.StaffRole     `json:"staff_role,omitempty"`
	Categories []datamap.CategoryID `json:"categories"`
	Resources  []string             `json:"resources"`
	From       time.Time            `json:"from"`
	Until      time.Time            `json:"until"`
	Ticket     string               `json:"ticket"`
	Reason     string               `json:"reason"`
	GrantedBy  string               `json:"granted_by"`
	CreatedAt  time.Time            `json:"created_at"`
	RevokedAt  *time.Time           `json:"revoked_at,omitempty"`
	RevokedBy  string               `json:"revoked_by,omitempty"`
	Status     string               `json:"status"` // scheduled, active, expired or revoked
	Uses       []GrantUse           `json:"uses"`
}

// GrantInput is a customer's grant. Exactly one of StaffID and StaffRole
// names whom it entrusts; no Resources means the whole account; a zero From
// means now.
type GrantInput struct {
	StaffID    string               `json:"staff_id"`
	StaffRole  access.StaffRole     `json:"staff_role"`
	Categories []datamap.CategoryID `json:"categories"`
	Resources  []string             `json:"resources"`
	From       time.Time            `json:"from"`
	Until      time.Time            `json:"until"`
	Ticket     string               `json:"ticket"`
	Reason     string               `json:"reason"`
}

func grantRes(accountID string) access.Resource {
	return access.Resource{Category: datamap.PrivacyGrant, AccountID: accountID}
}

func (s *Service) checkGrant(ctx context.Context, in *GrantInput, now time.Time) error {
	switch {
	case (in.StaffID == "") == (in.StaffRole == ""):
		return errs.E(errs.Invalid, "name either staff_id or staff_role, not both")
	case in.StaffID != "":
		if err := checkID("staff_id", in.StaffID); err != nil {
			return err
		}
		ok, err := s.store.StaffExists(ctx, in.StaffID)
		if err != nil {
			return err
		}
		if !ok {
			return errs.E(errs.Invalid, "staff_id names no active staff member")
		}
	default:
		if r, err := access.ParseStaffRole(string(in.StaffRole)); err != nil || r == access.StaffOperatorAdmin {
			return errs.E(errs.Invalid, "staff_role must be support_l1, support_l2, security or dpo")
		}
	}
	var err error
	if in.Categories, err = s.checkCategories(in.Categories); err != nil {
		return err
	}
	if in.Resources, err = checkResources(in.Resources); err != nil {
		return err
	}
	if in.From.IsZero() || in.From.Before(now) {
		in.From = now
	}
	switch {
	case in.Until.IsZero():
		return errs.E(errs.Invalid, "until is required: a grant always ends")
	case !in.Until.After(in.From):
		return errs.E(errs.Invalid, "until must be after from")
	case in.Until.Sub(in.From) > MaxGrant:
		return errs.E(errs.Invalid, "a grant lasts at most %d days", int(MaxGrant/(24*time.Hour)))
	}
	if err := checkText("ticket", in.Ticket, 1, 100); err != nil {
		return err
	}
	return checkText("reason", in.Reason, 1, 1000)
}

// CreateGrant entrusts vendor staff with some of an account's data for a
// while (owner or admin).
func (s *Service) CreateGrant(ctx context.Context, p access.Principal, accountID string, in GrantInput) (Grant, error) {
	d, err := s.gate.Check(ctx, p, access.Create, grantRes(accountID), datamap.PurposeService)
	if err != nil {
		return Grant{}, err
	}
	now := s.clk.Now()
	if err := s.checkGrant(ctx, &in, now); err != nil {
		return Grant{}, err
	}
	row := GrantRow{ID: id.New("grt"), AccountID: accountID, StaffID: in.StaffID, StaffRole: in.StaffRole,
		Categories: in.Categories, Resources: in.Resources, StartsAt: in.From, EndsAt: in.Until, GrantedBy: p.ID}
	if row.TicketSealed, err = s.sealAccount(ctx, accountID, "privacy_grants.ticket_sealed", row.ID, strings.TrimSpace(in.Ticket)); err != nil {
		return Grant{}, err
	}
	if row.ReasonSealed, err = s.sealAccount(ctx, accountID, "privacy_grants.reason_sealed", row.ID, strings.TrimSpace(in.Reason)); err != nil {
		return Grant{}, err
	}
	if err := s.store.CreateGrant(ctx, d, row); err != nil {
		return Grant{}, err
	}
	row.CreatedAt = now
	return s.grant(ctx, row, now), nil
}

func (s *Service) grant(ctx context.Context, r GrantRow, now time.Time) Grant {
	g := Grant{ID: r.ID, AccountID: r.AccountID, StaffID: r.StaffID, StaffRole: r.StaffRole, Categories: r.Categories,
		Resources: r.Resources, From: r.StartsAt, Until: r.EndsAt, GrantedBy: r.GrantedBy, CreatedAt: r.CreatedAt,
		RevokedBy: r.RevokedBy, Uses: []GrantUse{},
		Ticket: s.openAccount(ctx, r.AccountID, "privacy_grants.ticket_sealed", r.ID, r.TicketSealed),
		Reason: s.openAccount(ctx, r.AccountID, "privacy_grants.reason_sealed", r.ID, r.ReasonSealed)}
	switch {
	case !r.RevokedAt.IsZero():
		t := r.RevokedAt
		g.RevokedAt, g.Status = &t, "revoked"
	case now.Before(r.StartsAt):
		g.Status = "scheduled"
	case !now.Before(r.EndsAt):
		g.Status = "expired"
	default:
		g.Status = "active"
	}
	return g
}

// Grants lists an account's grants, newest first, each with every use
// staff made of it (owner or admin).
func (s *Service) Grants(ctx context.Context, p access.Principal, accountID string) ([]Grant, error) {
	d, err := s.gate.Check(ctx, p, access.List, grantRes(accountID), datamap.PurposeService)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.Grants(ctx, d, accountID)
	if err != nil {
		return nil, err
	}
	uses, err := s.store.GrantUses(ctx, d, accountID)
	if err != nil {
		return nil, err
	}
	byGrant := map[string][]GrantUse{}
	for _, u := range uses {
		byGrant[u.GrantID] = append(byGrant[u.GrantID], u)
	}
	now := s.clk.Now()
	out := make([]Grant, 0, len(rows))
	for _, r := range rows {
		g := s.grant(ctx, r, now)
		if u := byGrant[r.ID]; u != nil {
			g.Uses = u
		}
		out = append(out, g)
	}
	return out, nil
}

// RevokeGrant ends a grant at once: the next access it would have allowed
// is denied (owner or admin).
func (s *Service) RevokeGrant(ctx context.Context, p access.Principal, accountID, grantID string) error {
	d, err := s.gate.Check(ctx, p, access.Update, grantRes(accountID), datamap.PurposeService)
	if err != nil {
		return err
	}
	if err := s.store.RevokeGrant(ctx, d, accountID, grantID, p.ID); err != nil {
		return err
	}
	s.withdraw(ctx, grantID)
	return nil
}

// MyGrants lists the grants that entrust the calling staff member, by name
// or by role.
func (s *Service) MyGrants(ctx context.Context, p access.Principal) ([]Grant, error) {
	d, err := s.gate.Check(ctx, p, access.List, access.Resource{Category: datamap.PrivacyGrant, SubjectID: p.ID}, datamap.PurposeService)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.GrantsToStaff(ctx, d, p.ID, p.StaffRole)
	if err != nil {
		return nil, err
	}
	now := s.clk.Now()
	out := make([]Grant, 0, len(rows))
	for _, r := range rows {
		out = append(out, s.grant(ctx, r, now))
	}
	return out, nil
}

// WatchGrantUses returns a channel of the account's grant uses as they
// happen, after checking that p may see the account's grants, and a
// function that stops the watch. Uses are also kept: a watcher that falls
// behind misses nothing that Grants lists.
func (s *Service) WatchGrantUses(ctx context.Context, p access.Principal, accountID string) (<-chan GrantUse, func(), error) {
	if _, err := s.gate.Check(ctx, p, access.List, grantRes(accountID), datamap.PurposeService); err != nil {
		return nil, nil, err
	}
	ch, stop := s.feed.Subscribe(accountID)
	return ch, stop, nil
}

// Grants is the access gate's source of entrustment grants.
type Grants struct {
	store Store
	feed  *Feed
}

var _ access.Grants = (*Grants)(nil)

// NewGrants returns the grant source for the gate; uses go to feed.
func NewGrants(store Store, feed *Feed) *Grants { return &Grants{store: store, feed: feed} }

// StaffGrant returns a live grant that covers q: it names the staff member
// (or their role), the category, and the object or site unless it covers
// the whole account. A grant scoped to some devices or sites never opens a
// whole collection.
func (g *Grants) StaffGrant(ctx context.Context, q access.GrantQuery) (string, error) {
	rows, err := g.store.LiveGrants(ctx, q.AccountID, q.StaffID, q.StaffRole, q.At)
	if err != nil {
		return "", err
	}
	for _, r := range rows {
		if !slices.Contains(r.Categories, q.Category) {
			continue
		}
		if len(r.Resources) == 0 ||
			(q.ResourceID != "" && slices.Contains(r.Resources, q.ResourceID)) ||
			(q.SiteID != "" && slices.Contains(r.Resources, q.SiteID)) {
			return r.ID, nil
		}
	}
	return "", nil
}

// GrantUsed keeps the use beside the grant and tells the account's
// watchers.
func (g *Grants) GrantUsed(ctx context.Context, grantID string, seq int64, r access.Record) error {
	u := GrantUse{GrantID: grantID, Seq: seq, AccountID: r.AccountID, StaffID: r.ActorID, At: r.Time,
		Action: r.Action, Category: datamap.CategoryID(r.Category), ResourceID: r.ResourceID}
	if err := g.store.RecordGrantUse(ctx, u); err != nil {
		return err
	}
	g.feed.Publish(u.AccountID, u)
	return nil
}

// Feed fans grant uses out to the account's live watchers, on every node
// once connected to the bus (fanout.Hub); the kept uses are the record.
type Feed = fanout.Hub[GrantUse]

// NewFeed returns a feed for this node alone.
func NewFeed() *Feed { return fanout.New[GrantUse]() }
