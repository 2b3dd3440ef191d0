package audit

import (
	"context"
	"encoding/json"

	"github.com/vigil-cloud/vigil/internal/errs"
)

// Sealer encrypts personal fields under a person's own key. Destroying that
// key erases the fields everywhere the ciphertext lives, including this log.
type Sealer interface {
	// Seal encrypts plaintext under subjectID's key, binding ad.
	Seal(ctx context.Context, subjectID string, plaintext, ad []byte) ([]byte, error)
	// Open decrypts what Seal returned. It fails once the subject's key is
	// destroyed; it fails with errs.Unavailable when the key store is down.
	Open(ctx context.Context, subjectID string, ciphertext, ad []byte) ([]byte, error)
}

// PersonalState says what a reader of an entry may see of its personal fields.
type PersonalState string

// Personal states.
const (
	PersonalNone   PersonalState = "none"   // the entry has no personal fields
	PersonalShown  PersonalState = "shown"  // opened for their subject
	PersonalHidden PersonalState = "hidden" // another person's; not revealed
	PersonalErased PersonalState = "erased" // the subject's key is destroyed
)

// personalAD binds the ciphertext to its purpose and subject, so sealed
// fields cannot be passed off as another kind of sealed data.
func personalAD(subjectID string) []byte {
	return append([]byte("vigil/audit/personal/v1\x00"), subjectID...)
}

// sealPersonal seals e.Personal; empty fields seal to nothing.
func sealPersonal(ctx context.Context, s Sealer, e *Entry) ([]byte, error) {
	if len(e.Personal) == 0 {
		return []byte{}, nil
	}
	// encoding/json sorts map keys; the plaintext's form matters only to Open.
	plain, err := json.Marshal(e.Personal)
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "audit: encode personal fields")
	}
	if len(plain) > maxPersonal {
		return nil, errs.E(errs.Invalid, "audit entry: personal fields are too long")
	}
	sealed, err := s.Seal(ctx, e.SubjectID, plain, personalAD(e.SubjectID))
	if err != nil {
		return nil, errs.Wrap(err, errs.CodeOf(err), "audit: seal personal fields")
	}
	return sealed, nil
}

// openPersonal opens the sealed fields of e for viewer: only the subject sees
// them. A destroyed key shows as erased; an unreachable key store is an error.
func openPersonal(ctx context.Context, s Sealer, e *Entry, sealed []byte, viewer string) (PersonalState, error) {
	switch {
	case len(sealed) == 0:
		return PersonalNone, nil
	case viewer == "" || e.SubjectID != viewer:
		return PersonalHidden, nil
	}
	plain, err := s.Open(ctx, e.SubjectID, sealed, personalAD(e.SubjectID))
	if errs.Is(err, errs.Unavailable) {
		return "", errs.Wrap(err, errs.Unavailable, "audit: open personal fields")
	}
	if err != nil {
		return PersonalErased, nil
	}
	var p map[string]string
	if err := json.Unmarshal(plain, &p); err != nil {
		return PersonalErased, nil
	}
	e.Personal = p
	return PersonalShown, nil
}
