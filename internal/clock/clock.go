// Package clock gives every deadline in vigil one injected source of time,
// so tests can move months forward in microseconds. Nothing in vigil may call
// time.Now for a decision that a test must control; it asks a Clock.
package clock

import (
	"sync"
	"time"
)

// Clock tells the current time.
type Clock interface {
	Now() time.Time
}

// Real is the wall clock.
type Real struct{}

// Now returns the current UTC time.
func (Real) Now() time.Time { return time.Now().UTC() }

// Fake is a clock that moves only when told to. It is safe for concurrent use.
type Fake struct {
	mu    sync.Mutex
	now   time.Time
	moved chan struct{} // closed at the next move; nil until asked for
}

// NewFake returns a fake clock set to start.
func NewFake(start time.Time) *Fake { return &Fake{now: start.UTC()} }

// Now returns the fake clock's time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Advance moves the clock forward by d.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
	f.tell()
}

// Set moves the clock to t.
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = t.UTC()
	f.tell()
}

// tell wakes those waiting for the clock to move; f.mu is held.
func (f *Fake) tell() {
	if f.moved != nil {
		close(f.moved)
		f.moved = nil
	}
}

// Moved returns a channel closed the next time the fake clock is moved.
func (f *Fake) Moved() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.moved == nil {
		f.moved = make(chan struct{})
	}
	return f.moved
}

// Moved returns a channel closed the next time c is moved by hand (a Fake
// advanced or set): a loop that sleeps until something is due by c wakes
// then to judge again. For the wall clock it returns nil, which never fires.
func Moved(c Clock) <-chan struct{} {
	if m, ok := c.(interface{ Moved() <-chan struct{} }); ok {
		return m.Moved()
	}
	return nil
}
