package vuln_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/config"
	"github.com/vigil-cloud/vigil/internal/id"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
	"github.com/vigil-cloud/vigil/internal/vuln"
)

func release(model, version string) map[string]any {
	image := []byte("firmware image " + version)
	sum := sha256.Sum256(image)
	_, priv, _ := ed25519.GenerateKey(nil)
	return map[string]any{"model": model, "version": version, "notes": "Security fixes.",
		"sha256": hex.EncodeToString(sum[:]), "signature": base64.StdEncoding.EncodeToString(ed25519.Sign(priv, sum[:])),
		"url": "https://updates.vigil.test/" + model + "/" + version + ".bin", "rollout_percent": 100}
}

// report is a valid submission whose words and attachment carry markers,
// so that a scan can look for them in clear.
func report(marker string) map[string]any {
	return map[string]any{
		"title": "Stored XSS in camera names " + marker, "product": "vigil web app", "versions": "1.1.0",
		"description": "A camera name with a script tag runs in the viewer's browser. Marker " + marker,
		"email":       "finder-" + strings.ToLower(marker) + "@example.org", "name": "Ada Finder", "credit": "Ada Finder",
		"attachments": []map[string]any{{"name": "poc.txt", "content_type": "text/plain",
			"data": base64.StdEncoding.EncodeToString([]byte("proof of concept: ATTACHMENT-" + marker))}},
	}
}

// securityTxt parses an RFC 9116 file into its fields (a field may repeat).
func securityTxt(t *testing.T, body string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.ContainsAny(k, " \t") {
			t.Fatalf("security.txt line is not a field: %q", line)
		}
		out[strings.ToLower(k)] = append(out[strings.ToLower(k)], strings.TrimSpace(v))
	}
	return out
}

// /.well-known/security.txt carries what RFC 9116 requires (Contact,
// Expires) and what vigil promises (Policy, Preferred-Languages,
// Canonical); Expires is computed from vigil's clock, so it stays ahead
// of now and under a year away however long vigil runs.
// proves: I6
func TestSecurityTxt(t *testing.T) {
	e := vigiltest.Start(t, func(c *config.Config) {
		c.Security.Mailbox = "security@vigil.test"
		c.Security.Languages = []string{"en", "de"}
	})
	c := e.Client()
	for _, later := range []time.Duration{0, 300 * 24 * time.Hour, 3 * 365 * 24 * time.Hour} {
		e.Clock.Advance(later)
		r := c.Must(http.StatusOK, "GET", "/.well-known/security.txt", nil)
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") || !strings.Contains(ct, "charset=utf-8") {
			t.Errorf("Content-Type %q", ct)
		}
		f := securityTxt(t, string(r.Body))
		for _, k := range []string{"contact", "expires", "policy", "preferred-languages", "canonical"} {
			if len(f[k]) == 0 {
				t.Errorf("security.txt lacks %s:\n%s", k, r.Body)
			}
		}
		if len(f["expires"]) != 1 {
			t.Fatalf("Expires must appear once: %v", f["expires"])
		}
		exp, err := time.Parse(time.RFC3339, f["expires"][0])
		now := e.Clock.Now()
		if err != nil || !exp.After(now) || !exp.Before(now.AddDate(1, 0, 0)) {
			t.Errorf("Expires %q at %s: want RFC 3339, after now, within a year (%v)", f["expires"][0], now, err)
		}
		if !strings.Contains(strings.Join(f["contact"], " "), "mailto:security@vigil.test") ||
			!strings.Contains(strings.Join(f["contact"], " "), "http://vigil.test/#/security/report") {
			t.Errorf("Contact: %v", f["contact"])
		}
		if f["canonical"][0] != "http://vigil.test/.well-known/security.txt" || f["preferred-languages"][0] != "en, de" {
			t.Errorf("Canonical %v, Preferred-Languages %v", f["canonical"], f["preferred-languages"])
		}
	}
}

