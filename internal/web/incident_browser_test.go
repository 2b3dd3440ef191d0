package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/incident"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// The incident room in Chromium: a security officer signs in to the
// console, finds the incident in the register with its grade and the
// regulator's time left, opens it (grading rules, affected people with
// each notice's deliveries, the notice, the regulator report as JSON and
// as a printable document, the plan's checklists, the timeline) and ticks
// a checklist item; anyone opens the public notice at its stable address,
// in English and in German. Every page is checked at 1280×800 and 390×844
// for sideways scrolling, console errors and serious axe-core violations.
// proves: I1, I2, I4, I5
func TestIncidentPagesInChromium(t *testing.T) {
	node, chromium, script := vigiltest.Browser(t, "incidents.mjs")
	e := vigiltest.Start(t)
	alice, bob := e.SignUp("alice@example.com"), e.SignUp("bob@example.com")
	support := e.StaffMember("support@vigil.test", access.StaffSupportL1)
	officer := e.StaffMember("security@vigil.test", access.StaffSecurity)
	for _, c := range []*vigiltest.Client{alice, bob} {
		c.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+c.AccountID+"/grants", map[string]any{
			"staff_id": support.UserID, "categories": []string{"account.profile"},
			"until": e.Clock.Now().Add(30 * 24 * time.Hour), "ticket": "T-9", "reason": "pairing help"})
	}
	from := e.Clock.Now()
	for _, c := range []*vigiltest.Client{alice, bob} {
		e.Clock.Advance(time.Minute)
		support.Must(http.StatusOK, "GET", "/api/v1/staff/accounts/"+c.AccountID, nil)
	}
	to := e.Clock.Now()
	var inc incident.Incident
	officer.Must(http.StatusCreated, "POST", "/api/v1/staff/incidents", map[string]any{
		"type": "unauthorised_access", "title": "Support session replayed from an unknown network",
		"summary": "A support session cookie was replayed.", "source": "monitoring", "criteria": map[string]any{"left_vendor": true}}).Decode(t, &inc)
	base := "/api/v1/staff/incidents/" + inc.ID
	officer.Must(http.StatusOK, "POST", base+"/affected", map[string]any{"kind": "staff_credential", "actor_id": support.UserID, "from": from, "to": to})
	officer.Must(http.StatusOK, "PUT", base+"/notice", map[string]any{
		"contacts": "security@vigil.example",
		"texts": []map[string]string{{"language": "en", "title": "Security notice: account details viewed",
			"what_happened": "A support session was used from outside our network to open two accounts.",
			"impact":        "Your name and account settings were seen; no video or password.",
			"measures":      "We ended the session and bound support sessions to our network.",
			"advice":        "No action is needed; ignore messages asking for your password.",
			"remedies":      "You may complain to your data protection authority."},
			{"language": "de", "title": "Sicherheitshinweis: Kontodaten eingesehen",
				"what_happened": "Eine Support-Sitzung wurde von außerhalb unseres Netzes benutzt.",
				"impact":        "Ihr Name und Ihre Einstellungen wurden gesehen; keine Videos.",
				"measures":      "Wir haben die Sitzung beendet und Support-Sitzungen an unser Netz gebunden.",
				"advice":        "Sie müssen nichts tun; geben Sie nie Ihr Passwort heraus.",
				"remedies":      "Sie können sich bei Ihrer Datenschutzbehörde beschweren."}}})
	officer.Must(http.StatusOK, "POST", base+"/notify", nil)
	officer.Must(http.StatusOK, "POST", base+"/publish", nil)
	e.Clock.Advance(5 * time.Hour)

	helper := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/totp":
			e.Clock.Advance(31 * time.Second)
			code, err := account.TOTPCode(r.URL.Query().Get("secret"), e.Clock.Now())
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			fmt.Fprint(w, code)
		default:
			http.NotFound(w, r)
		}
	}))
	defer helper.Close()
	shots := os.Getenv("VIGIL_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Dir = filepath.Dir(script)
	cmd.Env = append(os.Environ(), "VIGIL_URL="+e.URL, "HELPER_URL="+helper.URL, "CHROMIUM="+chromium, "SHOTS="+shots,
		"EMAIL="+officer.Email, "PASSWORD="+officer.Password, "SECRET="+officer.TOTPSecret(), "INCIDENT="+inc.ID, "SLUG="+inc.Slug)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("incident pages failed: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "incident pages passed") {
		t.Fatalf("unexpected output: %s", out)
	}
	t.Logf("%s", out)
	// The tick in the browser reached the incident.
	var v struct {
		Incident incident.Incident `json:"incident"`
	}
	officer.Login2FA()
	officer.Must(http.StatusOK, "GET", base, nil).Decode(t, &v)
	if !v.Incident.Stages[0].Checklist[0].Done || v.Incident.Stages[0].Checklist[0].DoneBy != officer.UserID {
		t.Fatalf("the checklist tick did not reach the incident: %+v", v.Incident.Stages[0])
	}
}
