package audit

import (
	"context"
	"errors"
	"time"

	"github.com/vigil-cloud/vigil/internal/errs"
)

// ScanAccount calls fn with every entry of accountID's log in seq order,
// without inclusion proofs (ListAccount gives those page by page): it is
// how an export streams a long log. Personal fields are opened only for
// entries whose subject is viewerSubjectID.
func (l *Log) ScanAccount(ctx context.Context, accountID, viewerSubjectID string, fn func(Item) error) error {
	if accountID == "" {
		return errs.E(errs.Invalid, "audit: account id is required")
	}
	var after int64
	for {
		_, rows, err := l.store.AccountRows(ctx, accountID, after, maxLimit)
		if err != nil {
			return err
		}
		for _, r := range rows {
			leaf := appendLeaf(nil, r.Data, r.Sealed)
			e, sealed, err := decodeLeaf(leaf)
			if err != nil || e.Seq != r.Seq {
				return errs.E(errs.Internal, "audit: entry %d is malformed; run audit verify", r.Seq)
			}
			state, err := openPersonal(ctx, l.sealer, &e, sealed, viewerSubjectID)
			if err != nil {
				return err
			}
			if err := fn(Item{Entry: e, Personal: state, Leaf: leaf}); err != nil {
				return err
			}
		}
		if len(rows) < maxLimit {
			return nil
		}
		after = rows[len(rows)-1].Seq
	}
}

// timeSlack covers entries appended slightly out of time order (their
// times are taken before the group commit orders them).
const timeSlack = time.Minute

var errPastWindow = errors.New("past the window")

// ScanTime calls fn with every entry whose time lies in from..to, in seq
// order, without personal fields: how an incident's affected people are
// found (whose data a credential reached in a window). It finds the start
// by binary search on the entries' times, then reads forward until the
// times are well past to.
func (l *Log) ScanTime(ctx context.Context, from, to time.Time, fn func(Entry) error) error {
	head, err := l.store.Head(ctx)
	if err != nil || head.Size == 0 {
		return err
	}
	entryAt := func(seq int64) (Entry, error) {
		r, err := l.store.Row(ctx, seq)
		if err != nil {
			return Entry{}, err
		}
		e, _, err := decodeLeaf(appendLeaf(nil, r.Data, r.Sealed))
		if err != nil {
			return Entry{}, errs.E(errs.Internal, "audit: entry %d is malformed; run audit verify", seq)
		}
		return e, nil
	}
	lo, hi := int64(1), head.Size+1 // first seq with time >= from-slack
	for lo < hi {
		mid := lo + (hi-lo)/2
		e, err := entryAt(mid)
		if err != nil {
			return err
		}
		if e.Time.Before(from.Add(-timeSlack)) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo > head.Size {
		return nil
	}
	err = l.store.ScanRows(ctx, lo, head.Size, func(r Row) error {
		e, _, err := decodeLeaf(appendLeaf(nil, r.Data, r.Sealed))
		if err != nil {
			return errs.E(errs.Internal, "audit: entry %d is malformed; run audit verify", r.Seq)
		}
		if e.Time.After(to.Add(timeSlack)) {
			return errPastWindow
		}
		if e.Time.Before(from) || e.Time.After(to) {
			return nil
		}
		e.Personal = nil
		return fn(e)
	})
	if errors.Is(err, errPastWindow) {
		return nil
	}
	return err
}
