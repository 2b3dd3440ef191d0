// Package app is vigil's composition root: it turns one validated Config
// into running services, wires them together, and stops them in order. No
// other package reads configuration or builds its own dependencies.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/mod/sumdb/note"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/activity"
	"github.com/vigil-cloud/vigil/internal/alarm"
	"github.com/vigil-cloud/vigil/internal/audit"
	"github.com/vigil-cloud/vigil/internal/blob"
	s3blob "github.com/vigil-cloud/vigil/internal/blob/s3"
	"github.com/vigil-cloud/vigil/internal/bus"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/config"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/face"
	"github.com/vigil-cloud/vigil/internal/httpapi"
	"github.com/vigil-cloud/vigil/internal/incident"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/mail"
	"github.com/vigil-cloud/vigil/internal/media"
	"github.com/vigil-cloud/vigil/internal/media/live"
	"github.com/vigil-cloud/vigil/internal/media/record"
	"github.com/vigil-cloud/vigil/internal/notify"
	"github.com/vigil-cloud/vigil/internal/privacy"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
	"github.com/vigil-cloud/vigil/internal/ratelimit"
	"github.com/vigil-cloud/vigil/internal/revoke"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/store/postgres"
	"github.com/vigil-cloud/vigil/internal/store/sqlite"
	"github.com/vigil-cloud/vigil/internal/tlsutil"
	"github.com/vigil-cloud/vigil/internal/vuln"
	"github.com/vigil-cloud/vigil/internal/web"
)

// Options are what the caller provides besides the configuration.
type Options struct {
	Clock  clock.Clock
	Log    *slog.Logger
	KEKEnv string // the value of VIGIL_KEK, if set
	// Mailer replaces the configured mail transport (tests).
	Mailer mail.Mailer
	// Offline opens vigil for the admin tools: no device bus, no
	// background jobs.
	Offline bool
}

// App is a running vigil.
type App struct {
	Config   config.Config
	Log      *slog.Logger
	Clock    clock.Clock
	DB       *store.DB
	Keys     *keys.Keyring
	Blobs    *blob.Sealed
	Audit    *audit.Log
	Verifier note.Verifier
	Gate     *access.Gate
	Registry *datamap.Registry
	Accounts *account.Service
	Privacy  *privacy.Service
	Metrics  *prometheus.Registry
	API      *httpapi.Server
	Devices  *device.Service
	Bus      *bus.Bus
	Activity *activity.Log
	// Revocations is the one revocation signal: devices, memberships,
	// people, grants.
	Revocations *revoke.Epochs
	// The live video path and the stream tokens of its viewers.
	Live         *live.Service
	StreamTokens *media.Tokens
	LiveSources  *live.Sources // nil unless video.pull_enabled

	// Recorded video: the recorder (media.Sink, media.Marker), playback
	// and export, and their retention.
	Recorder           *record.Recorder
	RecordSink         *record.Async // the media.Sink for the live side: queues per stream
	Recordings         *record.Service
	RecordingRetention *record.Retention
	Alarms             *alarm.Service
	Notify             *notify.Service
	// Face recognition (opt-in per site).
	Face *face.Service
	// Vulnerability intake and security advisories.
	Vuln *vuln.Service
	// The incident room: register, plans, notices, regulator reports.
	Incidents *incident.Service

	// The privacy centre: data-subject requests, their fulfilment
	// registry, and retention.
	Requests  *privacy.Requests
	Fulfil    *fulfil.Registry
	Retention *privacy.Retention

	// KEKCreated is true when this start created the key file.
	KEKCreated bool

	verifierKey  string
	dbClosed     bool
	stopAudit    context.CancelFunc
	auditDone    chan error
	auditStopped atomic.Bool // set when the audit appender has returned
	stopJobs     context.CancelFunc
	jobsDone     sync.WaitGroup
}

