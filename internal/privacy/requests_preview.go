package privacy

import (
	"context"
	"strings"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// DenialGround is an enumerated ground with the sentence its letter gives.
type DenialGround struct {
	Reason DenialReason `json:"reason"`
	Text   string       `json:"text"`
}

// DenialGrounds lists the only grounds a refusal may give, with their
// sentences, for the officer's form.
func DenialGrounds() []DenialGround {
	out := make([]DenialGround, 0, len(denialTexts))
	for _, r := range DenialReasons() {
		out = append(out, DenialGround{Reason: r, Text: denialTexts[r]})
	}
	return out
}

// PreviewDenial returns the letter a refusal would send, with the same
// checks as Deny, and changes nothing: the officer reads what the
// requester will read before sending it.
func (s *Requests) PreviewDenial(ctx context.Context, p access.Principal, id string, reason DenialReason, explanation string) (string, error) {
	row, _, err := s.staffRequest(ctx, p, access.Update, id)
	if err != nil {
		return "", err
	}
	if row.Status == StatusClosed || row.Status == StatusAwaitingEmail {
		return "", errs.E(errs.Conflict, "the request is not open")
	}
	if !reason.Valid() {
		return "", errs.E(errs.Invalid, "a request may be refused only for one of: %s", joinReasons())
	}
	explanation = strings.TrimSpace(explanation)
	if len(explanation) < 20 || len(explanation) > 4000 {
		return "", errs.E(errs.Invalid, "explain the refusal in 20 to 4000 characters; the explanation is the heart of the letter")
	}
	c, err := s.contact(ctx, row)
	if err != nil {
		return "", err
	}
	row.Outcome, row.DenialReason = OutcomeDenied, reason
	return s.denialLetter(row, c, explanation), nil
}
