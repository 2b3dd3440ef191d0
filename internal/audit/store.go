package audit

import (
	"context"

	"golang.org/x/mod/sumdb/tlog"
)

// Row is an entry as stored.
type Row struct {
	Seq       int64
	AccountID string // a copy of the entry's account, so an owner's entries can be found
	Data      []byte // the entry's canonical encoding without its sealed personal fields
	Sealed    []byte // the sealed personal fields; empty when there are none
	PrevHash  []byte // the previous row's Hash; 32 zero bytes for the first row
	Hash      []byte // SHA-256(PrevHash || leaf)
}

// Head is the committed state of the log.
type Head struct {
	Size       int64  // number of entries; the last entry's Seq
	Checkpoint string // signed note of the tree of Size entries; empty while the log is empty
	// HistorySize is the size of the newest checkpoint kept in the history,
	// read before the head so that a head rolled back below it is noticed.
	HistorySize int64
}

// Checkpoint is a signed tree head kept in the history.
type Checkpoint struct {
	Size int64
	Note string
}

// Batch is what one group commit appends.
type Batch struct {
	From       int64       // the head size the batch builds on
	Rows       []Row       // seqs From+1..From+len(Rows)
	Hashes     []tlog.Hash // the tree's stored hashes, from index tlog.StoredHashCount(From) on
	Checkpoint string      // signed note of the new head
	History    bool        // also keep Checkpoint in the history
}

// TreeReader reads the stored tree: what an appender needs to rebuild its
// frontier, and what inclusion proofs are made of.
type TreeReader interface {
	// ReadHashes returns the stored tree hashes at indexes, in that order,
	// or errs.NotFound when one is missing.
	ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error)
	// Row returns the entry with seq, or errs.NotFound.
	Row(ctx context.Context, seq int64) (Row, error)
}

// Store keeps the log. Implementations never update or delete an entry.
type Store interface {
	TreeReader
	// Commit runs one durable write transaction: it locks the head, so that
	// appenders on other nodes wait their turn and never fork the chain,
	// calls build with the head's size and a reader inside the transaction,
	// then writes the batch build returns and moves the head.
	Commit(ctx context.Context, build func(ctx context.Context, size int64, r TreeReader) (Batch, error)) error
	// Head returns the committed head.
	Head(ctx context.Context) (Head, error)
	// AccountRows returns the head and, of the entries it covers, up to
	// limit of accountID's with Seq > afterSeq in seq order, read together.
	AccountRows(ctx context.Context, accountID string, afterSeq int64, limit int) (Head, []Row, error)
	// Checkpoints returns up to limit history checkpoints with Size > after,
	// in size order.
	Checkpoints(ctx context.Context, after int64, limit int) ([]Checkpoint, error)
	// ScanRows calls fn for each entry with from <= Seq <= to in seq order,
	// in one query, and stops at fn's first error.
	ScanRows(ctx context.Context, from, to int64, fn func(Row) error) error
	// ScanHashes calls fn for each stored hash with from <= index < to in
	// index order, in one query, and stops at fn's first error. hash is
	// valid only during the call.
	ScanHashes(ctx context.Context, from, to int64, fn func(index int64, hash []byte) error) error
}
