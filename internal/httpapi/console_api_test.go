package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/config"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// The operator console's staff reads: the whole disclosure ledger
// (security, DPO) filtered by kind, processor and authority and exported
// as CSV with formula-looking cells defused; app versions (operator
// administrator); a retention sweep run by hand and kept (security, DPO).
// Every other role is refused each of them.
func TestConsoleStaffReads(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		carol := e.SignUp("carol@example.com")
		dan := e.SignUp("dan@example.com")
		op := e.Operator()
		sec := e.StaffMember("sid@vigil.test", access.StaffSecurity)
		dpo := e.StaffMember("dee@vigil.test", access.StaffDPO)
		support := e.StaffMember("sam@vigil.test", access.StaffSupportL2)
		for i, x := range []struct{ acct, authority string }{{carol.AccountID, "Paris court of appeal"}, {dan.AccountID, "=HYPERLINK(\"x\") police"}} {
			sec.Must(http.StatusCreated, "POST", "/api/v1/staff/accounts/"+x.acct+"/legal-requests", map[string]any{
				"authority": x.authority, "reference": fmt.Sprintf("order %d", i), "scope": "sign-ins",
				"categories": []string{"account.session"}, "hold_until": e.Clock.Now().Add(24 * time.Hour)})
		}
		type ledger struct {
			Disclosures []struct {
				AccountID string `json:"account_id"`
				Recipient string
				Kind      string
			}
		}
		var all, paris, procs ledger
		dpo.Must(http.StatusOK, "GET", "/api/v1/staff/disclosures", nil).Decode(t, &all)
		sec.Must(http.StatusOK, "GET", "/api/v1/staff/disclosures?authority=PARIS", nil).Decode(t, &paris)
		sec.Must(http.StatusOK, "GET", "/api/v1/staff/disclosures?kind=processor", nil).Decode(t, &procs)
		legal := 0
		for _, d := range all.Disclosures {
			if d.Kind == "legal" {
				legal++
			}
		}
		if legal != 2 || len(paris.Disclosures) != 1 || paris.Disclosures[0].AccountID != carol.AccountID {
			t.Fatalf("ledger: all %+v, paris %+v", all, paris)
		}
		for _, d := range procs.Disclosures {
			if d.Kind != "processor" {
				t.Errorf("kind=processor listed %+v", d)
			}
		}
		r := sec.Must(http.StatusOK, "GET", "/api/v1/staff/disclosures?kind=legal&format=csv", nil)
		body := string(r.Body)
		if !strings.HasPrefix(body, "id,disclosed_at,kind,") || strings.Count(body, "\n") != 3 || !strings.Contains(body, `'=HYPERLINK`) {
			t.Fatalf("csv: %s", body)
		}
		for _, bad := range []string{"?kind=gift", "?format=xml", "?processor=nope", "?limit=x"} {
			if r := sec.Do("GET", "/api/v1/staff/disclosures"+bad, nil); r.Status != http.StatusBadRequest {
				t.Errorf("%s: %d", bad, r.Status)
			}
		}

		op.Must(http.StatusOK, "PUT", "/api/v1/staff/app-releases/ios", map[string]any{"latest": "3.2.0", "minimum": "3.0.0", "notes": "faster"})
		var rel struct {
			Releases []struct{ Platform, Latest, Minimum string }
		}
		op.Must(http.StatusOK, "GET", "/api/v1/staff/app-releases", nil).Decode(t, &rel)
		if len(rel.Releases) != 1 || rel.Releases[0].Minimum != "3.0.0" {
			t.Fatalf("app releases: %+v", rel)
		}

		var run struct {
			ID, Trigger string
			DryRun      bool `json:"dry_run"`
		}
		dpo.Must(http.StatusCreated, "POST", "/api/v1/staff/retention/runs", map[string]any{"dry_run": true}).Decode(t, &run)
		var runs struct {
			Runs []struct{ ID, Trigger string }
		}
		sec.Must(http.StatusOK, "GET", "/api/v1/staff/retention/runs", nil).Decode(t, &runs)
		if !run.DryRun || run.Trigger != "console" || len(runs.Runs) == 0 || runs.Runs[0].ID != run.ID {
			t.Fatalf("run %+v, runs %+v", run, runs)
		}

		for who, c := range map[string]*vigiltest.Client{"support": support, "operator": op, "customer": carol} {
			if who != "operator" {
				for _, p := range []string{"/api/v1/staff/app-releases"} {
					if r := c.Do("GET", p, nil); r.Status != http.StatusForbidden && r.Status != http.StatusUnauthorized && r.Status != http.StatusNotFound {
						t.Errorf("%s GET %s: %d", who, p, r.Status)
					}
				}
			}
			if r := c.Do("GET", "/api/v1/staff/disclosures", nil); r.Status != http.StatusForbidden && r.Status != http.StatusUnauthorized && r.Status != http.StatusNotFound {
				t.Errorf("%s read the ledger: %d", who, r.Status)
			}
			if r := c.Do("POST", "/api/v1/staff/retention/runs", nil); r.Status != http.StatusForbidden && r.Status != http.StatusUnauthorized && r.Status != http.StatusNotFound {
				t.Errorf("%s ran retention: %d", who, r.Status)
			}
		}
		for _, c := range []*vigiltest.Client{sec, dpo, support} {
			if r := c.Do("GET", "/api/v1/staff/app-releases", nil); r.Status != http.StatusForbidden {
				t.Errorf("%s listed app releases: %d", c.Email, r.Status)
			}
		}
	})
}

// The statistics' k comes from the operator's configuration: with k = 6, a
// region of six people is shown and one of five is not, nor its size.
// proves: U-E
func TestStatisticsKFromConfig(t *testing.T) {
	e := vigiltest.Start(t, func(c *config.Config) { c.Privacy.StatisticsMinGroup = 6 })
	for i := range 6 {
		e.SignUp(fmt.Sprintf("eu%d@example.com", i))
	}
	for i := range 5 {
		c := e.SignUp(fmt.Sprintf("br%d@example.com", i))
		c.Must(http.StatusOK, "PATCH", "/api/v1/accounts/"+c.AccountID, map[string]string{"region": "BR"})
	}
	dpo := e.StaffMember("dee@vigil.test", access.StaffDPO)
	var st struct {
		MinGroup int `json:"min_group"`
		Groups   []struct {
			Region, Role string
			People       int
		}
		Suppressed int `json:"suppressed_groups"`
	}
	r := dpo.Must(http.StatusOK, "GET", "/api/v1/staff/statistics", nil)
	r.Decode(t, &st)
	if st.MinGroup != 6 || st.Suppressed < 1 || strings.Contains(string(r.Body), "BR") {
		t.Fatalf("statistics: %s", r.Body)
	}
	eu := false
	for _, g := range st.Groups {
		if g.People < 6 {
			t.Errorf("group under k shown: %+v", g)
		}
		eu = eu || (g.Region == "EU" && g.Role == "" && g.People == 6)
	}
	if !eu {
		t.Errorf("the group of six is missing: %s", r.Body)
	}
	if err := (config.Config{Privacy: config.Privacy{StatisticsMinGroup: 2}}).Validate(); err == nil || !strings.Contains(err.Error(), "statistics_min_group") {
		t.Errorf("k = 2 accepted: %v", err)
	}
}
