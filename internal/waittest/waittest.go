// Package waittest is the one way tests wait for work that another
// goroutine or process does (a device's message crossing the bus, a
// delivery reaching its peer): they poll a condition until it holds or a
// wall-clock limit passes. It never stands in for time passing: behaviour
// that depends on time is tested with the fake clock.
package waittest

import (
	"bytes"
	"sync"
	"testing"
	"time"
)

// Eventually polls cond until it holds, failing the test after ten
// seconds.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	Within(t, what, 10*time.Second, cond)
}

// Within polls cond until it holds, failing the test after limit.
func Within(t testing.TB, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Buffer collects what another process or goroutine writes (a command's
// output) while the test reads it.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
