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

// A loop sleeping until something is due by a fake clock hears when the
// clock is moved, once per move; the wall clock never signals.
func TestMovedSignalsEachMove(t *testing.T) {
	f := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	first := clock.Moved(f)
	select {
	case <-first:
		t.Fatal("signalled before the clock moved")
	default:
	}
	f.Advance(time.Hour)
	select {
	case <-first:
	default:
		t.Fatal("not signalled when the clock was advanced")
	}
	second := clock.Moved(f)
	select {
	case <-second:
		t.Fatal("a move already heard is heard again")
	default:
	}
	f.Set(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	select {
	case <-second:
	default:
		t.Fatal("not signalled when the clock was set")
	}
	if clock.Moved(clock.Real{}) != nil {
		t.Fatal("the wall clock has a move channel")
	}
}
