// Package waittest is the one way tests wait for work that another
// goroutine or process does (a device's message crossing the bus, a
// delivery reaching its peer): they poll a condition until it holds or a
// wall-clock limit passes. It never stands in for time passing: behaviour
// that depends on time is tested with the fake clock.
package waittest

import (
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
