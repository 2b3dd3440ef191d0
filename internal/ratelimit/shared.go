package ratelimit

import (
	"context"
	"sync"
	"time"

	"github.com/vigil-cloud/vigil/internal/clock"
)

// Counter counts events of a key in fixed windows that every node shares
// (the database's rate_windows). Keys reach it only as keyed fingerprints.
type Counter interface {
	// Count adds one event of key to the window that starts at window and
	// returns the window's count, this one included.
	Count(ctx context.Context, scope string, key []byte, window time.Time) (int, error)
	// Forget deletes the windows that started before before.
	Forget(ctx context.Context, before time.Time) error
}

// Shared limits a key to n events per period across every node: an event
// must pass this node's own bucket (which keeps a flood from one client
// off the database) and then the shared count of the current window. A
// window is a fixed period, so up to 2n events can pass around a window's
// edge. When the database does not answer, the node's own limit decides.
type Shared struct {
	local   *Limiter
	counter Counter
	index   func(ctx context.Context, key string) ([]byte, error)
	clk     clock.Clock
	scope   string
	n       int
	per     time.Duration

	mu     sync.Mutex
	forgot time.Time
}

// NewShared allows n events per period per key across the nodes that share
// counter. index turns a key (a network, an address) into the fingerprint
// stored; scope names the limit.
func NewShared(clk clock.Clock, scope string, n int, per time.Duration, counter Counter, index func(ctx context.Context, key string) ([]byte, error)) *Shared {
	return &Shared{local: New(clk, n, per), counter: counter, index: index, clk: clk, scope: scope, n: max(n, 1), per: per}
}

// Allow spends one event of key and reports whether it was allowed.
func (s *Shared) Allow(ctx context.Context, key string) bool {
	if !s.local.Allow(ctx, key) {
		return false
	}
	idx, err := s.index(ctx, key)
	if err != nil {
		return true
	}
	window := s.clk.Now().Truncate(s.per)
	n, err := s.counter.Count(ctx, s.scope, idx, window)
	if err != nil {
		return true
	}
	s.forget(ctx, window)
	return n <= s.n
}

// forget deletes the windows before the previous one, once per period.
func (s *Shared) forget(ctx context.Context, window time.Time) {
	s.mu.Lock()
	due := window.After(s.forgot)
	if due {
		s.forgot = window
	}
	s.mu.Unlock()
	if due {
		_ = s.counter.Forget(ctx, window.Add(-s.per)) // the next period tries again
	}
}

// Factory makes a node's limiters: shared across nodes when Counter is set,
// the node's own otherwise (one node alone needs no database write per
// attempt).
type Factory struct {
	Counter Counter
	Index   func(ctx context.Context, key string) ([]byte, error)
}

// New allows n events per period per key; scope names the limit in the
// shared count.
func (f Factory) New(clk clock.Clock, scope string, n int, per time.Duration) Allower {
	if f.Counter == nil || f.Index == nil {
		return New(clk, n, per)
	}
	return NewShared(clk, scope, n, per, f.Counter, f.Index)
}
