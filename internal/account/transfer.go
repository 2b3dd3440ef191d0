package account

import (
	"context"
	"slices"
	"strings"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
)

// Imported is an account moved in from another vigil (a merger, an
// acquisition): its name, region and sites, and the people it had. No one's
// credentials, sessions or consents come with it: every person other than
// the one importing it is invited again and decides for themselves.
type Imported struct {
	Name    string
	Region  string
	Sites   []ImportedSite
	Members []ImportedMember
}

// ImportedSite is a site of an imported account; Ref is its ID at the
// vigil it came from, which site roles refer to.
type ImportedSite struct {
	Ref string
	SiteInput
}

// ImportedMember is a person of an imported account with their role there.
type ImportedMember struct {
	Email   string
	Role    access.Role
	SiteRef string // "" for an account-wide role
}

// ImportedAccount is what an import created.
type ImportedAccount struct {
	Account     Account      `json:"account"`
	Sites       []Site       `json:"sites"`
	Invitations []Invitation `json:"invitations"`
}

// Bounds of an import, well above any real account.
const (
	maxImportedSites   = 1000
	maxImportedMembers = 1000
)

// ImportAccount creates an account owned by the caller with the imported
// sites, then mails an invitation to every other member with their former
// role. Everything is checked before anything is created.
func (s *Service) ImportAccount(ctx context.Context, p access.Principal, in Imported) (ImportedAccount, error) {
	if p.Kind != access.KindUser {
		return ImportedAccount{}, errs.E(errs.Forbidden, "only customer users import accounts")
	}
	me, err := s.Me(ctx, p)
	if err != nil {
		return ImportedAccount{}, err
	}
	invites, err := checkImport(&in, me.Email)
	if err != nil {
		return ImportedAccount{}, err
	}
	accountID := id.New("acc")
	d, err := s.check(ctx, access.System("transfer-import"), access.Create, accountRes(accountID), datamap.PurposeService)
	if err != nil {
		return ImportedAccount{}, err
	}
	name, err := s.sealAccount(ctx, accountID, "accounts.name_sealed", accountID, strings.TrimSpace(in.Name))
	if err != nil {
		return ImportedAccount{}, err
	}
	siteIDs := map[string]string{}
	rows := make([]SiteRow, 0, len(in.Sites))
	for _, st := range in.Sites {
		id := id.New("site")
		sealed, err := s.sealAccount(ctx, accountID, "sites.name_sealed", id, strings.TrimSpace(st.Name))
		if err != nil {
			return ImportedAccount{}, err
		}
		siteIDs[st.Ref] = id
		rows = append(rows, SiteRow{ID: id, AccountID: accountID, NameSealed: sealed, TimeZone: st.TimeZone})
	}
	if err := s.store.ImportAccount(ctx, d, AccountRow{ID: accountID, NameSealed: name, Region: in.Region}, p.ID, rows); err != nil {
		return ImportedAccount{}, err
	}
	// From here on the caller owns the account.
	owner := p
	owner.Memberships = append(slices.Clone(p.Memberships), access.Membership{AccountID: accountID, Role: access.RoleOwner})
	out := ImportedAccount{Invitations: []Invitation{}}
	if out.Account, err = s.Account(ctx, owner, accountID); err != nil {
		return out, err
	}
	if out.Sites, err = s.Sites(ctx, owner, accountID); err != nil {
		return out, err
	}
	for _, m := range invites {
		inv := Invitation{Email: m.Email, Role: m.Role, SiteID: siteIDs[m.SiteRef]}
		err := s.invite(ctx, owner, accountID, inv, "The vigil account \""+defang(in.Name)+
			"\", of which you were a member ("+string(m.Role)+"), has moved to this vigil. Nothing of yours was carried over "+
			"without you: to stay a member, accept this invitation; your earlier consents were not applied here.")
		if err != nil {
			return out, err
		}
		out.Invitations = append(out.Invitations, inv)
	}
	return out, nil
}

// checkImport checks an import before anything is created and returns the
// members to invite: everyone but the importer, once each.
func checkImport(in *Imported, importer string) ([]ImportedMember, error) {
	if err := cleanName("account name", &in.Name); err != nil {
		return nil, err
	}
	if err := checkRegion(in.Region); err != nil {
		return nil, err
	}
	if len(in.Sites) > maxImportedSites || len(in.Members) > maxImportedMembers {
		return nil, errs.E(errs.Invalid, "an imported account has at most %d sites and %d members", maxImportedSites, maxImportedMembers)
	}
	refs := map[string]bool{}
	for i := range in.Sites {
		st := &in.Sites[i]
		if err := st.check(); err != nil {
			return nil, errs.E(errs.Invalid, "site %q: %v", st.Ref, errs.MessageOf(err))
		}
		if st.Ref == "" || refs[st.Ref] {
			return nil, errs.E(errs.Invalid, "every site needs its own identifier")
		}
		refs[st.Ref] = true
	}
	var out []ImportedMember
	seen := map[string]bool{}
	for _, m := range in.Members {
		addr, err := normaliseEmail(m.Email)
		if err != nil {
			return nil, err
		}
		if _, err := access.ParseRole(string(m.Role)); err != nil {
			return nil, errs.E(errs.Invalid, "member role: %v", err)
		}
		if m.SiteRef != "" && !refs[m.SiteRef] {
			return nil, errs.E(errs.Invalid, "a member's role names an unknown site")
		}
		key := addr + "|" + m.SiteRef
		if strings.EqualFold(addr, importer) || seen[key] {
			continue
		}
		seen[key] = true
		m.Email = addr
		out = append(out, m)
	}
	return out, nil
}

// defang escapes a name that came from elsewhere for the text of a mail:
// it is quoted as it is, but no part of it reads as a link or an address a
// mail program would make clickable ("pay at evil.example" becomes "pay at
// evil[.]example"), so an imported name cannot carry a phishing link into
// an invitation vigil sends in its own name.
func defang(name string) string {
	return strings.NewReplacer("://", "[://]", ".", "[.]", "@", "[at]", "\"", "'").Replace(strings.TrimSpace(name))
}
