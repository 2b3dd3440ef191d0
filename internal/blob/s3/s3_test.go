package s3blob_test

import (
	"testing"

	"github.com/vigil-cloud/vigil/internal/blob"
	"github.com/vigil-cloud/vigil/internal/blob/blobtest"
)

func TestS3Contract(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store { return blobtest.OpenS3(t) })
}
