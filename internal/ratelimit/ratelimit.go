// Package ratelimit gives each key (a client network, an account, a
// recipient) a token bucket: n events per period, in a burst or spread. It
// reads the injected clock, so tests move time instead of sleeping. Idle
// keys are forgotten, so the memory it holds is bounded by the keys active
// in the last ten periods.
//
// Limiter keeps counts in the process's memory. With several nodes, Shared
// adds a count every node sees (in the database), so a client spreading its
// requests over n nodes does not get n quotas.
package ratelimit

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/vigil-cloud/vigil/internal/clock"
)

// Allower spends one event of a key and reports whether it was allowed:
// a Limiter, or a Shared one.
type Allower interface {
	Allow(ctx context.Context, key string) bool
}

// Limiter limits events per key.
type Limiter struct {
	clk   clock.Clock
	every rate.Limit
	burst int
	idle  time.Duration

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// New allows n events per period per key, all at once or spread.
func New(clk clock.Clock, n int, per time.Duration) *Limiter {
	n = max(n, 1)
	return &Limiter{clk: clk, every: rate.Limit(float64(n) / per.Seconds()), burst: n, idle: 10 * per, buckets: map[string]*bucket{}}
}

// Allow spends one event of key, and reports whether it was allowed.
func (l *Limiter) Allow(_ context.Context, key string) bool {
	now := l.clk.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > l.idle {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(l.every, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	return b.lim.AllowN(now, 1)
}
