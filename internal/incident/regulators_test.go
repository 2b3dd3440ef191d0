package incident_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/config"
	"github.com/vigil-cloud/vigil/internal/incident"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// signUpIn signs a customer up in region, as vigiltest.SignUp does in EU.
func signUpIn(t *testing.T, e *vigiltest.Env, email, region string) *vigiltest.Client {
	c := e.Client()
	c.Email, c.Password = email, vigiltest.DefaultPassword
	c.Must(http.StatusAccepted, "POST", "/api/v1/auth/signup", map[string]any{
		"email": email, "password": c.Password, "name": "Owner " + strings.Split(email, "@")[0], "account_name": "Home of " + email,
		"region": region, "time_zone": "UTC", "language": "en", "accepted": e.ShownIn(region)})
	token := e.Mail.Wait(t, email, "Confirm your e-mail").Token(t)
	c.Must(http.StatusOK, "POST", "/api/v1/auth/verify-email", map[string]string{"token": token})
	c.Login()
	var me account.User
	c.Must(http.StatusOK, "GET", "/api/v1/me", nil).Decode(t, &me)
	c.UserID = me.ID
	var as struct{ Accounts []account.Account }
	c.Must(http.StatusOK, "GET", "/api/v1/me/accounts", nil).Decode(t, &as)
	c.AccountID = as.Accounts[0].ID
	return c
}

// Each region reached starts its own law's clock at awareness: GDPR 72
// hours, PIPL at once, a US state's window as configured. A report
// generated after its clock ran out needs the reasons for the delay, and
// they are in the report; the report stays marked late once sent.
// proves: I5
func TestRegulatorClocksPerRegion(t *testing.T) {
	e := vigiltest.Start(t, func(c *config.Config) { c.Incident.RegulatorWindows = []string{"us-state=45d"} })
	eu, cn, us := e.SignUp("eu@example.com"), signUpIn(t, e, "cn@example.com", "CN"), signUpIn(t, e, "us@example.com", "US")
	officer := e.StaffMember("security@vigil.test", access.StaffSecurity)
	var inc incident.Incident
	officer.Must(http.StatusCreated, "POST", "/api/v1/staff/incidents", map[string]any{"type": "data_leak", "title": "Backup bucket listed publicly",
		"source": "customer_report", "criteria": map[string]any{"left_vendor": true}}).Decode(t, &inc)
	base := "/api/v1/staff/incidents/" + inc.ID
	officer.Must(http.StatusOK, "POST", base+"/affected", map[string]any{"kind": "accounts",
		"account_ids": []string{eu.AccountID, cn.AccountID, us.AccountID}, "from": inc.AwareAt.Add(-time.Hour), "to": e.Clock.Now()})
	var v struct {
		Incident incident.Incident `json:"incident"`
	}
	officer.Must(http.StatusOK, "GET", base, nil).Decode(t, &v)
	due := map[string]time.Duration{}
	for _, r := range v.Incident.Reports {
		due[r.Regime] = r.DueAt.Sub(inc.AwareAt)
		if len(r.Accounts) != 1 || r.People != 1 || !r.Required {
			t.Fatalf("report %+v", r)
		}
	}
	if len(due) != 3 || due["gdpr-art33"] != 72*time.Hour || due["pipl-art57"] != 0 || due["us-state"] != 45*24*time.Hour {
		t.Fatalf("clocks %v", due)
	}
	// 80 hours on, the GDPR report is late: the reasons are required.
	e.Clock.Advance(80 * time.Hour)
	officer.Login2FA()
	if r := officer.Do("GET", base+"/reports/gdpr-art33", nil); r.Status != http.StatusBadRequest || !strings.Contains(r.ErrorMessage(), "reasons for the delay") {
		t.Fatalf("late report without reasons: %d %s", r.Status, r.Body)
	}
	var doc incident.ReportDoc
	officer.Must(http.StatusOK, "POST", base+"/reports/gdpr-art33", map[string]string{"delay_reason": "The bucket's owner reported it on a public holiday; the log review took four days."}).Decode(t, &doc)
	var delay string
	for _, f := range doc.Fields {
		if f.Key == incident.FieldDelay {
			delay = f.Value
		}
	}
	if !doc.Late || !strings.Contains(delay, "public holiday") {
		t.Fatalf("late report %+v", doc)
	}
	officer.Must(http.StatusOK, "POST", base+"/reports/gdpr-art33/sent", map[string]string{"reference": "CNIL-2026-77"})
	officer.Must(http.StatusOK, "GET", base, nil).Decode(t, &v)
	for _, r := range v.Incident.Reports {
		if r.Regime == "gdpr-art33" && (!r.Overdue || r.SentAt.IsZero() || len(r.Disclosures) != 1) {
			t.Fatalf("sent late %+v", r)
		}
		if r.Regime == "us-state" && (r.Overdue || r.SecondsLeft <= 0) {
			t.Fatalf("US clock %+v", r)
		}
	}
	// A report cannot be recorded as sent before it was generated, nor for
	// a regime the incident does not reach.
	officer.Must(http.StatusConflict, "POST", base+"/reports/us-state/sent", map[string]string{"reference": "AG-1"})
	officer.Must(http.StatusNotFound, "POST", base+"/reports/lgpd-art48/sent", map[string]string{"reference": "X"})
}
