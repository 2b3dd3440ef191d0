package app_test

import (
	"testing"

	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// Every category of the data map has its export, erasure and retention
// handlers in the running vigil, online and as the admin tools open it,
// or the data map says why it needs none: a category a capability forgot
// to register fails here (and stops vigil at start-up). On the old code
// notify.webhook and device.stream_source failed.
// proves: R1
func TestEveryCategoryHandled(t *testing.T) {
	e := vigiltest.Start(t)
	for _, mode := range []vigiltest.Mode{vigiltest.Online, vigiltest.Offline} {
		if mode == vigiltest.Offline {
			e = e.Restart(vigiltest.Offline)
		}
		for _, c := range e.App.Registry.Categories() {
			h := e.App.Fulfil.Handlers(c.ID)
			if h.Export == nil && c.Exempt.Export == "" {
				t.Errorf("%s has no export handler", c.ID)
			}
			if h.Erase == nil && c.Exempt.Erasure == "" {
				t.Errorf("%s has no erasure handler", c.ID)
			}
			if h.Purge == nil && c.Exempt.Retention == "" {
				t.Errorf("%s has no retention purger", c.ID)
			}
		}
		if err := e.App.Fulfil.Check(); err != nil {
			t.Fatal(err)
		}
	}
}