type receipt struct {
	ID           string `json:"id"`
	FollowUpCode string `json:"follow_up_code"`
	Status       string `json:"status"`
}

// A finder reports through the public form and follows the report with
// its code; the attachment and the finder's words are nowhere in clear in
// the database or the blob directory. The security officer reads the
// queue and the report (the attachment decrypted through the gate), and
// triages reports: rejected with a reason the finder sees, a duplicate,
// into an incident, into an advisory. The advisory, once published, is on
// the public list with the firmware it affects and the release that fixes
// it, and that release lists it. Bad input gets a 4xx with a message.
// proves: I6
func TestReportTriageAdvisory(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		anon := e.Client()
		op := e.Operator()
		var fixRel struct{ ID string }
		op.Must(http.StatusCreated, "POST", "/api/v1/staff/firmware", release("vc-100", "1.2.0")).Decode(t, &fixRel)

		marker := strings.ToUpper(id.New("mk"))
		var rc receipt
		anon.Must(http.StatusCreated, "POST", "/api/v1/public/vulnerability-reports", report(marker)).Decode(t, &rc)
		if rc.ID == "" || !strings.HasPrefix(rc.FollowUpCode, "vf_") || rc.Status != "new" {
			t.Fatalf("receipt %+v", rc)
		}
		scanForClear(t, e, marker)

		follow := func(id, code string) vigiltest.Response { return followReport(t, e, id, code) }
		if r := follow(rc.ID, rc.FollowUpCode); r.Status != http.StatusOK || r.JSON()["status"] != "new" {
			t.Fatalf("follow: %d %s", r.Status, r.Body)
		}
		if r := follow(rc.ID, "vf_wrong"); r.Status != http.StatusNotFound {
			t.Errorf("a wrong code: %d", r.Status)
		}
		if r := follow(rc.ID, ""); r.Status != http.StatusUnauthorized {
			t.Errorf("no code: %d", r.Status)
		}

		// Bad input: a clear 4xx with a message, and nothing stored.
		bad := func(mut func(m map[string]any)) map[string]any { m := report("BAD"); mut(m); return m }
		big := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("x"), 2<<20+1))
		for name, c := range map[string]struct {
			body any
			want int
		}{
			"no title":      {bad(func(m map[string]any) { delete(m, "title") }), http.StatusBadRequest},
			"short":         {bad(func(m map[string]any) { m["description"] = "too short" }), http.StatusBadRequest},
			"bad e-mail":    {bad(func(m map[string]any) { m["email"] = "not an address" }), http.StatusBadRequest},
			"unknown field": {bad(func(m map[string]any) { m["severity"] = "critical" }), http.StatusBadRequest},
			"program": {bad(func(m map[string]any) {
				m["attachments"].([]map[string]any)[0]["content_type"] = "application/x-msdownload"
			}), http.StatusBadRequest},
			"big attachment": {bad(func(m map[string]any) { m["attachments"].([]map[string]any)[0]["data"] = big }), http.StatusRequestEntityTooLarge},
			"not json":       {"just text", http.StatusBadRequest},
		} {
			r := anon.Do("POST", "/api/v1/public/vulnerability-reports", c.body)
			if r.Status != c.want || r.ErrorMessage() == "" {
				t.Errorf("%s: %d %q, want %d with a message", name, r.Status, r.ErrorMessage(), c.want)
			}
		}

		// Only the security officer (and the DPO) reads the queue.
		sec := e.StaffMember("sec-"+strings.ToLower(marker)+"@vigil.test", access.StaffSecurity)
		support := e.StaffMember("l2-"+strings.ToLower(marker)+"@vigil.test", access.StaffSupportL2)
		if r := support.Do("GET", "/api/v1/staff/vulnerability-reports", nil); r.Status != http.StatusForbidden {
			t.Errorf("support reads the queue: %d", r.Status)
		}
		if r := op.Do("GET", "/api/v1/staff/vulnerability-reports/"+rc.ID, nil); r.Status != http.StatusForbidden {
			t.Errorf("the operator administrator reads a report: %d", r.Status)
		}
		var queue struct{ Reports []vuln.Report }
		sec.Must(http.StatusOK, "GET", "/api/v1/staff/vulnerability-reports", nil).Decode(t, &queue)
		if len(queue.Reports) != 1 || !strings.Contains(queue.Reports[0].Title, marker) || queue.Reports[0].Status != vuln.StatusNew {
			t.Fatalf("queue %+v", queue.Reports)
		}
		var full vuln.Report
		sec.Must(http.StatusOK, "GET", "/api/v1/staff/vulnerability-reports/"+rc.ID, nil).Decode(t, &full)
		if full.Contact == nil || full.Contact.Credit != "Ada Finder" || full.Details == nil || !strings.Contains(full.Details.Description, marker) || len(full.Attachments) != 1 {
			t.Fatalf("report %+v", full)
		}
		att := sec.Must(http.StatusOK, "GET", "/api/v1/staff/vulnerability-reports/"+rc.ID+"/attachments/"+full.Attachments[0].ID, nil)
		if string(att.Body) != "proof of concept: ATTACHMENT-"+marker || att.Header.Get("Content-Disposition") != "attachment" {
			t.Errorf("attachment %q %v", att.Body, att.Header)
		}

		// More reports to triage otherwise.
		var r2, r3, r4 receipt
		anon.Must(http.StatusCreated, "POST", "/api/v1/public/vulnerability-reports", report(marker+"-2")).Decode(t, &r2)
		anon.Must(http.StatusCreated, "POST", "/api/v1/public/vulnerability-reports", report(marker+"-3")).Decode(t, &r3)
		anon.Must(http.StatusCreated, "POST", "/api/v1/public/vulnerability-reports", report(marker+"-4")).Decode(t, &r4)
		triage := func(id string, body map[string]any) vigiltest.Response {
			return sec.Do("POST", "/api/v1/staff/vulnerability-reports/"+id+"/triage", body)
		}
		if r := triage(r2.ID, map[string]any{"action": "reject", "reason": "no"}); r.Status != http.StatusBadRequest {
			t.Errorf("a rejection without a reason: %d", r.Status)
		}
		if r := triage(r2.ID, map[string]any{"action": "reject", "reason": "Works as intended: the name is shown as text."}); r.Status != http.StatusOK || r.JSON()["status"] != "rejected" {
			t.Fatalf("reject: %d %s", r.Status, r.Body)
		}
		if r := triage(r2.ID, map[string]any{"action": "reject", "reason": "Works as intended, again."}); r.Status != http.StatusConflict {
			t.Errorf("triaged twice: %d", r.Status)
		}
		if r := follow(r2.ID, r2.FollowUpCode); r.JSON()["status"] != "rejected" || !strings.Contains(r.JSON()["note"].(string), "Works as intended") {
			t.Errorf("the finder does not see the rejection: %s", r.Body)
		}
		if r := triage(r3.ID, map[string]any{"action": "duplicate", "duplicate_of": rc.ID}); r.Status != http.StatusOK || r.JSON()["duplicate_of"] != rc.ID {
			t.Errorf("duplicate: %d %s", r.Status, r.Body)
		}
		// Into an incident: the register opens one of type vulnerability,
		// naming the report as its source, never the finder.
		var inr vuln.Report
		sec.Must(http.StatusOK, "POST", "/api/v1/staff/vulnerability-reports/"+r4.ID+"/triage",
			map[string]any{"action": "incident", "title": "Camera names run scripts", "reason": "Exploited in the wild."}).Decode(t, &inr)
		if inr.Status != vuln.StatusIncident || !strings.HasPrefix(inr.IncidentID, "inc_") {
			t.Fatalf("incident: %+v", inr)
		}
		inc := sec.Must(http.StatusOK, "GET", "/api/v1/staff/incidents/"+inr.IncidentID, nil)
		if j, _ := inc.JSON()["incident"].(map[string]any); j["type"] != "vulnerability" || j["source"] != "vulnerability_report" || j["source_ref"] != r4.ID {
			t.Errorf("the incident: %s", inc.Body)
		}
		if strings.Contains(string(inc.Body), "finder-") {
			t.Error("the incident carries the finder's address")
		}

		// Into an advisory: a draft is not public; once published it is,
		// linked to the release that fixes it.
		adv := map[string]any{"slug": "vigil-2026-001", "title": "Script injection through camera names",
			"summary":  "Camera names were shown as HTML in the web app. Update the firmware to 1.2.0 and the web app to 3.4.1.",
			"severity": "high", "cvss_vector": "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N",
			"firmware": []map[string]any{{"model": "vc-100", "from": "1.0.0", "fixed": "1.2.0"}},
			"apps":     []map[string]any{{"platform": "web", "fixed": "3.4.1"}}, "credits": []string{"Ada Finder"}}
		if r := triage(rc.ID, map[string]any{"action": "advisory", "advisory": map[string]any{"slug": "X", "title": "t"}}); r.Status != http.StatusBadRequest {
			t.Errorf("a bad advisory: %d", r.Status)
		}
		var triaged vuln.Report
		sec.Must(http.StatusOK, "POST", "/api/v1/staff/vulnerability-reports/"+rc.ID+"/triage", map[string]any{"action": "advisory", "advisory": adv}).Decode(t, &triaged)
		if triaged.Status != vuln.StatusAdvisory || triaged.AdvisoryID == "" {
			t.Fatalf("triaged %+v", triaged)
		}
		var public struct{ Advisories []vuln.PublicAdvisory }
		anon.Must(http.StatusOK, "GET", "/api/v1/public/advisories", nil).Decode(t, &public)
		if len(public.Advisories) != 0 {
			t.Fatalf("a draft is public: %+v", public)
		}
		anon.Must(http.StatusNotFound, "GET", "/api/v1/public/advisories/vigil-2026-001", nil)
		if r := support.Do("POST", "/api/v1/staff/advisories/"+triaged.AdvisoryID+"/publish", nil); r.Status != http.StatusForbidden {
			t.Errorf("support publishes: %d", r.Status)
		}
		sec.Must(http.StatusOK, "POST", "/api/v1/staff/advisories/"+triaged.AdvisoryID+"/publish", nil)
		sec.Must(http.StatusConflict, "POST", "/api/v1/staff/advisories/"+triaged.AdvisoryID+"/publish", nil)
		anon.Must(http.StatusOK, "GET", "/api/v1/public/advisories", nil).Decode(t, &public)
		if len(public.Advisories) != 1 {
			t.Fatalf("published: %+v", public)
		}
		a := public.Advisories[0]
		if a.Slug != "vigil-2026-001" || a.Severity != "high" || len(a.Firmware) != 1 || a.Firmware[0].Release == nil || a.Firmware[0].Release.ID != fixRel.ID ||
			a.URL != "http://vigil.test/#/security/advisories/vigil-2026-001" || len(a.Credits) != 1 {
			t.Errorf("public advisory %+v", a)
		}
		if strings.Contains(string(anon.Must(http.StatusOK, "GET", "/api/v1/public/advisories", nil).Body), rc.ID) {
			t.Error("the public list names the report")
		}
		var fixes struct {
			Version string
			Fixes   []vuln.PublicAdvisory
		}
		anon.Must(http.StatusOK, "GET", "/api/v1/public/firmware/"+fixRel.ID, nil).Decode(t, &fixes)
		if fixes.Version != "1.2.0" || len(fixes.Fixes) != 1 || fixes.Fixes[0].Slug != "vigil-2026-001" {
			t.Errorf("the fixing release: %+v", fixes)
		}
		for v, want := range map[string]int{"0.9.0": 0, "1.0.0": 1, "1.1.5": 1, "1.2.0": 0} {
			anon.Must(http.StatusOK, "GET", "/api/v1/public/advisories?model=vc-100&firmware="+v, nil).Decode(t, &public)
			if len(public.Advisories) != want {
				t.Errorf("firmware %s: %d advisories, want %d", v, len(public.Advisories), want)
			}
		}
		anon.Must(http.StatusBadRequest, "GET", "/api/v1/public/advisories?firmware=1.0.0", nil)
		if r := follow(rc.ID, rc.FollowUpCode); r.JSON()["advisory"] != "vigil-2026-001" {
			t.Errorf("the finder does not see the advisory: %s", r.Body)
		}
		scanForClear(t, e, marker)
	})
}

