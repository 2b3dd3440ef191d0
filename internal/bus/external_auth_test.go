package bus_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"

	"github.com/vigil-cloud/vigil/internal/bus"
	"github.com/vigil-cloud/vigil/internal/tlsutil"
)

// A NATS cluster that requires TLS and an nkey user: vigil connects with
// the CA and seed files of its settings, and device uplink flows; without
// the seed it is refused, and the refusal names neither seed nor password.
func TestExternalBusWithNKeyAndTLS(t *testing.T) {
	dir := t.TempDir()
	cert, key, err := tlsutil.SelfSigned(filepath.Join(dir, "tls"), "127.0.0.1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	user, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := user.PublicKey()
	seed, _ := user.Seed()
	seedFile := filepath.Join(dir, "vigil.nk")
	if err := os.WriteFile(seedFile, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	tc, err := server.GenTLSConfig(&server.TLSConfigOpts{CertFile: cert, KeyFile: key})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: filepath.Join(dir, "js"),
		Nkeys: []*server.NkeyUser{{Nkey: pub}}, TLS: true, TLSConfig: tc, NoSigs: true, NoLog: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	t.Cleanup(srv.Shutdown)
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server did not start")
	}
	url := "tls://" + srv.Addr().String()

	open := func(auth bus.ExternalAuth) (*bus.Bus, error) {
		return bus.Open(context.Background(), bus.Options{
			DataDir: t.TempDir(), MQTTListen: "127.0.0.1:0", Auth: newDevices(), URL: url,
			External: auth, Prefix: "tauth",
		})
	}

	if _, err := open(bus.ExternalAuth{CAFile: cert}); err == nil {
		t.Fatal("connected without the nkey")
	} else if strings.Contains(err.Error(), string(seed)) {
		t.Errorf("refusal reveals the seed: %v", err)
	}
	if _, err := open(bus.ExternalAuth{NKeyFile: seedFile}); err == nil {
		t.Fatal("connected without trusting the server's certificate")
	}

	e := &env{t: t, auth: newDevices(), url: url, prefix: "tauth", dataDir: t.TempDir()}
	b, err := bus.Open(context.Background(), bus.Options{
		DataDir: e.dataDir, MQTTListen: "127.0.0.1:0", Auth: e.auth, URL: url,
		External: bus.ExternalAuth{NKeyFile: seedFile, CAFile: cert}, Prefix: e.prefix,
	})
	if err != nil {
		t.Fatalf("open with nkey and CA: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	e.bus = b
	dev := e.auth.add()
	c := e.mustConnect(dev)
	msgs := e.collect("auth")
	c.publish(t, up(dev, "event"), []byte(`{"n":1}`))
	m := recv(t, msgs, "uplink through the authenticated cluster")
	if m.DeviceID != dev.id {
		t.Errorf("uplink from %q, want %q", m.DeviceID, dev.id)
	}
}

func TestRedactHidesBusPassword(t *testing.T) {
	got := bus.Redact("nats://vigil:s3cret-marker@nats-1:4222")
	if strings.Contains(got, "s3cret-marker") || !strings.Contains(got, "nats-1:4222") {
		t.Errorf("Redact = %q", got)
	}
}
