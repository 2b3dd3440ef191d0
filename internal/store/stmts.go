package store

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps the prepared statements of one SQLite pool, so a query
// is parsed once per connection instead of at every call: parsing was an
// eighth of vigil's CPU on the alarm path. Only SQLite uses it; the
// PostgreSQL driver keeps its own statement cache per connection.
//
// A statement is prepared on the pool only after the transaction that
// first ran it has ended: the write pool has one connection, which that
// transaction holds.
type stmtCache struct {
	pool *sql.DB
	mu   sync.RWMutex
	m    map[string]*sql.Stmt // nil: not worth keeping (failed to prepare, or the cache is full)
}

// maxStmts bounds the cache: queries are constants, but a few are built
// with as many placeholders as items, and those must not fill memory.
const maxStmts = 1024

func newStmtCache(pool *sql.DB) *stmtCache {
	return &stmtCache{pool: pool, m: map[string]*sql.Stmt{}}
}

// get returns the prepared statement of q, and whether q was seen before.
func (c *stmtCache) get(q string) (*sql.Stmt, bool) {
	if c == nil {
		return nil, true
	}
	c.mu.RLock()
	st, ok := c.m[q]
	c.mu.RUnlock()
	return st, ok
}

// prepare prepares the queries a finished transaction ran for the first
// time.
func (c *stmtCache) prepare(ctx context.Context, qs []string) {
	for _, q := range qs {
		c.mu.RLock()
		_, seen := c.m[q]
		full := len(c.m) >= maxStmts
		c.mu.RUnlock()
		if seen {
			continue
		}
		var st *sql.Stmt
		if !full {
			st, _ = c.pool.PrepareContext(context.WithoutCancel(ctx), q) //nolint:errcheck // a query that does not prepare is simply run unprepared
		}
		c.mu.Lock()
		if _, seen := c.m[q]; seen || len(c.m) >= maxStmts {
			if st != nil {
				st.Close()
			}
		} else {
			c.m[q] = st
		}
		c.mu.Unlock()
	}
}

// close closes every statement.
func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		if st != nil {
			st.Close()
		}
	}
	c.m = map[string]*sql.Stmt{}
}
