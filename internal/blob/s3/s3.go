// Package s3blob is the blob.Store on an S3-compatible object store
// (minio-go), for deployments with several vigil nodes. It streams: a Put
// holds one part (PartSize) in memory at a time, never a whole object, and
// an object appears only when its upload completes. Like every blob.Store it
// writes what it is given; only blob.Sealed may hand it customer data.
package s3blob

import (
	"context"
	"errors"
	"io"
	"net"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/vigil-cloud/vigil/internal/blob"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// DefaultPartSize is the multipart part size: each Put buffers one part.
// 16 MiB keeps memory modest per upload and allows objects up to 160 GB
// (10,000 parts).
const DefaultPartSize = 16 << 20

// Config says where the bucket is and how to reach it.
type Config struct {
	Endpoint  string // host:port, without scheme
	Bucket    string
	Region    string // empty: the server's default
	AccessKey string
	SecretKey string
	TLS       bool
	PathStyle bool   // bucket in the path, not the host name (MinIO, versitygw, most self-hosted servers)
	PartSize  uint64 // 0: DefaultPartSize; at least 5 MiB
}

// Store is a blob.Store in one bucket.
type Store struct {
	client   *minio.Client
	bucket   string
	partSize uint64
}

var _ blob.Store = (*Store)(nil)

// New connects to the server and creates the bucket if it is missing.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Endpoint == "" || cfg.Bucket == "" {
		return nil, errs.E(errs.Invalid, "S3 endpoint and bucket are required")
	}
	part := cfg.PartSize
	if part == 0 {
		part = DefaultPartSize
	}
	if part < 5<<20 {
		return nil, errs.E(errs.Invalid, "S3 part size must be at least 5 MiB")
	}
	lookup := minio.BucketLookupDNS
	if cfg.PathStyle {
		lookup = minio.BucketLookupPath
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:       cfg.TLS,
		Region:       cfg.Region,
		BucketLookup: lookup,
	})
	if err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "S3 configuration")
	}
	s := &Store{client: client, bucket: cfg.Bucket, partSize: part}
	if err := s.ensureBucket(ctx, cfg.Region); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Store) ensureBucket(ctx context.Context, region string) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return mapErr(err, "check bucket")
	}
	if ok {
		return nil
	}
	err = s.client.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{Region: region})
	if code := errCode(err); code == "BucketAlreadyOwnedByYou" || code == "BucketAlreadyExists" {
		return nil // another node made it meanwhile
	}
	return mapErr(err, "create bucket")
}

// Put streams r as a multipart upload of unknown size; the server shows the
// object only once the upload completes, and minio-go aborts it on error.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) error {
	if err := blob.ValidKey(key); err != nil {
		return err
	}
	_, err := s.client.PutObject(ctx, s.bucket, key, r, -1, minio.PutObjectOptions{
		PartSize:    s.partSize,
		ContentType: "application/octet-stream",
	})
	return mapErr(err, "put blob")
}

// Open starts the download; the first request happens here, so a missing
// object is reported now rather than on the first read.
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := blob.ValidKey(key); err != nil {
		return nil, err
	}
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, mapErr(err, "open blob")
	}
	if _, err := obj.Stat(); err != nil {
		obj.Close()
		return nil, mapErr(err, "open blob")
	}
	return obj, nil
}

// Delete removes the object; S3 reports success for a missing one.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := blob.ValidKey(key); err != nil {
		return err
	}
	err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{})
	if errCode(err) == "NoSuchKey" {
		return nil
	}
	return mapErr(err, "delete blob")
}

// List lists the objects under prefix, page by page.
func (s *Store) List(ctx context.Context, prefix string, fn func(key string) error) error {
	if err := blob.ValidPrefix(prefix); err != nil {
		return err
	}
	// Cancelling stops minio-go's listing when fn ends it early.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for obj := range s.client.ListObjectsIter(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if obj.Err != nil {
			return mapErr(obj.Err, "list blobs")
		}
		if err := fn(obj.Key); err != nil {
			return err
		}
	}
	return nil
}

// errCode returns the S3 error code of err, or "".
func errCode(err error) string {
	var r minio.ErrorResponse
	if errors.As(err, &r) {
		return r.Code
	}
	return ""
}

// mapErr turns minio-go and network errors into errs codes.
func mapErr(err error, what string) error {
	if err == nil {
		return nil
	}
	var e *errs.Error
	if errors.As(err, &e) {
		return err // from the reader given to Put, e.g. a sealed stream
	}
	var netErr net.Error
	switch code := errCode(err); {
	case code == "NoSuchKey" || code == "NotFound":
		return errs.Wrap(err, errs.NotFound, "blob not found")
	case code == "SlowDown" || code == "ServiceUnavailable" || code == "RequestTimeout":
		return errs.Wrap(err, errs.Unavailable, "%s: object store busy", what)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return errs.Wrap(err, errs.Unavailable, "%s: %v", what, err)
	case errors.As(err, &netErr):
		return errs.Wrap(err, errs.Unavailable, "%s: object store unreachable", what)
	}
	return errs.Wrap(err, errs.Internal, "%s: object store error", what)
}
