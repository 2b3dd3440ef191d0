package privacy

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
)

// GrantRequest is a staff member's request for an entrustment grant, as
// the account and the staff member see it. It opens nothing by itself: the
// account's owner or an admin approves it (which makes the grant, possibly
// for less data or a shorter time) or declines it.
type GrantRequest struct {
	ID          string               `json:"id"`
	AccountID   string               `json:"account_id"`
	StaffID     string               `json:"staff_id"`
	Categories  []datamap.CategoryID `json:"categories"`
	Hours       int                  `json:"hours"`
	Ticket      string               `json:"ticket"`
	Reason      string               `json:"reason"`
	RequestedAt time.Time            `json:"requested_at"`
	Status      string               `json:"status"` // pending, approved or declined
	DecidedAt   *time.Time           `json:"decided_at,omitempty"`
	DecidedBy   string               `json:"decided_by,omitempty"`
	GrantID     string               `json:"grant_id,omitempty"`
}

// GrantRequestRow is a stored grant request.
type GrantRequestRow struct {
	ID           string
	AccountID    string
	StaffID      string
	Categories   []datamap.CategoryID
	Duration     time.Duration
	TicketSealed []byte
	ReasonSealed []byte
	RequestedAt  time.Time
	Status       string
	DecidedAt    time.Time
	DecidedBy    string
	GrantID      string
}

// GrantRequestInput is what support asks for: which data, for how many
// hours (at most MaxGrant), for which ticket and why.
type GrantRequestInput struct {
	Categories []datamap.CategoryID `json:"categories"`
	Hours      int                  `json:"hours"`
	Ticket     string               `json:"ticket"`
	Reason     string               `json:"reason"`
}

// GrantApproval is the customer's answer: no Categories means all those
// asked for, zero Hours the time asked for; either may only be narrower.
type GrantApproval struct {
	Categories []datamap.CategoryID `json:"categories"`
	Hours      int                  `json:"hours"`
}

// RequestGrant asks an account for a grant to the calling staff member,
// who needs a second factor and current training like for any personal
// data, and a role a grant can name. The request is in the account's
// access log and the staff member's own.
func (s *Service) RequestGrant(ctx context.Context, p access.Principal, accountID string, in GrantRequestInput) (GrantRequest, error) {
	now := s.clk.Now()
	switch {
	case p.Kind != access.KindStaff:
		return GrantRequest{}, errs.E(errs.Forbidden, "only vigil staff ask for grants")
	case !p.MFA:
		return GrantRequest{}, errs.E(errs.MFARequired, "staff need a second factor before any personal data")
	case !now.Before(p.TrainingValidUntil):
		return GrantRequest{}, errs.E(errs.Forbidden, "privacy training has lapsed; no access to personal data until it is renewed")
	case p.StaffRole == access.StaffOperatorAdmin:
		return GrantRequest{}, errs.E(errs.Forbidden, "operator administrators cannot be entrusted with customer data")
	}
	if err := checkID("account", accountID); err != nil {
		return GrantRequest{}, err
	}
	d, err := s.gate.Check(ctx, p, access.Create, access.Resource{Category: datamap.PrivacyGrant, AccountID: accountID, SubjectID: p.ID}, datamap.PurposeService)
	if err != nil {
		return GrantRequest{}, err
	}
	if in.Categories, err = s.checkCategories(in.Categories); err != nil {
		return GrantRequest{}, err
	}
	if in.Hours < 1 || time.Duration(in.Hours)*time.Hour > MaxGrant {
		return GrantRequest{}, errs.E(errs.Invalid, "hours must be 1 to %d", int(MaxGrant/time.Hour))
	}
	if err := checkText("ticket", in.Ticket, 1, 100); err != nil {
		return GrantRequest{}, err
	}
	if err := checkText("reason", in.Reason, 1, 1000); err != nil {
		return GrantRequest{}, err
	}
	row := GrantRequestRow{ID: id.New("grq"), AccountID: accountID, StaffID: p.ID, Categories: in.Categories,
		Duration: time.Duration(in.Hours) * time.Hour, RequestedAt: now, Status: "pending"}
	if row.TicketSealed, err = s.sealAccount(ctx, accountID, "privacy_grant_requests.ticket_sealed", row.ID, strings.TrimSpace(in.Ticket)); err != nil {
		return GrantRequest{}, err
	}
	if row.ReasonSealed, err = s.sealAccount(ctx, accountID, "privacy_grant_requests.reason_sealed", row.ID, strings.TrimSpace(in.Reason)); err != nil {
		return GrantRequest{}, err
	}
	if err := s.store.CreateGrantRequest(ctx, d, row); err != nil {
		return GrantRequest{}, err
	}
	return s.grantRequest(ctx, row), nil
}

