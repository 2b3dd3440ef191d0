package store

import (
	"context"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// AccountStore keeps accounts, users, staff, sessions and tokens.
type AccountStore struct{ db *DB }

// NewAccountStore returns the account store on db.
func NewAccountStore(db *DB) *AccountStore { return &AccountStore{db: db} }

var _ account.Store = (*AccountStore)(nil)

func profileOf(accountID string) access.Resource {
	return access.Resource{Category: datamap.AccountProfile, AccountID: accountID}
}

func siteOf(accountID, siteID string) access.Resource {
	return access.Resource{Category: datamap.AccountProfile, AccountID: accountID, SiteID: siteID}
}

// CreateAccount stores a new account with its owner in one transaction.
func (s *AccountStore) CreateAccount(ctx context.Context, d access.Decision, a account.AccountRow, owner account.UserRow) error {
	if err := d.Require(access.Create, access.Resource{Category: datamap.AccountProfile, AccountID: a.ID, SubjectID: owner.ID}); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO accounts (id, name_sealed, region, created_at) VALUES (?, ?, ?, ?)`,
			a.ID, a.NameSealed, a.Region, Micros(tx.Now)); err != nil {
			return err
		}
		if err := insertUser(ctx, tx, owner); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO memberships (account_id, user_id, site_id, role, created_at) VALUES (?, ?, '', ?, ?)`,
			a.ID, owner.ID, string(access.RoleOwner), Micros(tx.Now))
		return err
	})
}

// ImportAccount creates an account owned by an existing user, with its
// sites, at once: an account moved in from another vigil.
func (s *AccountStore) ImportAccount(ctx context.Context, d access.Decision, a account.AccountRow, ownerID string, sites []account.SiteRow) error {
	if err := d.Require(access.Create, access.Resource{Category: datamap.AccountProfile, AccountID: a.ID}); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO accounts (id, name_sealed, region, created_at) VALUES (?, ?, ?, ?)`,
			a.ID, a.NameSealed, a.Region, Micros(tx.Now)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO memberships (account_id, user_id, site_id, role, created_at) VALUES (?, ?, '', ?, ?)`,
			a.ID, ownerID, string(access.RoleOwner), Micros(tx.Now)); err != nil {
			return tx.Err(err, "membership")
		}
		for _, st := range sites {
			if _, err := tx.Exec(ctx, `INSERT INTO sites (id, account_id, name_sealed, time_zone, created_at) VALUES (?, ?, ?, ?, ?)`,
				st.ID, a.ID, st.NameSealed, st.TimeZone, Micros(tx.Now)); err != nil {
				return err
			}
		}
		return nil
	})
}

// Account returns one account.
func (s *AccountStore) Account(ctx context.Context, d access.Decision, id string) (account.AccountRow, error) {
	var a account.AccountRow
	// A decision on one of the account's sites covers its name and region.
	r := profileOf(id)
	r.SiteID = d.Resource().SiteID
	if err := requireReadBack(d, r); err != nil {
		return a, err
	}
	err := s.db.Read(ctx, func(tx *Tx) error {
		var created int64
		err := tx.QueryRow(ctx, `SELECT id, name_sealed, region, created_at FROM accounts WHERE id = ? AND closed_at = 0`, id).
			Scan(&a.ID, &a.NameSealed, &a.Region, &created)
		a.CreatedAt = FromMicros(created)
		return tx.Err(err, "account")
	})
	return a, err
}

