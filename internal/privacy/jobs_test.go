package privacy_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/privacy"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
	"github.com/vigil-cloud/vigil/internal/waittest"
)

// Granting an access request returns at once; the package is built by a
// background job and the requester is mailed when it is ready. A job whose
// worker died with vigil is taken up by the next vigil once the dead
// worker's lease has run out, and answered exactly once.
func TestGrantedPackageSurvivesARestart(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		ctx := context.Background()
		e = e.Restart(vigiltest.Offline) // no worker yet: the job waits
		a := e.SignUp("ann@example.com")
		withMFA(a)
		var req privacy.Request
		a.Must(http.StatusCreated, "POST", "/api/v1/me/privacy-requests", map[string]any{"kind": "portability", "region": "eu",
			"scope": map[string]any{"categories": []string{"account.profile", "privacy.consent"}}}).Decode(t, &req)
		d := requestsDPO(e)
		var got privacy.Request
		d.Must(http.StatusAccepted, "POST", "/api/v1/staff/privacy-requests/"+req.ID+"/grant", nil).Decode(t, &got)
		if !got.Preparing || got.Status != privacy.StatusOpen {
			t.Fatalf("granted request: %+v", got)
		}
		if r := d.Do("POST", "/api/v1/staff/privacy-requests/"+req.ID+"/grant", nil); r.Status != http.StatusConflict {
			t.Errorf("granting twice: %d %s", r.Status, r.Body)
		}
		// A worker takes the job and dies with vigil.
		if _, err := store.NewPrivacyStore(e.App.DB).ClaimJob(ctx, e.Clock.Now().Add(30*time.Minute)); err != nil {
			t.Fatal(err)
		}
		e = e.Restart(vigiltest.Online)
		a = a.On(e)
		// While the dead worker's lease runs, no one else takes the job.
		if n, err := e.App.Requests.WorkJobs(ctx); err != nil || n != 0 {
			t.Fatalf("jobs run during the lease: %d %v", n, err)
		}
		if r := a.Do("GET", "/api/v1/me/privacy-requests/"+req.ID+"/package", nil); r.Status != http.StatusNotFound {
			t.Fatalf("package before the job ran: %d", r.Status)
		}
		e.Clock.Advance(31 * time.Minute)
		e.App.Requests.WakeJobs()
		letter := e.Mail.Wait(t, "ann@example.com", "Our answer")
		if !strings.Contains(letter.Body, "package") {
			t.Errorf("the answer does not point to the package:\n%s", letter.Body)
		}
		files := unzip(t, a.Must(http.StatusOK, "GET", "/api/v1/me/privacy-requests/"+req.ID+"/package", nil).Body)
		if !strings.Contains(string(files["data/account.profile.json"]), "ann@example.com") {
			t.Error("the package lacks Ann's profile")
		}
		if !strings.Contains(string(files["data/privacy.consent.json"]), `"method":"signup"`) {
			t.Errorf("the package lacks Ann's acceptance at sign-up: %s", files["data/privacy.consent.json"])
		}
		// The letter goes out as the request closes, a moment before the
		// worker marks its job done.
		waittest.Eventually(t, "the job to be done", func() bool {
			n, err := e.App.Requests.PendingJobs(ctx)
			return err == nil && n == 0
		})
		answers := 0
		for _, m := range e.Mail.Messages() {
			if m.To == "ann@example.com" && strings.Contains(m.Subject, "Our answer") {
				answers++
			}
		}
		if answers != 1 {
			t.Errorf("%d answers sent, want 1", answers)
		}
	})
}

type processorNotifier struct {
	notify func(ctx context.Context, n privacy.DeletionNotice) error
}

func (f processorNotifier) NotifyDeletion(ctx context.Context, n privacy.DeletionNotice) error {
	return f.notify(ctx, n)
}

var _ privacy.ProcessorNotifier = processorNotifier{}

