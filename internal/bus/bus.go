// Package bus is vigil's device bus: an in-process nats-server with
// JetStream whose MQTT 3.1.1 listener is where cameras and NVRs connect.
// vigil authenticates every device connection itself (through the server's
// auth callout) and confines it to its own topic tree dev/<deviceID>/#.
// Device uplink (QoS 1) is read from the server's own MQTT stream, where it
// is stored before the device gets its PUBACK, and purged once consumed;
// the store is encrypted at rest (Options.StoreKey). Downlink reaches QoS 0
// and QoS 1 subscribers. With Options.URL set, uplink is forwarded to a
// work-queue stream on an external NATS cluster, which also carries the
// fan-out between vigil nodes, while devices still connect to this node's
// edge server.
//
// bus must never let a device publish or subscribe outside its own tree,
// never expose a NATS client port beyond the process, and never log a
// device credential.
//
// Topic layout (MQTT topic = NATS subject with "/" for "."):
//
//	dev/<id>/up/<kind>              device -> vigil, durable (info, event, heartbeat, state, report, shadow/...)
//	dev/<id>/up/ch/<n>/<kind>       NVR channel n -> vigil, durable
//	dev/<id>/down/<topic>           vigil -> device (shadow/desired, ch/<n>/shadow/desired, firmware/offer)
//
// Anything else under dev/<id>/ is allowed for the device itself but not
// captured.
package bus

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/bcrypt"

	"github.com/vigil-cloud/vigil/internal/errs"
)

// Options configure a Bus.
type Options struct {
	// DataDir holds the edge server's JetStream store. Required.
	DataDir string
	// MQTTListen is the host:port of the device MQTT listener, e.g.
	// "0.0.0.0:8883"; "127.0.0.1:0" picks a free port (see MQTTAddr).
	MQTTListen string
	// TLS, when set, makes the MQTT listener TLS-only. Set ClientAuth on it
	// to ask devices for client certificates (passed to Auth in Certs).
	TLS *tls.Config
	// Auth decides who a connecting device is. Required.
	Auth Authenticator
	// URL of an external NATS cluster with JetStream ("nats://host:4222");
	// empty runs on the edge server alone.
	URL string
	// External holds how vigil proves itself to the external cluster and
	// checks the cluster's certificate; unused without URL.
	External ExternalAuth
	// LeafURL, with URL, joins the edge server to the external cluster as
	// a leaf node ("nats-leaf://host:7422", comma-separated for several):
	// devices' MQTT sessions and QoS 1 messages are then stored in the
	// cluster's JetStream (Domain) with Replicas copies before a device gets
	// its PUBACK, so a node that dies for good strands nothing. Without it,
	// the edge stores uplink on its own disk and forwards it (see forward).
	LeafURL string
	// Domain is the external cluster's JetStream domain; required with
	// LeafURL.
	Domain string
	// Replicas is how many servers of the external cluster keep the uplink
	// stream; 0 picks 3 on a cluster (a server that names its cluster) and 1
	// on a single server.
	Replicas int
	// Prefix names the streams and external subjects ("vigil" when empty);
	// letters, digits, '-' and '_' only.
	Prefix string
	// Metrics receives the bus counters; nil registers nowhere.
	Metrics prometheus.Registerer
	// Log receives the bus and server logs; nil discards them.
	Log *slog.Logger
	// AuthTimeout bounds one device authentication (default 5s).
	AuthTimeout time.Duration
	// OnRevoke is told of every revocation another node broadcast (see
	// PublishRevoke); nil ignores them.
	OnRevoke func(key string, epoch uint64)
	// StoreKey encrypts the edge's JetStream store at rest with the
	// server's own AES-GCM store encryption; it must stay the same across
	// restarts. Empty leaves the store in clear (tests).
	StoreKey string
}

// Bus is a running device bus.
type Bus struct {
	opts    Options
	log     *slog.Logger
	metrics *metrics
	srv     *server.Server
	sopts   *server.Options
	nc      *nats.Conn // in-process, to the edge server
	js      jetstream.JetStream
	ext     *nats.Conn // the external cluster, or nil
	extJS   jetstream.JetStream
	issuer  nkeys.KeyPair
	prefix  string
	nodeID  string
	capture jetstream.Consumer // durable on the server's MQTT stream, holding device uplink
	purge   purger             // removes consumed uplink behind the consumer
	leafUp  chan struct{}      // closed once the leaf connection to the cluster is up (leaf mode)

	mu      sync.Mutex
	closed  bool
	cancel  context.CancelFunc
	workers sync.WaitGroup
}

