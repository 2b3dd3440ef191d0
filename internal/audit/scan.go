package audit

import (
	"context"

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
