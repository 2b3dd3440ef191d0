package store

import (
	"context"
	"database/sql"
	"strings"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/vigil-cloud/vigil/internal/audit"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// AuditStore keeps the audit log: entries, the Merkle tree's stored hashes,
// the head and the checkpoint history. It only ever inserts entries and
// hashes; the head row is the one row it updates.
type AuditStore struct{ db *DB }

var _ audit.Store = (*AuditStore)(nil)

// NewAuditStore returns the audit log's store on db.
func NewAuditStore(db *DB) *AuditStore { return &AuditStore{db: db} }

const auditRowColumns = `seq, account_id, data, personal_sealed, prev_hash, hash`

// Commit appends a batch. Its first statement takes the head row's lock
// (PostgreSQL; on SQLite the transaction already holds the write lock), so
// an appender on another node waits here and then builds on the new head.
func (s *AuditStore) Commit(ctx context.Context, build func(context.Context, int64, audit.TreeReader) (audit.Batch, error)) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		var size int64
		err := tx.QueryRow(ctx, `UPDATE audit_head SET updated_at = ? WHERE id = 1 RETURNING size`, Micros(tx.Now)).Scan(&size)
		if err != nil {
			return tx.Err(err, "audit head")
		}
		b, err := build(ctx, size, auditTx{tx})
		if err != nil {
			return err
		}
		if b.From != size || len(b.Rows) == 0 {
			return errs.E(errs.Internal, "audit batch does not extend the head at %d", size)
		}
		to := b.From + int64(len(b.Rows))
		if _, err := tx.Exec(ctx, `UPDATE audit_head SET size = ?, checkpoint = ? WHERE id = 1`, to, b.Checkpoint); err != nil {
			return err
		}
		err = insertRows(ctx, tx, `INSERT INTO audit_entries (`+auditRowColumns+`) VALUES `, 6, len(b.Rows),
			func(i int, a []any) []any {
				r := b.Rows[i]
				return append(a, r.Seq, r.AccountID, r.Data, nonNil(r.Sealed), r.PrevHash, r.Hash)
			})
		if err != nil {
			return err
		}
		first := tlog.StoredHashCount(b.From)
		err = insertRows(ctx, tx, `INSERT INTO audit_hashes (idx, hash) VALUES `, 2, len(b.Hashes),
			func(i int, a []any) []any { return append(a, first+int64(i), b.Hashes[i][:]) })
		if err != nil || !b.History {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO audit_checkpoints (size, checkpoint, created_at) VALUES (?, ?, ?)`,
			to, b.Checkpoint, Micros(tx.Now))
		return err
	})
}

// Head returns the committed head with the newest history size, read in one
// statement so that both come from the same snapshot.
func (s *AuditStore) Head(ctx context.Context) (audit.Head, error) {
	var h audit.Head
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		h, err = readAuditHead(ctx, tx)
		return err
	})
	return h, err
}

func readAuditHead(ctx context.Context, tx *Tx) (audit.Head, error) {
	var h audit.Head
	err := tx.QueryRow(ctx, `SELECT size, checkpoint, COALESCE((SELECT MAX(size) FROM audit_checkpoints), 0)
		FROM audit_head WHERE id = 1`).Scan(&h.Size, &h.Checkpoint, &h.HistorySize)
	return h, tx.Err(err, "audit head")
}

// Row returns the entry with seq.
func (s *AuditStore) Row(ctx context.Context, seq int64) (audit.Row, error) {
	var r audit.Row
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		r, err = auditTx{tx}.Row(ctx, seq)
		return err
	})
	return r, err
}

// ReadHashes returns the stored hashes at indexes, in that order.
func (s *AuditStore) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	var hs []tlog.Hash
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		hs, err = auditTx{tx}.ReadHashes(ctx, indexes)
		return err
	})
	return hs, err
}

// auditTx reads the tree inside a transaction: the committing one, so that
// an appender sees the head it locked.
type auditTx struct{ tx *Tx }

func (a auditTx) Row(ctx context.Context, seq int64) (audit.Row, error) {
	var r audit.Row
	err := a.tx.QueryRow(ctx, `SELECT `+auditRowColumns+` FROM audit_entries WHERE seq = ?`, seq).
		Scan(&r.Seq, &r.AccountID, &r.Data, &r.Sealed, &r.PrevHash, &r.Hash)
	return r, a.tx.Err(err, "audit entry")
}

func (a auditTx) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	found := make(map[int64]tlog.Hash, len(indexes))
	keep := func(idx int64, h []byte) error {
		if len(h) != tlog.HashSize {
			return errs.E(errs.Internal, "audit tree hash %d is malformed", idx)
		}
		found[idx] = tlog.Hash(h)
		return nil
	}
	for done := 0; done < len(indexes); {
		// Padding the list to a power of two (repeating the last index)
		// keeps the number of distinct statement texts small.
		k := min(len(indexes)-done, maxChunk)
		n := 1
		for n < k {
			n *= 2
		}
		args := make([]any, n)
		for i := range args {
			args[i] = indexes[done+min(i, k-1)]
		}
		q := `SELECT idx, hash FROM audit_hashes WHERE idx IN (` + strings.Repeat("?, ", n-1) + `?)`
		if err := scanHashes(ctx, a.tx, q, args, keep); err != nil {
			return nil, err
		}
		done += k
	}
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		h, ok := found[idx]
		if !ok {
			return nil, errs.E(errs.NotFound, "audit tree hash %d not found", idx)
		}
		out[i] = h
	}
	return out, nil
}

// AccountRows returns the head and up to limit of the account's entries
// after afterSeq that the head covers, in one read transaction.
func (s *AuditStore) AccountRows(ctx context.Context, accountID string, afterSeq int64, limit int) (audit.Head, []audit.Row, error) {
	var head audit.Head
	var rows []audit.Row
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		if head, err = readAuditHead(ctx, tx); err != nil {
			return err
		}
		// seq <= head.Size: on PostgreSQL each statement sees its own
		// snapshot, and the proofs are against this head.
		return scanRows(ctx, tx, `SELECT `+auditRowColumns+` FROM audit_entries
			WHERE account_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?`,
			[]any{accountID, afterSeq, head.Size, limit}, func(r audit.Row) error {
				rows = append(rows, r)
				return nil
			})
	})
	return head, rows, err
}

// Checkpoints returns up to limit history checkpoints after size after.
func (s *AuditStore) Checkpoints(ctx context.Context, after int64, limit int) ([]audit.Checkpoint, error) {
	var out []audit.Checkpoint
	err := s.db.Read(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT size, checkpoint FROM audit_checkpoints WHERE size > ? ORDER BY size LIMIT ?`, after, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c audit.Checkpoint
			if err := rows.Scan(&c.Size, &c.Note); err != nil {
				return tx.Err(err, "audit checkpoint")
			}
			out = append(out, c)
		}
		return tx.Err(rows.Err(), "audit checkpoints")
	})
	return out, err
}