// UpdateAccount changes an account's name and region.
func (s *AccountStore) UpdateAccount(ctx context.Context, d access.Decision, id string, nameSealed []byte, region string) error {
	if err := d.Require(access.Update, profileOf(id)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE accounts SET name_sealed = ?, region = ? WHERE id = ? AND closed_at = 0`, nameSealed, region, id)
		if err != nil {
			return err
		}
		return MustAffect(res, "account")
	})
}

// AccountsOf lists the IDs of the accounts a user belongs to.
func (s *AccountStore) AccountsOf(ctx context.Context, userID string) ([]string, error) {
	return queryAll(ctx, s.db, "memberships", func(sc scanner) (id string, err error) { return id, sc.Scan(&id) },
		`SELECT DISTINCT m.account_id FROM memberships m JOIN accounts a ON a.id = m.account_id
		WHERE m.user_id = ? AND a.closed_at = 0 ORDER BY m.account_id`, userID)
}

// CreateSite adds a site to an account.
func (s *AccountStore) CreateSite(ctx context.Context, d access.Decision, site account.SiteRow) error {
	if err := d.Require(access.Create, profileOf(site.AccountID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO sites (id, account_id, name_sealed, time_zone, created_at)
			SELECT ?, id, ?, ?, ? FROM accounts WHERE id = ? AND closed_at = 0`,
			site.ID, site.NameSealed, site.TimeZone, Micros(tx.Now), site.AccountID)
		return err
	})
}

const siteColumns = `id, account_id, name_sealed, time_zone, created_at`

func scanSite(sc scanner) (account.SiteRow, error) {
	var r account.SiteRow
	var created int64
	err := sc.Scan(&r.ID, &r.AccountID, &r.NameSealed, &r.TimeZone, &created)
	r.CreatedAt = FromMicros(created)
	return r, err
}

// Sites lists an account's sites.
func (s *AccountStore) Sites(ctx context.Context, d access.Decision, accountID string) ([]account.SiteRow, error) {
	if err := d.Require(access.List, profileOf(accountID)); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "sites", scanSite, `SELECT `+siteColumns+` FROM sites WHERE account_id = ? ORDER BY created_at, id`, accountID)
}

// Site returns one site of an account.
func (s *AccountStore) Site(ctx context.Context, d access.Decision, accountID, siteID string) (account.SiteRow, error) {
	if err := requireReadBack(d, siteOf(accountID, siteID)); err != nil {
		return account.SiteRow{}, err
	}
	var r account.SiteRow
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		r, err = scanSite(tx.QueryRow(ctx, `SELECT `+siteColumns+` FROM sites WHERE account_id = ? AND id = ?`, accountID, siteID))
		return tx.Err(err, "site")
	})
	return r, err
}

