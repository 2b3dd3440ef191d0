package privacy

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
)

// FootageConsentText is what a person filmed by a customer's camera agrees
// to before vigil searches for them with their selfie. Its fingerprint is
// recorded with the search, so the wording agreed to is known.
const FootageConsentText = "I ask vigil to look for my face in the event pictures of the cameras and times named in this request, " +
	"using the selfie I give now, for this request only. vigil computes numbers from my selfie, keeps them sealed while " +
	"the request is open and destroys them, with the selfie, when it closes. Other people in those pictures are compared " +
	"with my selfie and nothing of them is kept. What is found goes to vigil's data-protection officer and then to the " +
	"owner of each camera, who decides what I receive; other people's faces are blurred in what I receive. I can withdraw " +
	"by withdrawing the request, and I may make the request without this search."

// FootageConsentHash is the fingerprint of FootageConsentText.
var FootageConsentHash = func() string {
	h := sha256.Sum256([]byte(FootageConsentText))
	return hex.EncodeToString(h[:])
}()

// FindMe is a filmed person's selfie with their consent to the search.
type FindMe struct {
	// Consent must be true, and ConsentHash the fingerprint of the wording
	// the person was shown (FootageConsentHash).
	Consent     bool   `json:"consent"`
	ConsentHash string `json:"consent_hash"`
	Selfie      []byte `json:"selfie"` // JPEG, base64 in JSON
}

// AskFootageSearch takes the selfie of a person without an account who
// asks to be found in the footage of the cameras their request names (find
// footage of me), only with their explicit consent to this one search. The
// selfie is kept sealed under a key of the request alone (it also blurs
// everyone else in what they receive, R7); its template is computed now
// and sealed under the same key. Nothing is searched before the officer
// verified the requester's identity.
func (s *Requests) AskFootageSearch(ctx context.Context, p access.Principal, requestID, token string, in FindMe) error {
	if !in.Consent || in.ConsentHash != FootageConsentHash {
		return errs.E(errs.ConsentRequired, "the search needs your explicit consent to the current wording (consent true with its consent_hash)")
	}
	row, err := s.tokenRequest(ctx, p, access.Update, requestID, token)
	if err != nil {
		return err
	}
	if row.RequesterKind != fulfil.RequesterPerson {
		return errs.E(errs.Invalid, "the search is for people without an account who were filmed")
	}
	if row.Status != StatusAwaitingReview && row.Status != StatusOpen {
		return errs.E(errs.Conflict, "a search is asked for only before the request is answered")
	}
	if !row.Scope.Includes(datamap.MediaSnapshot) || len(row.Scope.Devices) == 0 || row.Scope.From.IsZero() || row.Scope.To.IsZero() {
		return errs.E(errs.Invalid, "the search looks in event pictures: the request must cover snapshots, name the cameras and the time")
	}
	f := s.fulfil.Footage()
	if f == nil {
		return errs.E(errs.Unavailable, "face search is not available on this server")
	}
	if len(in.Selfie) == 0 {
		return errs.E(errs.Invalid, "send a selfie (JPEG)")
	}
	if len(in.Selfie) > maxSelfie {
		return errs.E(errs.TooLarge, "the selfie is larger than %d bytes", maxSelfie)
	}
	// The template first: a selfie without exactly one face is refused
	// before anything (an earlier selfie included) is touched.
	if err := f.Prepare(ctx, requestID, row.RequesterID, in.Selfie, in.ConsentHash); err != nil {
		return err
	}
	if err := s.putSelfie(ctx, requestID, bytes.NewReader(in.Selfie)); err != nil {
		s.dropSelfie(context.WithoutCancel(ctx), requestID)
		return err
	}
	s.notifyDPO(ctx, "Face search asked on "+requestID, "The requester of "+requestID+" gave a selfie and consented to a search of the "+
		"cameras their request names. Verify their identity against their documents before running it.")
	return nil
}

// footage returns the search of a request for the officer.
func (s *Requests) footage() (fulfil.Footage, error) {
	f := s.fulfil.Footage()
	if f == nil {
		return nil, errs.E(errs.NotFound, "face search is not available on this server")
	}
	return f, nil
}

// RunFootageSearch runs a request's search (the DPO), once the
// requester's identity is verified.
func (s *Requests) RunFootageSearch(ctx context.Context, p access.Principal, requestID string) (fulfil.FootageSearch, error) {
	row, _, err := s.staffRequest(ctx, p, access.Update, requestID)
	if err != nil {
		return fulfil.FootageSearch{}, err
	}
	if row.Status != StatusOpen {
		return fulfil.FootageSearch{}, errs.E(errs.Conflict, "verify the requester's identity before searching for them")
	}
	f, err := s.footage()
	if err != nil {
		return fulfil.FootageSearch{}, err
	}
	return f.Search(ctx, requestID, row.RequesterID, row.Scope, p.ID)
}

