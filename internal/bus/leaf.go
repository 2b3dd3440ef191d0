package bus

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/vigil-cloud/vigil/internal/clock"
)

// Leaf mode: why the edge server joins the cluster as a leaf node.
//
// In forward mode (URL alone) a device's QoS 1 PUBLISH is acknowledged once
// the edge's own disk holds it; the forwarder then moves it to the cluster.
// A node killed in between keeps what it acknowledged on its disk until it
// runs again, and loses it for good if it never does. With LeafURL, the
// edge server keeps no JetStream of its own: its MQTT layer uses the
// cluster's JetStream (Options.Domain) through the leaf connection, so the
// server sends a PUBACK only once the cluster stored the message on
// Replicas servers. Every node consumes device uplink from that one stream
// with explicit acknowledgements: a message one node took and did not
// settle is delivered to another after AckWait. MQTT sessions live there
// too, so a device that reconnects to another node keeps its
// subscriptions.
//
// Only what MQTT and JetStream need crosses the leaf connection: the
// system account's subjects (device authentication among them) stay on
// each edge, so one node's authentication never answers another's.

// leaf reports whether the edge runs as a leaf node of the cluster.
func (b *Bus) leaf() bool { return b.opts.LeafURL != "" }

// leafAckWait is when a message one node fetched and did not settle (it
// died) is delivered to another.
const leafAckWait = 30 * time.Second

// configureLeaf turns the edge's server options into a leaf node of the
// cluster without a JetStream of its own.
func (b *Bus) configureLeaf(o *server.Options) error {
	var urls []*url.URL
	for _, raw := range strings.Split(b.opts.LeafURL, ",") {
		u, err := url.Parse(strings.TrimSpace(raw))
		if err != nil || u.Host == "" {
			return fmt.Errorf("bus: leaf URL %s: want nats-leaf://host:port", Redact(strings.TrimSpace(raw)))
		}
		urls = append(urls, u)
	}
	remote := &server.RemoteLeafOpts{
		URLs:        urls,
		Credentials: b.opts.External.CredsFile,
		DenyImports: []string{"$SYS.>"},
		DenyExports: []string{"$SYS.>"},
	}
	if f := b.opts.External.NKeyFile; f != "" {
		seed, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("bus: nkey file %s: not readable", f)
		}
		remote.Nkey = strings.TrimSpace(string(seed))
	}
	tlsConf, err := b.opts.External.tlsConfig()
	if err != nil {
		return err
	}
	if tlsConf != nil || urlsWantTLS(urls) {
		remote.TLS, remote.TLSConfig = true, tlsConf
	}
	// Server names must differ across the cluster and its leaf nodes.
	o.ServerName = "vigil-edge-" + b.nodeID
	o.JetStream, o.StoreDir, o.JetStreamKey, o.JetStreamCipher = false, "", "", server.NoCipher
	o.LeafNode.Remotes = []*server.RemoteLeafOpts{remote}
	o.MQTT.JsDomain = b.opts.Domain
	o.MQTT.StreamReplicas = b.replicas()
	o.MQTT.ConsumerReplicas = b.replicas()
	return nil
}

func urlsWantTLS(urls []*url.URL) bool {
	for _, u := range urls {
		if u.Scheme == "tls" {
			return true
		}
	}
	return false
}

// tlsConfig is the CA and client certificate of a, for the leaf
// connection; nil when a names neither.
func (a ExternalAuth) tlsConfig() (*tls.Config, error) {
	if a.CAFile == "" && a.CertFile == "" && a.KeyFile == "" {
		return nil, nil
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if a.CAFile != "" {
		pem, err := os.ReadFile(a.CAFile)
		if err != nil {
			return nil, fmt.Errorf("bus: CA file %s: not readable", a.CAFile)
		}
		c.RootCAs = x509.NewCertPool()
		if !c.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("bus: CA file %s: no PEM certificate", a.CAFile)
		}
	}
	if (a.CertFile == "") != (a.KeyFile == "") {
		return nil, errors.New("bus: a client certificate needs both its certificate and key files")
	}
	if a.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(a.CertFile, a.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("bus: client certificate %s: not a readable key pair", a.CertFile)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}

// awaitLeaf waits until the cluster's JetStream answers through the leaf
// connection.
func (b *Bus) awaitLeaf(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var err error
	for {
		if _, err = b.js.AccountInfo(ctx); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("bus: the cluster's JetStream (domain %q) did not answer through the leaf connection: %w", b.opts.Domain, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// purgeAcknowledged removes device uplink every node has settled from the
// shared MQTT stream until ctx ends: with explicit acknowledgements the
// consumer's floor is what no node needs any more. It looks at the floor at
// most once per interval, and only after this node settled something: each
// node purges behind its own acknowledgements, so an idle node asks nothing.
func (b *Bus) purgeAcknowledged(ctx context.Context, every time.Duration) {
	var done uint64
	for {
		select {
		case <-b.purge.settled:
		case <-ctx.Done():
			return
		}
		clock.Pause(ctx, every)
		if ctx.Err() != nil {
			return
		}
		info, err := b.capture.Info(ctx)
		if err != nil {
			continue
		}
		if floor := info.AckFloor.Stream; floor > done {
			b.schedulePurge(floor)
			done = floor
		}
	}
}

// mqttReplicas is how many servers keep the MQTT streams: the edge's own
// server alone, or the cluster's Replicas in leaf mode.
func (b *Bus) mqttReplicas() int {
	if b.leaf() {
		return b.replicas()
	}
	return 1
}

// forwarding reports whether uplink is moved from the edge's disk to the
// cluster's own stream (external forward mode).
func (b *Bus) forwarding() bool { return b.extJS != nil && !b.leaf() }