// New builds vigil from cfg, which must be resolved and valid.
func New(ctx context.Context, cfg config.Config, o Options) (_ *App, err error) {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	a := &App{Config: cfg, Log: o.Log, Clock: o.Clock, Registry: datamap.Default()}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	if a.DB, err = openDB(ctx, cfg.Database, o.Clock); err != nil {
		return nil, err
	}
	kek, err := a.loadKEK(ctx, o.KEKEnv)
	if err != nil {
		return nil, err
	}
	a.Keys = keys.NewKeyring(kek, store.NewKeyStore(a.DB), o.Clock)
	a.Revocations = revoke.New(store.NewRevocationStore(a.DB), o.Clock, o.Log, 0)
	raw, err := openBlobs(ctx, cfg.Blob)
	if err != nil {
		return nil, err
	}
	a.Blobs = blob.NewSealed(raw, a.Keys)
	if err := a.startAudit(ctx); err != nil {
		return nil, err
	}
	privacyStore, grantFeed := store.NewPrivacyStore(a.DB), privacy.NewFeed()
	a.Gate = access.New(a.Registry, auditRecorder{a.Audit}, o.Clock, privacy.NewGrants(privacyStore, grantFeed), access.DefaultPolicy(a.Registry))
	mailer := o.Mailer
	if mailer == nil {
		if mailer, err = mail.New(cfg.Mail, o.Clock); err != nil {
			return nil, err
		}
	}
	// Transactional mail (confirmations, resets, invitations, letters)
	// goes through the mail processor only while it is in force, each
	// message recorded; notifications check it per delivery themselves.
	rawMailer := mailer
	mailer = privacy.NewCheckedMailer(rawMailer, cfg.Notify.EmailProcessor, nil, "", privacyStore, o.Clock)
	// People and integrations the owner shares cameras with pass the gate
	// through the privacy centre's shares.
	a.Gate.SetShares(privacy.NewShares(privacyStore))
	// The DPO reads an account's data without a grant only for an open
	// request naming one of its people.
	a.Gate.SetDuties(privacy.NewDuties(privacyStore))
	a.Privacy = privacy.New(privacyStore, a.Keys, a.Gate, a.Registry, o.Clock, o.Log, privacy.Options{Feed: grantFeed,
		Notifier: noticeRelay{a}, Revoker: a.Revocations, Mailer: mailer, PublicURL: cfg.PublicURL})
	if err := a.Privacy.Seed(ctx); err != nil {
		return nil, fmt.Errorf("default notices: %w", err)
	}
	a.Accounts, err = account.New(store.NewAccountStore(a.DB), a.Keys, a.Gate, mailer, o.Clock, o.Log, account.Options{
		PublicURL:    cfg.PublicURL,
		SessionTTL:   cfg.Auth.SessionTTL,
		Hasher:       account.Hasher{MemoryKiB: cfg.Auth.ArgonMemoryKiB, Time: cfg.Auth.ArgonTime, Threads: 1},
		LockoutAfter: cfg.Auth.LockoutAfter,
		LockoutFor:   cfg.Auth.LockoutFor,
		MailsPerHour: cfg.Auth.MessagesPerHour,
		Limits:       a.rateLimits(),
		Terms:        a.Privacy,
		Revoker:      a.Revocations,

		StaffWebAuthnRequired: cfg.Auth.StaffWebAuthnRequired,
	})
	if err != nil {
		return nil, err
	}
	if err := a.startPrivacy(mailer); err != nil {
		return nil, err
	}
	if err := a.startNotify(rawMailer); err != nil {
		return nil, err
	}
	a.Metrics = prometheus.NewRegistry()
	a.Metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if a.Devices, err = device.New(store.NewDeviceStore(a.DB), a.Keys, a.Gate, a.Registry, o.Clock, o.Log, a.Metrics, device.Options{Revoker: a.Revocations}); err != nil {
		return nil, err
	}
	if err := a.Devices.EnsureModels(ctx); err != nil {
		return nil, fmt.Errorf("device models: %w", err)
	}
	a.Activity = activity.New(store.NewActivityStore(a.DB), a.Keys, a.Gate, a.Registry, o.Clock, o.Log)
	// The device data and the access log flow into data-subject requests
	// and retention through the privacy centre's registry.
	if err := errors.Join(a.Devices.RegisterPrivacy(a.Fulfil, store.NewDeviceStore(a.DB)), a.Activity.RegisterPrivacy(a.Fulfil),
		live.RegisterPrivacy(a.Fulfil, store.NewLivePullStore(a.DB), a.Keys, a.stopPull)); err != nil {
		return nil, err
	}
	// One signer of stream tokens for live view, playback and export.
	a.StreamTokens = media.NewTokens(a.Keys, a.Clock, a.Revocations)
	if err := a.startRecording(ctx, o.Offline); err != nil {
		return nil, err
	}
	if err := a.openAlarms(); err != nil {
		return nil, err
	}
	if err := a.openFace(); err != nil {
		return nil, err
	}
	if err := a.openIncidents(); err != nil {
		return nil, err
	}
	if err := a.openVuln(); err != nil {
		return nil, err
	}
	// Every capability has registered its handlers: a declared category
	// the privacy centre cannot export, erase or purge stops vigil here.
	if err := a.Fulfil.Check(); err != nil {
		return nil, err
	}
	if !o.Offline {
		if err := a.openBus(ctx); err != nil {
			return nil, err
		}
		a.Devices.SetMQTTURL(a.MQTTURL())
		if err := a.openLive(a.RecordSink); err != nil {
			return nil, err
		}
		a.obeyRevocations()
		if err := a.relayFeeds(grantFeed); err != nil {
			return nil, err
		}
		a.startJobs()
	}
	a.API = httpapi.New(httpapi.Deps{
		Limits:   a.rateLimits(),
		Accounts: a.Accounts, Privacy: a.Privacy, Gate: a.Gate, Registry: a.Registry, Audit: a.Audit, AuditKey: a.verifierKey,
		Ready: a.dependencies(), Metrics: a.Metrics, Log: o.Log, Clock: o.Clock, TLS: cfg.TLS.Enabled(),
		Attempts: cfg.Auth.AttemptsPerMinute, MessagesPerHour: cfg.Auth.MessagesPerHour, MessagesPerAddress: cfg.Auth.MessagesPerAddress, Web: web.Handler(), Devices: a.Devices, Activity: a.Activity,
		Requests: a.Requests, Retention: a.Retention, Recordings: a.Recordings, Alarms: a.Alarms, Notify: a.Notify, Face: a.Face,
		Incidents: a.Incidents, Vuln: a.Vuln,
		Live: liveAPI(a),
	})
	a.Incidents.SetRoutes(a.API.LoggedRoutes())
	return a, nil
}

