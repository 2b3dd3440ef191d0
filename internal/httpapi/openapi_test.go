package httpapi_test

import (
	"net/http"
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
	c.Must(http.StatusOK, "GET", "/readyz", nil)
	e.SignUp("jo@example.com")
	m := string(c.Must(http.StatusOK, "GET", "/metrics", nil).Body)
	for _, want := range []string{`vigil_http_requests_total{route="/api/v1/auth/login",status="200"}`, "go_goroutines"} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	e.App.Close()
	if r := c.Do("GET", "/readyz", nil); r.Status != http.StatusServiceUnavailable {
		t.Errorf("readyz with the database closed: %d", r.Status)
	}
}
