// Package blob stores vigil's large objects (video segments, snapshots,
// exports) behind one interface with two implementations: a local directory
// (Dir, the embedded default) and an S3-compatible object store (blob/s3).
// Sealed wraps either so that every blob is encrypted under its account's
// key before it leaves the process.
//
// A Store never exposes a half-written blob: after an error or a crash a key
// is absent or complete. Nothing outside Sealed may write customer data to a
// Store, since a Store writes what it is given in clear.
package blob

import (
	"context"
	"io"

	"github.com/vigil-cloud/vigil/internal/errs"
)

// Store keeps blobs under slash-separated keys such as
// "acct/acc_1/seg/cam_2/2026-01-15/000123.m4s" (see ValidKey).
type Store interface {
	// Put stores the content of r under key, replacing any blob there. It is
	// atomic: after an error (including one from r) or a crash the key holds
	// the old blob or none, never part of the new one. Errors: errs.Invalid
	// for a bad key.
	Put(ctx context.Context, key string, r io.Reader) error
	// Open returns the blob under key. Errors: errs.NotFound when absent.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes the blob under key; deleting an absent blob succeeds.
	Delete(ctx context.Context, key string) error
	// List calls fn with every key that starts with prefix, in no promised
	// order; an error from fn stops the listing and is returned.
	List(ctx context.Context, prefix string, fn func(key string) error) error
}

// MaxKeyLen bounds keys; S3 allows 1024 bytes.
const MaxKeyLen = 1024

// ValidKey checks a blob key: non-empty segments of letters, digits, '-',
// '_' and '.', joined by '/', no segment starting with '.' (so no "." or
// "..", and no clash with temporary files), no leading or trailing '/'.
// Keys map onto file paths and S3 object names alike, so they stay plain.
func ValidKey(key string) error {
	if key == "" || len(key) > MaxKeyLen {
		return errs.E(errs.Invalid, "blob key must be 1 to %d bytes", MaxKeyLen)
	}
	start := true // at the start of a segment
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case c == '/':
			if start {
				return errs.E(errs.Invalid, "blob key %q has an empty segment", key)
			}
			start = true
			continue
		case c == '.' && start:
			return errs.E(errs.Invalid, "blob key %q has a segment starting with '.'", key)
		case !keyChar(c):
			return errs.E(errs.Invalid, "blob key %q has a character outside [A-Za-z0-9._-/]", key)
		}
		start = false
	}
	if start {
		return errs.E(errs.Invalid, "blob key %q ends with '/'", key)
	}
	return nil
}

func keyChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.'
}

// ValidPrefix checks a List prefix: empty, or the beginning of some valid key
// (such as "acct/acc_1/" or "acct/acc_1/seg/cam_2/2026-01").
func ValidPrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	// A prefix is the start of a valid key exactly when it stays valid
	// with one more plain character.
	if err := ValidKey(prefix + "x"); err != nil {
		return errs.E(errs.Invalid, "blob prefix %q is not the start of a valid key", prefix)
	}
	return nil
}

// probeKey is a key no blob is ever stored under.
const probeKey = "readiness-probe"

// Probe reports whether s answers: it opens a key that is never written,
// so a store that is up answers errs.NotFound.
func Probe(ctx context.Context, s Store) error {
	rc, err := s.Open(ctx, probeKey)
	if err == nil {
		return rc.Close()
	}
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	return err
}
