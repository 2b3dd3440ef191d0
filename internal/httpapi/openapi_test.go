package httpapi_test

import (
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/vigil-cloud/vigil/api"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// The checked-in OpenAPI document and the real routes name the same
// operations: a route added without documentation, or documentation of a
// route that does not exist, fails here.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(api.OpenAPI, &doc); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	var documented []string
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	e := vigiltest.Start(t)
	served := append(e.App.API.Routes(), "GET /healthz", "GET /readyz", "GET /metrics", "GET /api/openapi.yaml")
	slices.Sort(documented)
	slices.Sort(served)
	for _, r := range served {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is not in api/openapi.yaml", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(served, d) {
			t.Errorf("api/openapi.yaml documents %s, which vigil does not serve", d)
		}
	}
	r := e.Client().Must(http.StatusOK, "GET", "/api/openapi.yaml", nil)
	if string(r.Body) != string(api.OpenAPI) {
		t.Error("the served document differs from the checked-in file")
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	e := vigiltest.Start(t)
	c := e.Client()
	c.Must(http.StatusOK, "GET", "/healthz", nil)
	ready := c.Must(http.StatusOK, "GET", "/readyz", nil).JSON()
	deps, _ := ready["dependencies"].(map[string]any)
	for _, name := range []string{"database", "audit", "blob", "bus"} {
		if deps[name] != "ok" {
			t.Errorf("readyz: %s is %v, want ok (%v)", name, deps[name], ready)
		}
	}
	e.SignUp("jo@example.com")
	m := string(c.Must(http.StatusOK, "GET", "/metrics", nil).Body)
	for _, want := range []string{`vigil_http_requests_total{route="/api/v1/auth/login",status="200"}`, "go_goroutines"} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// A broken blob store degrades the node without taking it out: the
	// body names it, the gauge drops, sign-in still works.
	dir := e.Config.Blob.Dir
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(dir, dir); err != nil { // every path inside it now loops
		t.Fatal(err)
	}
	r := c.Do("GET", "/readyz", nil)
	if body := r.JSON(); r.Status != http.StatusOK || body["status"] != "degraded" || body["dependencies"].(map[string]any)["blob"] != "failing" {
		t.Errorf("readyz with the blob store broken: %d %v", r.Status, body)
	}
	if m := string(c.Must(http.StatusOK, "GET", "/metrics", nil).Body); !strings.Contains(m, `vigil_dependency_up{dependency="blob"} 0`) {
		t.Error(`metrics lack vigil_dependency_up{dependency="blob"} 0`)
	}
	e.App.Close()
	if r := c.Do("GET", "/readyz", nil); r.Status != http.StatusServiceUnavailable || r.JSON()["status"] != "unavailable" {
		t.Errorf("readyz with the database closed: %d", r.Status)
	}
}
