package blob

import (
	"bufio"
	"context"
	"errors"
	"io"
	"strings"

	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/keys"
)

// Sealed stores each blob of an account encrypted under that account's key
// (a fresh content key per blob, see keys.Keyring.EncryptStream), under
// "acct/<accountID>/<key>" in the Store it wraps. Plaintext never reaches
// that Store, and destroying the account key makes every copy of the
// account's blobs unreadable.
type Sealed struct {
	store Store
	keys  *keys.Keyring
}

// NewSealed returns a Sealed over store, with keys from kr.
func NewSealed(store Store, kr *keys.Keyring) *Sealed { return &Sealed{store: store, keys: kr} }

// accountPrefix is where an account's blobs live in the wrapped Store.
func accountPrefix(accountID string) (string, error) {
	if err := ValidKey(accountID); err != nil || strings.Contains(accountID, "/") {
		return "", errs.E(errs.Invalid, "account ID %q cannot name a blob directory", accountID)
	}
	return "acct/" + accountID + "/", nil
}

// storeKey returns the key in the wrapped Store of an account's blob.
func storeKey(accountID, key string) (string, error) {
	p, err := accountPrefix(accountID)
	if err != nil {
		return "", err
	}
	if err := ValidKey(key); err != nil {
		return "", err
	}
	return p + key, nil
}

// blobAD binds a blob's ciphertext to its account and key, so a blob moved
// or swapped with another in the Store does not decrypt.
func blobAD(full string) []byte { return []byte("vigil/blob/v1\x00" + full) }

// errStopped unblocks the encrypting goroutine when the Store stops reading.
var errStopped = errors.New("blob store stopped reading")

// Put encrypts r as it streams into the Store; the Store never sees a byte of
// plaintext and, as any Put, keeps nothing of a failed one. Errors:
// errs.Gone when the account's key was destroyed.
func (s *Sealed) Put(ctx context.Context, accountID, key string, r io.Reader) error {
	full, err := storeKey(accountID, key)
	if err != nil {
		return err
	}
	pr, pw := io.Pipe()
	sealErr := make(chan error, 1)
	go func() {
		err := s.seal(ctx, accountID, full, pw, r)
		pw.CloseWithError(err) // nil: the reader sees EOF
		sealErr <- err
	}()
	err = s.store.Put(ctx, full, pr)
	pr.CloseWithError(errStopped)
	// Wait, so r is no longer read when Put returns; the sealing error (a
	// destroyed key, a failing r) says more than the Store's.
	if serr := <-sealErr; serr != nil && !errors.Is(serr, errStopped) {
		return serr
	}
	return err
}

func (s *Sealed) seal(ctx context.Context, accountID, full string, dst io.Writer, r io.Reader) error {
	// The ciphertext comes in 4 KiB segments: gathered into larger writes,
	// the store sees a few writes (and pipe hand-offs) per blob, not one
	// per segment.
	bw := bufio.NewWriterSize(dst, sealBuffer)
	w, err := s.keys.EncryptStream(ctx, accountID, bw, blobAD(full))
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, r); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return bw.Flush()
}

// sealBuffer is how much ciphertext a Put gathers per write to its store.
const sealBuffer = 64 << 10

// Open returns a reader that decrypts the blob as it is read; reads fail
// with errs.Invalid if the stored bytes were changed. Errors: errs.NotFound,
// errs.Gone when the account's key was destroyed.
func (s *Sealed) Open(ctx context.Context, accountID, key string) (io.ReadCloser, error) {
	full, err := storeKey(accountID, key)
	if err != nil {
		return nil, err
	}
	rc, err := s.store.Open(ctx, full)
	if err != nil {
		return nil, err
	}
	pt, err := s.keys.DecryptStream(ctx, accountID, rc, blobAD(full))
	if err != nil {
		rc.Close()
		return nil, err
	}
	return readCloser{pt, rc}, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// Delete removes an account's blob.
func (s *Sealed) Delete(ctx context.Context, accountID, key string) error {
	full, err := storeKey(accountID, key)
	if err != nil {
		return err
	}
	return s.store.Delete(ctx, full)
}

// List calls fn with the keys (without the account prefix) of the
// account's blobs that start with prefix.
func (s *Sealed) List(ctx context.Context, accountID, prefix string, fn func(key string) error) error {
	p, err := accountPrefix(accountID)
	if err != nil {
		return err
	}
	if err := ValidPrefix(prefix); err != nil {
		return err
	}
	return s.store.List(ctx, p+prefix, func(full string) error {
		return fn(strings.TrimPrefix(full, p))
	})
}

// Probe reports whether the wrapped Store answers (see the function Probe).
func (s *Sealed) Probe(ctx context.Context) error { return Probe(ctx, s.store) }
