package httpapi

import (
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/vigil-cloud/vigil/internal/clock"
)

// limiter gives each client address a token bucket for credential
// endpoints, so guessing passwords or codes from one address is slow even
// across many accounts. Account lockout covers many addresses against one
// account.
type limiter struct {
	clk   clock.Clock
	every rate.Limit
	burst int

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiter(clk clock.Clock, perMinute int) *limiter {
	return &limiter{clk: clk, every: rate.Limit(float64(perMinute) / 60), burst: perMinute, buckets: map[string]*bucket{}}
}

// allow spends one attempt of key.
func (l *limiter) allow(key string) bool {
	now := l.clk.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		// Forget idle addresses so the map does not grow without bound.
		for k, b := range l.buckets {
			if now.Sub(b.seen) > 10*time.Minute {
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
