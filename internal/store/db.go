// Package store is vigil's metadata storage on database/sql. One
// implementation serves both SQLite (embedded default) and PostgreSQL (at
// scale); the dialect packages store/sqlite and store/postgres open the
// connections and carry the migrations. Every query of tenant data names the
// account, so a row of another tenant is simply not found. Driver errors never
// leave this package: they become errs codes.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// Dialect is the SQL flavour behind a DB.
type Dialect int

// The supported dialects.
const (
	SQLite Dialect = iota + 1
	Postgres
)

func (d Dialect) String() string {
	switch d {
	case SQLite:
		return "sqlite"
	case Postgres:
		return "postgres"
	}
	return "unknown"
}

// DB is the metadata database. Writes go through a pool of its own (one
// connection on SQLite, which allows one writer at a time); reads use another.
type DB struct {
	dialect Dialect
	read    *sql.DB
	write   *sql.DB
	clock   clock.Clock

	mu     sync.RWMutex
	rebind map[string]string

	writes atomic.Int64 // write transactions begun, for benchmarks

	readStmts, writeStmts *stmtCache // SQLite only
}

// New wraps open pools. read and write may be the same pool.
func New(d Dialect, read, write *sql.DB, clk clock.Clock) *DB {
	db := &DB{dialect: d, read: read, write: write, clock: clk, rebind: map[string]string{}}
	if d == SQLite {
		db.readStmts, db.writeStmts = newStmtCache(read), newStmtCache(write)
		if write == read {
			db.writeStmts = db.readStmts
		}
	}
	return db
}

// Dialect returns the SQL flavour.
func (db *DB) Dialect() Dialect { return db.dialect }

// Clock returns the injected clock.
func (db *DB) Clock() clock.Clock { return db.clock }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.read.PingContext(ctx); err != nil {
		return errs.Wrap(err, errs.Unavailable, "database unreachable")
	}
	return nil
}

// Close closes both pools.
func (db *DB) Close() error {
	db.readStmts.close()
	db.writeStmts.close()
	err := db.read.Close()
	if db.write != db.read {
		err = errors.Join(err, db.write.Close())
	}
	return err
}

// Tx is a transaction with the time fixed at its start.
type Tx struct {
	tx  *sql.Tx
	db  *DB
	Now time.Time

	stmts *stmtCache
	fresh []string // queries run for the first time, prepared after the transaction
}

// Write runs fn in a write transaction and commits if fn returns nil.
func (db *DB) Write(ctx context.Context, fn func(*Tx) error) error {
	db.writes.Add(1)
	return db.run(ctx, db.write, db.writeStmts, false, fn)
}

// Writes counts the write transactions begun so far: what group commit
// saves shows up here (each is a commit and, on SQLite, an fsync).
func (db *DB) Writes() int64 { return db.writes.Load() }

// Read runs fn in a read-only transaction.
func (db *DB) Read(ctx context.Context, fn func(*Tx) error) error {
	return db.run(ctx, db.read, db.readStmts, true, fn)
}

func (db *DB) run(ctx context.Context, pool *sql.DB, stmts *stmtCache, readOnly bool, fn func(*Tx) error) error {
	opts := &sql.TxOptions{ReadOnly: readOnly && db.dialect == Postgres}
	sqlTx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return db.mapErr(err, "begin transaction")
	}
	defer sqlTx.Rollback() //nolint:errcheck // a no-op after Commit
	tx := &Tx{tx: sqlTx, db: db, Now: db.clock.Now().UTC().Truncate(time.Microsecond), stmts: stmts}
	err = fn(tx)
	if err == nil {
		if err = sqlTx.Commit(); err != nil {
			err = db.mapErr(err, "commit")
		}
	}
	if len(tx.fresh) > 0 {
		sqlTx.Rollback() //nolint:errcheck // frees the connection; a no-op after Commit
		stmts.prepare(ctx, tx.fresh)
	}
	return err
}

// stmt returns q prepared on the transaction's connection, or nil to run it
// unprepared (the first time, or beyond the cache).
func (tx *Tx) stmt(ctx context.Context, q string) *sql.Stmt {
	st, seen := tx.stmts.get(q)
	if !seen {
		tx.fresh = append(tx.fresh, q)
	}
	if st == nil {
		return nil
	}
	return tx.tx.StmtContext(ctx, st)
}

// Exec runs a statement written with ? placeholders.
func (tx *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	var res sql.Result
	var err error
	if st := tx.stmt(ctx, query); st != nil {
		res, err = st.ExecContext(ctx, args...)
	} else {
		res, err = tx.tx.ExecContext(ctx, tx.db.bind(query), args...)
	}
	if err != nil {
		return nil, tx.db.mapErr(err, "exec")
	}
	return res, nil
}

// Query runs a query written with ? placeholders.
func (tx *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	var rows *sql.Rows
	var err error
	if st := tx.stmt(ctx, query); st != nil {
		rows, err = st.QueryContext(ctx, args...)
	} else {
		rows, err = tx.tx.QueryContext(ctx, tx.db.bind(query), args...)
	}
	if err != nil {
		return nil, tx.db.mapErr(err, "query")
	}
	return rows, nil
}

