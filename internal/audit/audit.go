// Package audit is vigil's tamper-evident access log (requirement P3). Every
// access decision about personal data, allowed or denied, becomes one entry.
// Entries are hash-chained, form the leaves of an RFC 6962 Merkle tree
// (golang.org/x/mod/sumdb/tlog) and are covered by signed checkpoints, so an
// owner can be shown every access to their account's data with an inclusion
// proof, and `vigil audit verify` can prove the whole log intact.
//
// The log must never hold personal data in clear: an entry's Personal fields
// are sealed under the subject's key before they are hashed, so destroying
// that key erases them while the chain and the tree still verify. The log
// never updates or deletes an entry.
package audit

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// ActorKind says what kind of principal acted.
type ActorKind string

// The kinds of actor.
const (
	ActorUser   ActorKind = "user"
	ActorStaff  ActorKind = "staff"
	ActorDevice ActorKind = "device"
	ActorSystem ActorKind = "system"
	// ActorIntegration is a service a customer shared cameras with.
	ActorIntegration ActorKind = "integration"
	ActorAnonymous   ActorKind = "anonymous"
)

// Action is what the actor did or tried to do. The list is open: these are
// the common ones.
type Action string

// Common actions.
const (
	ActionRead   Action = "read"
	ActionList   Action = "list"
	ActionCreate Action = "create"
	ActionUpdate Action = "update"
	ActionDelete Action = "delete"
	ActionExport Action = "export"
)

// Decision is the outcome of the access check.
type Decision string

// Decisions.
const (
	Allow Decision = "allow"
	Deny  Decision = "deny"
)

// Limits keep entries small and stop a caller from logging a payload.
const (
	maxField    = 256
	maxReason   = 512
	maxPersonal = 4096
)

// Entry is one access decision.
type Entry struct {
	// Seq is the entry's place in the log, assigned by Append. It starts at
	// 1; the entry with Seq s is record s-1 of the Merkle tree.
	Seq        int64
	Time       time.Time // set by Append from the clock when zero; kept to the microsecond
	ActorKind  ActorKind
	ActorID    string // random pseudonymous ID of the actor; empty only for anonymous actors
	ActorRole  string
	Action     Action
	Category   datamap.CategoryID // the data map category accessed
	ResourceID string
	AccountID  string // whose data it is: the tenant, or the person for data outside any account; may be empty
	Purpose    datamap.Purpose
	Decision   Decision
	Reason     string // short explanation; never personal data
	// SubjectID is the person whose key seals Personal, usually the actor.
	SubjectID string
	// Route is the API route the access came through, as the route table
	// writes it ("GET /api/v1/accounts/{accountID}"); empty for jobs and
	// devices. It names no person: path values are not in it.
	Route string
	// Personal holds the actor's personal details (IP address, user agent).
	// It is sealed before the entry is hashed and shown only to the subject.
	Personal map[string]string
}

// validate checks what Append accepts. Messages name the field, never its value.
func (e *Entry) validate() error {
	switch e.ActorKind {
	case ActorUser, ActorStaff, ActorDevice, ActorSystem, ActorIntegration:
		if e.ActorID == "" {
			return errs.E(errs.Invalid, "audit entry: actor id is required for a %s", e.ActorKind)
		}
	case ActorAnonymous:
	default:
		return errs.E(errs.Invalid, "audit entry: unknown actor kind")
	}
	if e.Decision != Allow && e.Decision != Deny {
		return errs.E(errs.Invalid, "audit entry: decision must be allow or deny")
	}
	if e.Action == "" {
		return errs.E(errs.Invalid, "audit entry: action is required")
	}
	if e.Purpose != "" && !e.Purpose.Valid() {
		return errs.E(errs.Invalid, "audit entry: unknown purpose")
	}
	if len(e.Personal) > 0 && e.SubjectID == "" {
		return errs.E(errs.Invalid, "audit entry: personal fields need a subject to seal them")
	}
	for name, v := range map[string]string{
		"actor id": e.ActorID, "actor role": e.ActorRole, "action": string(e.Action),
		"category": string(e.Category), "resource id": e.ResourceID, "account id": e.AccountID,
		"subject id": e.SubjectID,
	} {
		if len(v) > maxField || !utf8.ValidString(v) {
			return errs.E(errs.Invalid, "audit entry: %s is too long or not UTF-8", name)
		}
	}
	if len(e.Reason) > maxReason || !utf8.ValidString(e.Reason) {
		return errs.E(errs.Invalid, "audit entry: reason is too long or not UTF-8")
	}
	if len(e.Route) > maxReason || !utf8.ValidString(e.Route) || (e.Route != "" && !strings.Contains(e.Route, " /")) {
		return errs.E(errs.Invalid, "audit entry: route must be written as METHOD /path")
	}
	return nil
}
