package httpapi

import (
	"net/http"
	"strings"

	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// csp allows only vigil's own scripts, styles and images: no inline script,
// no framing by anyone.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// maxHeaderBytes is the most header vigil takes from a request (request
// line and header fields); past it the answer is 431 with the JSON error
// body. headerCeiling is what the HTTP server itself reads before it gives
// up with its own terse answer: far above what vigil takes, so that a
// client over the limit gets vigil's answer, and bounded, so that a
// connection cannot make the server hold more.
const (
	maxHeaderBytes = 32 << 10
	headerCeiling  = 256 << 10
)

// ConfigureServer sets the limits vigil's HTTP server needs (the app's
// server and the tests' run through it).
func ConfigureServer(srv *http.Server) {
	srv.MaxHeaderBytes = headerCeiling
}

// headerBytes is how many bytes of header the request came with, about.
func headerBytes(r *http.Request) int {
	n := len(r.Method) + len(r.RequestURI) + len(r.Proto) + len(r.Host) + 16
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

func (s *Server) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if headerBytes(r) > maxHeaderBytes {
			w.Header().Set("Connection", "close")
			writeError(w, r, s.Log, errs.E(errs.HeaderTooLarge, "the request's header fields are larger than %d bytes", maxHeaderBytes))
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if s.TLS {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		if strings.HasPrefix(r.URL.Path, "/api/") {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// cookieName uses the __Host- prefix over HTTPS, which browsers only accept
// for Secure, host-only cookies on path /.
func (s *Server) cookieName() string {
	if s.TLS {
		return "__Host-vigil_session"
	}
	return "vigil_session"
}

func (s *Server) setSession(w http.ResponseWriter, sess account.Session) {
	http.SetCookie(w, &http.Cookie{
		Name:     s.cookieName(),
		Value:    sess.Token,
		Path:     "/",
		Expires:  sess.ExpiresAt,
		MaxAge:   int(sess.ExpiresAt.Sub(s.Clock.Now()).Seconds()),
		HttpOnly: true,
		Secure:   s.TLS,
		SameSite: http.SameSiteStrictMode,
	})
}

func (s *Server) clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.TLS, SameSite: http.SameSiteStrictMode})
}
