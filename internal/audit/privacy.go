package audit

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
)

// RegisterPrivacy gives the privacy centre the export of a person's own
// access log and its erasure, which pseudonymises (entries stay, so the
// chain that proves the log intact holds).
func (l *Log) RegisterPrivacy(r *fulfil.Registry) error {
	h := auditHandler{l}
	return r.Register(datamap.AuditTrail, fulfil.Handlers{Export: h, Erase: h})
}

type auditHandler struct{ log *Log }

// Export writes the subject's own access log: every access to their
// personal data outside any account, and what they themselves did in the
// accounts they own. Entries by other people in those accounts are other
// people's records and stay out.
func (h auditHandler) Export(ctx context.Context, d access.Decision, s fulfil.Subject, sc fulfil.Scope, emit func(fulfil.Record) error) error {
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
		err := h.log.ScanAccount(ctx, l.owner, s.ID, func(it Item) error {
			e := it.Entry
			if (l.ownEntry && e.ActorID != s.ID) || !sc.InRange(e.Time) {
				return nil
			}
			data := auditRecord{Seq: e.Seq, Time: e.Time, ActorKind: e.ActorKind, ActorID: e.ActorID, ActorRole: e.ActorRole,
				Action: e.Action, Category: e.Category, ResourceID: e.ResourceID, Purpose: e.Purpose, Decision: e.Decision,
				Reason: e.Reason, Route: e.Route, PersonalState: it.Personal}
			if it.Personal == PersonalShown {
				data.Personal = e.Personal
			}
			derived := (e.ActorKind == ActorSystem && e.ActorID == fulfil.JobRequests) || strings.HasPrefix(string(e.Category), "privacy.")
			return emit(fulfil.Record{ID: "audit/" + strconv.FormatInt(e.Seq, 10), Data: data, Derived: derived})
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// auditRecord is an access-log entry as exported.
type auditRecord struct {
	Seq           int64              `json:"seq"`
	Time          time.Time          `json:"time"`
	ActorKind     ActorKind          `json:"actor_kind"`
	ActorID       string             `json:"actor_id,omitempty"`
	ActorRole     string             `json:"actor_role,omitempty"`
	Action        Action             `json:"action"`
	Category      datamap.CategoryID `json:"category"`
	ResourceID    string             `json:"resource_id,omitempty"`
	Purpose       datamap.Purpose    `json:"purpose,omitempty"`
	Decision      Decision           `json:"decision"`
	Reason        string             `json:"reason,omitempty"`
	Route         string             `json:"route,omitempty"`
	PersonalState PersonalState      `json:"personal_state"`
	Personal      map[string]string  `json:"personal,omitempty"`
}

// Erase pseudonymises: entries cannot be removed without breaking the
// chain that proves the log intact, so the subject's key, which seals their
// network details in every entry, is destroyed; what stays is a random ID.
func (h auditHandler) Erase(ctx context.Context, d access.Decision, s fulfil.Subject, _ fulfil.Scope) (fulfil.Erased, error) {
	return fulfil.Erased{Shred: []fulfil.KeyRef{{Scope: keys.ScopeSubject, Owner: s.ID}},
		Kept: "access-log entries under a random identifier, their network details made unreadable, as the law requires an intact access log"}, nil
}
