package keys

import (
	"context"
	"time"
)

// WrappedKey is a data key as stored: a Tink keyset encrypted by the KEK
// whose ID it records.
type WrappedKey struct {
	Scope       Scope
	Owner       string
	KEKID       string
	Wrapped     []byte    // nil once the key is destroyed
	CreatedAt   time.Time // set by the store
	DestroyedAt time.Time // zero while the key lives
}

// WrappedSecret is a system secret encrypted by the KEK whose ID it records.
type WrappedSecret struct {
	Name      string
	KEKID     string
	Wrapped   []byte
	CreatedAt time.Time // set by the store
}

// Store keeps wrapped keys and secrets. It sees only ciphertext; the Keyring
// does all wrapping and unwrapping. Implementations live in internal/store.
type Store interface {
	// DataKey returns the key of (scope, owner). Errors: errs.NotFound when
	// none was ever made, errs.Gone when it was destroyed.
	DataKey(ctx context.Context, scope Scope, owner string) (WrappedKey, error)
	// InsertDataKey stores k unless a key or a tombstone already exists for
	// its scope and owner, in which case it changes nothing and returns nil:
	// callers read the key back to learn which one won.
	InsertDataKey(ctx context.Context, k WrappedKey) error
	// DestroyDataKey deletes the material of (scope, owner) and keeps a
	// tombstone with the time of destruction. It is idempotent, and it leaves
	// a tombstone even when no key existed, so none can be made later.
	DestroyDataKey(ctx context.Context, scope Scope, owner string) error
	// DataKeys calls fn for every key not destroyed; an error from fn stops
	// the listing and is returned. fn may write to the store.
	DataKeys(ctx context.Context, fn func(WrappedKey) error) error
	// RewrapDataKey replaces the material and KEK ID of (scope, owner) if the
	// key is still wrapped by oldKEKID. Errors: errs.NotFound when it is not
	// (destroyed, absent, or rewrapped meanwhile).
	RewrapDataKey(ctx context.Context, scope Scope, owner, oldKEKID, newKEKID string, wrapped []byte) error

	// SystemSecret returns the named secret. Errors: errs.NotFound.
	SystemSecret(ctx context.Context, name string) (WrappedSecret, error)
	// InsertSystemSecret stores s unless a secret of that name exists, in
	// which case it changes nothing and returns nil.
	InsertSystemSecret(ctx context.Context, s WrappedSecret) error
	// SystemSecrets calls fn for every secret; an error from fn stops the
	// listing and is returned. fn may write to the store.
	SystemSecrets(ctx context.Context, fn func(WrappedSecret) error) error
	// RewrapSystemSecret replaces the material and KEK ID of the named secret
	// if it is still wrapped by oldKEKID. Errors: errs.NotFound when it is not.
	RewrapSystemSecret(ctx context.Context, name, oldKEKID, newKEKID string, wrapped []byte) error
}
