package clock_test

import (
	"context"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/clock"
)

// Every calls its work at each tick and returns when its context ends.
func TestEveryStopsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := make(chan struct{}, 10)
	done := make(chan struct{})
	go func() {
		defer close(done)
		clock.Every(ctx, time.Millisecond, func(context.Context) { calls <- struct{}{} })
	}()
	<-calls
	<-calls
	cancel()
	<-done
}