// UpdateSite changes a site's name and time zone.
func (s *AccountStore) UpdateSite(ctx context.Context, d access.Decision, site account.SiteRow) error {
	if err := d.Require(access.Update, siteOf(site.AccountID, site.ID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE sites SET name_sealed = ?, time_zone = ? WHERE account_id = ? AND id = ?`,
			site.NameSealed, site.TimeZone, site.AccountID, site.ID)
		if err != nil {
			return err
		}
		return MustAffect(res, "site")
	})
}

// DeleteSite removes a site and the memberships scoped to it.
func (s *AccountStore) DeleteSite(ctx context.Context, d access.Decision, accountID, siteID string) error {
	if err := d.Require(access.Delete, siteOf(accountID, siteID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM sites WHERE account_id = ? AND id = ?`, accountID, siteID)
		if err != nil {
			return err
		}
		if err := MustAffect(res, "site"); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM memberships WHERE account_id = ? AND site_id = ?`, accountID, siteID)
		return err
	})
}

// Memberships lists a user's roles in open accounts.
func (s *AccountStore) Memberships(ctx context.Context, userID string) ([]access.Membership, error) {
	return queryAll(ctx, s.db, "memberships", func(sc scanner) (m access.Membership, err error) {
		var role string
		var frozen int64
		err = sc.Scan(&m.AccountID, &m.SiteID, &role, &frozen)
		m.Role, m.Frozen = access.Role(role), frozen != 0
		return m, err
	}, `SELECT m.account_id, m.site_id, m.role, a.frozen_at FROM memberships m JOIN accounts a ON a.id = m.account_id
		WHERE m.user_id = ? AND a.closed_at = 0 ORDER BY m.account_id, m.site_id`, userID)
}

// Members lists the members of an account with their sealed profiles.
func (s *AccountStore) Members(ctx context.Context, d access.Decision, accountID string) ([]account.MemberRow, error) {
	if err := d.Require(access.List, profileOf(accountID)); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "members", func(sc scanner) (m account.MemberRow, err error) {
		var role string
		err = sc.Scan(&m.AccountID, &m.SiteID, &role, &m.UserID, &m.EmailSealed, &m.NameSealed)
		m.Role = access.Role(role)
		return m, err
	}, `SELECT m.account_id, m.site_id, m.role, u.id, u.email_sealed, u.name_sealed
		FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.account_id = ? ORDER BY m.created_at, u.id`, accountID)
}

// AddMember gives a user a role in an account, or in some of its sites.
func (s *AccountStore) AddMember(ctx context.Context, d access.Decision, accountID, userID string, role access.Role, sites []string) error {
	if err := d.Require(access.Create, profileOf(accountID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		return insertMemberships(ctx, tx, accountID, userID, role, sites)
	})
}

// insertMemberships writes one membership per site (one account-wide row
// when there are no sites), checking that every site is the account's.
func insertMemberships(ctx context.Context, tx *Tx, accountID, userID string, role access.Role, sites []string) error {
	if len(sites) == 0 {
		sites = []string{""}
	}
	for _, site := range sites {
		if site != "" {
			var one int
			if err := tx.QueryRow(ctx, `SELECT 1 FROM sites WHERE account_id = ? AND id = ?`, accountID, site).Scan(&one); err != nil {
				return tx.Err(err, "site")
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO memberships (account_id, user_id, site_id, role, created_at) VALUES (?, ?, ?, ?, ?)`,
			accountID, userID, site, string(role), Micros(tx.Now))
		if err := tx.Err(err, "membership"); err != nil {
			return err
		}
	}
	return nil
}

// SetMemberScope replaces a member's memberships in an account with role
// over sites (none: every site), keeping an owner.
func (s *AccountStore) SetMemberScope(ctx context.Context, d access.Decision, accountID, userID string, role access.Role, sites []string) error {
	if err := d.Require(access.Update, profileOf(accountID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM memberships WHERE account_id = ? AND user_id = ?`, accountID, userID)
		if err != nil {
			return err
		}
		if err := MustAffect(res, "member"); err != nil {
			return err
		}
		if err := insertMemberships(ctx, tx, accountID, userID, role, sites); err != nil {
			return err
		}
		return keepAnOwner(ctx, tx, accountID)
	})
}

// RemoveMember takes a user's role in one site away, or every role of
// theirs in the account when siteID is empty.
func (s *AccountStore) RemoveMember(ctx context.Context, d access.Decision, accountID, userID, siteID string) error {
	if err := d.Require(access.Update, profileOf(accountID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		q, args := `DELETE FROM memberships WHERE account_id = ? AND user_id = ?`, []any{accountID, userID}
		if siteID != "" {
			q, args = q+` AND site_id = ?`, append(args, siteID)
		}
		res, err := tx.Exec(ctx, q, args...)
		if err != nil {
			return err
		}
		if err := MustAffect(res, "member"); err != nil {
			return err
		}
		return keepAnOwner(ctx, tx, accountID)
	})
}

// keepAnOwner refuses a change that would leave an account without an
// account-wide owner: someone must always be able to exercise its rights.
func keepAnOwner(ctx context.Context, tx *Tx, accountID string) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM memberships WHERE account_id = ? AND site_id = '' AND role = ?`,
		accountID, string(access.RoleOwner)).Scan(&n); err != nil {
		return tx.Err(err, "owners")
	}
	if n == 0 {
		return errs.E(errs.Conflict, "an account must keep at least one owner")
	}
	return nil
}
