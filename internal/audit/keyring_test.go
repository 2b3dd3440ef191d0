package audit_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"sync"

	"github.com/vigil-cloud/vigil/internal/audit"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// keyring is a real Sealer for tests: one AES-256-GCM key per subject, made
// on first use. forget destroys a subject's key, as erasure does.
type keyring struct {
	mu   sync.Mutex
	keys map[string]cipher.AEAD
}

var _ audit.Sealer = (*keyring)(nil)

func newKeyring() *keyring { return &keyring{keys: map[string]cipher.AEAD{}} }

func (k *keyring) Seal(_ context.Context, subject string, plaintext, ad []byte) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	aead, ok := k.keys[subject]
	if !ok {
		key := make([]byte, 32)
		rand.Read(key)
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		if aead, err = cipher.NewGCMWithRandomNonce(block); err != nil {
			return nil, err
		}
		k.keys[subject] = aead
	}
	return aead.Seal(nil, nil, plaintext, ad), nil
}

func (k *keyring) Open(_ context.Context, subject string, ciphertext, ad []byte) ([]byte, error) {
	k.mu.Lock()
	aead, ok := k.keys[subject]
	k.mu.Unlock()
	if !ok {
		return nil, errs.E(errs.Gone, "key destroyed")
	}
	return aead.Open(nil, nil, ciphertext, ad)
}

func (k *keyring) forget(subject string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.keys, subject)
}
