package bus_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigil-cloud/vigil/internal/bus"
	"github.com/vigil-cloud/vigil/internal/bus/bustest"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// env is one bus under test: embedded, or edge plus external cluster.
type env struct {
	t       *testing.T
	auth    *devices
	reg     *prometheus.Registry
	url     string           // external NATS, or ""
	leaf    *bustest.Cluster // leaf mode's cluster, or nil
	prefix  string
	dataDir string
	bus     *bus.Bus
}

// each runs fn on an embedded bus and, when VIGIL_TEST_NATS names a NATS
// server with JetStream (e.g. 127.0.0.1:4222), on an edge that uses it as
// the external cluster. The external subtest skips otherwise.
func each(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	t.Run("embedded", func(t *testing.T) { fn(t, newEnv(t, "")) })
	t.Run("external", func(t *testing.T) {
		addr := os.Getenv("VIGIL_TEST_NATS")
		if addr == "" {
			t.Skip("external NATS tests skipped: set VIGIL_TEST_NATS (for example 127.0.0.1:4222) to run them")
		}
		fn(t, newEnv(t, "nats://"+addr))
	})
	t.Run("leaf", func(t *testing.T) {
		if testing.Short() {
			t.Skip("leaf mode runs NATS servers")
		}
		fn(t, newLeafEnv(t, bustest.StartHub(t, 1)))
	})
}

// newLeafEnv is a bus in leaf mode on hub.
func newLeafEnv(t *testing.T, hub *bustest.Cluster) *env {
	t.Helper()
	e := &env{t: t, auth: newDevices(), url: hub.URL, leaf: hub, prefix: "t" + randomID()[4:16], dataDir: t.TempDir()}
	e.open()
	return e
}

func newEnv(t *testing.T, url string) *env {
	t.Helper()
	e := &env{t: t, auth: newDevices(), url: url, prefix: "t" + randomID()[4:16], dataDir: t.TempDir()}
	if url != "" {
		t.Cleanup(func() { bustest.Delete(url, e.prefix) })
	}
	e.open()
	return e
}

// open starts the bus on the env's data directory (again, after reopen).
func (e *env) open() {
	e.t.Helper()
	e.reg = prometheus.NewRegistry()
	o := bus.Options{
		DataDir: e.dataDir, MQTTListen: "127.0.0.1:0", Auth: e.auth, URL: e.url,
		Prefix: e.prefix, Metrics: e.reg, AuthTimeout: 2 * time.Second,
	}
	if e.leaf != nil {
		o.LeafURL, o.Domain = e.leaf.LeafURL, e.leaf.Domain
	}
	b, err := bus.Open(context.Background(), o)
	if err != nil {
		e.t.Fatalf("open bus: %v", err)
	}
	e.bus = b
	e.t.Cleanup(func() { b.Close() })
}

// counter reads a counter of the env's registry; labels are name=value.
func (e *env) counter(name string, labels ...string) float64 {
	e.t.Helper()
	mfs, err := e.reg.Gather()
	if err != nil {
		e.t.Fatal(err)
	}
	total := 0.0
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metric:
		for _, m := range mf.GetMetric() {
			for _, l := range labels {
				k, v, _ := strings.Cut(l, "=")
				found := false
				for _, lp := range m.GetLabel() {
					if lp.GetName() == k && lp.GetValue() == v {
						found = true
					}
				}
				if !found {
					continue metric
				}
			}
			total += m.GetCounter().GetValue()
		}
	}
	return total
}

// devices is a test Authenticator: username -> password and device ID; a
// revoked device is refused.
type devices struct {
	mu      sync.Mutex
	byUser  map[string]device
	revoked map[string]bool
	seen    []bus.Credentials
}

type device struct{ id, user, pass string }

var _ bus.Authenticator = (*devices)(nil)

func newDevices() *devices {
	return &devices{byUser: map[string]device{}, revoked: map[string]bool{}}
}

