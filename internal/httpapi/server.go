// Package httpapi is vigil's REST API (JSON under /api/v1) and the HTTP
// plumbing around it: authentication, CSRF protection, rate limits,
// security headers, health and metrics. Handlers return errors; one table
// maps them to statuses and the client only ever sees a safe message.
// Nothing here logs a request body, a cookie, a token or personal data.
package httpapi

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/activity"
	"github.com/vigil-cloud/vigil/internal/alarm"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/face"
	"github.com/vigil-cloud/vigil/internal/incident"
	"github.com/vigil-cloud/vigil/internal/media/record"
	"github.com/vigil-cloud/vigil/internal/netaddr"
	"github.com/vigil-cloud/vigil/internal/notify"
	"github.com/vigil-cloud/vigil/internal/privacy"
	"github.com/vigil-cloud/vigil/internal/ratelimit"
	"github.com/vigil-cloud/vigil/internal/vuln"
)

// Deps are what the API serves.
type Deps struct {
	// Limits makes the rate limits shared across nodes (zero: this node's
	// own).
	Limits   ratelimit.Factory
	Accounts *account.Service
	Privacy  *privacy.Service
	Gate     *access.Gate
	Registry *datamap.Registry
	Audit    AuditLog
	AuditKey string // the note verifier key of the audit checkpoints
	// Ready lists what /readyz checks (see Dependency).
	Ready    []Dependency
	Metrics  *prometheus.Registry
	Log      *slog.Logger
	Clock    clock.Clock
	TLS      bool // served over HTTPS: HSTS and Secure cookies
	Attempts int  // credential attempts per minute per client address
	// Messages (mail, SMS) routes may ask per hour per account (or
	// person), and per client address.
	MessagesPerHour, MessagesPerAddress int
	Web                                 http.Handler
	Devices                             *device.Service
	Activity                            *activity.Log
	// The privacy centre.
	Requests  *privacy.Requests
	Retention *privacy.Retention
	// Recorded video: timeline, playback, export.
	Recordings *record.Service
	// Live is the live video path; nil when vigil runs offline.
	Live   *Live
	Alarms *alarm.Service
	// Notification delivery.
	Notify *notify.Service
	// Face recognition.
	Face *face.Service
	// Vulnerability intake and security advisories.
	Vuln *vuln.Service
	// The incident room.
	Incidents *incident.Service
}

// Server is the HTTP API.
type Server struct {
	Deps
	limit   *limits
	metrics *metrics
	routes  []route
	// readiness serves /readyz.
	readiness *readiness
}

// New builds the server and its routes.
func New(d Deps) *Server {
	s := &Server{Deps: d, limit: newLimits(d.Clock, d.Limits, d.Attempts, d.MessagesPerHour, d.MessagesPerAddress), metrics: newMetrics(d.Metrics)}
	s.routes = s.table()
	s.readiness = newReadiness(d.Ready, d.Metrics, d.Log.Warn)
	return s
}

// Handler returns the whole HTTP handler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routes {
		mux.Handle(rt.method+" "+rt.path, s.wrap(rt))
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.Handle("GET /readyz", s.readiness)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.Metrics, promhttp.HandlerOpts{}))
	mux.Handle("GET /api/openapi.yaml", http.HandlerFunc(serveOpenAPI))
	s.mountRecordings(mux)
	mux.Handle("/api/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, s.Log, errs.E(errs.NotFound, "no such API route: %s %s", r.Method, r.URL.Path))
	}))
	if s.Web != nil {
		mux.Handle("/", s.Web)
	}
	// Cross-origin protection refuses state-changing browser requests from
	// other origins (Sec-Fetch-Site / Origin), which is what makes cookie
	// sessions safe from CSRF; SameSite=Strict cookies are a second wall.
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, s.Log, errs.E(errs.Forbidden, "cross-origin request refused"))
	}))
	return s.headers(csrf.Handler(mux))
}

// handler is an API handler: it returns an error instead of writing one.
type handler func(w http.ResponseWriter, r *http.Request, a *account.Auth) error

// authMode says who may call a route.
type authMode int

const (
	public  authMode = iota // anyone; the principal is anonymous
	user                    // a customer user with a full session or an API token
	staff                   // vendor staff with a full session (second factor passed)
	anyone                  // a signed-in user or staff member, full session
	pending                 // signed in, second factor possibly still due
	viewer                  // a customer user, or an integration a share gave a token
)

type route struct {
	method, path string
	auth         authMode
	limited      bool // a credential endpoint: attempts per address are limited
	h            handler
}

