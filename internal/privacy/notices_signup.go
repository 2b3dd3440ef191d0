package privacy

import (
	"context"
	"encoding/hex"
	"slices"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
)

var _ account.Terms = (*Service)(nil)

// MethodSignUp marks an acceptance given on the sign-up form.
const MethodSignUp = "signup"

// signUpKinds are the documents a new person accepts to open an account;
// the face recognition terms are accepted later, by those who turn it on.
var signUpKinds = []Kind{PrivacyStatement, Terms}

// CheckSignUp returns errs.ConsentRequired unless shown holds the version of
// the privacy statement and the terms that applies in region and language
// now, each with the hash of the text shown.
func (s *Service) CheckSignUp(ctx context.Context, region, language string, shown []account.ShownNotice) error {
	now := s.clk.Now()
	for _, k := range signUpKinds {
		rows, err := s.store.Notices(ctx, k)
		if err != nil {
			return err
		}
		ser := series(rows, region, language, now)
		if len(ser) == 0 {
			continue
		}
		cur := ser[len(ser)-1]
		if !slices.ContainsFunc(shown, func(n account.ShownNotice) bool {
			return n.NoticeID == cur.ID && n.TextHash == hex.EncodeToString(cur.TextHash)
		}) {
			return errs.E(errs.ConsentRequired, "accept the current %s (notice %s, text hash %s) to sign up",
				kindTitles[k], cur.ID, hex.EncodeToString(cur.TextHash))
		}
	}
	return nil
}

// RecordSignUp records that a new person accepted the documents shown at
// sign-up, with the version, the hash of the text and the address they
// accepted from (sealed under their key).
func (s *Service) RecordSignUp(ctx context.Context, userID, ip string, shown []account.ShownNotice) error {
	d, err := s.gate.Check(ctx, access.System(MethodSignUp), access.Create, consentRes(userID), datamap.PurposeService)
	if err != nil {
		return err
	}
	for _, sh := range shown {
		n, err := s.store.Notice(ctx, sh.NoticeID)
		if err != nil || !slices.Contains(signUpKinds, n.Kind) || hex.EncodeToString(n.TextHash) != sh.TextHash {
			continue // CheckSignUp let only the current texts through; anything else was not a document to accept here
		}
		row := AcceptanceRow{ID: id.New("acc"), UserID: userID, NoticeID: n.ID, Kind: n.Kind, Version: n.Version, TextHash: n.TextHash,
			AcceptedAt: s.clk.Now().UTC().Truncate(time.Microsecond), Method: MethodSignUp}
		if row.IPSealed, err = s.sealSubject(ctx, userID, "privacy_acceptances.ip_sealed", row.ID, ip); err != nil {
			return err
		}
		if err := s.store.CreateAcceptance(ctx, d, row); err != nil {
			return err
		}
	}
	return nil
}
