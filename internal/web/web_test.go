package web_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vigil-cloud/vigil/internal/web"
)

// The handler serves the app's files by path with script types browsers
// accept for modules, the shell at / and /index.html, and nothing else: no
// directory listing, no path outside the files, no other method.
func TestHandlerServesOnlyTheAppsFiles(t *testing.T) {
	h := web.Handler()
	for _, c := range []struct {
		method, path string
		status       int
		typ, body    string
	}{
		{"GET", "/", 200, "text/html", `src="/main.js"`},
		{"GET", "/index.html", 200, "text/html", `src="/main.js"`},
		{"GET", "/main.js", 200, "text/javascript", "import"},
		{"GET", "/core/router.js", 200, "text/javascript", "export function route"},
		{"GET", "/vendor/hls.js-1.7.4/hls.light.min.mjs", 200, "text/javascript", ""},
		{"GET", "/vendor/hls.js-1.7.4/LICENSE", 200, "text/plain", "Apache"},
		{"GET", "/manifest.webmanifest", 200, "application/manifest+json", `"start_url"`},
		{"HEAD", "/app.css", 200, "text/css", ""},
		{"GET", "/core/", 404, "", ""},
		{"GET", "/core", 404, "", ""},
		{"GET", "/vendor/", 404, "", ""},
		{"GET", "/pages/../main.js", 404, "", ""},
		{"GET", "/nope.js", 404, "", ""},
		{"POST", "/main.js", 405, "", ""},
	} {
		r := httptest.NewRequest(c.method, "http://vigil.test"+c.path, nil)
		r.URL.Path = c.path // keep what the client sent, dots included
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != c.status {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, w.Code, c.status)
			continue
		}
		if c.status != 200 {
			continue
		}
		if got := w.Header().Get("Content-Type"); !strings.HasPrefix(got, c.typ) {
			t.Errorf("%s %s: Content-Type %q, want %s", c.method, c.path, got, c.typ)
		}
		if !strings.Contains(w.Body.String(), c.body) {
			t.Errorf("%s %s: body lacks %q", c.method, c.path, c.body)
		}
		if w.Header().Get("Cache-Control") != "no-cache" {
			t.Errorf("%s %s: Cache-Control %q", c.method, c.path, w.Header().Get("Cache-Control"))
		}
	}
}
