package vuln_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
	"github.com/vigil-cloud/vigil/internal/vuln"
)

// A finder's reports are theirs in the privacy centre: exported with their
// words (one address, one pseudonym), erased with their attachments on
// request, and purged two years after triage by the retention sweep.
func TestReportsInThePrivacyCentre(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		ctx := context.Background()
		anon := e.Client()
		var a, b, other receipt
		anon.Must(http.StatusCreated, "POST", "/api/v1/public/vulnerability-reports", report("PRIVA")).Decode(t, &a)
		// The same address again (in capitals): the same finder.
		same := report("PRIVB")
		same["email"] = "FINDER-priva@example.org"
		anon.Must(http.StatusCreated, "POST", "/api/v1/public/vulnerability-reports", same).Decode(t, &b)
		anon.Must(http.StatusCreated, "POST", "/api/v1/public/vulnerability-reports", report("PRIVC")).Decode(t, &other)
		sec := e.StaffMember("sec-priv@vigil.test", access.StaffSecurity)
		var ra, rb vuln.Report
		sec.Must(http.StatusOK, "GET", "/api/v1/staff/vulnerability-reports/"+a.ID, nil).Decode(t, &ra)
		sec.Must(http.StatusOK, "GET", "/api/v1/staff/vulnerability-reports/"+b.ID, nil).Decode(t, &rb)
		if ra.ReporterID != rb.ReporterID || !strings.HasPrefix(ra.ReporterID, "prs_") {
			t.Fatalf("one address, two pseudonyms: %s %s", ra.ReporterID, rb.ReporterID)
		}
		h := e.App.Fulfil.Handlers(datamap.VulnReport)
		decide := func(job string, act access.Action, subject string) access.Decision {
			d, err := e.App.Gate.Check(ctx, access.System(job), act, access.Resource{Category: datamap.VulnReport, SubjectID: subject}, datamap.PurposeService)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		var got []fulfil.Record
		sub := fulfil.Subject{Kind: fulfil.RequesterPerson, ID: ra.ReporterID}
		if err := h.Export.Export(ctx, decide(fulfil.JobRequests, access.Export, sub.ID), sub, fulfil.Scope{}, func(r fulfil.Record) error {
			got = append(got, r)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		js, _ := json.Marshal(got)
		if len(got) != 2 || !strings.Contains(string(js), "PRIVA") || !strings.Contains(string(js), "PRIVB") || strings.Contains(string(js), "PRIVC") {
			t.Fatalf("export: %s", js)
		}

		erased, err := h.Erase.Erase(ctx, decide(fulfil.JobRequests, access.Delete, sub.ID), sub, fulfil.Scope{})
		if err != nil || erased.Rows != 2 || erased.Blobs != 2 || len(erased.Shred) != 2 {
			t.Fatalf("erase: %+v %v", erased, err)
		}
		sec.Must(http.StatusNotFound, "GET", "/api/v1/staff/vulnerability-reports/"+a.ID, nil)
		if r := followReport(t, e, b.ID, b.FollowUpCode); r.Status != http.StatusNotFound {
			t.Errorf("an erased report still answers: %d", r.Status)
		}

		// Retention: the other finder's report, triaged, goes two years on.
		sec.Must(http.StatusOK, "POST", "/api/v1/staff/vulnerability-reports/"+other.ID+"/triage", map[string]any{"action": "reject", "reason": "Not reproducible on any release."})
		var ro vuln.Report
		sec.Must(http.StatusOK, "GET", "/api/v1/staff/vulnerability-reports/"+other.ID, nil).Decode(t, &ro)
		cat, _ := e.App.Registry.Category(datamap.VulnReport)
		owners, err := h.Purge.Expired(ctx, e.Clock.Now().Add(-cat.Retention.Period))
		if err != nil || len(owners) != 0 {
			t.Fatalf("expired too early: %v %v", owners, err)
		}
		e.Clock.Advance(cat.Retention.Period + 24*time.Hour)
		if _, err := e.App.Retention.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		var left int
		if err := e.App.DB.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM vuln_reports WHERE id = ?`, other.ID).Scan(&left)
		}); err != nil || left != 0 {
			t.Errorf("the report outlived its retention: %d rows (%v)", left, err)
		}
		if r := followReport(t, e, other.ID, other.FollowUpCode); r.Status != http.StatusNotFound {
			t.Errorf("a purged report still answers: %d", r.Status)
		}
		if ro.Status != vuln.StatusRejected {
			t.Errorf("triaged %+v", ro)
		}
	})
}