// Deleting a person tells every processor the ledger shows received their
// data: a notice waits in the outbox until delivered, the ledger of each
// account concerned that remains records it, and the certificate names the
// processors. Proofs of consent stay, under a keyed pseudonym and without
// the IP address; nothing of them is left under the person's ID.
// proves: R1
func TestDeletionTellsProcessorsAndKeepsProofs(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		ctx := context.Background()
		a := e.SignUp("ann@example.com")
		b := e.SignUp("bob@example.com")
		a.Must(http.StatusAccepted, "POST", "/api/v1/accounts/"+a.AccountID+"/invitations", map[string]string{"email": "bob@example.com", "role": "member"})
		b.Must(http.StatusOK, "POST", "/api/v1/invitations/accept", map[string]string{"token": e.Mail.Wait(t, "bob@example.com", "invit").Token(t)})
		b.Must(http.StatusCreated, "PUT", "/api/v1/me/consents/product_news", nil)

		op := e.Operator()
		now := e.Clock.Now()
		proc := func(name string) privacy.Processor {
			var p privacy.Processor
			op.Must(http.StatusCreated, "POST", "/api/v1/staff/processors", map[string]any{"name": name, "service": "sends vigil's e-mail",
				"categories": []string{"account.profile"}, "agreement_signed_at": now.AddDate(-1, 0, 0), "agreement_expires_at": now.AddDate(1, 0, 0),
				"assessed_at": now.AddDate(0, -1, 0), "assessment_expires_at": now.AddDate(0, 2, 0)}).Decode(t, &p)
			return p
		}
		mailer, sms := proc("Postbox Mail Ltd"), proc("Textline SMS Ltd")
		disclose := func(acct, subject, processor string) {
			if _, err := e.App.Privacy.RecordProcessorDisclosure(ctx, access.System("mail"), privacy.ProcessorDisclosure{AccountID: acct,
				SubjectID: subject, ProcessorID: processor, Categories: []datamap.CategoryID{datamap.AccountProfile}, Details: "invitation e-mail"}); err != nil {
				t.Fatal(err)
			}
		}
		disclose(a.AccountID, b.UserID, mailer.ID) // Bob's address went to the mailer from Ann's account
		disclose(b.AccountID, "", mailer.ID)       // and from his own
		disclose(a.AccountID, a.UserID, sms.ID)    // Ann's, not Bob's, went to the SMS company

		withMFA(b)
		var req privacy.Request
		b.Must(http.StatusCreated, "POST", "/api/v1/me/privacy-requests", map[string]any{"kind": "deletion", "region": "eu",
			"scope": map[string]any{"categories": []string{"account.profile"}}}).Decode(t, &req)
		requestsDPO(e).Must(http.StatusOK, "POST", "/api/v1/staff/privacy-requests/"+req.ID+"/grant", nil).Decode(t, &req)

		var cert privacy.Certificate
		if err := privacy.UnmarshalCertificate(req.Certificate, &cert); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(cert.ProcessorsNotified, []string{mailer.ID}) {
			t.Errorf("certificate names processors %v, want only the mailer %s", cert.ProcessorsNotified, mailer.ID)
		}
		ps := store.NewPrivacyStore(e.App.DB)
		notices, err := ps.DeletionNotices(ctx, req.ID)
		if err != nil || len(notices) != 1 || notices[0].ProcessorID != mailer.ID || !notices[0].SentAt.IsZero() ||
			!slices.Equal(notices[0].Categories, []datamap.CategoryID{datamap.AccountProfile}) {
			t.Fatalf("outbox: %+v %v", notices, err)
		}
		// Ann's account remains: its ledger says the mailer was told.
		var led ledger
		a.Must(http.StatusOK, "GET", "/api/v1/accounts/"+a.AccountID+"/disclosures", nil).Decode(t, &led)
		told := slices.IndexFunc(led.Disclosures, func(d privacy.Disclosure) bool {
			return d.Kind == privacy.ErasureNotice && d.ProcessorID == mailer.ID && d.Reference == req.ID
		})
		if told < 0 || led.Disclosures[told].Recipient != "Postbox Mail Ltd" {
			t.Errorf("Ann's ledger does not record the notice: %+v", led.Disclosures)
		}
		// A failed delivery stays in the outbox; the next one goes out once.
		var got []privacy.DeletionNotice
		failing := processorNotifier{func(context.Context, privacy.DeletionNotice) error { return errors.New("processor unreachable") }}
		working := processorNotifier{func(_ context.Context, n privacy.DeletionNotice) error { got = append(got, n); return nil }}
		for i, step := range []struct {
			n    privacy.ProcessorNotifier
			want int
		}{{failing, 0}, {working, 1}, {working, 0}} {
			if n, err := e.App.Requests.DeliverDeletionNotices(ctx, step.n); err != nil || n != step.want {
				t.Errorf("delivery %d: %d sent, %v; want %d", i, n, err, step.want)
			}
		}
		if len(got) != 1 || got[0].SubjectID != b.UserID {
			t.Errorf("delivered: %+v", got)
		}
		// Proofs of consent: under the pseudonym, without the address.
		psn, err := privacy.ConsentPseudonym(ctx, e.App.Keys, b.UserID)
		if err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"privacy_acceptances", "privacy_consents"} {
			if n := count(t, e.App.DB, "SELECT COUNT(*) FROM "+table+" WHERE user_id = ?", b.UserID); n != 0 {
				t.Errorf("%s: %d rows still under Bob's ID", table, n)
			}
			if n := count(t, e.App.DB, "SELECT COUNT(*) FROM "+table+" WHERE user_id = ? AND length(ip_sealed) = 0", psn); n == 0 {
				t.Errorf("%s: no proof kept under the pseudonym without its address", table)
			}
		}
		if n := count(t, e.App.DB, "SELECT COUNT(*) FROM privacy_acceptances WHERE user_id = ?", a.UserID); n != 2 {
			t.Errorf("Ann's acceptances: %d, want her own two untouched", n)
		}
		if !strings.Contains(req.Certificate, "keyed pseudonym") {
			t.Errorf("the certificate does not say what was kept: %s", req.Certificate)
		}
	})
}
