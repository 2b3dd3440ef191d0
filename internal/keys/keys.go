// Package keys holds vigil's key hierarchy: a key-encryption key (KEK, from a
// local key file or, later, a KMS) wraps per-account and per-person data keys
// and the system secrets; each blob gets a content key of its own, wrapped by
// its account's data key. Destroying a data key (crypto-shredding) makes every
// ciphertext under it unreadable wherever copies of it live.
//
// keys never stores key material in clear outside the KEK file (data keys
// leave it only as Tink primitives, system secrets only to the caller that
// asked), never creates a key again for an owner whose key was destroyed, and
// never implements cryptography itself: every primitive is Tink's, and this
// package only frames bytes around them.
package keys

import (
	"github.com/vigil-cloud/vigil/internal/errs"
)

// Scope says whose data a data key protects.
type Scope string

// The scopes of data keys.
const (
	// ScopeAccount keys belong to a customer account (the tenant): its
	// segments, snapshots, exports and account-level fields.
	ScopeAccount Scope = "account"
	// ScopeSubject keys belong to one person, a user or a staff member: they
	// seal that person's personal fields and the personal fields of audit
	// entries about them, so erasing the person keeps the audit chain intact.
	ScopeSubject Scope = "subject"
)

// Valid reports whether s is a known scope.
func (s Scope) Valid() bool { return s == ScopeAccount || s == ScopeSubject }

// maxIDLen bounds owner IDs and secret names; they are random identifiers or
// constants, never free text.
const maxIDLen = 128

// checkID refuses identifiers that could blur the associated data that binds
// a wrapped key to its owner (a NUL separates the parts) or that are not the
// short identifiers vigil uses.
func checkID(what, id string) error {
	if id == "" || len(id) > maxIDLen {
		return errs.E(errs.Invalid, "%s must be 1 to %d bytes", what, maxIDLen)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c < 0x21 || c == 0x7f {
			return errs.E(errs.Invalid, "%s holds a control character or a space", what)
		}
	}
	return nil
}

func checkOwner(scope Scope, owner string) error {
	if !scope.Valid() {
		return errs.E(errs.Invalid, "unknown key scope %q", scope)
	}
	return checkID("key owner", owner)
}

// bind joins a fixed label and identifiers into associated data. The parts
// never contain NUL (checkID), so the joining is unambiguous.
func bind(label string, parts ...string) []byte {
	b := []byte(label)
	for _, p := range parts {
		b = append(b, 0)
		b = append(b, p...)
	}
	return b
}
