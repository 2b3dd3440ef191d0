package blob

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/vigil-cloud/vigil/internal/atomicfile"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// Dir is a Store in a local directory (vigil's default is "blobs" under its
// data directory). A blob is one file, 0600, in directories 0700, written
// through a temporary file that is synced and renamed into place. Unlike S3,
// a key cannot hold a blob while other keys lie below it ("a" and "a/b").
type Dir struct{ root string }

var _ Store = (*Dir)(nil)

// NewDir returns the Store rooted at root, creating the directory if needed.
func NewDir(root string) (*Dir, error) {
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, errs.Wrap(err, errs.Internal, "create blob directory")
	}
	return &Dir{root: root}, nil
}

func (d *Dir) path(key string) string { return filepath.Join(d.root, filepath.FromSlash(key)) }

// Put writes the blob through a temporary file and renames it into place.
func (d *Dir) Put(ctx context.Context, key string, r io.Reader) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	err := atomicfile.Write(d.path(key), ctxReader{ctx, r}, true)
	if err != nil {
		if ctx.Err() != nil {
			return errs.Wrap(err, errs.Unavailable, "put blob: %v", ctx.Err())
		}
		var e *errs.Error
		if errors.As(err, &e) {
			return err // from r, e.g. a sealed stream that failed
		}
		return errs.Wrap(err, errs.Internal, "put blob")
	}
	return nil
}

// ctxReader stops a copy when the context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Open opens the blob's file.
func (d *Dir) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := ValidKey(key); err != nil {
		return nil, err
	}
	f, err := os.Open(d.path(key))
	if absent(err) {
		return nil, errs.Wrap(err, errs.NotFound, "blob not found")
	}
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "open blob")
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, errs.E(errs.NotFound, "blob not found") // a directory of other blobs
	}
	return f, nil
}

// Delete removes the blob's file. Emptied directories stay; they are cheap
// and removing them would race with a Put into the same directory.
func (d *Dir) Delete(ctx context.Context, key string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	p := d.path(key)
	if fi, err := os.Lstat(p); err == nil && fi.IsDir() {
		return nil // no blob under this key, only blobs below it
	}
	err := os.Remove(p)
	if absent(err) {
		return nil
	}
	if err != nil {
		return errs.Wrap(err, errs.Internal, "delete blob")
	}
	return atomicfile.SyncDir(filepath.Dir(p))
}

// absent reports whether err says no file is at a path, also when a parent
// of the path is a file ("a/b" when "a" is a blob).
func absent(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// List walks the directory that holds the prefix.
func (d *Dir) List(ctx context.Context, prefix string, fn func(key string) error) error {
	if err := ValidPrefix(prefix); err != nil {
		return err
	}
	// Walk only below the last complete segment of the prefix.
	base := ""
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		base = prefix[:i]
	}
	start := d.root
	if base != "" {
		start = d.path(base)
	}
	var fnErr error // returned as fn gave it
	err := filepath.WalkDir(start, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if absent(err) && p == start {
				return fs.SkipAll // nothing stored under the prefix
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if e.IsDir() || atomicfile.IsTemp(e.Name()) {
			return nil
		}
		rel, err := filepath.Rel(d.root, p)
		if err != nil {
			return err
		}
		if key := filepath.ToSlash(rel); strings.HasPrefix(key, prefix) {
			if fnErr = fn(key); fnErr != nil {
				return fs.SkipAll
			}
		}
		return nil
	})
	switch {
	case fnErr != nil:
		return fnErr
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return errs.Wrap(err, errs.Unavailable, "list blobs: %v", ctx.Err())
	}
	return errs.Wrap(err, errs.Internal, "list blobs")
}
