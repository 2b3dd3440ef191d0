package account

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/revoke"
)

func accountRes(accountID string) access.Resource {
	return access.Resource{Category: datamap.AccountProfile, AccountID: accountID}
}

// siteRes names one site, so that a role held in that site alone applies.
func siteRes(accountID, siteID string) access.Resource {
	return access.Resource{Category: datamap.AccountProfile, AccountID: accountID, SiteID: siteID}
}

// Account returns an account the caller may see.
func (s *Service) Account(ctx context.Context, p access.Principal, id string) (Account, error) {
	d, err := s.check(ctx, p, access.Read, accountRes(id), datamap.PurposeService)
	if err != nil {
		return Account{}, err
	}
	row, err := s.store.Account(ctx, d, id)
	if err != nil {
		return Account{}, err
	}
	return Account{ID: row.ID, Region: row.Region, CreatedAt: row.CreatedAt,
		Name: s.openAccount(ctx, row.ID, "accounts.name_sealed", row.ID, row.NameSealed)}, nil
}

// MyAccounts lists the accounts the caller belongs to.
func (s *Service) MyAccounts(ctx context.Context, p access.Principal) ([]Account, error) {
	ids, err := s.store.AccountsOf(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	out := make([]Account, 0, len(ids))
	for _, id := range ids {
		a, err := s.Account(ctx, p, id)
		if err != nil {
			return nil, err
		}
		for _, m := range p.Memberships {
			if m.AccountID == id && (a.Role == "" || m.Role.AtLeast(a.Role)) {
				a.Role = m.Role
			}
		}
		out = append(out, a)
	}
	return out, nil
}

// AccountChange corrects an account; nil fields stay.
type AccountChange struct {
	Name   *string `json:"name"`
	Region *string `json:"region"`
}

// UpdateAccount corrects an account's name or region.
func (s *Service) UpdateAccount(ctx context.Context, p access.Principal, id string, ch AccountChange) (Account, error) {
	d, err := s.check(ctx, p, access.Update, accountRes(id), datamap.PurposeService)
	if err != nil {
		return Account{}, err
	}
	// The decision to change the account covers reading it.
	row, err := s.store.Account(ctx, d, id)
	if err != nil {
		return Account{}, err
	}
	cur := Account{ID: row.ID, Region: row.Region, CreatedAt: row.CreatedAt,
		Name: s.openAccount(ctx, row.ID, "accounts.name_sealed", row.ID, row.NameSealed)}
	if ch.Name != nil {
		name := *ch.Name
		if err := cleanName("name", &name); err != nil {
			return Account{}, err
		}
		cur.Name = name
	}
	if ch.Region != nil {
		if err := checkRegion(*ch.Region); err != nil {
			return Account{}, err
		}
		cur.Region = *ch.Region
	}
	name, err := s.sealAccount(ctx, id, "accounts.name_sealed", id, cur.Name)
	if err != nil {
		return Account{}, err
	}
	return cur, s.store.UpdateAccount(ctx, d, id, name, cur.Region)
}

// SiteInput describes a site to create or correct.
type SiteInput struct {
	Name     string `json:"name"`
	TimeZone string `json:"time_zone"`
}

func (in *SiteInput) check() error {
	if err := cleanName("name", &in.Name); err != nil {
		return err
	}
	return checkTimeZone(in.TimeZone)
}

// CreateSite adds a site to an account.
func (s *Service) CreateSite(ctx context.Context, p access.Principal, accountID string, in SiteInput) (Site, error) {
	d, err := s.check(ctx, p, access.Create, accountRes(accountID), datamap.PurposeService)
	if err != nil {
		return Site{}, err
	}
	if err := in.check(); err != nil {
		return Site{}, err
	}
	id := id.New("site")
	name, err := s.sealAccount(ctx, accountID, "sites.name_sealed", id, strings.TrimSpace(in.Name))
	if err != nil {
		return Site{}, err
	}
	row := SiteRow{ID: id, AccountID: accountID, NameSealed: name, TimeZone: in.TimeZone}
	if err := s.store.CreateSite(ctx, d, row); err != nil {
		return Site{}, err
	}
	return s.readSite(ctx, d, accountID, id)
}

func (s *Service) site(ctx context.Context, r SiteRow) Site {
	return Site{ID: r.ID, AccountID: r.AccountID, TimeZone: r.TimeZone, CreatedAt: r.CreatedAt,
		Name: s.openAccount(ctx, r.AccountID, "sites.name_sealed", r.ID, r.NameSealed)}
}

// Sites lists an account's sites.
func (s *Service) Sites(ctx context.Context, p access.Principal, accountID string) ([]Site, error) {
	d, err := s.check(ctx, p, access.List, accountRes(accountID), datamap.PurposeService)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.Sites(ctx, d, accountID)
	if err != nil {
		return nil, err
	}
	out := make([]Site, 0, len(rows))
	for _, r := range rows {
		out = append(out, s.site(ctx, r))
	}
	return out, nil
}

// Site returns one site.
func (s *Service) Site(ctx context.Context, p access.Principal, accountID, siteID string) (Site, error) {
	d, err := s.check(ctx, p, access.Read, siteRes(accountID, siteID), datamap.PurposeService)
	if err != nil {
		return Site{}, err
	}
	return s.readSite(ctx, d, accountID, siteID)
}

// readSite reads a site under d: a read, or the write that changed it.
func (s *Service) readSite(ctx context.Context, d access.Decision, accountID, siteID string) (Site, error) {
	r, err := s.store.Site(ctx, d, accountID, siteID)
	if err != nil {
		return Site{}, err
	}
	return s.site(ctx, r), nil
}

// UpdateSite corrects a site.
func (s *Service) UpdateSite(ctx context.Context, p access.Principal, accountID, siteID string, in SiteInput) (Site, error) {
	d, err := s.check(ctx, p, access.Update, siteRes(accountID, siteID), datamap.PurposeService)
	if err != nil {
		return Site{}, err
	}
	if err := in.check(); err != nil {
		return Site{}, err
	}
	name, err := s.sealAccount(ctx, accountID, "sites.name_sealed", siteID, strings.TrimSpace(in.Name))
	if err != nil {
		return Site{}, err
	}
	if err := s.store.UpdateSite(ctx, d, SiteRow{ID: siteID, AccountID: accountID, NameSealed: name, TimeZone: in.TimeZone}); err != nil {
		return Site{}, err
	}
	return s.readSite(ctx, d, accountID, siteID)
}

// DeleteSite removes a site.
func (s *Service) DeleteSite(ctx context.Context, p access.Principal, accountID, siteID string) error {
	d, err := s.check(ctx, p, access.Delete, siteRes(accountID, siteID), datamap.PurposeService)
	if err != nil {
		return err
	}
	return s.store.DeleteSite(ctx, d, accountID, siteID)
}

// Members lists an account's members.
func (s *Service) Members(ctx context.Context, p access.Principal, accountID string) ([]Member, error) {
	d, err := s.check(ctx, p, access.List, accountRes(accountID), datamap.PurposeService)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.Members(ctx, d, accountID)
	if err != nil {
		return nil, err
	}
	out := make([]Member, 0, len(rows))
	for _, r := range rows {
		out = append(out, Member{UserID: r.UserID, SiteID: r.SiteID, Role: r.Role,
			Email: s.openSubject(ctx, r.UserID, "users.email_sealed", r.EmailSealed),
			Name:  s.openSubject(ctx, r.UserID, "users.name_sealed", r.NameSealed)})
	}
	return out, nil
}

// roleChange checks that the caller may hand out role: nobody grants a role
// above their own.
func roleChange(p access.Principal, accountID string, role access.Role) error {
	mine, _ := p.RoleIn(accountID, "")
	if !mine.AtLeast(role) {
		return errs.E(errs.Forbidden, "you cannot give a role above your own (%s)", mine)
	}
	return nil
}

// ownersOnly refuses a change of an owner by anyone but an owner: an admin
// may manage members, never the people above them.
func (s *Service) ownersOnly(ctx context.Context, p access.Principal, accountID, userID string) error {
	ms, err := s.store.Memberships(ctx, userID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.AccountID == accountID && m.Role == access.RoleOwner {
			if mine, _ := p.RoleIn(accountID, ""); mine != access.RoleOwner {
				return errs.E(errs.Forbidden, "only an owner changes or removes an owner")
			}
		}
	}
	return nil
}

// SetMemberRole changes a member's role.
func (s *Service) SetMemberRole(ctx context.Context, p access.Principal, accountID, userID, siteID string, role access.Role) error {
	d, err := s.check(ctx, p, access.Update, accountRes(accountID), datamap.PurposeService)
	if err != nil {
		return err
	}
	if err := roleChange(p, accountID, role); err != nil {
		return err
	}
	if err := s.ownersOnly(ctx, p, accountID, userID); err != nil {
		return err
	}
	if err := s.store.SetMemberRole(ctx, d, accountID, userID, siteID, role); err != nil {
		return err
	}
	s.withdraw(ctx, revoke.Member(accountID, userID))
	return nil
}

// RemoveMember takes a member out of an account or site.
func (s *Service) RemoveMember(ctx context.Context, p access.Principal, accountID, userID, siteID string) error {
	d, err := s.check(ctx, p, access.Update, accountRes(accountID), datamap.PurposeService)
	if err != nil {
		return err
	}
	if err := s.ownersOnly(ctx, p, accountID, userID); err != nil {
		return err
	}
	if err := s.store.RemoveMember(ctx, d, accountID, userID, siteID); err != nil {
		return err
	}
	s.withdraw(ctx, revoke.Member(accountID, userID))
	return nil
}

// Invitation asks someone to join an account.
type Invitation struct {
	Email  string      `json:"email"`
	Role   access.Role `json:"role"`
	SiteID string      `json:"site_id,omitempty"`
}

// Invite mails an invitation to join an account with a role.
func (s *Service) Invite(ctx context.Context, p access.Principal, accountID string, in Invitation) error {
	return s.invite(ctx, p, accountID, in, "You have been invited to join a vigil account as "+string(in.Role)+".")
}

func (s *Service) invite(ctx context.Context, p access.Principal, accountID string, in Invitation, intro string) error {
	if _, err := s.check(ctx, p, access.Create, accountRes(accountID), datamap.PurposeService); err != nil {
		return err
	}
	addr, err := normaliseEmail(in.Email)
	if err != nil {
		return err
	}
	if _, err := access.ParseRole(string(in.Role)); err != nil {
		return errs.E(errs.Invalid, "%v", err)
	}
	if err := roleChange(p, accountID, in.Role); err != nil {
		return err
	}
	if in.SiteID != "" {
		if _, err := s.Site(ctx, p, accountID, in.SiteID); err != nil {
			return err
		}
	}
	in.Email = addr
	payload, _ := json.Marshal(in)
	token, hash := newSecret("iv_")
	sealed, err := s.sealAccount(ctx, accountID, "one_time_tokens.payload_sealed", string(hash), string(payload))
	if err != nil {
		return err
	}
	if err := s.store.CreateOneTimeToken(ctx, OneTimeToken{Hash: hash, Purpose: purposeInvitation, SubjectID: accountID,
		PayloadSealed: sealed, ExpiresAt: s.clk.Now().Add(invitationTTL)}); err != nil {
		return err
	}
	s.send(ctx, addr, "You are invited to a vigil account",
		intro+" Sign in or sign up with this address, then open:\n\n"+
			s.link("accept-invitation", token)+"\n\nThe invitation expires in 7 days. If you do not know why you got it, ignore it.\n")
	return nil
}

// AcceptInvitation adds the signed-in caller to the inviting account. The
// invitation must have been sent to the caller's own address.
func (s *Service) AcceptInvitation(ctx context.Context, p access.Principal, token string) (string, error) {
	if p.Kind != access.KindUser {
		return "", errs.E(errs.Forbidden, "only customer users join accounts")
	}
	me, err := s.Me(ctx, p)
	if err != nil {
		return "", err
	}
	t, err := s.store.UseOneTimeToken(ctx, HashSecret(token), purposeInvitation)
	if err != nil {
		return "", err
	}
	raw, err := s.keys.OpenAccount(ctx, t.SubjectID, t.PayloadSealed, keys.FieldAD("one_time_tokens.payload_sealed", string(t.Hash)))
	if err != nil {
		return "", errs.E(errs.NotFound, "this invitation is no longer valid")
	}
	var in Invitation
	if err := json.Unmarshal(raw, &in); err != nil {
		return "", errs.Wrap(err, errs.Internal, "invitation unreadable")
	}
	if !strings.EqualFold(in.Email, me.Email) {
		return "", errs.E(errs.Forbidden, "this invitation was sent to another address")
	}
	d, err := s.check(ctx, access.System("accept-invitation"), access.Create, accountRes(t.SubjectID), datamap.PurposeService)
	if err != nil {
		return "", err
	}
	if err := s.store.AddMember(ctx, d, access.Membership{AccountID: t.SubjectID, SiteID: in.SiteID, Role: in.Role}, p.ID); err != nil {
		return "", err
	}
	return t.SubjectID, nil
}
