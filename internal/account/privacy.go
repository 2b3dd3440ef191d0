package account

import (
	"context"
	"encoding/hex"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
)

// PrivacyStore reads and erases the account capability's rows for the
// privacy centre. Every method requires the gate's decision for its
// category and the subject.
type PrivacyStore interface {
	ExportUser(ctx context.Context, d access.Decision, userID string) (UserRow, error)
	// ExportOwnedAccounts returns those of accountIDs the user owns, with their sites.
	ExportOwnedAccounts(ctx context.Context, d access.Decision, userID string, accountIDs []string) ([]AccountRow, []SiteRow, error)
	ExportSessions(ctx context.Context, d access.Decision, userID string, emit func(SessionRow) error) error
	ExportAPITokens(ctx context.Context, d access.Decision, userID string) ([]TokenRow, error)
	// EraseUser deletes the user with their memberships, tokens, sessions
	// and one-time tokens, and every account of which they are the only
	// owner; it returns the rows deleted and the accounts closed.
	EraseUser(ctx context.Context, d access.Decision, userID string) (int64, []string, error)
	EraseSessions(ctx context.Context, d access.Decision, userID string) (int64, error)
	EraseAPITokens(ctx context.Context, d access.Decision, userID string) (int64, error)
	// CorrectUser sets one column of the user's row (name_sealed, language, time_zone).
	CorrectUser(ctx context.Context, d access.Decision, userID, column string, value any) error
	ExpiredSessionOwners(ctx context.Context, cutoff time.Time) ([]string, error)
	PurgeSessions(ctx context.Context, d access.Decision, owner string, cutoff time.Time) (int64, error)
}

// Blobs lists and deletes an account's blobs; the sealed blob store
// implements it. Closing an account deletes every blob it had.
type Blobs interface {
	List(ctx context.Context, accountID, prefix string, fn func(key string) error) error
	Delete(ctx context.Context, accountID, key string) error
}

// privacyHandlers export, correct, erase and purge the categories the
// account capability keeps: account.profile, account.credentials and
// account.session.
type privacyHandlers struct {
	store PrivacyStore
	keys  Keys
	blobs Blobs
}

// RegisterPrivacy gives the privacy centre the handlers of the account
// capability's categories: profiles are exported, corrected and erased
// (erasing the last owner closes the account and deletes its blobs),
// credentials exported (never a hash or secret) and erased, sessions
// exported, erased and purged when their retention ends.
func (s *Service) RegisterPrivacy(r *fulfil.Registry, st PrivacyStore, blobs Blobs) error {
	f := &privacyHandlers{store: st, keys: s.keys, blobs: blobs}
	for c, h := range map[datamap.CategoryID]fulfil.Handlers{
		datamap.AccountProfile:     {Export: profileHandler{f}, Erase: profileHandler{f}, Correct: profileHandler{f}},
		datamap.AccountCredentials: {Export: credentialHandler{f}, Erase: credentialHandler{f}},
		datamap.AccountSession:     {Export: sessionHandler{f}, Erase: sessionHandler{f}, Purge: sessionHandler{f}},
	} {
		if err := r.Register(c, h); err != nil {
			return err
		}
	}
	return nil
}

func (f *privacyHandlers) openSubject(ctx context.Context, id, column string, sealed []byte) string {
	if len(sealed) == 0 {
		return ""
	}
	b, err := f.keys.OpenSubject(ctx, id, sealed, keys.FieldAD(column, id))
	if err != nil {
		return "[erased]"
	}
	return string(b)
}

func (f *privacyHandlers) openAccount(ctx context.Context, accountID, column, rowID string, sealed []byte) string {
	b, err := f.keys.OpenAccount(ctx, accountID, sealed, keys.FieldAD(column, rowID))
	if err != nil {
		return "[erased]"
	}
	return string(b)
}

type profileHandler struct{ f *privacyHandlers }