// loadKEK finds the key-encryption key: VIGIL_KEK, else the key file. It
// refuses, before creating anything, a KEK the database's keys were not
// wrapped by (a second node started with its own key file, or none), which
// would otherwise fail later on the first sealed read.
func (a *App) loadKEK(ctx context.Context, env string) (keys.KEK, error) {
	inUse, err := store.NewKeyStore(a.DB).KEKIDs(ctx)
	if err != nil {
		return nil, fmt.Errorf("key-encryption key: %w", err)
	}
	var kek keys.KEK
	switch path := a.Config.Keys.KEKFile; {
	case env != "":
		k, err := keys.KEKFromEnv(env)
		if err != nil {
			return nil, fmt.Errorf("VIGIL_KEK: %w", err)
		}
		kek = k
	case len(inUse) > 0:
		k, err := keys.LoadKeyFile(path)
		if errs.Is(err, errs.NotFound) {
			return nil, fmt.Errorf("key-encryption key: the database holds keys wrapped by %s, and there is no key file at %s: "+
				"copy the key file of the node that made them (or set VIGIL_KEK); no new key was created", strings.Join(inUse, ", "), path)
		}
		if err != nil {
			return nil, fmt.Errorf("key file: %w", err)
		}
		kek = k
	default:
		k, created, err := keys.LoadOrCreateKeyFile(path)
		if err != nil {
			return nil, fmt.Errorf("key file: %w", err)
		}
		a.KEKCreated = created
		kek = k
	}
	if len(inUse) > 0 && !slices.Contains(inUse, kek.ID()) {
		return nil, fmt.Errorf("key-encryption key: this node's KEK is %s but the database's keys are wrapped by %s: "+
			"every node needs the same key file (or VIGIL_KEK)", kek.ID(), strings.Join(inUse, ", "))
	}
	return kek, nil
}

