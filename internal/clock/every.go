package clock

import (
	"context"
	"time"
)

// Every calls fn once every interval of wall time until ctx ends. The
// interval only paces the work (transport pacing, not a deadline): what is
// due is judged inside fn by the injected clock, so tests call fn's work
// directly instead of waiting.
func Every(ctx context.Context, every time.Duration, fn func(context.Context)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fn(ctx)
	}
}

// Pause waits d of wall time or until ctx ends, whichever is first: pacing
// and backoff between attempts, not a deadline.
func Pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
