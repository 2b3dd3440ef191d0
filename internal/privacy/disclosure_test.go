package privacy_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/privacy"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

type ledger struct{ Disclosures []privacy.Disclosure }

// A processor receives only the categories the registry lists for it, and
// nothing once its agreement or its assessment lapses; what it receives is
// in the ledger of the account concerned.
// proves: E1, P4, D1
func TestProcessorsReceiveOnlyWhatTheyMayWhileCurrent(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		carol := e.SignUp("carol@example.com")
		op := e.Operator()
		now := e.Clock.Now()
		in := map[string]any{"name": "Postbox Mail Ltd", "service": "sends vigil's e-mail", "categories": []string{"account.profile"},
			"agreement_signed_at": now.AddDate(-1, 0, 0), "agreement_expires_at": now.AddDate(1, 0, 0),
			"assessed_at": now.AddDate(0, -1, 0), "assessment_expires_at": now.AddDate(0, 2, 0)}
		if r := dpo(e, op).Do("POST", "/api/v1/staff/processors", in); r.Status != http.StatusForbidden {
			t.Fatalf("DPO registering a processor: %d", r.Status)
		}
		var p privacy.Processor
		op.Must(http.StatusCreated, "POST", "/api/v1/staff/processors", in).Decode(t, &p)
		if !p.Current {
			t.Fatalf("registered processor: %+v", p)
		}
		svc, ctx := e.App.Privacy, t.Context()
		mailer := access.System("mail")
		send := func() error {
			_, err := svc.RecordProcessorDisclosure(ctx, mailer, privacy.ProcessorDisclosure{AccountID: carol.AccountID,
				SubjectID: carol.UserID, ProcessorID: p.ID, Categories: []datamap.CategoryID{datamap.AccountProfile}, Details: "alarm e-mail"})
			return err
		}
		if err := svc.MayDisclose(ctx, p.ID, datamap.AccountProfile, e.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		if err := svc.MayDisclose(ctx, p.ID, datamap.MediaSnapshot, e.Clock.Now()); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("a category the processor does not receive: %v", err)
		}
		if err := svc.MayDisclose(ctx, "prc_aaaaaaaaaaaaaaaaaaaaaaaaaa", datamap.AccountProfile, e.Clock.Now()); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("an unregistered processor: %v", err)
		}
		if err := send(); err != nil {
			t.Fatal(err)
		}

		// The assessment lapses: nothing flows until it is renewed.
		e.Clock.Advance(61 * 24 * time.Hour)
		if err := svc.MayDisclose(ctx, p.ID, datamap.AccountProfile, e.Clock.Now()); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("after the assessment lapsed: %v", err)
		}
		if err := send(); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("recording a disclosure to a lapsed processor: %v", err)
		}
		op.Login2FA()
		in["assessed_at"], in["assessment_expires_at"] = e.Clock.Now(), e.Clock.Now().AddDate(1, 0, 0)
		op.Must(http.StatusOK, "PUT", "/api/v1/staff/processors/"+p.ID, in)
		if err := send(); err != nil {
			t.Fatalf("after renewal: %v", err)
		}
		// The agreement ends: nothing flows whatever the assessment says.
		e.Clock.Advance(320 * 24 * time.Hour)
		if err := svc.MayDisclose(ctx, p.ID, datamap.AccountProfile, e.Clock.Now()); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("after the agreement ended: %v", err)
		}
		carol.Login()
		var ps struct{ Processors []privacy.Processor }
		carol.Must(http.StatusOK, "GET", "/api/v1/processors", nil).Decode(t, &ps)
		if len(ps.Processors) != 1 || ps.Processors[0].Current {
			t.Fatalf("registry as customers see it: %+v", ps.Processors)
		}
		var mine ledger
		carol.Must(http.StatusOK, "GET", "/api/v1/me/disclosures", nil).Decode(t, &mine)
		if len(mine.Disclosures) != 2 || mine.Disclosures[0].Recipient != "Postbox Mail Ltd" || mine.Disclosures[0].Kind != privacy.ToProcessor {
			t.Fatalf("the person's ledger: %+v", mine.Disclosures)
		}
	})
}

// A share goes only where the user designates, only for what they chose,
// until a date, and ends at once when revoked; it is in the ledger. (What
// it opens and how revocation stops video: record.TestCameraSharesOpenExactlyWhatTheySay.)
// proves: S1, D1
func TestSharesAreScopedAndRevocable(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		carol := e.SignUp("carol@example.com")
		cam := carol.Claim(e.Operator().Manufacture("vc-100", 1)[0], "Drive").DeviceID
		var sh privacy.CameraShare
		carol.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+carol.AccountID+"/shares", map[string]any{
			"email": "jo@example.com", "devices": []string{cam}, "live": true,
			"until": e.Clock.Now().Add(7 * 24 * time.Hour), "note": "watch the drive while we are away"}).Decode(t, &sh)
		if sh.Status != "invited" || !sh.Live || sh.Recordings || len(sh.Devices) != 1 {
			t.Fatalf("share: %+v", sh)
		}
		carol.Must(http.StatusNoContent, "DELETE", "/api/v1/accounts/"+carol.AccountID+"/shares/"+sh.ID, nil)
		if r := carol.Do("DELETE", "/api/v1/accounts/"+carol.AccountID+"/shares/"+sh.ID, nil); r.Status != http.StatusNotFound {
			t.Fatalf("revoking twice: %d", r.Status)
		}
		// The invitation no longer opens anything.
		jo := e.SignUp("jo@example.com")
		if r := jo.Do("POST", "/api/v1/shares/accept", map[string]string{"token": e.Mail.Wait(t, "jo@example.com", "shared with you").Token(t)}); r.Status != http.StatusNotFound {
			t.Fatalf("accepting a revoked share: %d", r.Status)
		}
		var l ledger
		carol.Must(http.StatusOK, "GET", "/api/v1/accounts/"+carol.AccountID+"/disclosures", nil).Decode(t, &l)
		if len(l.Disclosures) != 1 || l.Disclosures[0].RevokedAt == nil || l.Disclosures[0].Recipient != "jo@example.com" {
			t.Fatalf("ledger: %+v", l.Disclosures)
		}
		if r := carol.Do("POST", "/api/v1/accounts/"+carol.AccountID+"/shares", map[string]any{
			"email": "jo@example.com", "devices": []string{cam}, "live": true}); r.Status != http.StatusBadRequest {
			t.Fatalf("a share without an end: %d", r.Status)
		}
	})
}

