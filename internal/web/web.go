// Package web is vigil's embedded web app: static files only (ES modules,
// no build step), no inline script or style (the CSP forbids both), talking
// to the API with the session cookie. See README.md in this directory.
package web

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var files embed.FS

// Handler serves the web app: index.html at /, every embedded file by its
// path; directories are not listed and anything else is 404.
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
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if name == "" || name == "index.html" {
			serve(w, r, fileServer, "/")
			return
		}
		st, err := fs.Stat(sub, name)
		if err != nil || st.IsDir() || r.URL.Path != "/"+name {
			http.NotFound(w, r)
			return
		}
		switch path.Ext(name) {
		case ".webmanifest":
			w.Header().Set("Content-Type", "application/manifest+json")
		case ".mjs", ".js":
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		}
		serve(w, r, fileServer, r.URL.Path)
	})
}

func serve(w http.ResponseWriter, r *http.Request, fileServer http.Handler, p string) {
	// Every file is checked again on each load: a new vigil's app replaces
	// the old at once (the files are small and embedded).
	w.Header().Set("Cache-Control", "no-cache")
	r2 := r.Clone(r.Context())
	r2.URL.Path = p
	fileServer.ServeHTTP(w, r2)
}
