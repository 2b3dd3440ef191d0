// Package device links cameras and NVRs to vigil: the vendor's manufacture
// registry, claims by their owners, device credentials, what devices report
// (minimised against the data map), remote configuration through shadows,
// and firmware and app update notices.
//
// Reads and changes by people pass the access gate. What a device reports
// about itself is collection, not access: it is checked field by field
// against the data map, and only declared fields are stored.
package device

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/revoke"
)

// Kind is what sort of device it is.
type Kind string

// Device kinds.
const (
	Camera Kind = "camera"
	NVR    Kind = "nvr"
)

// Keys seals personal fields under an account's key and computes keyed
// fingerprints. The keyring implements it.
type Keys interface {
	SealAccount(ctx context.Context, accountID string, plaintext, ad []byte) ([]byte, error)
	OpenAccount(ctx context.Context, accountID string, ciphertext, ad []byte) ([]byte, error)
	BlindIndex(ctx context.Context, domain string, value []byte) ([]byte, error)
}

// Link is the device side of the bus: vigil talks to connected devices
// through it.
type Link interface {
	// SendToDevice publishes payload on the device's downlink topic.
	SendToDevice(ctx context.Context, deviceID, topic string, payload []byte) error
	// Disconnect drops every live connection of the device at once.
	Disconnect(deviceID string) int
}

// Options tune the service.
type Options struct {
	// MQTTURL is what devices are told to connect to, e.g. mqtts://host:8883.
	MQTTURL string
	// PairingTTL is how long a pairing token is valid (10 minutes).
	PairingTTL time.Duration
	// Revoker is the revocation signal a device's withdrawn trust goes
	// through; nil sends none.
	Revoker revoke.Revoker
}

// Service is the device capability.
type Service struct {
	store   Store
	keys    Keys
	gate    *access.Gate
	link    Link
	revoker revoke.Revoker
	reg     *datamap.Registry
	clk     clock.Clock
	log     *slog.Logger
	opts    Options
	metrics *metrics
	schemas *schemaCache
	replies sync.WaitGroup // replies to devices sent after an ingest batch

	hooksMu      sync.Mutex
	releaseHooks []func(ctx context.Context, accountID, deviceID string)
	alarms       AlarmIntake
	faces        atomic.Pointer[faceGateBox]
}

// New returns the service. link may be nil until the bus is up (SetLink).
func New(st Store, k Keys, gate *access.Gate, reg *datamap.Registry, clk clock.Clock, log *slog.Logger, mreg prometheus.Registerer, o Options) (*Service, error) {
	if o.PairingTTL <= 0 {
		o.PairingTTL = 10 * time.Minute
	}
	for topic, spec := range uplinkSpecs {
		if err := spec.declaredIn(reg); err != nil {
			return nil, errs.Wrap(err, errs.Internal, "uplink topic %q", topic)
		}
	}
	return &Service{store: st, keys: k, gate: gate, reg: reg, clk: clk, log: log, opts: o, revoker: o.Revoker,
		metrics: newMetrics(mreg), schemas: newSchemaCache()}, nil
}

// Close waits for the replies to devices still being sent.
func (s *Service) Close() { s.replies.Wait() }

// SetMQTTURL sets what devices are told to connect to.
func (s *Service) SetMQTTURL(u string) { s.opts.MQTTURL = u }

// SetLink connects the service to the bus.
func (s *Service) SetLink(l Link) { s.link = l }

func (s *Service) check(ctx context.Context, p access.Principal, a access.Action, r access.Resource, purpose datamap.Purpose) (access.Decision, error) {
	return s.gate.Check(ctx, p, a, r, purpose)
}

func res(cat datamap.CategoryID, accountID, deviceID string) access.Resource {
	return access.Resource{Category: cat, AccountID: accountID, ID: deviceID}
}

func (s *Service) seal(ctx context.Context, accountID, column, rowID string, v []byte) ([]byte, error) {
	return s.keys.SealAccount(ctx, accountID, v, keys.FieldAD(column, rowID))
}

// open returns the clear value of a sealed field, or nil when the account's
// key was destroyed (the field reads as erased).
func (s *Service) open(ctx context.Context, accountID, column, rowID string, sealed []byte) []byte {
	if len(sealed) == 0 {
		return nil
	}
	b, err := s.keys.OpenAccount(ctx, accountID, sealed, keys.FieldAD(column, rowID))
	if err != nil {
		if !errs.Is(err, errs.Gone) {
			s.log.Error("sealed field unreadable", "column", column, "err", err)
		}
		return nil
	}
	return b
}

func (s *Service) send(ctx context.Context, deviceID, topic string, payload []byte) {
	if s.link == nil {
		return
	}
	if err := s.link.SendToDevice(ctx, deviceID, topic, payload); err != nil {
		s.log.Warn("downlink not sent", "device", deviceID, "topic", topic, "err", err)
	}
}

// withdrawn sends the one "device revoked" signal: on every node, the
// device's MQTT connections and RTSP sessions close and its live viewers
// end, and stream tokens issued for it are refused (the listeners are
// wired by the app). Without the signal (a service used alone) the bus is
// told directly.
func (s *Service) withdrawn(ctx context.Context, deviceID string) {
	if s.revoker == nil {
		if s.link != nil {
			s.link.Disconnect(deviceID)
		}
		return
	}
	if err := s.revoker.Revoke(context.WithoutCancel(ctx), revoke.Device(deviceID)); err != nil {
		s.log.Error("device revocation not recorded", "device", deviceID, "err", err)
	}
}

type metrics struct {
	messages *prometheus.CounterVec
	dropped  *prometheus.CounterVec
	authFail prometheus.Counter
}

func newMetrics(r prometheus.Registerer) *metrics {
	m := &metrics{
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_ingest_messages_total",
			Help: "Device messages by topic kind and result (stored, rejected_malformed, rejected_too_large, rejected_unknown_topic, refused_not_opted_in, rejected_unclaimed).",
		}, []string{"topic", "result"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_ingest_dropped_fields_total",
			Help: "Fields a device sent that the data map does not declare for the topic; dropped, never stored.",
		}, []string{"category"}),
		authFail: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vigil_device_auth_failed_total",
			Help: "Device sign-ins refused: unknown, revoked or lost credentials.",
		}),
	}
	if r != nil {
		r.MustRegister(m.messages, m.dropped, m.authFail)
	}
	return m
}

// released runs the release hooks.
func (s *Service) released(ctx context.Context, accountID, deviceID string) {
	ctx = context.WithoutCancel(ctx)
	s.hooksMu.Lock()
	hooks := slices.Clone(s.releaseHooks)
	s.hooksMu.Unlock()
	for _, fn := range hooks {
		fn(ctx, accountID, deviceID)
	}
}

// OnRelease adds fn to what runs once a device has left an account
// (released by its owner): what other capabilities keep for it goes, and
// what they run for it stops, such as its alarms and pulling its video.
func (s *Service) OnRelease(fn func(ctx context.Context, accountID, deviceID string)) {
	s.hooksMu.Lock()
	defer s.hooksMu.Unlock()
	s.releaseHooks = append(s.releaseHooks, fn)
}
