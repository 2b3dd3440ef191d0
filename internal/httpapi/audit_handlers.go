package httpapi

import (
	"context"
	"encoding/base64"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/audit"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"golang.org/x/mod/sumdb/tlog"
)

// AuditLog is the part of the audit log the API reads.
type AuditLog interface {
	ListAccount(ctx context.Context, accountID, viewerSubjectID string, afterSeq int64, limit int) (audit.Page, error)
	Checkpoint(ctx context.Context) (string, error)
	ProveConsistency(ctx context.Context, from int64) (string, []tlog.Hash, error)
	Health(ctx context.Context, p access.Principal, now time.Time) (audit.Health, error)
	VerifyNow(ctx context.Context, p access.Principal, verifier note.Verifier) (audit.Report, error)
}

// auditHealth is the log's size, signed head and entries per hour.
func (s *Server) auditHealth(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	h, err := s.Audit.Health(r.Context(), a.Principal, s.Clock.Now())
	return reply(w, http.StatusOK, h, err)
}

// verifyAudit checks the whole log now, as "vigil audit verify" does.
func (s *Server) verifyAudit(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	v, err := note.NewVerifier(s.AuditKey)
	if err != nil {
		return errs.Wrap(err, errs.Internal, "audit verifier key unreadable")
	}
	rep, err := s.Audit.VerifyNow(r.Context(), a.Principal, v)
	return reply(w, http.StatusOK, map[string]any{"ok": rep.OK(), "entries": rep.Entries, "checkpoints": rep.Checkpoints,
		"first_bad": rep.FirstBad, "report": rep.String(), "checked_at": s.Clock.Now().UTC()}, err)
}

type logEntry struct {
	Seq        int64             `json:"seq"`
	Time       time.Time         `json:"time"`
	ActorKind  string            `json:"actor_kind"`
	ActorID    string            `json:"actor_id,omitempty"`
	ActorRole  string            `json:"actor_role,omitempty"`
	Action     string            `json:"action"`
	Category   string            `json:"category"`
	ResourceID string            `json:"resource_id,omitempty"`
	Purpose    string            `json:"purpose,omitempty"`
	Decision   string            `json:"decision"`
	Reason     string            `json:"reason,omitempty"`
	Personal   map[string]string `json:"personal,omitempty"`
	Route      string            `json:"route,omitempty"` // the API route the access came through
	Leaf       string            `json:"leaf"`
	Proof      []string          `json:"proof"`
}

type logPage struct {
	Checkpoint string     `json:"checkpoint"`
	PublicKey  string     `json:"public_key"`
	Entries    []logEntry `json:"entries"`
	NextAfter  int64      `json:"next_after,omitempty"`
}

func (s *Server) checkpoint(w http.ResponseWriter, r *http.Request, _ *account.Auth) error {
	cp, err := s.Audit.Checkpoint(r.Context())
	return reply(w, http.StatusOK, map[string]string{"checkpoint": cp, "public_key": s.AuditKey}, err)
}

// consistency proves the current checkpoint extends the tree of ?from=
// entries (public: tree hashes reveal nothing about entries).
func (s *Server) consistency(w http.ResponseWriter, r *http.Request, _ *account.Auth) error {
	from, err := strconv.ParseInt(r.URL.Query().Get("from"), 10, 64)
	if err != nil {
		return errs.E(errs.Invalid, "from must be a whole number (the size of the checkpoint you hold)")
	}
	cp, proof, err := s.Audit.ProveConsistency(r.Context(), from)
	if err != nil {
		return err
	}
	out := make([]string, len(proof))
	for i, h := range proof {
		out[i] = base64.StdEncoding.EncodeToString(h[:])
	}
	return reply(w, http.StatusOK, map[string]any{"checkpoint": cp, "public_key": s.AuditKey, "proof": out}, nil)
}

func (s *Server) accessLog(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	return s.listAccessLog(w, r, a, datamap.PurposeService)
}

// staffAccessLog lets the security officer investigate an account's access
// log for anti-fraud purposes; the gate checks role, MFA and training.
func (s *Server) staffAccessLog(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	return s.listAccessLog(w, r, a, datamap.PurposeAntiFraud)
}

func (s *Server) listAccessLog(w http.ResponseWriter, r *http.Request, a *account.Auth, purpose datamap.Purpose) error {
	id, err := pathID(r, "accountID")
	if err != nil {
		return err
	}
	return s.writeAccessLog(w, r, a, id, access.Resource{Category: datamap.AuditTrail, AccountID: id}, purpose)
}

// myAccessLog lists every access to the caller's own personal data outside
// any account: sign-in attempts, profile, sessions and credentials.
func (s *Server) myAccessLog(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	p := a.Principal
	return s.writeAccessLog(w, r, a, p.ID, access.Resource{Category: datamap.AuditTrail, SubjectID: p.ID}, datamap.PurposeService)
}

func (s *Server) writeAccessLog(w http.ResponseWriter, r *http.Request, a *account.Auth, owner string, res access.Resource, purpose datamap.Purpose) error {
	after, limit, err := pageParams(r)
	if err != nil {
		return err
	}
	if _, err := s.Gate.Check(r.Context(), a.Principal, access.List, res, purpose); err != nil {
		return err
	}
	page, err := s.Audit.ListAccount(r.Context(), owner, a.Principal.ID, after, limit)
	if err != nil {
		return err
	}
	out := logPage{Checkpoint: page.Checkpoint, PublicKey: s.AuditKey, NextAfter: page.Next, Entries: make([]logEntry, 0, len(page.Items))}
	for _, it := range page.Items {
		e := it.Entry
		le := logEntry{Seq: e.Seq, Time: e.Time, ActorKind: string(e.ActorKind), ActorID: e.ActorID, ActorRole: e.ActorRole,
			Action: string(e.Action), Category: string(e.Category), ResourceID: e.ResourceID, Purpose: string(e.Purpose),
			Decision: string(e.Decision), Reason: e.Reason, Personal: e.Personal, Route: e.Route,
			Leaf: base64.StdEncoding.EncodeToString(it.Leaf)}
		for _, h := range it.Proof {
			le.Proof = append(le.Proof, base64.StdEncoding.EncodeToString(h[:]))
		}
		out.Entries = append(out.Entries, le)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func pageParams(r *http.Request) (after int64, limit int, err error) {
	q := r.URL.Query()
	if v := q.Get("after"); v != "" {
		if after, err = strconv.ParseInt(v, 10, 64); err != nil || after < 0 {
			return 0, 0, errs.E(errs.Invalid, "after must be a non-negative whole number")
		}
	}
	limit = 100
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 500 {
			return 0, 0, errs.E(errs.Invalid, "limit must be between 1 and 500")
		}
	}
	return after, limit, nil
}
