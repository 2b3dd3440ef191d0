package app

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"net"
	"path/filepath"

	"github.com/vigil-cloud/vigil/internal/bus"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/privacy"
	"github.com/vigil-cloud/vigil/internal/revoke"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/tlsutil"
)

// deviceAuth lets the bus ask the device service who connects, and records
// the address a device connected from.
type deviceAuth struct {
	a    *App
	node string // this node's ID (bus.NodeID)
}

func (d deviceAuth) AuthenticateDevice(ctx context.Context, c bus.Credentials) (bus.Identity, error) {
	id, err := d.a.Devices.Authenticate(ctx, c.Username, c.Password)
	if err != nil {
		return bus.Identity{}, err
	}
	if err := d.a.Devices.Connected(ctx, id, c.RemoteIP); err != nil {
		// The address is kept for anti-fraud; failing to keep it must not
		// lock the device out.
		d.a.Log.Warn("device address not recorded", "device", id.DeviceID, "err", err)
	}
	if d.a.Config.Bus.LeafURL != "" {
		// In leaf mode any node may ingest the device's messages: record
		// here which node holds its connection, for the dead-node sweep.
		if err := store.NewNodeStore(d.a.DB).Attach(ctx, d.node, id.DeviceID); err != nil {
			d.a.Log.Warn("device's node not recorded", "device", id.DeviceID, "err", err)
		}
	}
	return bus.Identity{DeviceID: id.DeviceID}, nil
}

// busDir holds the bus's store and this node's ID.
func (a *App) busDir() string { return filepath.Join(a.Config.DataDir, "bus") }

// openBus starts the device bus and tells devices where to connect.
func (a *App) openBus(ctx context.Context) error {
	tlsConf, err := a.tlsConfig()
	if err != nil {
		return err
	}
	// Device messages wait in the bus's store until ingested; it is
	// encrypted with a key kept, like every system secret, under the KEK.
	storeKey, err := a.Keys.SystemSecret(ctx, "bus-store-key", func() ([]byte, error) {
		k := make([]byte, 32)
		_, err := rand.Read(k)
		return k, err
	})
	if err != nil {
		return fmt.Errorf("device bus key: %w", err)
	}
	node, err := bus.NodeID(a.busDir())
	if err != nil {
		return fmt.Errorf("device bus: %w", err)
	}
	b, err := bus.Open(ctx, bus.Options{
		StoreKey:   hex.EncodeToString(storeKey),
		DataDir:    a.busDir(),
		MQTTListen: a.Config.Bus.MQTTListen,
		TLS:        tlsConf,
		Auth:       deviceAuth{a: a, node: node},
		URL:        a.Config.Bus.URL,
		External: bus.ExternalAuth{CredsFile: a.Config.Bus.CredsFile, NKeyFile: a.Config.Bus.NKeyFile,
			CAFile: a.Config.Bus.CAFile, CertFile: a.Config.Bus.CertFile, KeyFile: a.Config.Bus.KeyFile},
		LeafURL:  a.Config.Bus.LeafURL,
		Domain:   a.Config.Bus.Domain,
		Replicas: a.Config.Bus.Replicas,
		Prefix:   a.Config.Bus.Prefix,
		Metrics:  a.Metrics,
		Log:      a.Log,
		OnRevoke: a.Revocations.Apply,
	})
	if err != nil {
		return fmt.Errorf("device bus: %w", err)
	}
	a.Bus = b
	// The bus authenticates devices through the device service, so it is
	// built after it; the service learns of its link (and, in New, of the
	// address the bus listens on) here.
	a.Devices.SetLink(b)
	a.Revocations.SetFanout(b)
	return nil
}

// relayFeeds carries the live feeds (in-app messages, grant uses) between
// nodes over the external bus, so a person sees every message live on the
// node their stream reached. Alone, there is nothing to relay.
func (a *App) relayFeeds(grantUses *privacy.Feed) error {
	if a.Config.Bus.URL == "" {
		return nil
	}
	if err := a.Notify.Feed().Connect(a.Bus, "app-feed", a.Bus.NodeID(), a.Log); err != nil {
		return fmt.Errorf("relay the in-app feed: %w", err)
	}
	if err := grantUses.Connect(a.Bus, "grant-uses", a.Bus.NodeID(), a.Log); err != nil {
		return fmt.Errorf("relay grant uses: %w", err)
	}
	return nil
}

// obeyRevocations makes this node obey the revocation signal, whichever
// node sent it: a revoked device's MQTT connections and RTSP sessions
// close and its live viewers end with its streams; WebRTC viewers whose
// tokens depended on any revoked trust (a membership, a grant) end.
func (a *App) obeyRevocations() {
	bus, lv := a.Bus, a.Live
	a.Revocations.OnRevoke(func(k revoke.Key) {
		// Closing sessions may wait on the recorder's queue: not on the
		// revoking request's (or the bus's) goroutine.
		go func() {
			if id, ok := k.DeviceID(); ok {
				if bus != nil {
					bus.KickLocal(id)
				}
				if lv != nil {
					lv.CloseDevice(id)
				}
			}
			if lv != nil {
				lv.CheckViewers()
			}
		}()
	})
}

// MQTTURL is what devices are told to connect to.
func (a *App) MQTTURL() string {
	if u := a.Config.Bus.MQTTPublicURL; u != "" || a.Bus == nil {
		return u
	}
	scheme := "mqtt"
	if a.Config.TLS.Enabled() {
		scheme = "mqtts"
	}
	return scheme + "://" + a.Bus.MQTTAddr()
}

// tlsConfig loads the certificate HTTPS uses, for the MQTT listener; nil
// when vigil runs without TLS (loopback only).
func (a *App) tlsConfig() (*tls.Config, error) {
	t := a.Config.TLS
	cert, key := t.CertFile, t.KeyFile
	if t.SelfSigned {
		host, _, _ := net.SplitHostPort(a.Config.Listen)
		var err error
		if cert, key, err = tlsutil.SelfSigned(filepath.Join(a.Config.DataDir, "tls"), host, a.Clock.Now()); err != nil {
			return nil, err
		}
	}
	if cert == "" {
		return nil, nil
	}
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, nil
}

// ingestBatch is the largest batch of device messages stored in one
// transaction.
const ingestBatch = 256

// consumeUplink stores device messages until ctx ends. Rejected messages
// are not redelivered; a failed transaction is.
func (a *App) consumeUplink(ctx context.Context) error {
	return a.Bus.ConsumeUplinkBatch(ctx, "ingest", ingestBatch, func(ctx context.Context, ms []bus.Message) []error {
		batch := make([]device.Uplink, len(ms))
		for i, m := range ms {
			batch[i] = device.Uplink{DeviceID: m.DeviceID, Topic: m.Topic, Payload: m.Payload, Received: m.Received, Node: m.Node}
		}
		res := a.Devices.Ingest(ctx, batch)
		for i, err := range res {
			switch errs.CodeOf(err) {
			case errs.Invalid, errs.TooLarge, errs.Forbidden, errs.NotFound:
				res[i] = bus.Permanent(err)
			}
		}
		return res
	})
}
