package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// The audit log's overseers see its size, signed head and entries per
// hour, and verify it on demand; support staff and customers do not.
// proves: P3
func TestAuditHealth(t *testing.T) {
	e := vigiltest.Start(t)
	op := e.Operator()
	e.SignUp("health@example.com")
	var h struct {
		Entries    int64
		Checkpoint string
		PerHour    []struct{ Entries int } `json:"per_hour"`
	}
	op.Must(http.StatusOK, "GET", "/api/v1/staff/audit/health", nil).Decode(t, &h)
	sum := 0
	for _, c := range h.PerHour {
		sum += c.Entries
	}
	if h.Entries == 0 || h.Checkpoint == "" || len(h.PerHour) != 24 || sum == 0 || int64(sum) > h.Entries {
		t.Fatalf("health: %+v (sum %d)", h, sum)
	}
	var rep struct {
		OK      bool
		Entries int64
	}
	op.Must(http.StatusOK, "POST", "/api/v1/staff/audit/verify", nil).Decode(t, &rep)
	if !rep.OK || rep.Entries == 0 {
		t.Fatalf("verify: %+v", rep)
	}
	support := e.StaffMember("l1-audit@vigil.test", access.StaffSupportL1)
	if r := support.Do("GET", "/api/v1/staff/audit/health", nil); r.Status != http.StatusForbidden {
		t.Fatalf("support reading the audit health: %d %s", r.Status, r.Body)
	}
	if r := support.Do("POST", "/api/v1/staff/audit/verify", nil); r.Status != http.StatusForbidden {
		t.Fatalf("support verifying: %d", r.Status)
	}
}
