// Package vigiltest runs a whole vigil for tests: the real app on a real
// database (SQLite, or PostgreSQL when VIGIL_TEST_POSTGRES is set), a real
// blob directory and key file, a real SMTP server, a fake clock, and an
// HTTP server on an ephemeral port. Helpers drive it the way users do.
package vigiltest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/app"
	"github.com/vigil-cloud/vigil/internal/bus/bustest"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/config"
	"github.com/vigil-cloud/vigil/internal/httpapi"
	"github.com/vigil-cloud/vigil/internal/mail/mailtest"
	"github.com/vigil-cloud/vigil/internal/store/storetest"
)

// Env is a running vigil.
type Env struct {
	T      testing.TB
	App    *app.App
	Clock  *clock.Fake
	Mail   *mailtest.Server
	URL    string
	Config config.Config

	transport http.RoundTripper // trusts the test server's certificate
	srv       *httptest.Server
	operator  *Client // the bootstrapped operator, once StaffMember made one
	operator2 *Client // the second operator, whose approval four eyes need
}

// Option changes the configuration before vigil starts.
type Option func(*config.Config)

// Each runs fn on a vigil over SQLite and, when VIGIL_TEST_POSTGRES is set,
// over PostgreSQL.
func Each(t *testing.T, fn func(t *testing.T, e *Env), opts ...Option) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, Start(t, opts...)) })
	t.Run("postgres", func(t *testing.T) {
		url := storetest.PostgresSchemaURL(t)
		fn(t, Start(t, append(opts, func(c *config.Config) { c.Database = config.Database{Driver: "postgres", URL: url} })...))
	})
}

// EachBus runs fn on vigil with the embedded bus (over SQLite and, when
// VIGIL_TEST_POSTGRES is set, PostgreSQL) and, when VIGIL_TEST_NATS is set,
// with the external NATS cluster as its bus (over PostgreSQL when set), and
// in leaf mode on a NATS server it starts (not with -short).
func EachBus(t *testing.T, fn func(t *testing.T, e *Env), opts ...Option) {
	t.Helper()
	t.Run("embedded", func(t *testing.T) { Each(t, fn, opts...) })
	t.Run("external", func(t *testing.T) {
		url, prefix := bustest.External(t)
		o := append(opts, func(c *config.Config) { c.Bus.URL, c.Bus.Prefix = url, prefix })
		if storetest.PostgresURL() != "" {
			pg := storetest.PostgresSchemaURL(t)
			o = append(o, func(c *config.Config) { c.Database = config.Database{Driver: "postgres", URL: pg} })
		}
		fn(t, Start(t, o...))
	})
	t.Run("leaf", func(t *testing.T) {
		if testing.Short() {
			t.Skip("leaf mode runs a NATS server")
		}
		hub := bustest.StartHub(t, 1)
		o := append(opts, func(c *config.Config) {
			c.Bus.URL, c.Bus.LeafURL, c.Bus.Domain, c.Bus.Prefix = hub.URL, hub.LeafURL, hub.Domain, "vigil"
		})
		fn(t, Start(t, o...))
	})
}

// Start runs vigil on SQLite (unless an option says otherwise) until the
// test ends.
func Start(t testing.TB, opts ...Option) *Env {
	t.Helper()
	dir := t.TempDir()
	c := config.Default()
	c.DataDir = filepath.Join(dir, "data")
	c.Listen = "127.0.0.1:0"
	c.Bus.MQTTListen = "127.0.0.1:0"
	c.Video.RTSPListen, c.Video.WebRTCUDP = "127.0.0.1:0", "127.0.0.1:0"
	c.PublicURL = "http://vigil.test"
	// A cheaper argon2id than production keeps the suite fast; the
	// benchmark measures the real cost.
	c.Auth.ArgonMemoryKiB, c.Auth.ArgonTime = 8*1024, 1
	c.Auth.AttemptsPerMinute = 10000
	c.Auth.MessagesPerHour, c.Auth.MessagesPerAddress = 10000, 10000
	for _, o := range opts {
		o(&c)
	}
	mail := mailtest.Start(t)
	c.Mail = mail.Config()
	c.Resolve()
	if err := c.Validate(); err != nil {
		t.Fatalf("test configuration: %v", err)
	}
	clk := clock.NewFake(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	return start(t, c, clk, mail, Online)
}

// Mode says what a restarted vigil runs besides its API.
type Mode int

// Modes of Restart.
const (
	Online  Mode = iota // everything, as in production
	Offline             // no background jobs and no device bus, as the admin tools open it
)

// Restart stops vigil and starts it again on the same configuration, data
// directory, database, key file, mail server and clock, as after a crash
// or an upgrade. The old Env must not be used afterwards.
func (e *Env) Restart(m Mode) *Env {
	e.T.Helper()
	e.srv.Close()
	e.App.Close()
	return start(e.T, e.Config, e.Clock, e.Mail, m)
}

func start(t testing.TB, c config.Config, clk *clock.Fake, mail *mailtest.Server, m Mode) *Env {
	t.Helper()
	a, err := app.New(context.Background(), c, app.Options{Clock: clk, Mailer: mail.Sender(), Log: testLogger(t), Offline: m == Offline})
	if err != nil {
		t.Fatalf("start vigil: %v", err)
	}
	srv := httptest.NewUnstartedServer(a.API.Handler())
	httpapi.ConfigureServer(srv.Config)
	if c.TLS.Enabled() {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(func() {
		srv.Close()
		a.Close()
	})
	return &Env{T: t, App: a, Clock: clk, Mail: mail, URL: srv.URL, Config: c, transport: srv.Client().Transport, srv: srv}
}

// Node starts another vigil node beside e, as a deployment at scale runs
// several: the same database, blob store, key file, mail server, clock and
// external bus, with its own data directory and listeners. It skips the
// test unless e runs on the external bus (EachBus's "external" run).
func (e *Env) Node() *Env {
	e.T.Helper()
	if e.Config.Bus.URL == "" {
		e.T.Skip("a second node needs the external bus (VIGIL_TEST_NATS)")
	}
	c := e.Config
	c.DataDir = filepath.Join(e.T.TempDir(), "node")
	c.Listen, c.Bus.MQTTListen = "127.0.0.1:0", "127.0.0.1:0"
	c.Video.RTSPListen, c.Video.WebRTCUDP = "127.0.0.1:0", "127.0.0.1:0"
	return start(e.T, c, e.Clock, e.Mail, Online)
}
