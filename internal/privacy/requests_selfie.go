package privacy

import (
	"bufio"
	"bytes"
	"context"
	"io"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
)

// selfieOwner names the key, of the request alone, that seals the
// requester's selfie; destroying it when the request closes shreds the
// selfie wherever a copy went.
func selfieOwner(requestID string) string { return fulfil.SelfieKeyOwner(requestID) }

const (
	selfieKey = "selfie.jpg"
	maxSelfie = 2 << 20
)

// UploadSelfie keeps the requester's selfie for this request alone: the
// export then shows the requester and blurs every other face (R7). It is
// taken while the request is open and destroyed when it closes; its
// template is computed in memory when the export is written and never kept.
func (s *Requests) UploadSelfie(ctx context.Context, p access.Principal, requestID string, r io.Reader) error {
	// Giving a selfie adds to the request the person created.
	row, err := s.ownRequest(ctx, p, access.Create, requestID)
	if err != nil {
		return err
	}
	if row.Status != StatusOpen && row.Status != StatusAwaitingReview {
		return errs.E(errs.Conflict, "a selfie is taken only before the request is answered")
	}
	return s.putSelfie(ctx, requestID, r)
}

// putSelfie stores a request's selfie, sealed under the request's selfie
// key.
func (s *Requests) putSelfie(ctx context.Context, requestID string, r io.Reader) error {
	br := bufio.NewReader(r)
	if head, err := br.Peek(3); err != nil || !bytes.Equal(head, []byte{0xFF, 0xD8, 0xFF}) {
		return errs.E(errs.Invalid, "the selfie must be a JPEG image")
	}
	lr := &limitedReader{r: br, left: maxSelfie}
	if err := s.blobs.Put(ctx, selfieOwner(requestID), selfieKey, lr); err != nil {
		if lr.over {
			return errs.E(errs.TooLarge, "the selfie is larger than %d bytes", maxSelfie)
		}
		return err
	}
	return nil
}

// redactorFor returns the redactor of a request's export, made from its
// selfie; nil when the requester gave none.
func (s *Requests) redactorFor(ctx context.Context, requestID string) (fulfil.Redactor, error) {
	rc, err := s.blobs.Open(ctx, selfieOwner(requestID), selfieKey)
	if errs.Is(err, errs.NotFound) || errs.Is(err, errs.Gone) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxSelfie))
	if err != nil {
		return nil, err
	}
	return s.fulfil.Redactor(ctx, b)
}

// dropSelfie destroys a closed request's selfie: its blob and its key.
func (s *Requests) dropSelfie(ctx context.Context, requestID string) {
	if err := s.blobs.Delete(ctx, selfieOwner(requestID), selfieKey); err != nil && !errs.Is(err, errs.NotFound) {
		s.log.Warn("selfie not deleted", "request", requestID, "err", err)
	}
	if err := s.keys.Destroy(ctx, keys.ScopeAccount, selfieOwner(requestID)); err != nil && !errs.Is(err, errs.NotFound) {
		s.log.Warn("selfie key not destroyed", "request", requestID, "err", err)
	}
	if f := s.fulfil.Footage(); f != nil {
		if err := f.Drop(ctx, requestID); err != nil {
			s.log.Warn("footage search not dropped", "request", requestID, "err", err)
		}
	}
}
