package bus

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vigil-cloud/vigil/internal/clock"
)

// extStream is the name of the uplink stream on the external cluster.
func (b *Bus) extStream() string { return strings.ToUpper(b.prefix) + "_UPLINK" }

// extSubject puts subject under the prefix on the external cluster.
func (b *Bus) extSubject(subject string) string { return b.prefix + "." + subject }

// ExternalAuth is how vigil connects to an external NATS cluster beyond its
// URL: at most one of CredsFile (a decentralised-auth .creds file) and
// NKeyFile (a file holding an nkey user seed), and, for tls:// URLs or
// servers that require TLS, the CA that signed the servers' certificates
// and an optional client certificate. A user and password in the URL work
// too; they never reach a log (see Redact).
type ExternalAuth struct {
	CredsFile string
	NKeyFile  string
	CAFile    string
	CertFile  string
	KeyFile   string
}

func (a ExternalAuth) options() ([]nats.Option, error) {
	var opts []nats.Option
	if a.CredsFile != "" && a.NKeyFile != "" {
		return nil, errors.New("bus: give a credentials file or an nkey file, not both")
	}
	if a.CredsFile != "" {
		opts = append(opts, nats.UserCredentials(a.CredsFile))
	}
	if a.NKeyFile != "" {
		o, err := nats.NkeyOptionFromSeed(a.NKeyFile)
		if err != nil {
			// The error may quote the file's content: name the file only.
			return nil, fmt.Errorf("bus: nkey file %s: not a readable nkey user seed", a.NKeyFile)
		}
		opts = append(opts, o)
	}
	if a.CAFile != "" {
		opts = append(opts, nats.RootCAs(a.CAFile))
	}
	if (a.CertFile == "") != (a.KeyFile == "") {
		return nil, errors.New("bus: a client certificate needs both its certificate and key files")
	}
	if a.CertFile != "" {
		opts = append(opts, nats.ClientCert(a.CertFile, a.KeyFile))
	}
	return opts, nil
}

// Redact returns url with any password replaced, for logs and errors.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "[unparsable URL]"
	}
	return u.Redacted()
}

// replicas is how many copies of the uplink stream the external cluster
// keeps.
func (b *Bus) replicas() int {
	if b.opts.Replicas > 0 {
		return b.opts.Replicas
	}
	if b.ext.ConnectedClusterName() != "" {
		return 3
	}
	return 1
}

// ensureUplinkStream makes the external uplink stream, or updates it when
// its settings differ. A node starting while a server of the cluster is
// down finds the stream as it should be and leaves it alone: an update
// then waits on the missing peer and would keep the node from starting.
func (b *Bus) ensureUplinkStream(ctx context.Context) error {
	want := jetstream.StreamConfig{
		Name:        b.extStream(),
		Description: "device uplink from all vigil edges",
		Subjects:    []string{b.extSubject(uplinkSubjects)},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.WorkQueuePolicy, // gone once ingested
		MaxAge:      UplinkRetention,
		Duplicates:  10 * time.Minute,
		Replicas:    b.replicas(),
	}
	s, err := b.extJS.Stream(ctx, want.Name)
	switch {
	case errors.Is(err, jetstream.ErrStreamNotFound):
		_, err = b.extJS.CreateStream(ctx, want)
	case err != nil:
	default:
		have := s.CachedInfo().Config
		if slices.Equal(have.Subjects, want.Subjects) && have.Replicas == want.Replicas && have.MaxAge == want.MaxAge &&
			have.Duplicates == want.Duplicates && have.Retention == want.Retention && have.Storage == want.Storage {
			return nil
		}
		_, err = b.extJS.UpdateStream(ctx, want)
	}
	if err != nil {
		return fmt.Errorf("bus: external uplink stream: %w", err)
	}
	return nil
}

// startExternal connects to the external cluster, makes sure its uplink
// stream exists, and starts the forwarder, the downlink relay and the
// disconnect listener.
func (b *Bus) startExternal(ctx, wctx context.Context) error {
	if b.ext == nil {
		if err := b.connectExternal(); err != nil {
			return err
		}
	}
	if b.leaf() {
		// Uplink and downlink go through the cluster's MQTT streams; only
		// the control subjects below are vigil's own.
		if err := b.listenControl(); err != nil {
			return err
		}
		b.goWork(func() { b.purgeAcknowledged(wctx, 5*time.Second) })
		return nil
	}
	// A node starting while the cluster elects a new leader for the stream
	// (a server just died) gets timeouts for a few seconds: wait for the
	// election rather than refuse to start.
	for deadline := time.Now().Add(uplinkStreamWait); ; {
		err := b.ensureUplinkStream(ctx)
		if err == nil {
			break
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			return err
		}
		b.log.Warn("bus: external uplink stream not ready, trying again", "err", err)
		clock.Pause(ctx, time.Second)
	}
	down := b.extSubject("dev.*.down.>")
	if _, err := b.ext.Subscribe(down, func(m *nats.Msg) {
		subject := strings.TrimPrefix(m.Subject, b.prefix+".")
		if err := b.deliverLocal(wctx, subject, m.Data); err != nil {
			b.log.Warn("bus: relay downlink", "err", err)
		}
	}); err != nil {
		return fmt.Errorf("bus: downlink relay: %w", err)
	}
	if err := b.listenControl(); err != nil {
		return err
	}
	b.goWork(func() { b.forward(wctx, b.capture) })
	return nil
}