// Stream names and subjects on the edge server.
const (
	uplinkSubjects = "dev.*.up.>" // device uplink, captured at QoS 1
	internalUser   = "vigil"
	defaultPrefix  = "vigil"
)

var prefixRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// Open starts the edge server and, in external mode, connects to the
// external cluster and starts the forwarder and the downlink relay. The
// returned Bus runs until Close.
func Open(ctx context.Context, o Options) (_ *Bus, err error) {
	if o.DataDir == "" || o.Auth == nil {
		return nil, errs.E(errs.Invalid, "bus: DataDir and Auth are required")
	}
	if o.Prefix == "" {
		o.Prefix = defaultPrefix
	}
	if !prefixRE.MatchString(o.Prefix) {
		return nil, errs.E(errs.Invalid, "bus: prefix %q is not a plain name", o.Prefix)
	}
	if o.AuthTimeout <= 0 {
		o.AuthTimeout = 5 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Metrics == nil {
		o.Metrics = prometheus.NewRegistry()
	}
	b := &Bus{opts: o, log: o.Log, prefix: o.Prefix}
	if b.metrics, err = newMetrics(o.Metrics); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			b.Close()
		}
	}()
	if o.LeafURL != "" {
		if o.URL == "" || o.Domain == "" {
			return nil, errs.E(errs.Invalid, "bus: a leaf URL needs the cluster's URL and JetStream domain")
		}
		// The cluster's size decides how many copies of the MQTT streams
		// the edge asks for: connect first.
		if err := b.connectExternal(); err != nil {
			return nil, err
		}
	}
	if err := b.ensureNodeID(); err != nil {
		return nil, err
	}
	if err := b.startServer(); err != nil {
		return nil, err
	}
	wctx, cancel := context.WithCancel(context.Background())
	b.cancel = cancel
	b.purge.wake = make(chan struct{}, 1)
	b.purge.settled = make(chan struct{}, 1)
	b.goWork(func() { b.runPurger(wctx) })
	// Capture first: no device is let in (the auth service is not up)
	// before the uplink consumer holds the messages.
	if b.capture, err = b.ensureCapture(ctx); err != nil {
		return nil, err
	}
	if err := b.refuseRetained(ctx); err != nil {
		return nil, err
	}
	if err := b.startAuthService(wctx); err != nil {
		return nil, err
	}
	if o.URL != "" {
		if err := b.startExternal(ctx, wctx); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func (b *Bus) startServer() error {
	host, port, err := splitListen(b.opts.MQTTListen)
	if err != nil {
		return err
	}
	if b.issuer, err = nkeys.CreateAccount(); err != nil {
		return fmt.Errorf("bus: issuer key: %w", err)
	}
	issuerPub, err := b.issuer.PublicKey()
	if err != nil {
		return err
	}
	password := randomHex(32)
	// The server keeps only a bcrypt hash of vigil's own connection secret
	// (a random one per start, so the lowest cost is enough).
	hashed, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		return fmt.Errorf("bus: internal user: %w", err)
	}
	dir := filepath.Join(b.opts.DataDir, "jetstream")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("bus: data directory: %w", err)
	}
	b.sopts = &server.Options{
		ServerName: "vigil-edge",
		DontListen: true, // no NATS client port: vigil connects in-process
		NoSigs:     true,
		JetStream:  true,
		StoreDir:   dir,
		// Acknowledge only what is on disk: a lazy fsync loses acknowledged
		// messages on power loss.
		SyncAlways: true,
		// Device messages wait here until ingested: encrypted at rest.
		JetStreamKey:    b.opts.StoreKey,
		JetStreamCipher: server.AES,
		AuthTimeout:     b.opts.AuthTimeout.Seconds(),
		Users: []*server.User{{
			Username: internalUser, Password: string(hashed),
			AllowedConnectionTypes: map[string]struct{}{jwt.ConnectionTypeInProcess: {}}, // never over MQTT
		}},
		AuthCallout: &server.AuthCallout{
			Issuer: issuerPub, Account: server.DEFAULT_GLOBAL_ACCOUNT, AuthUsers: []string{internalUser},
		},
		MQTT: server.MQTTOpts{
			Host: host, Port: port, TLSConfig: b.opts.TLS,
			AuthTimeout: b.opts.AuthTimeout.Seconds(),
			TLSTimeout:  b.opts.AuthTimeout.Seconds(),
		},
	}
	if b.leaf() {
		if err := b.configureLeaf(b.sopts); err != nil {
			return err
		}
	}
	srv, err := server.NewServer(b.sopts)
	if err != nil {
		return fmt.Errorf("bus: edge server: %w", err)
	}
	b.srv = srv
	srv.SetLoggerV2(&serverLog{log: b.log, metrics: b.metrics}, false, false, false)
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		return errors.New("bus: edge server did not start")
	}
	b.nc, err = nats.Connect("", nats.InProcessServer(srv), nats.UserInfo(internalUser, password),
		nats.Name("vigil-edge"), nats.MaxReconnects(-1))
	if err != nil {
		return fmt.Errorf("bus: connect edge: %w", err)
	}
	if b.leaf() {
		if b.js, err = jetstream.NewWithDomain(b.nc, b.opts.Domain); err != nil {
			return err
		}
		return b.awaitLeaf(context.Background())
	}
	if b.js, err = jetstream.New(b.nc); err != nil {
		return err
	}
	return nil
}