func (h profileHandler) Export(ctx context.Context, d access.Decision, s fulfil.Subject, sc fulfil.Scope, emit func(fulfil.Record) error) error {
	if s.Kind != fulfil.RequesterUser {
		return nil
	}
	u, err := h.f.store.ExportUser(ctx, d, s.ID)
	if err != nil {
		return err
	}
	err = emit(fulfil.Record{ID: "user/" + u.ID, Data: map[string]any{
		"email": h.f.openSubject(ctx, u.ID, "users.email_sealed", u.EmailSealed), "name": h.f.openSubject(ctx, u.ID, "users.name_sealed", u.NameSealed),
		"language": u.Language, "time_zone": u.TimeZone, "email_verified_at": u.EmailVerifiedAt, "created_at": u.CreatedAt,
	}})
	if err != nil {
		return err
	}
	// The subject's own roles; other members of their accounts are other
	// people and stay out (R7).
	for _, m := range s.Memberships {
		if err := emit(fulfil.Record{ID: "membership/" + m.AccountID + "/" + m.SiteID, Data: map[string]any{
			"account_id": m.AccountID, "site_id": m.SiteID, "role": m.Role}}); err != nil {
			return err
		}
	}
	accts, sites, err := h.f.store.ExportOwnedAccounts(ctx, d, s.ID, s.OwnedAccounts())
	if err != nil {
		return err
	}
	for _, a := range accts {
		if err := emit(fulfil.Record{ID: "account/" + a.ID, Data: map[string]any{
			"name": h.f.openAccount(ctx, a.ID, "accounts.name_sealed", a.ID, a.NameSealed), "region": a.Region, "created_at": a.CreatedAt}}); err != nil {
			return err
		}
	}
	for _, st := range sites {
		if err := emit(fulfil.Record{ID: "site/" + st.ID, Data: map[string]any{"account_id": st.AccountID,
			"name": h.f.openAccount(ctx, st.AccountID, "sites.name_sealed", st.ID, st.NameSealed), "time_zone": st.TimeZone, "created_at": st.CreatedAt}}); err != nil {
			return err
		}
	}
	return nil
}

func (h profileHandler) Erase(ctx context.Context, d access.Decision, s fulfil.Subject, _ fulfil.Scope) (fulfil.Erased, error) {
	if s.Kind != fulfil.RequesterUser {
		return fulfil.Erased{}, nil
	}
	rows, closed, err := h.f.store.EraseUser(ctx, d, s.ID)
	if err != nil {
		return fulfil.Erased{}, err
	}
	e := fulfil.Erased{Rows: rows, Shred: []fulfil.KeyRef{{Scope: keys.ScopeSubject, Owner: s.ID}}}
	for _, acc := range closed {
		e.Shred = append(e.Shred, fulfil.KeyRef{Scope: keys.ScopeAccount, Owner: acc})
		var names []string
		if err := h.f.blobs.List(ctx, acc, "", func(k string) error { names = append(names, k); return nil }); err != nil {
			return e, err
		}
		for _, k := range names {
			if err := h.f.blobs.Delete(ctx, acc, k); err != nil {
				return e, err
			}
			e.Blobs++
		}
	}
	return e, nil
}

// Correct corrects the user's name, language or time zone. The e-mail
// address is corrected by changing it in the app, which proves the new one.
func (h profileHandler) Correct(ctx context.Context, d access.Decision, s fulfil.Subject, field, value string) (string, error) {
	u, err := h.f.store.ExportUser(ctx, exportOf(d), s.ID)
	if err != nil {
		return "", err
	}
	value = strings.TrimSpace(value)
	switch field {
	case "name":
		if value == "" || len(value) > 100 {
			return "", errs.E(errs.Invalid, "a name has 1 to 100 characters")
		}
		sealed, err := h.f.keys.SealSubject(ctx, s.ID, []byte(value), keys.FieldAD("users.name_sealed", s.ID))
		if err != nil {
			return "", err
		}
		return h.f.openSubject(ctx, s.ID, "users.name_sealed", u.NameSealed), h.f.store.CorrectUser(ctx, d, s.ID, "name_sealed", sealed)
	case "language":
		if len(value) < 2 || len(value) > 16 {
			return "", errs.E(errs.Invalid, "a language is a tag such as en or fr-CA")
		}
		return u.Language, h.f.store.CorrectUser(ctx, d, s.ID, "language", value)
	case "time_zone":
		if _, err := time.LoadLocation(value); err != nil || value == "" {
			return "", errs.E(errs.Invalid, "unknown time zone")
		}
		return u.TimeZone, h.f.store.CorrectUser(ctx, d, s.ID, "time_zone", value)
	}
	return "", errs.E(errs.Invalid, "field %s is corrected in the account settings, not through a request", field)
}

