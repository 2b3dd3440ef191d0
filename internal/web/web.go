// Package web is vigil's embedded web app: static files only, no inline
// script (the CSP forbids it), talking to the API with the session cookie.
package web

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed static
var files embed.FS

// Handler serves the web app: index.html at /, the assets by name.
func Handler() http.Handler {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // the embedded tree is part of the binary
	}
	fileServer := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		switch r.URL.Path {
		case "/", "/index.html", "/app.js", "/app.css", "/manifest.webmanifest", "/icon.svg", "/verify.js", "/recordings.js", "/live.js", "/alarms.js", "/notify.js", "/sw.js":
			w.Header().Set("Cache-Control", "no-cache")
			fileServer.ServeHTTP(w, r)
		default:
			http.NotFound(w, r)
		}
	})
}