func (d *devices) add() device {
	dev := device{id: randomID(), user: "u" + randomID()[4:], pass: randomID()}
	d.mu.Lock()
	d.byUser[dev.user] = dev
	d.mu.Unlock()
	return dev
}

func (d *devices) revoke(id string) {
	d.mu.Lock()
	d.revoked[id] = true
	d.mu.Unlock()
}

func (d *devices) AuthenticateDevice(_ context.Context, c bus.Credentials) (bus.Identity, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.seen = append(d.seen, c)
	dev, ok := d.byUser[c.Username]
	if !ok || dev.pass != c.Password || d.revoked[dev.id] {
		return bus.Identity{}, errs.E(errs.Unauthenticated, "bad device credential")
	}
	return bus.Identity{DeviceID: dev.id}, nil
}

const b32 = "abcdefghijklmnopqrstuvwxyz234567"

func randomID() string {
	var buf [26]byte
	rand.Read(buf[:])
	for i := range buf {
		buf[i] = b32[buf[i]%32]
	}
	return "dev_" + string(buf[:])
}

// client is a device's MQTT connection.
type client struct {
	mqtt.Client
	lost chan error
	msgs chan mqtt.Message
}

// connect dials the bus as dev with the MQTT client ID cid ("" = dev.id).
func (e *env) connect(dev device, cid string, clean bool) (*client, error) {
	if cid == "" {
		cid = dev.id
	}
	c := &client{lost: make(chan error, 1), msgs: make(chan mqtt.Message, 1000)}
	o := mqtt.NewClientOptions().AddBroker("tcp://" + e.bus.MQTTAddr()).SetClientID(cid).
		SetUsername(dev.user).SetPassword(dev.pass).SetCleanSession(clean).
		SetAutoReconnect(false).SetConnectRetry(false).SetConnectTimeout(5 * time.Second).
		SetConnectionLostHandler(func(_ mqtt.Client, err error) { c.lost <- err }).
		SetDefaultPublishHandler(func(_ mqtt.Client, m mqtt.Message) { c.msgs <- m })
	c.Client = mqtt.NewClient(o)
	tok := c.Connect()
	if !tok.WaitTimeout(10 * time.Second) {
		return nil, errors.New("connect timed out")
	}
	if err := tok.Error(); err != nil {
		return nil, err
	}
	e.t.Cleanup(func() { c.Disconnect(0) })
	return c, nil
}

func (e *env) mustConnect(dev device) *client {
	e.t.Helper()
	c, err := e.connect(dev, "", true)
	if err != nil {
		e.t.Fatalf("connect %s: %v", dev.id, err)
	}
	return c
}

// publish sends a QoS 1 message and waits for its PUBACK.
func (c *client) publish(t *testing.T, topic string, payload []byte) {
	t.Helper()
	tok := c.Publish(topic, 1, false, payload)
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("publish %s: %v", topic, tok.Error())
	}
}

// subscribe subscribes at qos and returns the SUBACK code (0x80 = refused).
func (c *client) subscribe(t *testing.T, filter string, qos byte) byte {
	t.Helper()
	tok := c.Subscribe(filter, qos, nil)
	if !tok.WaitTimeout(10 * time.Second) {
		t.Fatalf("subscribe %s timed out", filter)
	}
	st := tok.(*mqtt.SubscribeToken)
	return st.Result()[filter]
}

// consume runs ConsumeUplink with handle until the test ends.
func (e *env) consume(name string, handle func(context.Context, bus.Message) error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := e.bus.ConsumeUplink(ctx, name, handle); err != nil {
			e.t.Errorf("consume: %v", err)
		}
	}()
	e.t.Cleanup(func() { cancel(); <-done })
}

// collect consumes uplink into a channel.
func (e *env) collect(name string) <-chan bus.Message {
	ch := make(chan bus.Message, 10000)
	e.consume(name, func(_ context.Context, m bus.Message) error { ch <- m; return nil })
	return ch
}

func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s within 10s", what)
		panic("unreachable")
	}
}

func up(dev device, topic string) string { return fmt.Sprintf("dev/%s/up/%s", dev.id, topic) }
