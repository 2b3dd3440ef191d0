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
