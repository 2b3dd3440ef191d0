package account

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/json"
	"strings"
	"time"

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

// Account returns an account the caller may see. People whose role is
// limited to some sites read it through one of them: they know the name of
// the household their site is in.
func (s *Service) Account(ctx context.Context, p access.Principal, id string) (Account, error) {
	where := accountRes(id)
	if sites := p.SitesOnly(id); len(sites) > 0 {
		where = siteRes(id, sites[0])
	}
	d, err := s.check(ctx, p, access.Read, where, datamap.PurposeService)
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
		a.Sites = p.SitesOnly(id)
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

// Sites lists an account's sites: all of them, or for people whose role
// is limited to some sites, those.
func (s *Service) Sites(ctx context.Context, p access.Principal, accountID string) ([]Site, error) {
	if mine := p.SitesOnly(accountID); len(mine) > 0 {
		out := make([]Site, 0, len(mine))
		for _, id := range mine {
			site, err := s.Site(ctx, p, accountID, id)
			if err != nil {
				return nil, err
			}
			out = append(out, site)
		}
		return out, nil
	}
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
	// One entry per person: their role, and the sites it is limited to
	// (none when a membership covers the whole account).
	var out []Member
	at := map[string]int{}
	wide := map[string]bool{}
	for _, r := range rows {
		i, seen := at[r.UserID]
		if !seen {
			i = len(out)
			at[r.UserID] = i
			out = append(out, Member{UserID: r.UserID, Role: r.Role,
				Email: s.openSubject(ctx, r.UserID, "users.email_sealed", r.EmailSealed),
				Name:  s.openSubject(ctx, r.UserID, "users.name_sealed", r.NameSealed)})
		}
		m := &out[i]
		if r.Role.AtLeast(m.Role) {
			m.Role = r.Role
		}
		if r.SiteID == "" {
			wide[r.UserID] = true
		} else {
			m.Sites = append(m.Sites, r.SiteID)
		}
	}
	for i := range out {
		if wide[out[i].UserID] {
			out[i].Sites = nil
		}
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

// MemberScope is what a member may do (their role) and where (the sites it
// is limited to; none means every site).
type MemberScope struct {
	Role  access.Role `json:"role"`
	Sites []string    `json:"sites"`
}

func (in *MemberScope) check() error {
	if _, err := access.ParseRole(string(in.Role)); err != nil {
		return errs.E(errs.Invalid, "%v", err)
	}
	if len(in.Sites) > maxScopeSites {
		return errs.E(errs.Invalid, "at most %d sites", maxScopeSites)
	}
	seen := map[string]bool{}
	out := in.Sites[:0]
	for _, site := range in.Sites {
		if !id.Valid(site) {
			return errs.E(errs.Invalid, "sites: %q is not a site identifier", site)
		}
		if !seen[site] {
			seen[site] = true
			out = append(out, site)
		}
	}
	in.Sites = out
	return nil
}

// maxScopeSites bounds the sites one member or invitation names.
const maxScopeSites = 50

// SetMember changes a member's role and the sites it covers at once;
// their next request is decided by the new scope.
func (s *Service) SetMember(ctx context.Context, p access.Principal, accountID, userID string, in MemberScope) error {
	if err := in.check(); err != nil {
		return err
	}
	d, err := s.check(ctx, p, access.Update, accountRes(accountID), datamap.PurposeService)
	if err != nil {
		return err
	}
	if err := roleChange(p, accountID, in.Role); err != nil {
		return err
	}
	if err := s.ownersOnly(ctx, p, accountID, userID); err != nil {
		return err
	}
	if err := s.store.SetMemberScope(ctx, d, accountID, userID, in.Role, in.Sites); err != nil {
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
	Email string      `json:"email"`
	Role  access.Role `json:"role"`
	// Sites limits the role to some sites; none means every site. SiteID
	// is the one-site form, kept for older clients and invitations.
	Sites  []string `json:"sites,omitempty"`
	SiteID string   `json:"site_id,omitempty"`
}

// scope is the invitation's role and sites, with SiteID folded in.
func (in Invitation) scope() MemberScope {
	sc := MemberScope{Role: in.Role, Sites: append([]string(nil), in.Sites...)}
	if in.SiteID != "" {
		sc.Sites = append(sc.Sites, in.SiteID)
	}
	return sc
}

// Invite mails an invitation to join an account with a role.
func (s *Service) Invite(ctx context.Context, p access.Principal, accountID string, in Invitation) error {
	return s.invite(ctx, p, accountID, in, "You have been invited to join a vigil account as "+string(in.Role)+".")
}

// PendingInvitation is an invitation not yet accepted, withdrawn or
// expired. Its ID is derived from the link's stored hash, never the link.
type PendingInvitation struct {
	ID        string      `json:"id"`
	Email     string      `json:"email"`
	Role      access.Role `json:"role"`
	Sites     []string    `json:"sites,omitempty"`
	CreatedAt time.Time   `json:"created_at"`
	ExpiresAt time.Time   `json:"expires_at"`
}

// invitationID names an invitation by its token's hash: enough to withdraw
// it, useless for accepting it.
func invitationID(hash []byte) string {
	sum := sha256.Sum256(append([]byte("vigil invitation id\x00"), hash...))
	return "inv_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:16]))
}

// Invitations lists an account's pending invitations (administrators).
func (s *Service) Invitations(ctx context.Context, p access.Principal, accountID string) ([]PendingInvitation, error) {
	d, err := s.check(ctx, p, access.List, accountRes(accountID), datamap.PurposeService)
	if err != nil {
		return nil, err
	}
	if err := canInvite(p, accountID); err != nil {
		return nil, err
	}
	rows, err := s.store.PendingTokens(ctx, d, purposeInvitation, accountID)
	if err != nil {
		return nil, err
	}
	out := make([]PendingInvitation, 0, len(rows))
	for _, t := range rows {
		in, err := s.openInvitation(ctx, t)
		if err != nil {
			continue // unreadable: its key is gone, and so is the invitation
		}
		sc := in.scope()
		out = append(out, PendingInvitation{ID: invitationID(t.Hash), Email: in.Email, Role: sc.Role, Sites: sc.Sites,
			CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt})
	}
	return out, nil
}

// WithdrawInvitation stops a pending invitation's link from working.
func (s *Service) WithdrawInvitation(ctx context.Context, p access.Principal, accountID, id string) error {
	d, err := s.check(ctx, p, access.Update, accountRes(accountID), datamap.PurposeService)
	if err != nil {
		return err
	}
	if err := canInvite(p, accountID); err != nil {
		return err
	}
	rows, err := s.store.PendingTokens(ctx, d, purposeInvitation, accountID)
	if err != nil {
		return err
	}
	for _, t := range rows {
		if subtle.ConstantTimeCompare([]byte(invitationID(t.Hash)), []byte(id)) == 1 {
			return s.store.WithdrawToken(ctx, d, t.Hash, purposeInvitation, accountID)
		}
	}
	return errs.E(errs.NotFound, "no pending invitation with this ID (it may have been accepted, withdrawn or expired)")
}

// canInvite admits account-wide administrators and owners: the people who
// may invite may see and withdraw invitations.
func canInvite(p access.Principal, accountID string) error {
	if mine, _ := p.RoleIn(accountID, ""); !mine.AtLeast(access.RoleAdmin) {
		return errs.E(errs.Forbidden, "only an administrator sees and withdraws invitations")
	}
	return nil
}

func (s *Service) openInvitation(ctx context.Context, t OneTimeToken) (Invitation, error) {
	raw, err := s.keys.OpenAccount(ctx, t.SubjectID, t.PayloadSealed, keys.FieldAD("one_time_tokens.payload_sealed", string(t.Hash)))
	if err != nil {
		return Invitation{}, errs.E(errs.NotFound, "this invitation is no longer valid")
	}
	var in Invitation
	if err := json.Unmarshal(raw, &in); err != nil {
		return Invitation{}, errs.Wrap(err, errs.Internal, "invitation unreadable")
	}
	return in, nil
}

func (s *Service) invite(ctx context.Context, p access.Principal, accountID string, in Invitation, intro string) error {
	if _, err := s.check(ctx, p, access.Create, accountRes(accountID), datamap.PurposeService); err != nil {
		return err
	}
	addr, err := normaliseEmail(in.Email)
	if err != nil {
		return err
	}
	sc := in.scope()
	if err := sc.check(); err != nil {
		return err
	}
	if err := roleChange(p, accountID, sc.Role); err != nil {
		return err
	}
	for _, site := range sc.Sites {
		if _, err := s.Site(ctx, p, accountID, site); err != nil {
			return err
		}
	}
	in = Invitation{Email: addr, Role: sc.Role, Sites: sc.Sites}
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
	in, err := s.openInvitation(ctx, t)
	if err != nil {
		return "", err
	}
	if !strings.EqualFold(in.Email, me.Email) {
		return "", errs.E(errs.Forbidden, "this invitation was sent to another address")
	}
	d, err := s.check(ctx, access.System("accept-invitation"), access.Create, accountRes(t.SubjectID), datamap.PurposeService)
	if err != nil {
		return "", err
	}
	if err := s.store.AddMember(ctx, d, t.SubjectID, p.ID, in.Role, in.scope().Sites); err != nil {
		return "", err
	}
	return t.SubjectID, nil
}