// exportOf is the decision a corrector reads the current value with: the
// store accepts an update decision for reading the same row.
func exportOf(d access.Decision) access.Decision { return d }

type credentialHandler struct{ f *privacyHandlers }

// Export lists what vigil knows of the subject's credentials, never the
// hashes or secrets themselves.
func (h credentialHandler) Export(ctx context.Context, d access.Decision, s fulfil.Subject, sc fulfil.Scope, emit func(fulfil.Record) error) error {
	if s.Kind != fulfil.RequesterUser {
		return nil
	}
	ts, err := h.f.store.ExportAPITokens(ctx, d, s.ID)
	if err != nil {
		return err
	}
	for _, t := range ts {
		if err := emit(fulfil.Record{ID: "token/" + t.ID, Data: map[string]any{"label": h.f.openSubject(ctx, s.ID, "api_tokens.label_sealed", t.LabelSealed),
			"created_at": t.CreatedAt, "expires_at": t.ExpiresAt, "last_used_at": t.LastUsedAt}}); err != nil {
			return err
		}
	}
	return nil
}

func (h credentialHandler) Erase(ctx context.Context, d access.Decision, s fulfil.Subject, _ fulfil.Scope) (fulfil.Erased, error) {
	if s.Kind != fulfil.RequesterUser {
		return fulfil.Erased{}, nil
	}
	n, err := h.f.store.EraseAPITokens(ctx, d, s.ID)
	return fulfil.Erased{Rows: n}, err
}

type sessionHandler struct{ f *privacyHandlers }

func (h sessionHandler) Export(ctx context.Context, d access.Decision, s fulfil.Subject, sc fulfil.Scope, emit func(fulfil.Record) error) error {
	if s.Kind != fulfil.RequesterUser {
		return nil
	}
	return h.f.store.ExportSessions(ctx, d, s.ID, func(r SessionRow) error {
		if !sc.InRange(r.CreatedAt) {
			return nil
		}
		return emit(fulfil.Record{ID: "session/" + hex.EncodeToString(r.IDHash[:8]), Data: map[string]any{
			"ip": h.f.openSubject(ctx, s.ID, "sessions.ip_sealed", r.IPSealed), "user_agent": h.f.openSubject(ctx, s.ID, "sessions.user_agent_sealed", r.UserAgentSealed),
			"created_at": r.CreatedAt, "last_seen_at": r.LastSeenAt, "expires_at": r.ExpiresAt}})
	})
}

func (h sessionHandler) Erase(ctx context.Context, d access.Decision, s fulfil.Subject, _ fulfil.Scope) (fulfil.Erased, error) {
	if s.Kind != fulfil.RequesterUser {
		return fulfil.Erased{}, nil
	}
	n, err := h.f.store.EraseSessions(ctx, d, s.ID)
	return fulfil.Erased{Rows: n}, err
}

func (h sessionHandler) Expired(ctx context.Context, cutoff time.Time) ([]string, error) {
	return h.f.store.ExpiredSessionOwners(ctx, cutoff)
}

func (h sessionHandler) Purge(ctx context.Context, d access.Decision, owner string, cutoff time.Time) (int64, error) {
	return h.f.store.PurgeSessions(ctx, d, owner, cutoff)
}