// uplinkStreamWait bounds how long a starting node waits for the cluster's
// uplink stream to answer.
const uplinkStreamWait = 60 * time.Second

// connectExternal connects to the external cluster.
func (b *Bus) connectExternal() error {
	opts, err := b.opts.External.options()
	if err != nil {
		return err
	}
	opts = append(opts, nats.Name("vigil-"+b.nodeID), nats.MaxReconnects(-1),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			b.log.Warn("bus: external connection", "err", err)
		}))
	b.ext, err = nats.Connect(b.opts.URL, opts...)
	if err != nil {
		return fmt.Errorf("bus: connect external %s: %w", Redact(b.opts.URL), err)
	}
	b.extJS, err = jetstream.New(b.ext)
	return err
}

// listenControl subscribes to the other nodes' revocations and device
// disconnections.
func (b *Bus) listenControl() error {
	if _, err := b.ext.Subscribe(b.extSubject("ctl.revoke"), func(m *nats.Msg) {
		if key, epoch, ok := parseRevoke(m.Data); ok && b.opts.OnRevoke != nil {
			b.opts.OnRevoke(key, epoch)
		}
	}); err != nil {
		return fmt.Errorf("bus: revocation listener: %w", err)
	}
	if _, err := b.ext.Subscribe(b.extSubject("ctl.disconnect"), func(m *nats.Msg) {
		if id := string(m.Data); ValidDeviceID(id) {
			b.KickLocal(id)
		}
	}); err != nil {
		return fmt.Errorf("bus: disconnect listener: %w", err)
	}
	if err := b.ext.Flush(); err != nil {
		return fmt.Errorf("bus: external: %w", err)
	}
	return nil
}

// forward copies device uplink from the server's MQTT stream to the
// external stream. A message is acknowledged at the edge only after the
// external stream has stored it, so a crash loses nothing; a redelivery
// after a crash carries the same Nats-Msg-Id (node ID and edge sequence),
// which the external stream drops as a duplicate within its window.
func (b *Bus) forward(ctx context.Context, cons jetstream.Consumer) {
	// What a killed run was forwarding is still pending on the capture
	// consumer: it must go first, or the cumulative acknowledgement of
	// newer messages would settle it unsent.
	b.awaitStranded(ctx, cons)
	b.move(ctx, cons, b.extJS, func(subject string) string {
		return b.extSubject(strings.TrimPrefix(subject, mqttMsgsPrefix))
	}, b.nodeID+"-", b.metrics.forwarded.Inc)
}

// PublishRevoke tells every other node that key's revocation epoch is now
// epoch (revoke.Fanout). Alone on the edge server, there is no one to tell.
func (b *Bus) PublishRevoke(key string, epoch uint64) error {
	if b.ext == nil {
		return nil
	}
	if len(key) == 0 || len(key) > maxRevokeKey {
		return fmt.Errorf("bus: revocation key of %d bytes", len(key))
	}
	return b.ext.Publish(b.extSubject("ctl.revoke"), []byte(strconv.FormatUint(epoch, 10)+" "+key))
}

const maxRevokeKey = 256

// parseRevoke reads "<epoch> <key>".
func parseRevoke(b []byte) (string, uint64, bool) {
	n, key, ok := strings.Cut(string(b), " ")
	if !ok || key == "" || len(key) > maxRevokeKey {
		return "", 0, false
	}
	epoch, err := strconv.ParseUint(n, 10, 64)
	return key, epoch, err == nil
}

// Broadcast publishes data under topic to every node (fanout.Relay). Alone
// on the edge server there is no other node: it does nothing.
func (b *Bus) Broadcast(topic string, data []byte) error {
	if b.ext == nil {
		return nil
	}
	return b.ext.Publish(b.extSubject("ctl.fan."+topic), data)
}

// OnBroadcast calls fn with what any node broadcast under topic, this
// one's included.
func (b *Bus) OnBroadcast(topic string, fn func(data []byte)) error {
	if b.ext == nil {
		return nil
	}
	if _, err := b.ext.Subscribe(b.extSubject("ctl.fan."+topic), func(m *nats.Msg) { fn(m.Data) }); err != nil {
		return err
	}
	return b.ext.Flush() // listening once this returns
}

// locateTimeout bounds the wait for the node holding a stream: a stream
// no node holds is answered by nobody.
const locateTimeout = 500 * time.Millisecond

// ServeLocate answers the other nodes' Locate: when holds(key) is true,
// this node replies with nodeURL. Alone on the edge server, nobody asks.
func (b *Bus) ServeLocate(nodeURL string, holds func(key string) bool) error {
	if b.ext == nil {
		return nil
	}
	if _, err := b.ext.Subscribe(b.extSubject("ctl.live.where"), func(m *nats.Msg) {
		if holds(string(m.Data)) {
			m.Respond([]byte(nodeURL)) //nolint:errcheck // the asker times out and answers "not streaming"
		}
	}); err != nil {
		return err
	}
	return b.ext.Flush()
}

// Locate asks every node which holds key, and returns the URL the holder
// gave; false when no node answered in time (or there are no others).
func (b *Bus) Locate(ctx context.Context, key string) (string, bool) {
	if b.ext == nil {
		return "", false
	}
	ctx, cancel := context.WithTimeout(ctx, locateTimeout)
	defer cancel()
	m, err := b.ext.RequestWithContext(ctx, b.extSubject("ctl.live.where"), []byte(key))
	if err != nil {
		return "", false
	}
	return string(m.Data), true
}