// splitListen turns "host:port" into nats-server's MQTT host and port, where
// a random port is -1 (0 disables the listener).
func splitListen(addr string) (string, int, error) {
	if addr == "" {
		return "", 0, errs.E(errs.Invalid, "bus: MQTTListen is required")
	}
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, errs.Wrap(err, errs.Invalid, "bus: MQTTListen %q", addr)
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, errs.E(errs.Invalid, "bus: MQTTListen %q: bad port", addr)
	}
	if port == 0 {
		port = -1
	}
	return host, port, nil
}

// MQTTAddr is the bound address of the device MQTT listener.
func (b *Bus) MQTTAddr() string {
	return net.JoinHostPort(b.sopts.MQTT.Host, strconv.Itoa(b.sopts.MQTT.Port))
}

// Ready reports whether the edge server, its JetStream and (in external
// mode) the external cluster answer.
func (b *Bus) Ready(ctx context.Context) error {
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return errs.E(errs.Unavailable, "bus closed")
	}
	if !b.srv.Running() || (!b.leaf() && !b.srv.JetStreamEnabled()) {
		return errs.E(errs.Unavailable, "bus: edge server not running")
	}
	if _, err := b.js.Stream(ctx, mqttMsgsStream); err != nil {
		return errs.Wrap(err, errs.Unavailable, "bus: MQTT stream")
	}
	if b.forwarding() {
		if _, err := b.extJS.Stream(ctx, b.extStream()); err != nil {
			return errs.Wrap(err, errs.Unavailable, "bus: external stream")
		}
	}
	return nil
}

// Close stops the workers, drains the connections and shuts the edge
// server down. Messages acknowledged to a device and not yet consumed stay
// in the server's MQTT stream and are delivered after the next Open on the
// same DataDir.
func (b *Bus) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	b.mu.Unlock()
	if b.cancel != nil {
		b.cancel()
	}
	b.workers.Wait()
	if b.ext != nil {
		b.ext.Drain() //nolint:errcheck // closing anyway
		b.waitClosed(b.ext)
	}
	if b.nc != nil {
		b.nc.Drain() //nolint:errcheck // closing anyway
		b.waitClosed(b.nc)
	}
	if b.srv != nil {
		b.srv.Shutdown()
		b.srv.WaitForShutdown()
	}
	return nil
}

func (b *Bus) waitClosed(nc *nats.Conn) {
	deadline := time.Now().Add(5 * time.Second)
	for !nc.IsClosed() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	nc.Close()
}

// goWork runs fn as a worker that Close waits for.
func (b *Bus) goWork(fn func()) {
	b.workers.Add(1)
	go func() {
		defer b.workers.Done()
		fn()
	}()
}

func randomHex(n int) string {
	buf := make([]byte, n)
	if _, err := rand.Read(buf); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(buf)
}
