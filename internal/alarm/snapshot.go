package alarm

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"strings"

	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
)

// jpegMagic starts every JPEG file (SOI and the first marker's 0xFF).
var jpegMagic = []byte{0xFF, 0xD8, 0xFF}

// UploadSnapshot stores the JPEG a device took for its alarm eventID,
// sealed under the account's key. The device authenticates with its own
// credential (deviceID and secret); the path names the device, so another
// device's path is refused. The snapshot may come before or after the
// alarm: they are linked by the event ID. A second upload for the same
// event is accepted and ignored (created is false).
func (s *Service) UploadSnapshot(ctx context.Context, credID, secret, pathDevice, eventID string, body io.Reader) (created bool, err error) {
	defer func() { s.metrics.snapshots.WithLabelValues(snapshotResult(created, err)).Inc() }()
	dev, err := s.devices.Authenticate(ctx, credID, secret)
	if err != nil {
		return false, errs.E(errs.Unauthenticated, "device credential refused")
	}
	if dev.DeviceID != pathDevice {
		return false, errs.E(errs.Forbidden, "a device uploads only its own snapshots")
	}
	if dev.AccountID == "" {
		return false, errs.E(errs.NotFound, "device is not claimed")
	}
	if eventID == "" || len(eventID) > 64 || strings.ContainsAny(eventID, "\x00\r\n/") {
		return false, errs.E(errs.Invalid, "event ID must be 1 to 64 characters")
	}
	br := bufio.NewReader(io.LimitReader(body, s.opts.SnapshotMax+1))
	head, err := br.Peek(len(jpegMagic))
	if err != nil || !bytes.Equal(head, jpegMagic) {
		return false, errs.E(errs.Invalid, "a snapshot must be a JPEG image")
	}
	cr := &countingReader{r: br, max: s.opts.SnapshotMax}
	hook := s.faceHook.Load()
	var pic bytes.Buffer
	if hook != nil {
		cr.tee = &pic
	}
	sn := Snapshot{ID: id.New("snp"), AccountID: dev.AccountID, DeviceID: dev.DeviceID, EventID: eventID}
	if err := s.blobs.Put(ctx, dev.AccountID, sn.blobKey(), cr); err != nil {
		if cr.over {
			return false, errs.E(errs.TooLarge, "a snapshot may be at most %d bytes", s.opts.SnapshotMax)
		}
		return false, err
	}
	if cr.over {
		_ = s.blobs.Delete(context.WithoutCancel(ctx), dev.AccountID, sn.blobKey())
		return false, errs.E(errs.TooLarge, "a snapshot may be at most %d bytes", s.opts.SnapshotMax)
	}
	sn.Size, sn.CreatedAt = cr.n, s.clk.Now().UTC()
	created, err = s.store.PutSnapshot(ctx, sn)
	if err != nil || !created {
		// Not linked: the blob would be an orphan.
		_ = s.blobs.Delete(context.WithoutCancel(ctx), dev.AccountID, sn.blobKey())
		return created, err
	}
	if hook != nil {
		hook.SnapshotStored(ctx, dev.AccountID, dev.DeviceID, eventID, pic.Bytes())
	}
	return created, nil
}

func snapshotResult(created bool, err error) string {
	switch {
	case err == nil && created:
		return "stored"
	case err == nil:
		return "duplicate"
	case errs.CodeOf(err) == errs.Unauthenticated || errs.CodeOf(err) == errs.Forbidden:
		return "refused"
	case errs.CodeOf(err) == errs.TooLarge:
		return "rejected_too_large"
	case errs.CodeOf(err) == errs.Invalid:
		return "rejected_malformed"
	}
	return "failed"
}

// countingReader fails once more than max bytes were read.
type countingReader struct {
	r    io.Reader
	n    int64
	max  int64
	over bool
	tee  *bytes.Buffer // a copy for face recognition, when it is on
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.tee != nil && c.n <= c.max {
		c.tee.Write(p[:n])
	}
	if c.n > c.max {
		c.over = true
		return n, errs.E(errs.TooLarge, "snapshot too large")
	}
	return n, err
}
