package keys

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/vigil-cloud/vigil/internal/atomicfile"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// LoadOrCreateKeyFile reads the KEK from the key file at path, creating the
// file with a new key when it is missing. The file holds the root key in
// clear, so it is created 0600 in a 0700 directory, and a file that group or
// others may read or write is refused rather than used.
func LoadOrCreateKeyFile(path string) (kek *LocalKEK, created bool, err error) {
	kek, err = loadKeyFile(path)
	if !errs.Is(err, errs.NotFound) {
		return kek, false, err
	}
	fresh, err := NewLocalKEK()
	if err != nil {
		return nil, false, err
	}
	data, err := fresh.marshal()
	if err != nil {
		return nil, false, err
	}
	switch err := writeKeyFile(path, data, false); {
	case errors.Is(err, fs.ErrExist):
		// Another process created the file first: use its key, never ours,
		// or data wrapped by one of the two keys would be lost.
		kek, err = loadKeyFile(path)
		return kek, false, err
	case err != nil:
		return nil, false, err
	}
	return fresh, true, nil
}

// LoadKeyFile reads the key file at path, creating nothing. Errors:
// errs.NotFound when there is none.
func LoadKeyFile(path string) (*LocalKEK, error) { return loadKeyFile(path) }

func loadKeyFile(path string) (*LocalKEK, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errs.Wrap(err, errs.NotFound, "key file %s not found", path)
	}
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "key file %s", path)
	}
	if !fi.Mode().IsRegular() {
		return nil, errs.E(errs.Invalid, "key file %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, errs.E(errs.Invalid,
			"key file %s has mode %04o: it holds the root key and must be readable by its owner only (chmod 600 %s)",
			path, perm, path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "read key file %s", path)
	}
	k, err := parseKeyset(data)
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	return k, nil
}

// writeKeyFile writes the key file so that a crash leaves the old file or
// the new one, complete. Creating (replace false) fails with fs.ErrExist
// instead of overwriting a key another process has just made.
func writeKeyFile(path string, data []byte, replace bool) error {
	err := atomicfile.Write(path, bytes.NewReader(data), replace)
	if err == nil || errors.Is(err, fs.ErrExist) {
		return err
	}
	return errs.Wrap(err, errs.Internal, "write key file %s", path)
}
