// Package atomicfile writes files so that a crash or an error leaves either
// no file (or the previous one) or the new one complete: it never leaves a
// partial file under the final name. Files are 0600 and directories it makes
// 0700, since vigil's files hold keys and ciphertext for one user only.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// TempPrefix starts the names of temporary files; readers of a directory
// skip names with it (a crash may leave such files behind).
const TempPrefix = ".tmp-"

// IsTemp reports whether a file name is one of this package's temporary files.
func IsTemp(name string) bool { return strings.HasPrefix(name, TempPrefix) }

// Write copies r into a temporary file beside path, syncs it, then installs
// it under path and syncs the directory. With replace it renames over any
// existing file; without, it links and fails with an error matching
// fs.ErrExist when path exists, so two writers never overwrite each other.
func Write(path string, r io.Reader, replace bool) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, TempPrefix+"*") // mode 0600
	if err != nil {
		return fmt.Errorf("create temporary file: %w", err)
	}
	defer os.Remove(tmp.Name()) //nolint:errcheck // gone after rename; cleanup after failure
	_, err = io.Copy(tmp, r)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write temporary file: %w", err)
	}
	if replace {
		err = os.Rename(tmp.Name(), path)
	} else {
		err = os.Link(tmp.Name(), path)
	}
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return err
		}
		return fmt.Errorf("install file: %w", err)
	}
	return SyncDir(dir)
}

// SyncDir makes a rename, link or removal in dir durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory: %w", err)
	}
	return nil
}
