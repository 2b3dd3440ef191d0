package privacy_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/config"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/privacy"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// Transactional mail goes through the mail processor only while its
// agreement is in force, and each message is recorded: once the agreement
// lapsed, a password reset is held, not sent, and the DPO sees it held with
// the reason; before, the sign-up confirmation was recorded as sent.
// proves: E1, P4
func TestLapsedProcessorCarriesNoMail(t *testing.T) {
	const proc = "prc_aaaaaaaaaaaaaaaaaaaaaaaaaa"
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		admin := access.Principal{Kind: access.KindStaff, ID: "stf_aaaaaaaaaaaaaaaaaaaaaaaaaa", StaffRole: access.StaffOperatorAdmin, MFA: true}
		now := e.Clock.Now()
		if _, err := e.App.Privacy.PutProcessor(t.Context(), admin, proc, privacy.ProcessorInput{Name: "Postbox Mail Ltd", Service: "e-mail delivery",
			Categories:        []datamap.CategoryID{datamap.AccountProfile, datamap.NotifyMessage},
			AgreementSignedAt: now.AddDate(0, 0, -1), AgreementExpiresAt: now.AddDate(0, 0, 10),
			AssessedAt: now.AddDate(0, 0, -1), AssessmentExpiresAt: now.AddDate(1, 0, 0)}); err != nil {
			t.Fatal(err)
		}
		ann := e.SignUp("ann@example.com")
		dpo := e.StaffMember("dpo@vigil.test", access.StaffDPO)
		e.Clock.Advance(11 * 24 * time.Hour)
		e.Client().Must(http.StatusAccepted, "POST", "/api/v1/auth/password-reset", map[string]string{"email": ann.Email})
		for _, m := range e.Mail.Messages() {
			if m.To == ann.Email && strings.Contains(strings.ToLower(m.Subject+m.Body), "reset") {
				t.Fatalf("a lapsed processor carried %q", m.Subject)
			}
		}
		dpo.Login2FA()
		var log struct{ Mail []privacy.MailRecord }
		dpo.Must(http.StatusOK, "GET", "/api/v1/staff/mail-log", nil).Decode(t, &log)
		if len(log.Mail) < 2 || log.Mail[0].Status != privacy.MailHeld || !strings.Contains(log.Mail[0].Reason, "agreement") {
			t.Fatalf("mail log: %+v", log.Mail)
		}
		sent := false
		for _, m := range log.Mail {
			sent = sent || (m.Status == privacy.MailSent && strings.Contains(m.Subject, "Confirm") && m.ProcessorID == proc)
			if strings.Contains(m.Subject, "@") || strings.Contains(m.Reason, "@") {
				t.Errorf("the mail log holds an address: %+v", m)
			}
		}
		if !sent {
			t.Errorf("the sign-up confirmation is not recorded as sent through the processor: %+v", log.Mail)
		}
		if r := ann.Do("GET", "/api/v1/staff/mail-log", nil); r.Status == http.StatusOK {
			t.Error("a customer reads the mail log")
		}
	}, func(c *config.Config) { c.Notify.EmailProcessor = proc })
}
