package incident_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/mail/mailtest"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// The incident room is reminded of a regulator's clock by e-mail before it
// runs out (24 hours, 6 hours and 1 hour left) and once it has, each stage
// once, and not at all once the report is recorded as sent: the
// responsible officer and every security officer, nobody else; the mail
// names the law and the deadline and no person.
// proves: I5
func TestRegulatorDeadlineReminders(t *testing.T) {
	sms, opt := peers(t)
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		ctx := context.Background()
		w := newWorld(t, e, sms, nil)
		e.StaffMember("security2@vigil.test", access.StaffSecurity)
		aware := e.Clock.Now()
		inc := w.open(t)
		w.compute(t, inc.ID)
		reminders := func(to string) []mailtest.Message {
			var out []mailtest.Message
			for _, m := range e.Mail.Messages() {
				if strings.EqualFold(m.To, to) && strings.Contains(m.Subject, "report on incident "+inc.ID) {
					out = append(out, m)
				}
			}
			return out
		}
		remind := func(want int) {
			t.Helper()
			n, err := e.App.Incidents.RemindDeadlines(ctx)
			if err != nil || n != want {
				t.Fatalf("RemindDeadlines at %v after awareness = %d, %v; want %d", e.Clock.Now().Sub(aware), n, err, want)
			}
		}
		remind(0) // 72 hours left: nothing yet
		e.Clock.Set(aware.Add(49 * time.Hour))
		remind(1)
		remind(0) // the same stage is not mailed twice
		for _, to := range []string{"security@vigil.test", "security2@vigil.test"} {
			got := reminders(to)
			if len(got) != 1 || !strings.Contains(got[0].Subject, "24 hours left") || !strings.Contains(got[0].Body, "GDPR") ||
				!strings.Contains(got[0].Body, "in 23h0m") {
				t.Fatalf("reminders to %s: %+v", to, got)
			}
			for _, leak := range []string{w.alice.UserID, w.alice.AccountID, "alice@example.com"} {
				if strings.Contains(got[0].Body, leak) {
					t.Fatalf("the reminder names %s:\n%s", leak, got[0].Body)
				}
			}
		}
		if got := reminders("support@vigil.test"); len(got) != 0 {
			t.Fatalf("support was reminded: %+v", got)
		}
		e.Clock.Set(aware.Add(67 * time.Hour))
		remind(1)
		e.Clock.Set(aware.Add(73 * time.Hour))
		remind(1)
		if got := reminders("security@vigil.test"); len(got) != 3 || !strings.HasPrefix(got[2].Subject, "Overdue") ||
			!strings.Contains(got[2].Body, "1h0m0s late") || !strings.Contains(got[2].Body, "reasons for the delay") {
			t.Fatalf("reminders: %+v", got)
		}
		w.officer.Login2FA()
		if v := w.get(t, inc.ID); v.Incident.Reports[0].Reminded != "overdue" {
			t.Fatalf("report %+v", v.Incident.Reports[0])
		}
		// Once the report is recorded as sent, the clock reminds nobody.
		w.officer.Must(http.StatusOK, "POST", "/api/v1/staff/incidents/"+inc.ID+"/reports/gdpr-art33", map[string]string{
			"delay_reason": "The officer on call was reached late; the scope took a day to compute."})
		w.officer.Must(http.StatusOK, "POST", "/api/v1/staff/incidents/"+inc.ID+"/reports/gdpr-art33/sent", map[string]any{
			"reference": "DPA-2026-77", "delay_reason": "The officer on call was reached late; the scope took a day to compute."})
		e.Clock.Set(aware.Add(200 * time.Hour))
		remind(0)
		if n := len(reminders("security@vigil.test")); n != 3 {
			t.Fatalf("%d reminders after the report was sent", n)
		}
	}, opt)
}