// FootageSearchOf returns a request's search and what it found (the DPO):
// cameras and times, never a face; Asked is false without one.
func (s *Requests) FootageSearchOf(ctx context.Context, p access.Principal, requestID string) (fulfil.FootageSearch, error) {
	if _, _, err := s.staffRequest(ctx, p, access.Read, requestID); err != nil {
		return fulfil.FootageSearch{}, err
	}
	none := fulfil.FootageSearch{RequestID: requestID, Hits: []fulfil.FootageHit{}}
	f := s.fulfil.Footage()
	if f == nil {
		return none, nil
	}
	fs, err := f.Status(ctx, requestID)
	if errs.Is(err, errs.NotFound) {
		return none, nil // no selfie was given: nothing to search
	}
	return fs, err
}

// ForwardFootage sends the hits the officer confirmed to the camera
// owners' decision; the others are dropped.
func (s *Requests) ForwardFootage(ctx context.Context, p access.Principal, requestID string, hitIDs []string) (fulfil.FootageSearch, error) {
	row, _, err := s.staffRequest(ctx, p, access.Update, requestID)
	if err != nil {
		return fulfil.FootageSearch{}, err
	}
	if row.Status != StatusOpen {
		return fulfil.FootageSearch{}, errs.E(errs.Conflict, "only an open request's search is forwarded")
	}
	if len(hitIDs) > 1000 {
		return fulfil.FootageSearch{}, errs.E(errs.Invalid, "at most 1000 events at once")
	}
	f, err := s.footage()
	if err != nil {
		return fulfil.FootageSearch{}, err
	}
	return f.Forward(ctx, requestID, hitIDs)
}

// releasedFootage returns what camera owners released to a request.
func (s *Requests) releasedFootage(ctx context.Context, row RequestRow) ([]fulfil.FootageRef, error) {
	f := s.fulfil.Footage()
	if f == nil || row.RequesterKind != fulfil.RequesterPerson {
		return nil, nil
	}
	return f.Released(ctx, row.ID)
}

// footageLetter is the part of the answer about the selfie search: how
// many events were found and what the camera owners decided, with their
// reasons for what they kept back. Empty without a search.
func (s *Requests) footageLetter(ctx context.Context, row RequestRow) string {
	f := s.fulfil.Footage()
	if f == nil || row.RequesterKind != fulfil.RequesterPerson {
		return ""
	}
	fs, err := f.Status(ctx, row.ID)
	if err != nil {
		return ""
	}
	var b strings.Builder
	// The consent is recorded here, in the letter kept with the request,
	// since the search's own rows go when the request closes.
	fmt.Fprintf(&b, "\nOn %s you consented to a search with your selfie, for this request only (wording %s).",
		fs.ConsentedAt.UTC().Format("2 January 2006 15:04 UTC"), FootageConsentHash[:16])
	b.WriteString(" The search")
	if fs.SearchedAt.IsZero() {
		b.WriteString(" did not run: your request was answered before it could. Your selfie is destroyed now.\n")
		return b.String()
	}
	fmt.Fprintf(&b, " looked at %d event pictures", fs.Snapshots)
	counts := map[string]int{}
	var reasons []string
	for _, h := range fs.Hits {
		counts[h.State]++
		if h.State == fulfil.HitRefused {
			reasons = append(reasons, h.At.UTC().Format("2 January 2006 15:04")+" UTC: "+h.Reason)
		}
	}
	found := len(fs.Hits)
	if found == 0 {
		b.WriteString(" and found you in none that we could pass on.\n")
	} else {
		fmt.Fprintf(&b, " and found you in %d that our data-protection officer confirmed. The camera owners released %d of them (in the package, "+
			"with everyone else blurred)", found, counts[fulfil.HitReleased])
		if n := counts[fulfil.HitAsked]; n > 0 {
			fmt.Fprintf(&b, "; %d still wait for the owner's decision, so they are not included (reply to this message to ask again)", n)
		}
		b.WriteString(".\n")
		if len(reasons) > 0 {
			b.WriteString("The owners kept these back, for the reasons they gave:\n")
			for _, r := range reasons {
				b.WriteString("  - " + r + "\n")
			}
		}
	}
	for _, sk := range fs.Skipped {
		if strings.Contains(sk, "stopped") {
			b.WriteString("Some cameras were not searched because face recognition is stopped in their region.\n")
			break
		}
	}
	b.WriteString("Nothing was kept of the other people in those pictures.\n")
	return b.String()
}
