package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/vigil-cloud/vigil/internal/config"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// BenchmarkLogin measures full sign-in requests (HTTP, gate, audit entries,
// argon2id at the production cost, session creation) against SQLite.
//
//	go test -run '^$' -bench BenchmarkLogin -benchtime 200x ./internal/httpapi/
func BenchmarkLogin(b *testing.B) {
	e := vigiltest.Start(b, func(c *config.Config) {
		d := config.Default().Auth
		c.Auth.ArgonMemoryKiB, c.Auth.ArgonTime = d.ArgonMemoryKiB, d.ArgonTime
	})
	u := e.SignUp("bench@example.com")
	body, _ := json.Marshal(map[string]string{"email": u.Email, "password": u.Password})
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := http.Post(e.URL+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				b.Errorf("status %d", res.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
}
