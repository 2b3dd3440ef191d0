package privacy

import (
	"context"
	"encoding/hex"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/audit"
	"github.com/vigil-cloud/vigil/internal/blob"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/keys"
)

// FoundationStore reads and erases the account capability's rows for the
// privacy centre. Every method requires the gate's decision for its
// category and the subject.
type FoundationStore interface {
	ExportUser(ctx context.Context, d access.Decision, userID string) (account.UserRow, error)
	// ExportOwnedAccounts returns those of accountIDs the user owns, with their sites.
	ExportOwnedAccounts(ctx context.Context, d access.Decision, userID string, accountIDs []string) ([]account.AccountRow, []account.SiteRow, error)
	ExportSessions(ctx context.Context, d access.Decision, userID string, emit func(account.SessionRow) error) error
	ExportAPITokens(ctx context.Context, d access.Decision, userID string) ([]account.TokenRow, error)
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

// AuditLister streams an owner's access log; the audit log implements it.
type AuditLister interface {
	ScanAccount(ctx context.Context, accountID, viewerSubjectID string, fn func(audit.Item) error) error
}

// Foundation holds the handlers of the categories the foundation stores:
// account.profile, account.credentials, account.session and log.audit.
type Foundation struct {
	Store FoundationStore
	Keys  RequestKeys
	Blobs *blob.Sealed
	Audit AuditLister
	Log   interface {
		Error(msg string, args ...any)
	}
}

// RegisterFoundation registers the foundation's handlers in r.
func RegisterFoundation(r *Registry, f *Foundation) error {
	for c, h := range map[datamap.CategoryID]Handlers{
		datamap.AccountProfile:     {Export: profileHandler{f}, Erase: profileHandler{f}, Correct: profileHandler{f}},
		datamap.AccountCredentials: {Export: credentialHandler{f}, Erase: credentialHandler{f}},
		datamap.AccountSession:     {Export: sessionHandler{f}, Erase: sessionHandler{f}, Purge: sessionHandler{f}},
		datamap.AuditTrail:         {Export: auditHandler{f}, Erase: auditHandler{f}},
	} {
		if err := r.Register(c, h); err != nil {
			return err
		}
	}
	return nil
}

func (f *Foundation) openSubject(ctx context.Context, id, column string, sealed []byte) string {
	if len(sealed) == 0 {
		return ""
	}
	b, err := f.Keys.OpenSubject(ctx, id, sealed, keys.FieldAD(column, id))
	if err != nil {
		return "[erased]"
	}
	return string(b)
}

func (f *Foundation) openAccount(ctx context.Context, accountID, column, rowID string, sealed []byte) string {
	b, err := f.Keys.OpenAccount(ctx, accountID, sealed, keys.FieldAD(column, rowID))
	if err != nil {
		return "[erased]"
	}
	return string(b)
}

type profileHandler struct{ f *Foundation }

func (h profileHandler) Export(ctx context.Context, d access.Decision, s Subject, sc Scope, emit func(Record) error) error {
	if s.Kind != RequesterUser {
		return nil
	}
	u, err := h.f.Store.ExportUser(ctx, d, s.ID)
	if err != nil {
		return err
	}
	err = emit(Record{ID: "user/" + u.ID, Data: map[string]any{
		"email": h.f.openSubject(ctx, u.ID, "users.email_sealed", u.EmailSealed), "name": h.f.openSubject(ctx, u.ID, "users.name_sealed", u.NameSealed),
		"language": u.Language, "time_zone": u.TimeZone, "email_verified_at": u.EmailVerifiedAt, "created_at": u.CreatedAt,
	}})
	if err != nil {
		return err
	}
	// The subject's own roles; other members of their accounts are other
	// people and stay out (R7).
	for _, m := range s.Memberships {
		if err := emit(Record{ID: "membership/" + m.AccountID + "/" + m.SiteID, Data: map[string]any{
			"account_id": m.AccountID, "site_id": m.SiteID, "role": m.Role}}); err != nil {
			return err
		}
	}
	accts, sites, err := h.f.Store.ExportOwnedAccounts(ctx, d, s.ID, s.OwnedAccounts())
	if err != nil {
		return err
	}
	for _, a := range accts {
		if err := emit(Record{ID: "account/" + a.ID, Data: map[string]any{
			"name": h.f.openAccount(ctx, a.ID, "accounts.name_sealed", a.ID, a.NameSealed), "region": a.Region, "created_at": a.CreatedAt}}); err != nil {
			return err
		}
	}
	for _, st := range sites {
		if err := emit(Record{ID: "site/" + st.ID, Data: map[string]any{"account_id": st.AccountID,
			"name": h.f.openAccount(ctx, st.AccountID, "sites.name_sealed", st.ID, st.NameSealed), "time_zone": st.TimeZone, "created_at": st.CreatedAt}}); err != nil {
			return err
		}
	}
	return nil
}

func (h profileHandler) Erase(ctx context.Context, d access.Decision, s Subject, _ Scope) (Erased, error) {
	if s.Kind != RequesterUser {
		return Erased{}, nil
	}
	rows, closed, err := h.f.Store.EraseUser(ctx, d, s.ID)
	if err != nil {
		return Erased{}, err
	}
	e := Erased{Rows: rows, Shred: []KeyRef{{Scope: keys.ScopeSubject, Owner: s.ID}}}
	for _, acc := range closed {
		e.Shred = append(e.Shred, KeyRef{Scope: keys.ScopeAccount, Owner: acc})
		var names []string
		if err := h.f.Blobs.List(ctx, acc, "", func(k string) error { names = append(names, k); return nil }); err != nil {
			return e, err
		}
		for _, k := range names {
			if err := h.f.Blobs.Delete(ctx, acc, k); err != nil {
				return e, err
			}
			e.Blobs++
		}
	}
	return e, nil
}

// Correct corrects the user's name, language or time zone. The e-mail
// address is corrected by changing it in the app, which proves the new one.
func (h profileHandler) Correct(ctx context.Context, d access.Decision, s Subject, field, value string) (string, error) {
	u, err := h.f.Store.ExportUser(ctx, exportOf(d), s.ID)
	if err != nil {
		return "", err
	}
	value = strings.TrimSpace(value)
	switch field {
	case "name":
		if value == "" || len(value) > 100 {
			return "", errs.E(errs.Invalid, "a name has 1 to 100 characters")
		}
		sealed, err := h.f.Keys.SealSubject(ctx, s.ID, []byte(value), keys.FieldAD("users.name_sealed", s.ID))
		if err != nil {
			return "", err
		}
		return h.f.openSubject(ctx, s.ID, "users.name_sealed", u.NameSealed), h.f.Store.CorrectUser(ctx, d, s.ID, "name_sealed", sealed)
	case "language":
		if len(value) < 2 || len(value) > 16 {
			return "", errs.E(errs.Invalid, "a language is a tag such as en or fr-CA")
		}
		return u.Language, h.f.Store.CorrectUser(ctx, d, s.ID, "language", value)
	case "time_zone":
		if _, err := time.LoadLocation(value); err != nil || value == "" {
			return "", errs.E(errs.Invalid, "unknown time zone")
		}
		return u.TimeZone, h.f.Store.CorrectUser(ctx, d, s.ID, "time_zone", value)
	}
	return "", errs.E(errs.Invalid, "field %s is corrected in the account settings, not through a request", field)
}

// exportOf is the decision a corrector reads the current value with: the
// store accepts an update decision for reading the same row.
func exportOf(d access.Decision) access.Decision { return d }

type credentialHandler struct{ f *Foundation }

// Export lists what vigil knows of the subject's credentials, never the
// hashes or secrets themselves.
func (h credentialHandler) Export(ctx context.Context, d access.Decision, s Subject, sc Scope, emit func(Record) error) error {
	if s.Kind != RequesterUser {
		return nil
	}
	ts, err := h.f.Store.ExportAPITokens(ctx, d, s.ID)
	if err != nil {
		return err
	}
	for _, t := range ts {
		if err := emit(Record{ID: "token/" + t.ID, Data: map[string]any{"label": h.f.openSubject(ctx, s.ID, "api_tokens.label_sealed", t.LabelSealed),
			"created_at": t.CreatedAt, "expires_at": t.ExpiresAt, "last_used_at": t.LastUsedAt}}); err != nil {
			return err
		}
	}
	return nil
}

func (h credentialHandler) Erase(ctx context.Context, d access.Decision, s Subject, _ Scope) (Erased, error) {
	if s.Kind != RequesterUser {
		return Erased{}, nil
	}
	n, err := h.f.Store.EraseAPITokens(ctx, d, s.ID)
	return Erased{Rows: n}, err
}

type sessionHandler struct{ f *Foundation }

func (h sessionHandler) Export(ctx context.Context, d access.Decision, s Subject, sc Scope, emit func(Record) error) error {
	if s.Kind != RequesterUser {
		return nil
	}
	return h.f.Store.ExportSessions(ctx, d, s.ID, func(r account.SessionRow) error {
		if !sc.InRange(r.CreatedAt) {
			return nil
		}
		return emit(Record{ID: "session/" + hex.EncodeToString(r.IDHash[:8]), Data: map[string]any{
			"ip": h.f.openSubject(ctx, s.ID, "sessions.ip_sealed", r.IPSealed), "user_agent": h.f.openSubject(ctx, s.ID, "sessions.user_agent_sealed", r.UserAgentSealed),
			"created_at": r.CreatedAt, "last_seen_at": r.LastSeenAt, "expires_at": r.ExpiresAt}})
	})
}

func (h sessionHandler) Erase(ctx context.Context, d access.Decision, s Subject, _ Scope) (Erased, error) {
	if s.Kind != RequesterUser {
		return Erased{}, nil
	}
	n, err := h.f.Store.EraseSessions(ctx, d, s.ID)
	return Erased{Rows: n}, err
}

func (h sessionHandler) Expired(ctx context.Context, cutoff time.Time) ([]string, error) {
	return h.f.Store.ExpiredSessionOwners(ctx, cutoff)
}

func (h sessionHandler) Purge(ctx context.Context, d access.Decision, owner string, cutoff time.Time) (int64, error) {
	return h.f.Store.PurgeSessions(ctx, d, owner, cutoff)
}

type auditHandler struct{ f *Foundation }

// Export writes the subject's own access log: every access to their
// personal data outside any account, and what they themselves did in the
// accounts they own. Entries by other people in those accounts are other
// people's records and stay out.
func (h auditHandler) Export(ctx context.Context, d access.Decision, s Subject, sc Scope, emit func(Record) error) error {
	logs := []struct {
		owner    string
		ownEntry bool // only entries whose actor is the subject
	}{{s.ID, false}}
	for _, a := range s.OwnedAccounts() {
		logs = append(logs, struct {
			owner    string
			ownEntry bool
		}{a, true})
	}
	for _, l := range logs {
		err := h.f.Audit.ScanAccount(ctx, l.owner, s.ID, func(it audit.Item) error {
			e := it.Entry
			if (l.ownEntry && e.ActorID != s.ID) || !sc.InRange(e.Time) {
				return nil
			}
			data := auditRecord{Seq: e.Seq, Time: e.Time, ActorKind: e.ActorKind, ActorID: e.ActorID, ActorRole: e.ActorRole,
				Action: e.Action, Category: e.Category, ResourceID: e.ResourceID, Purpose: e.Purpose, Decision: e.Decision,
				Reason: e.Reason, PersonalState: it.Personal}
			if it.Personal == audit.PersonalShown {
				data.Personal = e.Personal
			}
			derived := (e.ActorKind == audit.ActorSystem && e.ActorID == JobRequests) || strings.HasPrefix(string(e.Category), "privacy.")
			return emit(Record{ID: "audit/" + formatSeq(e.Seq), Data: data, Derived: derived})
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// auditRecord is an access-log entry as exported.
type auditRecord struct {
	Seq           int64               `json:"seq"`
	Time          time.Time           `json:"time"`
	ActorKind     audit.ActorKind     `json:"actor_kind"`
	ActorID       string              `json:"actor_id,omitempty"`
	ActorRole     string              `json:"actor_role,omitempty"`
	Action        audit.Action        `json:"action"`
	Category      datamap.CategoryID  `json:"category"`
	ResourceID    string              `json:"resource_id,omitempty"`
	Purpose       datamap.Purpose     `json:"purpose,omitempty"`
	Decision      audit.Decision      `json:"decision"`
	Reason        string              `json:"reason,omitempty"`
	PersonalState audit.PersonalState `json:"personal_state"`
	Personal      map[string]string   `json:"personal,omitempty"`
}

func formatSeq(n int64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// Erase pseudonymises: entries cannot be removed without breaking the
// chain that proves the log intact, so the subject's key, which seals their
// network details in every entry, is destroyed; what stays is a random ID.
func (h auditHandler) Erase(ctx context.Context, d access.Decision, s Subject, _ Scope) (Erased, error) {
	return Erased{Shred: []KeyRef{{Scope: keys.ScopeSubject, Owner: s.ID}},
		Kept: "access-log entries under a random identifier, their network details made unreadable, as the law requires an intact access log"}, nil
}
