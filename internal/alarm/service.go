package alarm

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/media"
)

// Blobs keeps snapshots sealed under the account's key; blob.Sealed
// implements it.
type Blobs interface {
	Put(ctx context.Context, accountID, key string, r io.Reader) error
	Open(ctx context.Context, accountID, key string) (io.ReadCloser, error)
	Delete(ctx context.Context, accountID, key string) error
}

// DeviceAuth checks a device credential; device.Service implements it.
type DeviceAuth interface {
	Authenticate(ctx context.Context, deviceID, secret string) (device.Identity, error)
}

// DeviceNames opens the names owners gave their devices, so that a notice
// says "Front door", not a device ID. The device capability implements it.
type DeviceNames interface {
	Names(ctx context.Context, p access.Principal, accountID string, purpose datamap.Purpose) (map[string]string, error)
}

// JobNotices is the system job that writes alarm and firmware notices.
const JobNotices = "alarm-notices"

// Options tune the pipeline.
type Options struct {
	// OfflineAfter is how long a device must stay offline before vigil
	// raises an offline alarm (2 minutes).
	OfflineAfter time.Duration
	// SnapshotMax bounds a snapshot upload (2 MiB).
	SnapshotMax int64
	// Poll is how often fan-out looks for pending alarms when nothing woke
	// it (1 second), and offline detection runs (at most every 15 s).
	Poll time.Duration
	// Batch is the most alarms fanned out in one pass (256).
	Batch int
	// PublicURL is vigil's address, for links in notifications.
	PublicURL string
	// Before and After are how much recording around an alarm its
	// recording link covers (the recorder's pre-roll and post-roll: 10 s
	// and 20 s).
	Before, After time.Duration
	// Notifier is where notices go; without one, alarms wait pending.
	Notifier Notifier
	// Marker marks alarms on the video timeline; nil without a recorder.
	Marker media.Marker
}

// FaceHook is told of each stored snapshot, with its picture, so that the
// snapshot of a `face` alarm is matched where face recognition is on.
type FaceHook interface {
	SnapshotStored(ctx context.Context, accountID, deviceID, eventID string, jpeg []byte)
}

// SetFaceHook connects face recognition.
func (s *Service) SetFaceHook(h FaceHook) { s.faceHook.Store(&faceHookBox{h}) }

type faceHookBox struct{ FaceHook }

// Service is the alarm capability.
type Service struct {
	store    Store
	blobs    Blobs
	devices  DeviceAuth
	gate     *access.Gate
	notifier atomic.Pointer[notifierBox]
	marker   atomic.Pointer[markerBox]
	faceHook atomic.Pointer[faceHookBox]
	names    atomic.Pointer[namesBox]
	clk      clock.Clock
	log      *slog.Logger
	opts     Options
	metrics  *metrics

	wake chan struct{}
	mu   sync.Mutex // one fan-out pass at a time
}

// New returns the service; its notifier and marker come in the options.
func New(st Store, blobs Blobs, devices DeviceAuth, gate *access.Gate, clk clock.Clock, log *slog.Logger, mreg prometheus.Registerer, o Options) *Service {
	if o.OfflineAfter <= 0 {
		o.OfflineAfter = 2 * time.Minute
	}
	if o.SnapshotMax <= 0 {
		o.SnapshotMax = 2 << 20
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.Before <= 0 {
		o.Before = 10 * time.Second
	}
	if o.After <= 0 {
		o.After = 20 * time.Second
	}
	if o.Batch <= 0 {
		o.Batch = 256
	}
	s := &Service{store: st, blobs: blobs, devices: devices, gate: gate, clk: clk, log: log, opts: o,
		metrics: newMetrics(mreg), wake: make(chan struct{}, 1)}
	if o.Notifier != nil {
		s.notifier.Store(&notifierBox{o.Notifier})
	}
	if o.Marker != nil {
		s.marker.Store(&markerBox{o.Marker})
	}
	return s
}

type notifierBox struct{ Notifier }
type markerBox struct{ media.Marker }

// SetNotifier replaces where notices go, for tests that catch them.
func (s *Service) SetNotifier(n Notifier) {
	s.notifier.Store(&notifierBox{n})
	s.poke()
}

// SetMarker replaces the recorder that marks alarms, for tests that catch
// the marks.
func (s *Service) SetMarker(m media.Marker) { s.marker.Store(&markerBox{m}) }

func (s *Service) notifierOf() Notifier {
	if b := s.notifier.Load(); b != nil {
		return b.Notifier
	}
	return nil
}

var _ device.AlarmIntake = (*Service)(nil)

// Accepted wakes the fan-out worker for alarms a committed batch stored.
func (s *Service) Accepted(_ context.Context, alarms []device.Alarm) {
	s.metrics.accepted.Add(float64(len(alarms)))
	s.poke()
}

func (s *Service) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Service) check(ctx context.Context, p access.Principal, a access.Action, cat datamap.CategoryID, accountID, id string) (access.Decision, error) {
	return s.gate.Check(ctx, p, a, access.Resource{Category: cat, AccountID: accountID, ID: id}, datamap.PurposeAlarms)
}

type metrics struct {
	accepted  prometheus.Counter
	notified  prometheus.Counter
	quiet     prometheus.Counter
	failed    prometheus.Counter
	latency   prometheus.Histogram
	snapshots *prometheus.CounterVec
}

func newMetrics(r prometheus.Registerer) *metrics {
	m := &metrics{
		accepted: prometheus.NewCounter(prometheus.CounterOpts{Name: "vigil_alarms_accepted_total", Help: "Alarms stored for the first time (duplicates not counted)."}),
		notified: prometheus.NewCounter(prometheus.CounterOpts{Name: "vigil_alarms_notified_total", Help: "Alarms handed to the notifier for at least one person."}),
		quiet:    prometheus.NewCounter(prometheus.CounterOpts{Name: "vigil_alarms_quiet_total", Help: "Alarms no rule, schedule, cooldown or quiet hours let anyone hear of."}),
		failed:   prometheus.NewCounter(prometheus.CounterOpts{Name: "vigil_alarm_fanout_failures_total", Help: "Fan-out passes that failed and will be retried."}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "vigil_alarm_fanout_seconds", Help: "From an alarm's receipt to its hand-over to the notifier.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16)}),
		snapshots: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigil_alarm_snapshots_total", Help: "Snapshot uploads by result."}, []string{"result"}),
	}
	if r != nil {
		r.MustRegister(m.accepted, m.notified, m.quiet, m.failed, m.latency, m.snapshots)
	}
	return m
}

type namesBox struct{ DeviceNames }

// SetNames connects the device names the notices use; without it a
// notice says "your camera".
func (s *Service) SetNames(n DeviceNames) { s.names.Store(&namesBox{n}) }

// namesOf returns an account's device names for purpose, or none when
// they cannot be read (the notice then says "your camera": an alarm is
// never held back for want of a name).
func (s *Service) namesOf(ctx context.Context, accountID string, purpose datamap.Purpose) map[string]string {
	b := s.names.Load()
	if b == nil {
		return nil
	}
	m, err := b.Names(ctx, access.System(JobNotices), accountID, purpose)
	if err != nil {
		s.log.Warn("device names not read for a notice", "account", accountID, "err", err)
		return nil
	}
	return m
}
