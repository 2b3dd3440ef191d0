package face

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
)

// The camera owner's side of find footage of me: told when the officer
// asks about events on their cameras, they see camera and time (never who
// asked) and release each event or keep it back with a reason.

// OwnerNotice tells an account's owners and admins (userIDs) that people
// filmed by their cameras asked for events; app wires it to notify. It
// names no one and carries no picture.
type OwnerNotice func(ctx context.Context, accountID string, userIDs []string, id, title, body, url string) error

// SetOwnerNotice hands over how camera owners are told of asks.
func (s *Service) SetOwnerNotice(n OwnerNotice) { s.ownerNotice = n }

// tellOwners tells the owners and admins of each account whose cameras
// have asked events; a failure is logged, the asks wait on the app's page.
func (f footage) tellOwners(ctx context.Context, requestID string, fs fulfil.FootageSearch) {
	if f.s.ownerNotice == nil {
		return
	}
	n := map[string]int{}
	for _, h := range fs.Hits {
		if h.State == fulfil.HitAsked {
			n[h.AccountID]++
		}
	}
	for acct, count := range n {
		admins, err := f.s.store.AccountAdmins(ctx, acct)
		if err == nil && len(admins) > 0 {
			err = f.s.ownerNotice(ctx, acct, admins, "footage-"+requestID+"-"+acct, "Someone filmed by your cameras asks for events",
				fmt.Sprintf("A person filmed by your cameras asked vigil for the events where they appear. vigil's data-protection officer "+
					"checked who they are and found them in %d event(s). Decide for each whether they receive it (with every other face blurred).", count),
				"#/face")
		}
		if err != nil {
			f.s.log.Warn("camera owners not told of a footage ask", "account", acct, "code", errs.CodeOf(err))
		}
	}
}

// FootageAsks lists what people filmed by the account's cameras asked
// for, as the data-protection officer forwarded it (admins).
func (s *Service) FootageAsks(ctx context.Context, p access.Principal, accountID string) ([]FootageAsk, error) {
	d, err := s.gate.Check(ctx, p, access.List, access.Resource{Category: datamap.FaceSearch, AccountID: accountID}, datamap.PurposeService)
	if err != nil {
		return nil, err
	}
	asks, err := s.store.AccountAsks(ctx, d, accountID)
	if err != nil {
		return nil, err
	}
	for i := range asks {
		asks[i].Camera = "a camera"
		if b, err := s.keys.OpenAccount(ctx, accountID, asks[i].CameraSealed, keys.FieldAD("devices.name_sealed", asks[i].DeviceID)); err == nil && len(b) > 0 {
			asks[i].Camera = string(b)
		}
	}
	return asks, nil
}

// FootageDecision is the camera owner's answer on one event.
type FootageDecision struct {
	Release bool   `json:"release"`
	Reason  string `json:"reason,omitempty"` // required to keep an event back
}

// DecideFootage records the camera owner's decision on an event a filmed
// person asked for: released events reach the person's package with
// everyone else blurred; an event kept back needs a reason, which the
// person's letter gives.
func (s *Service) DecideFootage(ctx context.Context, p access.Principal, accountID, hitID string, in FootageDecision) error {
	d, err := s.gate.Check(ctx, p, access.Update, access.Resource{Category: datamap.FaceSearch, AccountID: accountID, ID: hitID}, datamap.PurposeService)
	if err != nil {
		return err
	}
	state, reason := fulfil.HitReleased, ""
	if !in.Release {
		state, reason = fulfil.HitRefused, strings.TrimSpace(in.Reason)
		if reason == "" || len(reason) > 500 {
			return errs.E(errs.Invalid, "say why the event is kept back (up to 500 characters): the person is told")
		}
	}
	return s.store.DecideHit(ctx, d, accountID, hitID, state, reason, p.ID, s.clk.Now().UTC().Truncate(time.Microsecond))
}
