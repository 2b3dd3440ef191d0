package bus

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"regexp"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/vigil-cloud/vigil/internal/errs"
)

// Credentials are what a device presented when it connected.
type Credentials struct {
	ClientID string // the MQTT client identifier
	Username string
	Password string
	RemoteIP string
	Certs    []*x509.Certificate // the TLS client chain, leaf first, when one was sent
}

// Identity is who a device is once authenticated.
type Identity struct {
	DeviceID string
}

// Authenticator decides whether a connecting device may in. It returns an
// error for unknown or revoked credentials; bus refuses the connection and
// counts it. It is called concurrently, once per connection attempt.
type Authenticator interface {
	AuthenticateDevice(ctx context.Context, c Credentials) (Identity, error)
}

var deviceIDRE = regexp.MustCompile(`^dev_[a-z2-7]{26}$`)

// ValidDeviceID reports whether id is a well-formed device ID: "dev_" and
// 26 lower-case base32 characters, so it is always one subject token.
func ValidDeviceID(id string) bool { return deviceIDRE.MatchString(id) }

// authSubject is where the server sends auth callout requests.
const authSubject = "$SYS.REQ.USER.AUTH"

// maxAuthInFlight bounds concurrent authentications (an Authenticator may
// hash a password).
const maxAuthInFlight = 64

// startAuthService answers the server's auth callout requests: every device
// connection is handed to Options.Auth, and a device gets a user whose
// permissions cover only its own tree.
func (b *Bus) startAuthService(ctx context.Context) error {
	sem := make(chan struct{}, maxAuthInFlight)
	sub, err := b.nc.Subscribe(authSubject, func(m *nats.Msg) {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		go func() {
			defer func() { <-sem }()
			b.answerAuth(ctx, m)
		}()
	})
	if err != nil {
		return fmt.Errorf("bus: auth service: %w", err)
	}
	if err := b.nc.Flush(); err != nil {
		return fmt.Errorf("bus: auth service: %w", err)
	}
	b.goWork(func() {
		<-ctx.Done()
		sub.Unsubscribe() //nolint:errcheck // closing anyway
	})
	return nil
}

func (b *Bus) answerAuth(ctx context.Context, m *nats.Msg) {
	req, err := jwt.DecodeAuthorizationRequestClaims(string(m.Data))
	if err != nil {
		b.log.Warn("bus: undecodable auth request", "err", err)
		return // the server times the connection out
	}
	ctx, cancel := context.WithTimeout(ctx, b.opts.AuthTimeout)
	defer cancel()
	id, reason := b.authorize(ctx, req)
	resp := jwt.NewAuthorizationResponseClaims(req.UserNkey)
	resp.Audience = req.Server.ID
	if reason != "" {
		b.metrics.authRefused.WithLabelValues(reason).Inc()
		resp.Error = "not authorized"
	} else {
		uc := deviceUser(req.UserNkey, id.DeviceID)
		if resp.Jwt, err = uc.Encode(b.issuer); err != nil {
			b.log.Error("bus: sign device user", "err", err)
			resp.Jwt, resp.Error = "", "not authorized"
		}
	}
	token, err := resp.Encode(b.issuer)
	if err != nil {
		b.log.Error("bus: sign auth response", "err", err)
		return
	}
	if err := m.Respond([]byte(token)); err != nil {
		b.log.Warn("bus: auth response", "err", err)
	}
}

// authorize returns the device's identity, or the reason it is refused.
func (b *Bus) authorize(ctx context.Context, req *jwt.AuthorizationRequestClaims) (Identity, string) {
	ci := req.ClientInformation
	if ci.Type != "mqtt" || ci.Kind != "Client" {
		return Identity{}, "not_mqtt"
	}
	cred := Credentials{
		ClientID: ci.MQTT,
		Username: req.ConnectOptions.Username,
		Password: req.ConnectOptions.Password,
		RemoteIP: ci.Host,
	}
	if ip := net.ParseIP(ci.Host); ip == nil {
		cred.RemoteIP = ""
	}
	if req.TLS != nil {
		cred.Certs = parseCerts(req.TLS)
	}
	id, err := b.opts.Auth.AuthenticateDevice(ctx, cred)
	switch {
	case err != nil && ctx.Err() != nil:
		b.log.Warn("bus: device authentication timed out", "err", err)
		return Identity{}, "timeout"
	case err != nil:
		if c := errs.CodeOf(err); c != errs.Unauthenticated && c != errs.Forbidden && c != errs.NotFound && c != errs.Locked {
			b.log.Error("bus: device authentication failed", "err", err)
			return Identity{}, "error"
		}
		return Identity{}, "bad_credentials"
	case !ValidDeviceID(id.DeviceID):
		b.log.Error("bus: authenticator returned a malformed device ID")
		return Identity{}, "bad_identity"
	case ci.MQTT != id.DeviceID:
		// MQTT sessions are keyed by client ID: another device's ID would
		// evict that device and take over its session.
		return Identity{}, "client_id"
	}
	return id, ""
}

