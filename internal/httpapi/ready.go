package httpapi

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Dependency is one part a node needs to serve, checked by /readyz.
//
// A Required dependency is one without which this node cannot answer
// anything useful (its database, its audit log: the gate refuses every
// access without it), so /readyz answers 503 and a load balancer should
// send traffic elsewhere. The others (the device bus, the blob store) are
// shared by every node: taking this node out would not help, so /readyz
// answers 200 with status "degraded" and names them, and the gauge
// vigil_dependency_up lets an operator alert on it.
type Dependency struct {
	Name     string
	Required bool
	Check    func(context.Context) error
}

// readiness serves /readyz over deps.
type readiness struct {
	deps []Dependency
	up   *prometheus.GaugeVec
	log  func(msg string, args ...any)
}

func newReadiness(deps []Dependency, reg prometheus.Registerer, log func(string, ...any)) *readiness {
	r := &readiness{deps: deps, log: log, up: prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "vigil_dependency_up",
		Help: "1 when the dependency answered the last readiness check, 0 when it did not.",
	}, []string{"dependency"})}
	reg.MustRegister(r.up)
	return r
}

// ServeHTTP checks every dependency at once, each within 2 s. The body
// names each dependency "ok" or "failing" (never the error, which may name
// hosts); the errors go to the log.
func (rd *readiness) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	errs := make([]error, len(rd.deps))
	var wg sync.WaitGroup
	for i, d := range rd.deps {
		wg.Go(func() { errs[i] = d.Check(ctx) })
	}
	wg.Wait()
	status, code := "ready", http.StatusOK
	states := make(map[string]string, len(rd.deps))
	for i, d := range rd.deps {
		if errs[i] == nil {
			states[d.Name] = "ok"
			rd.up.WithLabelValues(d.Name).Set(1)
			continue
		}
		states[d.Name] = "failing"
		rd.up.WithLabelValues(d.Name).Set(0)
		rd.log("dependency failing", "dependency", d.Name, "required", d.Required, "err", errs[i])
		if d.Required {
			status, code = "unavailable", http.StatusServiceUnavailable
		} else if code == http.StatusOK {
			status = "degraded"
		}
	}
	writeJSON(w, code, map[string]any{"status": status, "dependencies": states})
}