func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			// A bug must cost one request a 500, not the connection.
			if p := recover(); p != nil {
				s.Log.Error("handler panic", "route", rt.path, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if !sw.wroteHeader {
					writeError(sw, r, s.Log, errs.E(errs.Internal, "internal error"))
				}
				s.metrics.requests.WithLabelValues(rt.path, "500").Inc()
			}
		}()
		err := s.serve(sw, r, rt)
		if err != nil {
			writeError(sw, r, s.Log, err)
		}
		s.metrics.requests.WithLabelValues(rt.path, strconv.Itoa(sw.status)).Inc()
		s.metrics.duration.WithLabelValues(rt.path).Observe(time.Since(start).Seconds())
	})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, rt route) error {
	// Every gate decision the request makes names its route in the log.
	r = r.WithContext(access.WithRoute(r.Context(), rt.method+" "+rt.path))
	ip := clientIP(r)
	if err := s.limit.messagesFromAddress(w, r, rt, ip); err != nil {
		s.metrics.rateLimited.Inc()
		return err
	}
	if rt.limited && !s.limit.attempts.Allow(r.Context(), netaddr.LimitKey(ip)) {
		s.metrics.rateLimited.Inc()
		w.Header().Set("Retry-After", "60")
		return errs.E(errs.RateLimited, "too many attempts from your address; wait a minute")
	}
	a := &account.Auth{Principal: access.Anonymous(ip, r.UserAgent())}
	if rt.auth != public {
		var err error
		if a, err = s.authenticate(r, ip, rt.auth); err != nil {
			return err
		}
		if s.Activity != nil && !a.PendingMFA && a.Principal.Kind != access.KindIntegration {
			s.Activity.Record(a.Principal.ID, ip)
		}
		if err := s.limit.messagesOfAccount(w, r, rt, a); err != nil {
			s.metrics.rateLimited.Inc()
			return err
		}
	}
	if rt.auth == staff {
		// The console counts deadlines and training dates from vigil's
		// clock, not the browser's.
		w.Header().Set("Vigil-Now", s.Clock.Now().UTC().Format(time.RFC3339))
	}
	if err := s.requireNotices(r, rt, a); err != nil {
		return err
	}
	err := rt.h(w, r, a)
	if err != nil && rt.limited && errs.Is(err, errs.Unauthenticated) {
		s.metrics.authFailed.WithLabelValues(rt.path).Inc()
	}
	return err
}

func (s *Server) authenticate(r *http.Request, ip string, mode authMode) (*account.Auth, error) {
	token := bearer(r)
	if token == "" {
		if c, err := r.Cookie(s.cookieName()); err == nil {
			token = c.Value
		}
	}
	if token == "" {
		return nil, errs.E(errs.Unauthenticated, "sign in first")
	}
	if strings.HasPrefix(token, "vi_") {
		// An integration's token opens only the viewer routes, and only
		// what its share opens there.
		if mode != viewer {
			return nil, errs.E(errs.Forbidden, "an integration's token opens only the cameras shared with it")
		}
		p, err := s.Privacy.AuthenticateIntegration(r.Context(), token, ip, r.UserAgent())
		if err != nil {
			return nil, err
		}
		return &account.Auth{Principal: p}, nil
	}
	a, err := s.Accounts.Authenticate(r.Context(), token, ip, r.UserAgent())
	if err != nil {
		return nil, err
	}
	if a.PendingMFA && mode != pending {
		return nil, errs.E(errs.MFARequired, "complete the second sign-in step first")
	}
	switch kind := a.Principal.Kind; {
	case (mode == user || mode == viewer) && kind != access.KindUser:
		return nil, errs.E(errs.Forbidden, "this route is for customer accounts")
	case mode == staff && kind != access.KindStaff:
		return nil, errs.E(errs.NotFound, "no such API route")
	}
	return &a, nil
}

func bearer(r *http.Request) string {
	const prefix = "Bearer "
	h := r.Header.Get("Authorization")
	if len(h) > len(prefix) && h[:len(prefix)] == prefix {
		return h[len(prefix):]
	}
	return ""
}

// clientIP is the peer address. vigil does not trust X-Forwarded-For: a
// proxy in front must be configured to pass the connection's address.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

type statusWriter struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// LoggedRoutes lists every route whose gate decisions name it in the
// access log: the API's and the recorded video's.
func (s *Server) LoggedRoutes() []string {
	return append(s.Routes(), mediaRoutes[:]...)
}

// Routes lists every API route as "METHOD /path", for the OpenAPI check.
func (s *Server) Routes() []string {
	out := make([]string, 0, len(s.routes))
	for _, rt := range s.routes {
		out = append(out, rt.method+" "+rt.path)
	}
	return out
}
