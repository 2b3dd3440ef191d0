package audit

import (
	"context"
	"log/slog"

	"github.com/vigil-cloud/vigil/internal/errs"
)

// commit writes batch and answers each of its callers.
func (l *Log) commit(ctx context.Context, batch []*request) {
	first, err := l.write(ctx, batch)
	if err != nil {
		l.opts.Logger.ErrorContext(ctx, "audit: commit failed", slog.Int("entries", len(batch)), slog.Any("error", err))
	}
	for i, r := range batch {
		if err != nil {
			r.result <- result{err: err}
		} else {
			r.result <- result{seq: first + int64(i)}
		}
	}
}

// write commits batch on top of the head and returns the first Seq. The
// store holds the head locked while the batch is built, so when another node
// appended meanwhile the frontier is read again inside that transaction.
func (l *Log) write(ctx context.Context, batch []*request) (int64, error) {
	var next frontier
	var b Batch
	err := l.store.Commit(ctx, func(ctx context.Context, size int64, r TreeReader) (Batch, error) {
		if !l.loaded || l.tree.size != size {
			if err := l.load(ctx, size, r); err != nil {
				return Batch{}, err
			}
		}
		var err error
		b, next, err = l.build(batch)
		return b, err
	})
	if err != nil {
		// The outcome may be unknown: read the frontier again next time.
		l.loaded = false
		return 0, err
	}
	l.tree = next
	if b.History {
		l.historyAt, l.historySize = l.clock.Now(), next.size
	}
	return b.From + 1, nil
}

// load reads the frontier of a log of size entries: the hashes tlog needs
// to append, and the last entry's hash for the chain.
func (l *Log) load(ctx context.Context, size int64, r TreeReader) error {
	t := frontier{size: size}
	if size > 0 {
		indexes, levels := frontierIndexes(size)
		hs, err := r.ReadHashes(ctx, indexes)
		if err != nil {
			return err
		}
		for i, h := range hs {
			t.levels[levels[i]] = h
		}
		last, err := r.Row(ctx, size)
		if err != nil {
			return err
		}
		copy(t.chain[:], last.Hash)
	}
	l.tree, l.loaded = t, true
	return nil
}

// build assigns seqs after the frontier, chains and hashes the entries and
// signs the new head. It returns the frontier after the batch without
// adopting it: that waits for the commit.
func (l *Log) build(batch []*request) (Batch, frontier, error) {
	t := l.tree
	b := Batch{From: t.size, Rows: make([]Row, len(batch))}
	var leaf []byte
	for i, r := range batch {
		e := r.entry
		e.Seq = t.size + 1
		data := appendData(nil, &e)
		leaf = appendLeaf(leaf[:0], data, r.sealed)
		hash := chainHash(t.chain[:], leaf)
		hs, err := t.add(leaf)
		if err != nil {
			return Batch{}, t, errs.Wrap(err, errs.Internal, "audit: extend tree")
		}
		b.Rows[i] = Row{Seq: e.Seq, AccountID: e.AccountID, Data: data, Sealed: r.sealed,
			PrevHash: append([]byte(nil), t.chain[:]...), Hash: append([]byte(nil), hash[:]...)}
		b.Hashes = append(b.Hashes, hs...)
		t.chain = hash
	}
	root, err := t.root()
	if err != nil {
		return Batch{}, t, errs.Wrap(err, errs.Internal, "audit: tree root")
	}
	if b.Checkpoint, err = signCheckpoint(l.signer, t.size, root); err != nil {
		return Batch{}, t, err
	}
	b.History = l.clock.Now().Sub(l.historyAt) >= l.opts.HistoryInterval ||
		t.size-l.historySize >= l.opts.HistoryEvery
	return b, t, nil
}