func (s *Service) grantRequest(ctx context.Context, r GrantRequestRow) GrantRequest {
	g := GrantRequest{ID: r.ID, AccountID: r.AccountID, StaffID: r.StaffID, Categories: r.Categories, Hours: int(r.Duration / time.Hour),
		RequestedAt: r.RequestedAt, Status: r.Status, DecidedBy: r.DecidedBy, GrantID: r.GrantID,
		Ticket: s.openAccount(ctx, r.AccountID, "privacy_grant_requests.ticket_sealed", r.ID, r.TicketSealed),
		Reason: s.openAccount(ctx, r.AccountID, "privacy_grant_requests.reason_sealed", r.ID, r.ReasonSealed)}
	if !r.DecidedAt.IsZero() {
		t := r.DecidedAt
		g.DecidedAt = &t
	}
	return g
}

// GrantRequests lists an account's requests for grants, newest first
// (owner or admin).
func (s *Service) GrantRequests(ctx context.Context, p access.Principal, accountID string) ([]GrantRequest, error) {
	d, err := s.gate.Check(ctx, p, access.List, grantRes(accountID), datamap.PurposeService)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.GrantRequests(ctx, d, accountID)
	if err != nil {
		return nil, err
	}
	out := make([]GrantRequest, 0, len(rows))
	for _, r := range rows {
		out = append(out, s.grantRequest(ctx, r))
	}
	return out, nil
}

// MyGrantRequests lists the calling staff member's requests, newest first.
func (s *Service) MyGrantRequests(ctx context.Context, p access.Principal) ([]GrantRequest, error) {
	d, err := s.gate.Check(ctx, p, access.List, access.Resource{Category: datamap.PrivacyGrant, SubjectID: p.ID}, datamap.PurposeService)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.GrantRequestsBy(ctx, d, p.ID)
	if err != nil {
		return nil, err
	}
	out := make([]GrantRequest, 0, len(rows))
	for _, r := range rows {
		out = append(out, s.grantRequest(ctx, r))
	}
	return out, nil
}

// ApproveGrantRequest makes the grant a pending request asks for, to the
// staff member who asked, from now: for the data and time asked, or less
// (owner or admin). The request and the grant change together.
func (s *Service) ApproveGrantRequest(ctx context.Context, p access.Principal, accountID, requestID string, in GrantApproval) (Grant, error) {
	d, err := s.gate.Check(ctx, p, access.Create, grantRes(accountID), datamap.PurposeService)
	if err != nil {
		return Grant{}, err
	}
	req, err := s.store.GrantRequest(ctx, d, accountID, requestID)
	if err != nil {
		return Grant{}, err
	}
	if req.Status != "pending" {
		return Grant{}, errs.E(errs.Conflict, "this request was %s already", req.Status)
	}
	cats := req.Categories
	if len(in.Categories) > 0 {
		for _, c := range in.Categories {
			if !slices.Contains(req.Categories, c) {
				return Grant{}, errs.E(errs.Invalid, "%s was not asked for: a grant may only be narrower than the request", c)
			}
		}
		cats = in.Categories
	}
	dur := req.Duration
	if in.Hours != 0 {
		if in.Hours < 0 || time.Duration(in.Hours)*time.Hour > req.Duration {
			return Grant{}, errs.E(errs.Invalid, "hours must be 1 to %d, the time asked for", int(req.Duration/time.Hour))
		}
		dur = time.Duration(in.Hours) * time.Hour
	}
	now := s.clk.Now()
	gin := GrantInput{StaffID: req.StaffID, Categories: cats, Until: now.Add(dur),
		Ticket: s.openAccount(ctx, accountID, "privacy_grant_requests.ticket_sealed", req.ID, req.TicketSealed),
		Reason: s.openAccount(ctx, accountID, "privacy_grant_requests.reason_sealed", req.ID, req.ReasonSealed)}
	if err := s.checkGrant(ctx, &gin, now); err != nil {
		return Grant{}, err
	}
	row := GrantRow{ID: id.New("grt"), AccountID: accountID, StaffID: gin.StaffID, Categories: gin.Categories,
		StartsAt: gin.From, EndsAt: gin.Until, GrantedBy: p.ID}
	if row.TicketSealed, err = s.sealAccount(ctx, accountID, "privacy_grants.ticket_sealed", row.ID, strings.TrimSpace(gin.Ticket)); err != nil {
		return Grant{}, err
	}
	if row.ReasonSealed, err = s.sealAccount(ctx, accountID, "privacy_grants.reason_sealed", row.ID, strings.TrimSpace(gin.Reason)); err != nil {
		return Grant{}, err
	}
	if err := s.store.ApproveGrantRequest(ctx, d, requestID, row); err != nil {
		return Grant{}, err
	}
	row.CreatedAt = now
	return s.grant(ctx, row, now), nil
}

// DeclineGrantRequest refuses a pending request (owner or admin).
func (s *Service) DeclineGrantRequest(ctx context.Context, p access.Principal, accountID, requestID string) error {
	d, err := s.gate.Check(ctx, p, access.Update, grantRes(accountID), datamap.PurposeService)
	if err != nil {
		return err
	}
	return s.store.DeclineGrantRequest(ctx, d, accountID, requestID, p.ID)
}
