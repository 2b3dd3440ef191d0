package keys

import (
	"context"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"

	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// RotateKEK rewraps every data key and system secret under newKEK and makes
// newKEK the keyring's KEK, returning how many rows it rewrapped. Each row is
// its own small write that checks the row's KEK ID, so a rotation that stops
// half way (or runs on two nodes at once) is finished by running it again.
// Rows are unwrapped by the KEK they record if the keyring knows it, else by
// the current KEK.
func (k *Keyring) RotateKEK(ctx context.Context, newKEK KEK) (n int, err error) {
	to := newKEK.ID()
	k.mu.Lock()
	k.kek = newKEK
	k.keks[to] = newKEK
	k.mu.Unlock()

	err = k.store.DataKeys(ctx, func(w WrappedKey) error {
		if w.KEKID == to {
			return nil
		}
		h, err := k.unwrap(w)
		if err != nil {
			return err
		}
		wrapped, err := wrapKeyset(h, newKEK, dataKeyAD(w.Scope, w.Owner))
		if err != nil {
			return err
		}
		return countRewrap(&n, k.store.RewrapDataKey(ctx, w.Scope, w.Owner, w.KEKID, to, wrapped))
	})
	if err != nil {
		return n, err
	}
	err = k.store.SystemSecrets(ctx, func(w WrappedSecret) error {
		if w.KEKID == to {
			return nil
		}
		secret, err := k.unwrapper(w.KEKID).Decrypt(w.Wrapped, secretAD(w.Name))
		if err != nil {
			return errs.Wrap(err, errs.Internal, "system secret %s does not unwrap", w.Name)
		}
		wrapped, err := newKEK.Encrypt(secret, secretAD(w.Name))
		if err != nil {
			return errs.Wrap(err, errs.Internal, "wrap system secret %s", w.Name)
		}
		return countRewrap(&n, k.store.RewrapSystemSecret(ctx, w.Name, w.KEKID, to, wrapped))
	})
	return n, err
}

// countRewrap adds a rewrap to n. NotFound means the row was destroyed or
// rewrapped by someone else meanwhile: nothing is left to do for it.
func countRewrap(n *int, err error) error {
	switch {
	case err == nil:
		*n++
	case errs.Is(err, errs.NotFound):
		err = nil
	}
	return err
}

// RotateKeyFile replaces the KEK of the key file at path: it adds a new key
// as the keyset's primary and saves the file (both keys, so a crash loses
// nothing), rewraps every row of store under the new key, then removes the
// old keys and saves the file again. Run again after a failure, it resumes
// with the key it added. vigil nodes that run meanwhile keep the old file in
// memory, so restart them afterwards (several nodes should use a KMS).
func RotateKeyFile(ctx context.Context, path string, store Store, clk clock.Clock) (n int, err error) {
	old, err := loadKeyFile(path)
	if err != nil {
		return 0, err
	}
	both := old
	if old.handle.Len() == 1 {
		m := keyset.NewManagerFromHandle(old.handle)
		id, err := m.Add(aead.AES256GCMKeyTemplate())
		if err == nil {
			err = m.SetPrimary(id)
		}
		if err != nil {
			return 0, errs.Wrap(err, errs.Internal, "add KEK")
		}
		if both, err = saveKeyset(path, m); err != nil {
			return 0, err
		}
	}
	n, err = NewKeyring(old, store, clk).RotateKEK(ctx, both)
	if err != nil {
		return n, err
	}
	m := keyset.NewManagerFromHandle(both.handle)
	for i := range both.handle.Len() {
		e, err := both.handle.Entry(i)
		if err == nil && !e.IsPrimary() {
			err = m.Delete(e.KeyID())
		}
		if err != nil {
			return n, errs.Wrap(err, errs.Internal, "remove old KEK")
		}
	}
	_, err = saveKeyset(path, m)
	return n, err
}

// saveKeyset replaces the key file with the keyset of m.
func saveKeyset(path string, m *keyset.Manager) (*LocalKEK, error) {
	h, err := m.Handle()
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "build KEK keyset")
	}
	kek, err := newLocalKEK(h)
	if err != nil {
		return nil, err
	}
	data, err := kek.marshal()
	if err != nil {
		return nil, err
	}
	return kek, writeKeyFile(path, data, true)
}