// ScanRows streams the entries from..to in seq order in one query.
func (s *AuditStore) ScanRows(ctx context.Context, from, to int64, fn func(audit.Row) error) error {
	return s.db.Read(ctx, func(tx *Tx) error {
		return scanRows(ctx, tx, `SELECT `+auditRowColumns+` FROM audit_entries WHERE seq >= ? AND seq <= ? ORDER BY seq`,
			[]any{from, to}, fn)
	})
}

// ScanHashes streams the stored hashes from index from to before to in one query.
func (s *AuditStore) ScanHashes(ctx context.Context, from, to int64, fn func(index int64, hash []byte) error) error {
	return s.db.Read(ctx, func(tx *Tx) error {
		return scanHashes(ctx, tx, `SELECT idx, hash FROM audit_hashes WHERE idx >= ? AND idx < ? ORDER BY idx`,
			[]any{from, to}, fn)
	})
}

func scanRows(ctx context.Context, tx *Tx, q string, args []any, fn func(audit.Row) error) error {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r audit.Row
		if err := rows.Scan(&r.Seq, &r.AccountID, &r.Data, &r.Sealed, &r.PrevHash, &r.Hash); err != nil {
			return tx.Err(err, "audit entry")
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return tx.Err(rows.Err(), "audit entries")
}

// scanHashes calls fn with each hash; the slice is valid only during the call.
func scanHashes(ctx context.Context, tx *Tx, q string, args []any, fn func(int64, []byte) error) error {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var idx int64
	var h sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&idx, &h); err != nil {
			return tx.Err(err, "audit tree hash")
		}
		if err := fn(idx, h); err != nil {
			return err
		}
	}
	return tx.Err(rows.Err(), "audit tree hashes")
}

// maxChunk is the most rows one multi-row statement carries: 512 × 6
// parameters stays far below SQLite's 32766 and PostgreSQL's 65535.
const maxChunk = 512

// chunkRows is the largest power of two up to maxChunk that is at most n.
func chunkRows(n int) int {
	k := maxChunk
	for k > n {
		k >>= 1
	}
	return k
}

// insertRows inserts n rows of cols values with multi-row INSERTs. Chunks
// are powers of two, so a handful of statement texts serve every batch.
func insertRows(ctx context.Context, tx *Tx, prefix string, cols, n int, row func(i int, args []any) []any) error {
	for done := 0; done < n; {
		k := chunkRows(n - done)
		args := make([]any, 0, k*cols)
		for i := done; i < done+k; i++ {
			args = row(i, args)
		}
		if _, err := tx.Exec(ctx, prefix+placeholders(k, cols), args...); err != nil {
			return err
		}
		done += k
	}
	return nil
}

// placeholders returns "(?, ?), (?, ?)" for rows of cols values.
func placeholders(rows, cols int) string {
	tuple := "(" + strings.Repeat("?, ", cols-1) + "?)"
	return strings.Repeat(tuple+", ", rows-1) + tuple
}

// nonNil keeps an empty byte slice from becoming NULL on PostgreSQL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
