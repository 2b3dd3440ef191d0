package privacy

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// TransferCloseAfter is how long a transferred account stays frozen
// (read-only, so members can still read and export what is theirs) before
// it closes; its data is then purged as the data map says for closed
// accounts.
const TransferCloseAfter = 30 * 24 * time.Hour

// TransferCompletion is the owner's confirmation that the package was
// imported where it went: the account is frozen and closes after
// TransferCloseAfter, unless the owner keeps it, with a reason.
type TransferCompletion struct {
	Keep       bool   `json:"keep"`
	KeepReason string `json:"keep_reason"`
}

// TransferClosure is what happens to the source account after a transfer.
type TransferClosure struct {
	TransferID string     `json:"transfer_id"`
	AccountID  string     `json:"account_id"`
	FrozenAt   *time.Time `json:"frozen_at,omitempty"`
	ClosesAt   *time.Time `json:"closes_at,omitempty"`
	Kept       bool       `json:"kept"`
	KeepReason string     `json:"keep_reason,omitempty"`
}

// TransferClosureRow is a closure as stored.
type TransferClosureRow struct {
	TransferID       string
	AccountID        string
	ConfirmedBy      string
	FrozenAt         time.Time
	ClosesAt         time.Time
	KeepReasonSealed []byte
}

// TransferCloseStore keeps the closing of transferred accounts.
type TransferCloseStore interface {
	// CloseTransfer records the closure once (errs.Conflict after) and,
	// unless the account is kept, freezes it; d is the owner's decision to
	// move the account.
	CloseTransfer(ctx context.Context, d access.Decision, r TransferClosureRow) error
	// DueClosures lists closures whose time has come and that are not done.
	DueClosures(ctx context.Context, at time.Time) ([]TransferClosureRow, error)
	// CloseTransferred closes the account of a closure.
	CloseTransferred(ctx context.Context, transferID, accountID string, at time.Time) error
}

// CompleteTransfer records that the owner confirmed the package was
// imported: the account is frozen now and closes on a stated date, or is
// kept with the owner's reason; every member is told (owner, with a fresh
// second factor).
func (s *Requests) CompleteTransfer(ctx context.Context, p access.Principal, sessionToken, accountID, transferID string, in TransferCompletion) (TransferClosure, error) {
	d, err := s.gate.Check(ctx, p, access.Export, access.Resource{Category: datamap.AccountProfile, AccountID: accountID}, datamap.PurposeService)
	if err != nil {
		return TransferClosure{}, err
	}
	if err := s.checkFresh(ctx, sessionToken); err != nil {
		return TransferClosure{}, err
	}
	if in.Keep {
		if err := checkText("keep_reason", in.KeepReason, 3, 1000); err != nil {
			return TransferClosure{}, errs.E(errs.Invalid, "a kept account needs its reason (keep_reason, 3 to 1000 characters)")
		}
	} else if strings.TrimSpace(in.KeepReason) != "" {
		return TransferClosure{}, errs.E(errs.Invalid, "keep_reason is for an account you keep (keep: true)")
	}
	ld, err := s.gate.Check(ctx, p, access.List, ledgerRes(accountID), datamap.PurposeService)
	if err != nil {
		return TransferClosure{}, err
	}
	rows, err := s.ledger.store.Disclosures(ctx, ld, accountID)
	if err != nil {
		return TransferClosure{}, err
	}
	if !slices.ContainsFunc(rows, func(r DisclosureRow) bool { return r.ID == transferID && r.Kind == Transfer && r.SubjectID == "" }) {
		return TransferClosure{}, errs.E(errs.NotFound, "transfer not found")
	}
	members, err := s.tenants.Members(ctx, p, accountID)
	if err != nil {
		return TransferClosure{}, err
	}
	acct, err := s.tenants.Account(ctx, p, accountID)
	if err != nil {
		return TransferClosure{}, err
	}
	now := s.clk.Now().UTC().Truncate(time.Microsecond)
	row := TransferClosureRow{TransferID: transferID, AccountID: accountID, ConfirmedBy: p.ID, FrozenAt: now}
	out := TransferClosure{TransferID: transferID, AccountID: accountID, Kept: in.Keep}
	if in.Keep {
		row.FrozenAt = time.Time{}
		out.KeepReason = strings.TrimSpace(in.KeepReason)
		if row.KeepReasonSealed, err = s.ledger.sealAccount(ctx, accountID, "privacy_transfer_closures.keep_reason_sealed", transferID, out.KeepReason); err != nil {
			return TransferClosure{}, err
		}
	} else {
		row.ClosesAt = now.Add(TransferCloseAfter)
		out.FrozenAt, out.ClosesAt = &row.FrozenAt, &row.ClosesAt
	}
	if err := s.store.CloseTransfer(ctx, d, row); err != nil {
		if errs.Is(err, errs.Conflict) {
			return TransferClosure{}, errs.E(errs.Conflict, "this transfer's completion was recorded already")
		}
		return TransferClosure{}, err
	}
	text := "The vigil account " + quoteName(acct.Name) + " was imported by the organisation it was transferred to.\n\n"
	if in.Keep {
		text += "Its owner keeps it open here, for this reason: " + quoteName(out.KeepReason) + "\n"
	} else {
		text += "It is read-only from now: you can still read and export what is yours. It closes on " +
			row.ClosesAt.Format("2 January 2006") + "; its data is then deleted as the privacy statement says for closed accounts.\n"
	}
	told := map[string]bool{}
	for _, m := range members {
		if !told[m.Email] {
			told[m.Email] = true
			s.send(ctx, m.Email, "Your vigil account was transferred", text)
		}
	}
	return out, nil
}

// CloseTransferred closes the transferred accounts whose frozen time has
// ended, and returns how many it closed.
func (s *Requests) CloseTransferred(ctx context.Context) (int, error) {
	now := s.clk.Now().UTC().Truncate(time.Microsecond)
	rows, err := s.store.DueClosures(ctx, now)
	if err != nil {
		return 0, err
	}
	for i, r := range rows {
		if err := s.store.CloseTransferred(ctx, r.TransferID, r.AccountID, now); err != nil {
			return i, err
		}
	}
	return len(rows), nil
}