// followReport asks for a report's progress with its follow-up code, as
// the follow page does.
func followReport(t *testing.T, e *vigiltest.Env, id, code string) vigiltest.Response {
	t.Helper()
	req, err := http.NewRequest("GET", e.URL+"/api/v1/public/vulnerability-reports/"+id, nil)
	if err != nil {
		t.Fatal(err)
	}
	if code != "" {
		req.Header.Set("X-Follow-Up-Code", code)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return vigiltest.Response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// scanForClear fails when a marker of a report (its words, the finder's
// address, the attachment) lies in clear in the database's rows of
// vulnerability reports, in the database files or in the blob directory.
func scanForClear(t *testing.T, e *vigiltest.Env, marker string) {
	t.Helper()
	needles := [][]byte{[]byte(marker), []byte(strings.ToLower(marker)), []byte("ATTACHMENT-" + marker), []byte("poc.txt")}
	look := func(where string, b []byte) {
		for _, n := range needles {
			if bytes.Contains(b, n) {
				t.Errorf("%q in clear in %s", n, where)
			}
		}
	}
	err := e.App.DB.Read(context.Background(), func(tx *store.Tx) error {
		for _, q := range []string{`SELECT id, reporter_id, contact_sealed, details_sealed, decision_note FROM vuln_reports`,
			`SELECT id, report_id, name_sealed, content_type FROM vuln_attachments`} {
			rows, err := tx.Query(context.Background(), q)
			if err != nil {
				return err
			}
			for rows.Next() {
				cols := make([]any, 0, 5)
				vals := make([][]byte, strings.Count(q, ",")+1)
				for i := range vals {
					cols = append(cols, &vals[i])
				}
				if err := rows.Scan(cols...); err != nil {
					rows.Close()
					return err
				}
				look("a row of "+q, bytes.Join(vals, nil))
			}
			rows.Close()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	blobs := 0
	for _, dir := range []string{e.Config.Blob.Dir, e.Config.DataDir} {
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if strings.Contains(p, string(filepath.Separator)+"att"+string(filepath.Separator)) {
				blobs++
			}
			look(p, b)
			return nil
		})
	}
	if blobs == 0 {
		t.Error("no attachment blob found to scan")
	}
}

// One client network files a few reports an hour through the form; the
// next gets 429 with a message until the hour has passed.
// proves: I6
func TestReportRateLimit(t *testing.T) {
	e := vigiltest.Start(t, func(c *config.Config) { c.Security.ReportsPerHour = 2 })
	anon := e.Client()
	for i := range 2 {
		anon.Must(http.StatusCreated, "POST", "/api/v1/public/vulnerability-reports", report(strings.Repeat("R", i+1)))
	}
	r := anon.Do("POST", "/api/v1/public/vulnerability-reports", report("RRR"))
	if r.Status != http.StatusTooManyRequests || !strings.Contains(r.ErrorMessage(), "too many reports") {
		t.Fatalf("third report: %d %q", r.Status, r.ErrorMessage())
	}
	e.Clock.Advance(time.Hour)
	anon.Must(http.StatusCreated, "POST", "/api/v1/public/vulnerability-reports", report("RRRR"))
}
