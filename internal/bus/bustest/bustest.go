// Package bustest helps tests run against an external NATS cluster: the
// machine's server named by VIGIL_TEST_NATS, with a prefix of their own
// that is cleaned up afterwards.
package bustest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Env names the variable that points tests at an external NATS server.
const Env = "VIGIL_TEST_NATS"

// External returns the URL of the external NATS server and a fresh prefix
// for the test, deleting the prefix's streams when the test ends. It skips
// the test when VIGIL_TEST_NATS is not set.
func External(t testing.TB) (url, prefix string) {
	t.Helper()
	addr := os.Getenv(Env)
	if addr == "" {
		t.Skip("external NATS tests skipped: set " + Env + " (for example 127.0.0.1:4222) to run them")
	}
	url = "nats://" + addr
	b := make([]byte, 6)
	rand.Read(b) //nolint:errcheck // crypto/rand does not fail
	prefix = "t" + hex.EncodeToString(b)
	t.Cleanup(func() { Delete(url, prefix) })
	return url, prefix
}

// Delete removes the streams of prefix from the server at url.
func Delete(url, prefix string) {
	nc, err := nats.Connect(url)
	if err != nil {
		return
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	js.DeleteStream(ctx, strings.ToUpper(prefix)+"_UPLINK") //nolint:errcheck // best effort
}
