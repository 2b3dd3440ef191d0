package record_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// A stream is bound to the claim it was opened under. The camera's open
// session keeps sending after its owner released it (a node that missed
// the revocation, a segment already queued): nothing of it lands in the
// former owner's account, neither while the camera is unclaimed, nor once
// a buyer claimed it, nor after the former owner claims it again (a new
// claim); the buyer's own session records into the buyer's account.
// proves: U-H, C4
func TestStreamBoundToItsClaim(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		ctx := context.Background()
		seller := newCam(t, e, "seller@example.com")
		var dev device.Device
		seller.owner.Must(http.StatusOK, "GET", "/api/v1/accounts/"+seller.owner.AccountID+"/devices/"+seller.device, nil).Decode(t, &dev)
		start := e.Clock.Now().Add(-time.Minute).Truncate(time.Second)
		old := seller.stream("s-old", start)
		old.ClaimedAt = dev.ClaimedAt
		seller.record(t, old, 2)
		before := len(seller.timeline(t, start.Add(-time.Hour), start.Add(time.Hour)).Ranges)
		if before == 0 {
			t.Fatal("the seller's own session recorded nothing")
		}

		refused := func(when string) {
			t.Helper()
			err := e.App.Recorder.Segment(ctx, old.Segment())
			if !errs.Is(err, errs.Gone) {
				t.Errorf("%s: the old session's segment: %v, want it refused as gone", when, err)
			}
		}
		seller.owner.Must(http.StatusNoContent, "DELETE", "/api/v1/accounts/"+seller.owner.AccountID+"/devices/"+seller.device, nil)
		refused("released")

		buyer := e.SignUp("buyer@example.com")
		var bought struct{ Device device.Device }
		buyer.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+buyer.AccountID+"/devices/claim", map[string]any{
			"serial": dev.Serial, "claim_code": seller.claimCode, "name": "Second hand"}).Decode(t, &bought)
		refused("claimed by the buyer")

		// The buyer's own session goes into the buyer's account.
		e.Clock.Advance(time.Minute)
		mine := seller.stream("s-new", e.Clock.Now().Truncate(time.Second))
		mine.AccountID, mine.ClaimedAt = buyer.AccountID, bought.Device.ClaimedAt
		if err := e.App.Recorder.Segment(ctx, mine.Segment()); err != nil {
			t.Fatalf("the buyer's session: %v", err)
		}

		// Back to the seller under a new claim: the old session stays out.
		buyer.Must(http.StatusNoContent, "DELETE", "/api/v1/accounts/"+buyer.AccountID+"/devices/"+seller.device, nil)
		e.Clock.Advance(time.Minute)
		seller.owner.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+seller.owner.AccountID+"/devices/claim", map[string]any{
			"serial": dev.Serial, "claim_code": seller.claimCode, "name": "Back home"})
		refused("claimed again by the seller")

		if n := len(seller.timeline(t, start.Add(-time.Hour), e.Clock.Now().Add(time.Hour)).Ranges); n > before {
			t.Errorf("the seller's timeline grew from %d to %d ranges", before, n)
		}
	})
}
