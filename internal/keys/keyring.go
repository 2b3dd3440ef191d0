package keys

import (
	"bytes"
	"context"
	"sync"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"

	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// Keyring makes, unwraps, caches and destroys data keys. It is safe for
// concurrent use, and several nodes may share one Store: concurrent first use
// of a key converges on one key.
type Keyring struct {
	store Store
	clk   clock.Clock
	cache *cache

	mu   sync.RWMutex
	kek  KEK            // wraps what is made from now on
	keks map[string]KEK // unwraps rows by the KEK ID they record
	mac  tink.MAC       // the blind-index key, once loaded
}

// NewKeyring returns a keyring whose keys are wrapped by kek and kept in store.
func NewKeyring(kek KEK, store Store, clk clock.Clock) *Keyring {
	return &Keyring{
		store: store,
		clk:   clk,
		cache: newCache(CacheSize, CacheTTL),
		kek:   kek,
		keks:  map[string]KEK{kek.ID(): kek},
	}
}

// wrapper returns the KEK that wraps new material.
func (k *Keyring) wrapper() KEK {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.kek
}

// unwrapper returns the KEK for material wrapped by kekID. An unknown ID
// falls back to the current KEK, which may still hold the older key (a
// local keyset during rotation holds both).
func (k *Keyring) unwrapper(kekID string) KEK {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if kek, ok := k.keks[kekID]; ok {
		return kek
	}
	return k.kek
}

// dataKeyAD binds a wrapped data key to its scope and owner, so a wrapped key
// copied into another owner's row does not unwrap.
func dataKeyAD(scope Scope, owner string) []byte {
	return bind("vigil/data-key/v1", string(scope), owner)
}

// AEAD returns the data key of (scope, owner), making it on first use.
// Errors: errs.Gone when the key was destroyed; it is never made again.
func (k *Keyring) AEAD(ctx context.Context, scope Scope, owner string) (tink.AEAD, error) {
	return k.dataKey(ctx, scope, owner, true)
}

// dataKey returns the cached or stored key, making it when create is set.
func (k *Keyring) dataKey(ctx context.Context, scope Scope, owner string, create bool) (tink.AEAD, error) {
	if err := checkOwner(scope, owner); err != nil {
		return nil, err
	}
	ck := cacheKey{scope, owner}
	a, gen := k.cache.get(ck, k.clk.Now())
	if a != nil {
		return a, nil
	}
	a, err := k.load(ctx, scope, owner)
	if create && errs.Is(err, errs.NotFound) {
		if err := k.create(ctx, scope, owner); err != nil {
			return nil, err
		}
		// Re-read: another goroutine or node may have inserted first, and
		// its key, not ours, is the one.
		a, err = k.load(ctx, scope, owner)
	}
	if err != nil {
		return nil, err
	}
	k.cache.put(ck, a, k.clk.Now(), gen)
	return a, nil
}

func (k *Keyring) load(ctx context.Context, scope Scope, owner string) (tink.AEAD, error) {
	w, err := k.store.DataKey(ctx, scope, owner)
	switch {
	case errs.Is(err, errs.Gone):
		return nil, errs.Wrap(err, errs.Gone, "key destroyed")
	case err != nil:
		return nil, err
	}
	h, err := k.unwrap(w)
	if err != nil {
		return nil, err
	}
	a, err := aead.New(h)
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "data key of %s %s is not an AEAD key", scope, owner)
	}
	return a, nil
}

func (k *Keyring) unwrap(w WrappedKey) (*keyset.Handle, error) {
	h, err := keyset.ReadWithAssociatedData(keyset.NewBinaryReader(bytes.NewReader(w.Wrapped)),
		k.unwrapper(w.KEKID), dataKeyAD(w.Scope, w.Owner))
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "data key of %s %s does not unwrap", w.Scope, w.Owner)
	}
	return h, nil
}

func wrapKeyset(h *keyset.Handle, kek tink.AEAD, ad []byte) ([]byte, error) {
	var buf bytes.Buffer
	if err := h.WriteWithAssociatedData(keyset.NewBinaryWriter(&buf), kek, ad); err != nil {
		return nil, errs.Wrap(err, errs.Internal, "wrap key")
	}
	return buf.Bytes(), nil
}

func (k *Keyring) create(ctx context.Context, scope Scope, owner string) error {
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		return errs.Wrap(err, errs.Internal, "generate data key")
	}
	kek := k.wrapper()
	wrapped, err := wrapKeyset(h, kek, dataKeyAD(scope, owner))
	if err != nil {
		return err
	}
	return k.store.InsertDataKey(ctx, WrappedKey{Scope: scope, Owner: owner, KEKID: kek.ID(), Wrapped: wrapped})
}

// Seal encrypts plaintext under the key of (scope, owner), making the key on
// first use. ad must be given again to Open.
func (k *Keyring) Seal(ctx context.Context, scope Scope, owner string, plaintext, ad []byte) ([]byte, error) {
	a, err := k.AEAD(ctx, scope, owner)
	if err != nil {
		return nil, err
	}
	ct, err := a.Encrypt(plaintext, ad)
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "seal")
	}
	return ct, nil
}

// Open decrypts what Seal made. Errors: errs.Gone when the key was
// destroyed, errs.NotFound when the owner never had a key, errs.Invalid when
// the ciphertext or ad does not match.
func (k *Keyring) Open(ctx context.Context, scope Scope, owner string, ciphertext, ad []byte) ([]byte, error) {
	// No key is made here: a ciphertext cannot exist without one.
	a, err := k.dataKey(ctx, scope, owner, false)
	if err != nil {
		return nil, err
	}
	pt, err := a.Decrypt(ciphertext, ad)
	if err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "sealed data does not open: wrong owner, associated data, or tampered")
	}
	return pt, nil
}

// Destroy crypto-shreds the key of (scope, owner): the wrapped material is
// deleted and a tombstone kept, so every ciphertext under it, in any copy,
// becomes noise and no key is made for the owner again. Other nodes stop
// using their cached copy within CacheTTL. Copies of the wrapped key in
// database backups stay unwrappable while the KEK that wrapped them lives:
// rotating the KEK and destroying the old one completes the shredding there.
func (k *Keyring) Destroy(ctx context.Context, scope Scope, owner string) error {
	if err := checkOwner(scope, owner); err != nil {
		return err
	}
	err := k.store.DestroyDataKey(ctx, scope, owner)
	// Drop even after an error: the key may be gone in the store already.
	k.cache.drop(cacheKey{scope, owner})
	return err
}