func openDB(ctx context.Context, c config.Database, clk clock.Clock) (*store.DB, error) {
	if c.Driver == "postgres" {
		return postgres.Open(ctx, c.URL, clk)
	}
	if err := os.MkdirAll(filepath.Dir(c.URL), 0o700); err != nil {
		return nil, err
	}
	return sqlite.Open(ctx, c.URL, clk)
}

func openBlobs(ctx context.Context, c config.Blob) (blob.Store, error) {
	if c.Driver == "s3" {
		return s3blob.New(ctx, s3blob.Config{Endpoint: c.S3.Endpoint, Bucket: c.S3.Bucket, Region: c.S3.Region,
			AccessKey: c.S3.AccessKey, SecretKey: c.S3.SecretKey, TLS: !c.S3.Insecure, PathStyle: true})
	}
	return blob.NewDir(c.Dir)
}

// dependencies are what /readyz checks. The database and the audit log are
// this node's own: without them the gate refuses all access, so the node is
// unavailable. The bus and the blob store are shared by every node: when
// they fail the node is degraded (live view, sign-in and settings still
// work; ingest, recording and exports wait), which /readyz reports without
// taking the node out of a load balancer.
func (a *App) dependencies() []httpapi.Dependency {
	deps := []httpapi.Dependency{
		{Name: "database", Required: true, Check: func(ctx context.Context) error { return a.DB.Ping(ctx) }},
		{Name: "audit", Required: true, Check: func(context.Context) error {
			if a.auditStopped.Load() {
				return errors.New("audit log stopped")
			}
			return nil
		}},
		{Name: "blob", Check: func(ctx context.Context) error { return a.Blobs.Probe(ctx) }},
	}
	if a.Bus != nil {
		deps = append(deps, httpapi.Dependency{Name: "bus", Check: a.Bus.Ready})
	}
	return deps
}

// Serve runs the HTTP server on ln until ctx ends, then shuts down
// gracefully: in-flight requests get up to 10 seconds.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.API.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	httpapi.ConfigureServer(srv)
	errc := make(chan error, 1)
	go func() {
		tls := a.Config.TLS
		switch {
		case tls.CertFile != "":
			errc <- srv.ServeTLS(ln, tls.CertFile, tls.KeyFile)
		case tls.SelfSigned:
			host, _, _ := net.SplitHostPort(a.Config.Listen)
			cert, key, err := tlsutil.SelfSigned(filepath.Join(a.Config.DataDir, "tls"), host, a.Clock.Now())
			if err != nil {
				errc <- err
				return
			}
			errc <- srv.ServeTLS(ln, cert, key)
		default:
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

// Close stops the audit log (flushing what it accepted) and closes the
// database.
func (a *App) Close() {
	if a.stopJobs != nil {
		a.stopJobs()
		a.jobsDone.Wait()
		a.stopJobs = nil
	}
	a.closeLive()
	a.closeRecording()
	if a.Devices != nil {
		a.Devices.Close()
	}
	if a.Bus != nil {
		if err := a.Bus.Close(); err != nil {
			a.Log.Warn("device bus did not close cleanly", "err", err)
		}
		a.Bus = nil
	}
	if a.stopAudit != nil {
		a.Audit.Close()
		a.stopAudit()
		<-a.auditDone
		a.stopAudit = nil
	}
	if a.DB != nil && !a.dbClosed {
		a.DB.Close()
		a.dbClosed = true
	}
}

// rateLimits makes the rate limits count across nodes (in the database,
// keys as blind-index fingerprints) when vigil runs on several (bus.url);
// one node alone counts in memory.
func (a *App) rateLimits() ratelimit.Factory {
	if a.Config.Bus.URL == "" {
		return ratelimit.Factory{}
	}
	return ratelimit.Factory{
		Counter: store.NewRateStore(a.DB),
		Index: func(ctx context.Context, key string) ([]byte, error) {
			return a.Keys.BlindIndex(ctx, "rate-limit", []byte(key))
		},
	}
}