func parseCerts(t *jwt.ClientTLS) []*x509.Certificate {
	pems := []string(t.Certs)
	if len(t.VerifiedChains) > 0 {
		pems = t.VerifiedChains[0]
	}
	var certs []*x509.Certificate
	for _, p := range pems {
		blk, _ := pem.Decode([]byte(p))
		if blk == nil {
			continue
		}
		if c, err := x509.ParseCertificate(blk.Bytes); err == nil {
			certs = append(certs, c)
		}
	}
	return certs
}

// deviceUser is the NATS user a device connection becomes: MQTT only, and
// its own tree dev.<id>.> for publish and subscribe. "$MQTT.sub.>" and
// "$MQTT.deliver.pubrel.>" are the server's delivery inboxes for QoS 1 and 2
// subscriptions; an MQTT client cannot name them in a SUBSCRIBE (the server
// refuses filters under $MQTT.), so they reach no other device's messages.
func deviceUser(userNkey, deviceID string) *jwt.UserClaims {
	uc := jwt.NewUserClaims(userNkey)
	uc.Name = deviceID
	uc.Audience = server.DEFAULT_GLOBAL_ACCOUNT
	uc.AllowedConnectionTypes.Add(jwt.ConnectionTypeMqtt)
	tree := "dev." + deviceID + ".>"
	uc.Pub.Allow.Add(tree)
	uc.Sub.Allow.Add(tree, "$MQTT.sub.>", "$MQTT.deliver.pubrel.>")
	return uc
}

// Disconnect closes every live connection of the device at once, for
// example after its credential was revoked; a reconnect is authenticated
// again. In external mode every vigil node is told to do the same. It
// returns how many connections this node closed.
func (b *Bus) Disconnect(deviceID string) int {
	if !ValidDeviceID(deviceID) {
		return 0
	}
	n := b.KickLocal(deviceID)
	if b.ext != nil {
		if err := b.ext.Publish(b.extSubject("ctl.disconnect"), []byte(deviceID)); err != nil {
			b.log.Error("bus: broadcast disconnect", "device", deviceID, "err", err)
		}
	}
	return n
}

// KickLocal closes the device's connections on this node only (the
// revocation signal reaches the other nodes itself).
func (b *Bus) KickLocal(deviceID string) int {
	n := 0
	for _, cid := range b.connections(deviceID) {
		if err := b.srv.DisconnectClientByID(cid); err == nil {
			n++
		} else if !errors.Is(err, server.ErrServerNotRunning) {
			b.log.Debug("bus: kick", "cid", cid, "err", err)
		}
	}
	b.metrics.kicked.Add(float64(n))
	return n
}

// Connections returns how many open MQTT connections of the device this
// node has.
func (b *Bus) Connections(deviceID string) int { return len(b.connections(deviceID)) }

// connections lists the server's IDs of the device's open connections.
func (b *Bus) connections(deviceID string) []uint64 {
	cz, err := b.srv.Connz(&server.ConnzOptions{MQTTClient: deviceID, State: server.ConnOpen, Limit: 1 << 20})
	if err != nil {
		b.log.Error("bus: list connections", "err", err)
		return nil
	}
	var ids []uint64
	for _, c := range cz.Conns {
		if c.MQTTClient == deviceID {
			ids = append(ids, c.Cid)
		}
	}
	return ids
}

// ConnectedDevices lists the devices with an open MQTT connection to this
// node.
func (b *Bus) ConnectedDevices() []string {
	cz, err := b.srv.Connz(&server.ConnzOptions{State: server.ConnOpen, Limit: 1 << 20})
	if err != nil {
		b.log.Error("bus: list connections", "err", err)
		return nil
	}
	var ids []string
	for _, c := range cz.Conns {
		if ValidDeviceID(c.MQTTClient) {
			ids = append(ids, c.MQTTClient)
		}
	}
	return ids
}
