package audit

import (
	"context"
	"slices"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/vigil-cloud/vigil/internal/errs"
)

// Item is one entry of a listing with what proves it is in the log.
type Item struct {
	Entry    Entry         // Entry.Personal is set only when Personal is PersonalShown
	Personal PersonalState // what the viewer may see of the personal fields
	Leaf     []byte        // the entry exactly as the log hashed it
	Proof    tlog.RecordProof
}

// Page is part of an account's entries, each proved against one checkpoint.
type Page struct {
	Checkpoint string // the signed checkpoint every proof of the page is against
	Items      []Item
	Next       int64 // afterSeq for the next page; 0 after the last page
}

// Listing limits.
const (
	defaultLimit = 100
	maxLimit     = 500
)

// Checkpoint returns the latest signed checkpoint, or errs.NotFound while
// the log is empty.
func (l *Log) Checkpoint(ctx context.Context) (string, error) {
	head, err := l.store.Head(ctx)
	if err != nil {
		return "", err
	}
	if head.Checkpoint == "" {
		return "", errs.E(errs.NotFound, "audit log has no checkpoint yet")
	}
	return head.Checkpoint, nil
}

// ProveConsistency returns the current checkpoint and the proof (RFC 6962)
// that the tree of its first from entries is a prefix of it, so that a
// client that kept an older checkpoint can tell a log that was rewritten
// from one that only grew.
func (l *Log) ProveConsistency(ctx context.Context, from int64) (string, []tlog.Hash, error) {
	head, err := l.store.Head(ctx)
	if err != nil {
		return "", nil, err
	}
	if head.Checkpoint == "" {
		return "", nil, errs.E(errs.NotFound, "audit log has no checkpoint yet")
	}
	if from < 1 || from > head.Size {
		return "", nil, errs.E(errs.Invalid, "from must be a tree size from 1 to %d", head.Size)
	}
	read := tlog.HashReaderFunc(func(ix []int64) ([]tlog.Hash, error) { return l.store.ReadHashes(ctx, ix) })
	proof, err := tlog.ProveTree(head.Size, from, read)
	if err != nil {
		return "", nil, errs.Wrap(err, errs.Internal, "audit: prove tree %d in %d", from, head.Size)
	}
	return head.Checkpoint, proof, nil
}

// ListAccount returns accountID's entries with Seq > afterSeq (0 for the
// first page), at most limit of them, each with an inclusion proof against
// the page's checkpoint. Personal fields are opened only for entries whose
// subject is viewerSubjectID; others' stay hidden.
func (l *Log) ListAccount(ctx context.Context, accountID, viewerSubjectID string, afterSeq int64, limit int) (Page, error) {
	if accountID == "" {
		return Page{}, errs.E(errs.Invalid, "audit: account id is required")
	}
	if limit <= 0 {
		limit = defaultLimit
	}
	limit = min(limit, maxLimit)
	head, rows, err := l.store.AccountRows(ctx, accountID, max(afterSeq, 0), limit)
	if err != nil {
		return Page{}, err
	}
	page := Page{Checkpoint: head.Checkpoint, Items: make([]Item, 0, len(rows))}
	seqs := make([]int64, len(rows))
	for i, r := range rows {
		seqs[i] = r.Seq
	}
	proofs, err := proveRecords(ctx, l.store, head.Size, seqs)
	if err != nil {
		return Page{}, err
	}
	for i, r := range rows {
		leaf := appendLeaf(nil, r.Data, r.Sealed)
		e, sealed, err := decodeLeaf(leaf)
		if err != nil || e.Seq != r.Seq {
			return Page{}, errs.E(errs.Internal, "audit: entry %d is malformed; run audit verify", r.Seq)
		}
		state, err := openPersonal(ctx, l.sealer, &e, sealed, viewerSubjectID)
		if err != nil {
			return Page{}, err
		}
		page.Items = append(page.Items, Item{Entry: e, Personal: state, Leaf: leaf, Proof: proofs[i]})
	}
	if len(rows) == limit {
		page.Next = rows[len(rows)-1].Seq
	}
	return page, nil
}

// proveRecords returns the inclusion proof of each seq in the tree of size
// entries. tlog names the hashes it needs; a dry run collects them so that
// one read serves the whole page.
func proveRecords(ctx context.Context, s Store, size int64, seqs []int64) ([]tlog.RecordProof, error) {
	var need []int64
	collect := tlog.HashReaderFunc(func(ix []int64) ([]tlog.Hash, error) {
		need = append(need, ix...)
		return make([]tlog.Hash, len(ix)), nil
	})
	for _, seq := range seqs {
		if _, err := tlog.ProveRecord(size, seq-1, collect); err != nil {
			return nil, errs.Wrap(err, errs.Internal, "audit: prove entry %d", seq)
		}
	}
	slices.Sort(need)
	need = slices.Compact(need)
	hs, err := s.ReadHashes(ctx, need)
	if err != nil {
		return nil, err
	}
	known := make(map[int64]tlog.Hash, len(need))
	for i, idx := range need {
		known[idx] = hs[i]
	}
	read := tlog.HashReaderFunc(func(ix []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(ix))
		for i, idx := range ix {
			out[i] = known[idx]
		}
		return out, nil
	})
	proofs := make([]tlog.RecordProof, len(seqs))
	for i, seq := range seqs {
		if proofs[i], err = tlog.ProveRecord(size, seq-1, read); err != nil {
			return nil, errs.Wrap(err, errs.Internal, "audit: prove entry %d", seq)
		}
	}
	return proofs, nil
}

// VerifyInclusion checks, as a client would, that leaf is in the log whose
// checkpoint verifier signed, and returns the entry it holds (without its
// personal fields). Show that entry, not one received beside the proof.
func VerifyInclusion(checkpoint string, verifier note.Verifier, leaf []byte, proof tlog.RecordProof) (Entry, error) {
	tree, err := openCheckpoint(checkpoint, verifier)
	if err != nil {
		return Entry{}, errs.Wrap(err, errs.Invalid, "audit: checkpoint does not verify")
	}
	e, _, err := decodeLeaf(leaf)
	if err != nil {
		return Entry{}, errs.Wrap(err, errs.Invalid, "audit: entry does not decode")
	}
	if e.Seq < 1 || e.Seq > tree.N {
		return Entry{}, errs.E(errs.Invalid, "audit: entry %d is not covered by the checkpoint of size %d", e.Seq, tree.N)
	}
	if err := tlog.CheckRecord(proof, tree.N, tree.Hash, e.Seq-1, tlog.RecordHash(leaf)); err != nil {
		return Entry{}, errs.Wrap(err, errs.Invalid, "audit: entry %d is not in the log", e.Seq)
	}
	return e, nil
}