// QueryRow runs a query expected to return at most one row. Scan errors
// should pass through Tx.Err.
func (tx *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if st := tx.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return tx.tx.QueryRowContext(ctx, tx.db.bind(query), args...)
}

// Err maps a driver error (including sql.ErrNoRows) to a domain error whose
// message names what was looked for.
func (tx *Tx) Err(err error, what string) error { return tx.db.mapErr(err, what) }

// Dialect returns the SQL flavour of the transaction's database.
func (tx *Tx) Dialect() Dialect { return tx.db.dialect }

// MustAffect returns a NotFound error naming what when res changed no row.
func MustAffect(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return errs.Wrap(err, errs.Internal, "%s", what)
	}
	if n == 0 {
		return errs.E(errs.NotFound, "%s not found", what)
	}
	return nil
}

// bind rewrites ? placeholders to $n for PostgreSQL. Queries are constants,
// so the result is cached.
func (db *DB) bind(q string) string {
	if db.dialect != Postgres {
		return q
	}
	db.mu.RLock()
	out, ok := db.rebind[q]
	db.mu.RUnlock()
	if ok {
		return out
	}
	var b strings.Builder
	n := 0
	inQuote := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inQuote = !inQuote
			b.WriteByte(c)
		case c == '?' && !inQuote:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	out = b.String()
	db.mu.Lock()
	db.rebind[q] = out
	db.mu.Unlock()
	return out
}

// mapErr turns driver errors into domain errors. Messages name the operation,
// never the values involved.
func (db *DB) mapErr(err error, what string) error {
	if err == nil {
		return nil
	}
	var e *errs.Error
	if errors.As(err, &e) {
		return err
	}
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return errs.Wrap(err, errs.NotFound, "%s not found", what)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return errs.Wrap(err, errs.Unavailable, "%s: %v", what, err)
	case isUniqueViolation(err):
		return errs.Wrap(err, errs.Conflict, "%s already exists", what)
	}
	return errs.Wrap(err, errs.Internal, "%s: database error", what)
}

// isUniqueViolation recognises unique-constraint failures of both drivers
// without importing them: SQLite reports "UNIQUE constraint failed", and
// PostgreSQL SQLSTATE 23505.
func isUniqueViolation(err error) bool {
	var coded interface{ SQLState() string }
	if errors.As(err, &coded) && coded.SQLState() == "23505" {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "SQLSTATE 23505")
}

// Micros converts a time to the integer microseconds vigil stores.
func Micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// FromMicros converts stored microseconds back to a UTC time; 0 is the zero time.
func FromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

// Column is one column of the live schema.
type Column struct {
	Table, Name string
}

func (c Column) String() string { return fmt.Sprintf("%s.%s", c.Table, c.Name) }

// Columns lists every column of vigil's tables in the live schema, so a test
// can hold the schema against the data map.
func (db *DB) Columns(ctx context.Context) ([]Column, error) {
	var q string
	switch db.dialect {
	case SQLite:
		q = `SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name != 'goose_db_version'
			ORDER BY m.name, p.cid`
	case Postgres:
		q = `SELECT table_name, column_name FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name != 'goose_db_version'
			ORDER BY table_name, ordinal_position`
	}
	var cols []Column
	err := db.Read(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, q)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c Column
			if err := rows.Scan(&c.Table, &c.Name); err != nil {
				return tx.Err(err, "schema column")
			}
			cols = append(cols, c)
		}
		return tx.Err(rows.Err(), "schema columns")
	})
	return cols, err
}

// scanner is a row being scanned, from QueryRow or Query.
type scanner interface{ Scan(...any) error }

// queryAll runs a query in a read transaction and scans every row with scan.
func queryAll[T any](ctx context.Context, db *DB, what string, scan func(scanner) (T, error), q string, args ...any) ([]T, error) {
	var out []T
	err := scanEach(ctx, db, what, scan, func(v T) error { out = append(out, v); return nil }, q, args...)
	return out, err
}

// scanEach runs a query in a read transaction and hands each row, scanned
// with scan, to fn; rows are streamed, never held together.
func scanEach[T any](ctx context.Context, db *DB, what string, scan func(scanner) (T, error), fn func(T) error, q string, args ...any) error {
	return db.Read(ctx, func(tx *Tx) error { return forEachRow(ctx, tx, what, scan, fn, q, args...) })
}

// forEachRow runs a query in tx and hands each row, scanned with scan, to fn.
func forEachRow[T any](ctx context.Context, tx *Tx, what string, scan func(scanner) (T, error), fn func(T) error, q string, args ...any) error {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return tx.Err(err, what)
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	return tx.Err(rows.Err(), what)
}

// txIDs runs a query of one text column in tx and returns its values.
func txIDs(ctx context.Context, tx *Tx, what, q string, args ...any) ([]string, error) {
	var out []string
	err := forEachRow(ctx, tx, what, func(sc scanner) (id string, err error) { return id, sc.Scan(&id) },
		func(id string) error { out = append(out, id); return nil }, q, args...)
	return out, err
}
