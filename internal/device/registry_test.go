package device_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// A manufacture list is previewed row by row (every bad row named, nothing
// stored), an import with a bad row stores nothing, a good one stores all;
// the registry is searched by serial without naming owners; a release's
// offered, updated and failed counts follow the devices.
func TestRegistryImportSearchAndRolloutCounts(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		op := e.Operator()
		csv := "serial,model,claim_code\n" +
			"SN-IMP-0001,vc-100,IMPCLAIM0001\n" +
			"SN-IMP-0002,vc-999,IMPCLAIM0002\n" + // unknown model
			"x,vc-100,IMPCLAIM0003\n" + // bad serial
			"SN-IMP-0001,vc-100,IMPCLAIM0004\n" + // twice
			"SN-IMP-0005,vc-100,short\n" // bad claim code
		var preview struct {
			Rows           []device.RowCheck
			Valid, Invalid int
		}
		op.DoType("POST", "/api/v1/staff/devices/import?dry_run=true", "text/csv", []byte(csv)).Decode(t, &preview)
		if preview.Valid != 1 || preview.Invalid != 4 || len(preview.Rows) != 5 {
			t.Fatalf("preview: %+v", preview)
		}
		for i, want := range []string{"", "unknown model", "serial must", "also on line 2", "claim_code"} {
			if r := preview.Rows[i]; r.Line != i+2 || !strings.Contains(r.Error, want) || (want == "") != (r.Error == "") {
				t.Errorf("row %d: %+v, want error %q", i, r, want)
			}
		}
		if r := op.DoType("POST", "/api/v1/staff/devices/import", "text/csv", []byte(csv)); r.Status != http.StatusBadRequest {
			t.Fatalf("import with bad rows: %d %s", r.Status, r.Body)
		}
		var found struct{ Devices []device.RegistryEntry }
		op.Must(http.StatusOK, "GET", "/api/v1/staff/devices?serial=SN-IMP", nil).Decode(t, &found)
		if len(found.Devices) != 0 {
			t.Fatalf("a refused import stored %d devices", len(found.Devices))
		}
		good := "serial,model,claim_code\n"
		for i := range 20 {
			good += fmt.Sprintf("SN-IMP-%04d,vc-100,IMPCLAIM%04d\n", i+1, i+1)
		}
		if r := op.DoType("POST", "/api/v1/staff/devices/import", "text/csv", []byte(good)); r.Status != http.StatusCreated {
			t.Fatalf("import: %d %s", r.Status, r.Body)
		}
		// Again: every row is now already registered.
		op.DoType("POST", "/api/v1/staff/devices/import?dry_run=true", "text/csv", []byte(good)).Decode(t, &preview)
		if preview.Invalid != 20 || !strings.Contains(preview.Rows[0].Error, "already registered") {
			t.Fatalf("second preview: %+v", preview.Rows[0])
		}

		owner := e.SignUp("registry@example.com")
		var claimed []string
		for i := range 10 {
			m := vigiltest.Made{Serial: fmt.Sprintf("SN-IMP-%04d", i+1), ClaimCode: fmt.Sprintf("IMPCLAIM%04d", i+1)}
			owner.Claim(m, fmt.Sprintf("cam %d", i))
		}
		op.Must(http.StatusOK, "GET", "/api/v1/staff/devices?serial=SN-IMP-000", nil).Decode(t, &found)
		if len(found.Devices) != 9 || !found.Devices[0].Claimed || found.Devices[0].Serial != "SN-IMP-0001" {
			t.Fatalf("search: %+v", found.Devices)
		}
		for _, d := range found.Devices {
			claimed = append(claimed, d.ID)
		}
		op.Must(http.StatusOK, "GET", "/api/v1/staff/devices?serial=SN-IMP-0010", nil).Decode(t, &found)
		claimed = append(claimed, found.Devices[0].ID)
		if raw := op.Must(http.StatusOK, "GET", "/api/v1/staff/devices?serial=SN-IMP-0001", nil).Body; strings.Contains(string(raw), owner.AccountID) {
			t.Fatalf("the registry names the owner: %s", raw)
		}
		if r := op.Do("GET", "/api/v1/staff/devices?serial=S", nil); r.Status != http.StatusBadRequest {
			t.Fatalf("one-letter search: %d", r.Status)
		}
		if r := owner.Do("GET", "/api/v1/staff/devices?serial=SN-IMP", nil); r.Status != http.StatusNotFound {
			t.Fatalf("customer searching the registry: %d", r.Status)
		}

		for _, id := range claimed {
			if err := ingest(t, e, id, "info", `{"firmware_version":"1.0.0"}`); err != nil {
				t.Fatal(err)
			}
		}
		var rel device.Release
		op.Must(http.StatusCreated, "POST", "/api/v1/staff/firmware", release(t, "2.0.0", 100)).Decode(t, &rel)
		if err := ingest(t, e, claimed[0], "info", `{"firmware_version":"2.0.0"}`); err != nil {
			t.Fatal(err)
		}
		if err := ingest(t, e, claimed[1], "event", `{"id":"up-1","kind":"upgrade","code":"checksum_mismatch","version":"2.0.0","at":"2026-03-02T10:00:00Z"}`); err != nil {
			t.Fatal(err)
		}
		var rels struct{ Releases []device.ReleaseStatus }
		op.Must(http.StatusOK, "GET", "/api/v1/staff/firmware?model=vc-100", nil).Decode(t, &rels)
		if got := rels.Releases[0]; got.Offered != 9 || got.Updated != 1 || got.Failed != 1 {
			t.Fatalf("counts at 100%%: offered %d updated %d failed %d", got.Offered, got.Updated, got.Failed)
		}
		op.Must(http.StatusOK, "PATCH", "/api/v1/staff/firmware/"+rel.ID, map[string]any{"rollout_percent": 0})
		op.Must(http.StatusOK, "GET", "/api/v1/staff/firmware?model=vc-100", nil).Decode(t, &rels)
		if got := rels.Releases[0]; got.Offered != 0 || got.Updated != 1 {
			t.Fatalf("counts at 0%%: %+v", got)
		}
	})
}