// A disclosure on legal grounds is recorded with its authority, legal
// reference and scope. While the law forbids telling the people concerned,
// neither their ledger nor their account's access log shows it; once the
// hold ends, their ledger does.
// proves: S2, D1
func TestLegalRequestsAreShownWhenTheHoldEnds(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		carol := e.SignUp("carol@example.com")
		op := e.Operator()
		sec := op.Staff("sid@vigil.test", access.StaffSecurity, e.Clock.Now().AddDate(1, 0, 0))
		sec.StaffLogin()
		support := op.Staff("sam@vigil.test", access.StaffSupportL2, e.Clock.Now().AddDate(1, 0, 0))
		support.StaffLogin()
		path := "/api/v1/staff/accounts/" + carol.AccountID + "/legal-requests"
		req := map[string]any{"subject_id": carol.UserID, "authority": "Paris court of appeal", "reference": "order 2026/1234",
			"scope": "sign-in records of January 2026", "categories": []string{"account.session"},
			"hold_until": e.Clock.Now().Add(30 * 24 * time.Hour)}
		if r := support.Do("POST", path, req); r.Status != http.StatusForbidden {
			t.Fatalf("support recording a legal request: %d %s", r.Status, r.Body)
		}
		logBefore := len(accessLog(t, carol).Entries)
		var rec privacy.Disclosure
		sec.Must(http.StatusCreated, "POST", path, req).Decode(t, &rec)
		if rec.HoldUntil == nil || rec.Reference != "order 2026/1234" {
			t.Fatalf("recorded: %+v", rec)
		}
		var staffView ledger
		sec.Must(http.StatusOK, "GET", "/api/v1/staff/accounts/"+carol.AccountID+"/disclosures", nil).Decode(t, &staffView)
		if len(staffView.Disclosures) != 1 {
			t.Fatalf("security's view: %+v", staffView.Disclosures)
		}

		var mine, account ledger
		carol.Must(http.StatusOK, "GET", "/api/v1/me/disclosures", nil).Decode(t, &mine)
		carol.Must(http.StatusOK, "GET", "/api/v1/accounts/"+carol.AccountID+"/disclosures", nil).Decode(t, &account)
		if len(mine.Disclosures)+len(account.Disclosures) != 0 {
			t.Fatalf("shown during the hold: %+v %+v", mine, account)
		}
		// Only Carol's own reads were added to the account's log.
		for _, en := range accessLog(t, carol).Entries[logBefore:] {
			if en.ActorKind == "staff" {
				t.Fatalf("the access log tells of the request during the hold: %+v", en)
			}
		}

		e.Clock.Advance(30*24*time.Hour + time.Second)
		carol.Login()
		carol.Must(http.StatusOK, "GET", "/api/v1/me/disclosures", nil).Decode(t, &mine)
		if len(mine.Disclosures) != 1 {
			t.Fatalf("after the hold: %+v", mine.Disclosures)
		}
		got := mine.Disclosures[0]
		if got.Kind != privacy.Legal || got.Recipient != "Paris court of appeal" || got.Reference != "order 2026/1234" ||
			got.Details != "sign-in records of January 2026" || got.HoldUntil != nil {
			t.Fatalf("entry shown to the person: %+v", got)
		}

		sec.Login2FA()
		for name, mutate := range map[string]func(m map[string]any){
			"hold in the past":  func(m map[string]any) { m["hold_until"] = e.Clock.Now().Add(-time.Hour) },
			"hold of 3 years":   func(m map[string]any) { m["hold_until"] = e.Clock.Now().AddDate(3, 0, 0) },
			"no reference":      func(m map[string]any) { m["reference"] = "" },
			"disclosed later":   func(m map[string]any) { m["disclosed_at"] = e.Clock.Now().Add(time.Hour) },
			"credentials":       func(m map[string]any) { m["categories"] = []string{"account.credentials"} },
			"subject not an ID": func(m map[string]any) { m["subject_id"] = "carol" },
		} {
			body := map[string]any{}
			for k, v := range req {
				body[k] = v
			}
			body["hold_until"] = e.Clock.Now().Add(time.Hour)
			mutate(body)
			if r := sec.Do("POST", path, body); r.Status != http.StatusBadRequest {
				t.Errorf("%s: %d %s", name, r.Status, r.Body)
			}
		}
	})
}
