package notify

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/config"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/fanout"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/mail"
	"github.com/vigil-cloud/vigil/internal/privacy"
	"github.com/vigil-cloud/vigil/internal/safedial"
)

// Keys seals what notification delivery stores and signs unsubscribe links.
type Keys interface {
	SealSubject(ctx context.Context, subjectID string, plaintext, ad []byte) ([]byte, error)
	OpenSubject(ctx context.Context, subjectID string, ciphertext, ad []byte) ([]byte, error)
	SealAccount(ctx context.Context, accountID string, plaintext, ad []byte) ([]byte, error)
	OpenAccount(ctx context.Context, accountID string, ciphertext, ad []byte) ([]byte, error)
	BlindIndex(ctx context.Context, domain string, value []byte) ([]byte, error)
	SystemSecret(ctx context.Context, name string, generate func() ([]byte, error)) ([]byte, error)
}

// Ledger is the privacy centre's disclosure ledger: a channel that hands
// data to a processor records it there first, and does not send when it is
// refused.
type Ledger interface {
	RecordProcessorDisclosure(ctx context.Context, p access.Principal, in privacy.ProcessorDisclosure) (privacy.Disclosure, error)
}

// Options tune the service.
type Options struct {
	PublicURL   string
	Workers     int           // deliveries sent at once
	MaxAttempts int           // attempts before the dead-letter list
	BaseDelay   time.Duration // the first retry waits about this long, doubling after
	MaxDelay    time.Duration // retries never wait longer
	Lease       time.Duration // a claimed delivery is another worker's after this
	Poll        time.Duration // how often the worker looks for due deliveries unwoken
	// AllowLoopback lets webhooks and push subscriptions use a loopback
	// http:// address (tests, demos).
	AllowLoopback  bool
	EmailProcessor string     // processor ID of the mail provider, "" for the operator's own
	SMS            config.SMS // the SMS provider; off without a base URL
	HTTPClient     *http.Client
	// Jitter returns a number in [0, 1) that spreads retries; tests fix it.
	Jitter func() float64
}

// Service delivers notifications.
type Service struct {
	store  Store
	keys   Keys
	gate   *access.Gate
	ledger Ledger
	mailer mail.Mailer
	sms    *http.Client // the configured provider: trusted, unlike user-given addresses
	clk    clock.Clock
	log    *slog.Logger
	opts   Options
	feed   *Feed
	wake   chan struct{}

	vapidOnce sync.Mutex
	vapid     *vapidKeys

	enqMu      sync.Mutex
	enqWaiting []*pendingEnqueue
	enqLeader  bool // a caller is writing what waits
}

// New returns the notification service. ledger and mailer may be nil: no
// e-mail is sent without a mailer.
func New(st Store, k Keys, gate *access.Gate, ledger Ledger, mailer mail.Mailer, clk clock.Clock, log *slog.Logger, o Options) *Service {
	if o.Workers <= 0 {
		o.Workers = 64
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.BaseDelay <= 0 {
		o.BaseDelay = 30 * time.Second
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = 2 * time.Hour
	}
	if o.Lease <= 0 {
		o.Lease = time.Minute
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.HTTPClient == nil {
		o.HTTPClient = guardedClient(o.AllowLoopback)
	}
	if o.Jitter == nil {
		o.Jitter = rand.Float64
	}
	return &Service{store: st, keys: k, gate: gate, ledger: ledger, mailer: mailer, clk: clk, log: log, opts: o, sms: &http.Client{Timeout: 30 * time.Second},
		feed: fanout.New[FeedItem](), wake: make(chan struct{}, 1)}
}

// guardedClient is the HTTP client for addresses people give (webhooks,
// push services): safedial connects only to public addresses, checked at
// dial time whatever a name resolves to (loopback too when allowed, for
// tests and demos), and never follows a redirect, so vigil cannot be made
// to reach into its own network.
func guardedClient(allowLoopback bool) *http.Client {
	return safedial.Client(allowLoopback, 15*time.Second)
}

// Feed returns the in-app live feed broker.
func (s *Service) Feed() *Feed { return s.feed }

// worker is the principal of the delivery worker and of Enqueue.
var worker = access.System("notify")

// purposeOf is the purpose a kind of message serves.
func purposeOf(k Kind) datamap.Purpose {
	switch k {
	case KindAlarm:
		return datamap.PurposeAlarms
	case KindFirmware:
		return datamap.PurposeUpdates
	}
	return datamap.PurposeService
}

// Kinds lists the kinds of message.
func Kinds() []Kind { return []Kind{KindAlarm, KindFirmware, KindIncident, KindNotice} }

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	switch k {
	case KindAlarm, KindFirmware, KindIncident, KindNotice:
		return true
	}
	return false
}

func (s *Service) sealSubject(ctx context.Context, userID, column, rowID string, v []byte) ([]byte, error) {
	return s.keys.SealSubject(ctx, userID, v, keys.FieldAD(column, rowID))
}

func (s *Service) openSubject(ctx context.Context, userID, column, rowID string, b []byte) ([]byte, error) {
	return s.keys.OpenSubject(ctx, userID, b, keys.FieldAD(column, rowID))
}

func (s *Service) sealAccount(ctx context.Context, accountID, column, rowID string, v []byte) ([]byte, error) {
	return s.keys.SealAccount(ctx, accountID, v, keys.FieldAD(column, rowID))
}

func (s *Service) openAccount(ctx context.Context, accountID, column, rowID string, b []byte) ([]byte, error) {
	return s.keys.OpenAccount(ctx, accountID, b, keys.FieldAD(column, rowID))
}

func (s *Service) check(ctx context.Context, p access.Principal, a access.Action, r access.Resource, purpose datamap.Purpose) (access.Decision, error) {
	return s.gate.Check(ctx, p, a, r, purpose)
}

func prefsRes(userID string) access.Resource {
	return access.Resource{Category: datamap.NotifyPrefs, SubjectID: userID}
}

func checkText(field, v string, max int) error {
	if len(v) > max {
		return errs.E(errs.Invalid, "%s is longer than %d bytes", field, max)
	}
	if strings.ContainsRune(v, 0) {
		return errs.E(errs.Invalid, "%s holds a NUL character", field)
	}
	return nil
}
