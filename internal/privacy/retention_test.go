package privacy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/config"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/privacy"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// Retention purges sessions once their period after the session's end is
// over, records each purge in the owner's access log, and leaves alone what
// a legal hold covers until the hold ends.
// proves: P1
func TestRetentionSweep(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		ctx := context.Background()
		a := e.SignUp("ann@example.com")
		b := e.SignUp("bob@example.com")
		sec := staff(e, "sec@vigil.test", access.StaffSecurity)
		sec.Must(http.StatusCreated, "POST", "/api/v1/staff/legal-holds", map[string]any{"owner_id": b.UserID,
			"until": e.Clock.Now().AddDate(0, 3, 0), "reason": "authority inquiry 42"})
		sessions := func(id string) int {
			return count(t, e.App.DB, "SELECT COUNT(*) FROM sessions WHERE principal_id = ?", id)
		}
		if sessions(a.UserID) == 0 || sessions(b.UserID) == 0 {
			t.Fatal("no sessions to purge")
		}
		// Not yet: the sessions live 14 days, then are kept 30.
		e.Clock.Advance(40 * 24 * time.Hour)
		if _, err := e.App.Retention.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		if sessions(a.UserID) == 0 {
			t.Fatal("sessions purged before their retention ended")
		}
		e.Clock.Advance(5 * 24 * time.Hour)
		sw, err := e.App.Retention.Sweep(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if sessions(a.UserID) != 0 || sw.Purged[datamap.AccountSession] == 0 {
			t.Errorf("Ann's expired sessions survive: %+v", sw)
		}
		if sessions(b.UserID) == 0 || sw.Held == 0 {
			t.Errorf("held sessions purged: %+v", sw)
		}
		// The purge is provable: it is in Ann's access log, by the retention job.
		page, err := e.App.Audit.ListAccount(ctx, a.UserID, "", 0, 500)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, it := range page.Items {
			en := it.Entry
			if en.ActorID == privacy.JobRetention && en.Action == "delete" && en.Category == datamap.AccountSession && en.Decision == "allow" {
				found = true
			}
		}
		if !found {
			t.Error("the purge is not in Ann's access log")
		}
		// When the hold ends, retention catches up.
		e.Clock.Advance(60 * 24 * time.Hour)
		if _, err := e.App.Retention.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		if sessions(b.UserID) != 0 {
			t.Error("sessions survive the end of their hold")
		}
	})
}

// Statistics for the vendor come from pseudonymised memberships and show
// no group of fewer than ten people.
// proves: U-E
func TestStatisticsKAnonymous(t *testing.T) {
	e := vigiltest.Start(t)
	for i := range 10 {
		e.SignUp(fmt.Sprintf("eu%d@example.com", i))
	}
	lone := e.SignUp("lone@example.com")
	lone.Must(http.StatusOK, "PATCH", "/api/v1/accounts/"+lone.AccountID, map[string]string{"region": "BR"})
	if r := lone.Do("GET", "/api/v1/staff/statistics", nil); r.Status == http.StatusOK {
		t.Fatal("a customer read the vendor's statistics")
	}
	d := requestsDPO(e)
	var st struct {
		MinGroup   int `json:"min_group"`
		Groups     []privacy.Group
		Suppressed int `json:"suppressed_groups"`
	}
	d.Must(http.StatusOK, "GET", "/api/v1/staff/statistics", nil).Decode(t, &st)
	body := fmt.Sprint(st.Groups)
	if st.MinGroup != 10 || len(st.Groups) == 0 || st.Suppressed < 1 || strings.Contains(body, "BR") {
		t.Errorf("statistics: %+v", st)
	}
	for _, g := range st.Groups {
		if g.People < 10 {
			t.Errorf("group %+v is under k", g)
		}
		if g.Region == "EU" && g.Role == "" && g.People != 10 {
			t.Errorf("EU people %d, want 10", g.People)
		}
	}
}

// Someone without an account, here a guardian, files a request through the
// public channel: the address is confirmed, identity and authority
// documents go sealed to the officer, who cannot open the request without
// both; a refusal names an enumerated reason only and is a letter.
// proves: R2, R3, R6
func TestPublicRequestByGuardian(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		c := e.Client()
		c.Must(http.StatusAccepted, "POST", "/api/v1/privacy/requests", map[string]any{"kind": "access", "region": "eu",
			"scope": map[string]any{"categories": []string{"media.snapshot"}, "devices": []string{"cam-7"},
				"from": e.Clock.Now().AddDate(0, 0, -3), "to": e.Clock.Now()},
			"email": "gina@example.com", "name": "Gina", "relation": "guardian", "on_behalf_of": "her son Leo"})
		tok := e.Mail.Wait(t, "gina@example.com", "Confirm your request").Token(t)
		var conf struct {
			Request privacy.Request
			Token   string `json:"request_token"`
		}
		c.Must(http.StatusOK, "POST", "/api/v1/privacy/requests/confirm", map[string]string{"token": tok}).Decode(t, &conf)
		id := conf.Request.ID
		put := func(kind string, token string) int {
			req, _ := http.NewRequest("PUT", e.URL+"/api/v1/privacy/requests/"+id+"/documents/"+kind, strings.NewReader("%PDF-1.7 scan"))
			req.Header.Set("Content-Type", "application/pdf")
			req.Header.Set("X-Request-Token", token)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res.StatusCode
		}
		if code := put("identity", "dt_wrong"); code != http.StatusNotFound {
			t.Errorf("upload with a wrong token: %d", code)
		}
		if code := put("identity", conf.Token); code != http.StatusCreated {
			t.Fatalf("identity upload: %d", code)
		}
		d := requestsDPO(e)
		if r := d.Do("POST", "/api/v1/staff/privacy-requests/"+id+"/verify", map[string]any{"accept": true}); r.Status != http.StatusConflict {
			t.Errorf("accepted a guardian without proof of authority: %d %s", r.Status, r.Body)
		}
		if code := put("authority", conf.Token); code != http.StatusCreated {
			t.Fatalf("authority upload: %d", code)
		}
		var full privacy.Request
		d.Must(http.StatusOK, "GET", "/api/v1/staff/privacy-requests/"+id, nil).Decode(t, &full)
		if len(full.Documents) != 2 || full.Contact == nil || full.Contact.OnBehalfOf != "her son Leo" {
			t.Fatalf("officer's view: %+v", full)
		}
		doc := d.Must(http.StatusOK, "GET", "/api/v1/staff/privacy-requests/"+id+"/documents/"+full.Documents[0].ID, nil)
		if string(doc.Body) != "%PDF-1.7 scan" {
			t.Error("the document does not read back")
		}
		d.Must(http.StatusOK, "POST", "/api/v1/staff/privacy-requests/"+id+"/verify", map[string]any{"accept": true})
		if r := d.Do("POST", "/api/v1/staff/privacy-requests/"+id+"/deny", map[string]string{"reason": "we_do_not_feel_like_it",
			"explanation": "No reason the statement knows of, which must be refused."}); r.Status != http.StatusBadRequest {
			t.Errorf("a refusal for an unlisted reason: %d", r.Status)
		}
		// The officer reads the letter before sending it; the preview
		// changes nothing, and the letter sent is the one previewed.
		refusal := map[string]string{"reason": "harms_vendor_in_dispute",
			"explanation": "The recordings of cam-7 for those days are evidence in proceedings 2026/118."}
		var preview struct{ Letter string }
		d.Must(http.StatusOK, "POST", "/api/v1/staff/privacy-requests/"+id+"/deny-preview", refusal).Decode(t, &preview)
		var still privacy.Request
		d.Must(http.StatusOK, "GET", "/api/v1/staff/privacy-requests/"+id, nil).Decode(t, &still)
		if still.Status != privacy.StatusOpen || !strings.Contains(preview.Letter, "proceedings 2026/118") {
			t.Fatalf("after the preview: status %s, letter %q", still.Status, preview.Letter)
		}
		var grounds struct{ Grounds []privacy.DenialGround }
		d.Must(http.StatusOK, "GET", "/api/v1/staff/denial-grounds", nil).Decode(t, &grounds)
		if len(grounds.Grounds) != 6 {
			t.Fatalf("grounds: %+v", grounds)
		}
		d.Must(http.StatusOK, "POST", "/api/v1/staff/privacy-requests/"+id+"/deny", refusal)
		letter := e.Mail.Wait(t, "gina@example.com", "Our answer")
		if strings.TrimSpace(strings.ReplaceAll(letter.Body, "\r\n", "\n")) != strings.TrimSpace(preview.Letter) {
			t.Errorf("the letter sent differs from the preview:\n%s\n---\n%s", letter.Body, preview.Letter)
		}
		for _, want := range []string{"harm our position in a legal dispute", "proceedings 2026/118", "her son Leo", "Reference: " + id, "reply to this message"} {
			if !strings.Contains(letter.Body, want) {
				t.Errorf("the letter lacks %q:\n%s", want, letter.Body)
			}
		}
		// Reasons and categories in words, not codes; replies reach the
		// data-protection office.
		for _, code := range []string{"harms_vendor_in_dispute", "media.segment", "account.profile", "device.event"} {
			if strings.Contains(letter.Body, code) {
				t.Errorf("the letter speaks in codes (%s):\n%s", code, letter.Body)
			}
		}
		if got := letter.Header.Get("Reply-To"); got != "dpo@vigil.test" {
			t.Errorf("the letter's Reply-To is %q, want the DPO mailbox", got)
		}
		// The reply box: Gina appeals against the denial; the officer is
		// told and reads it with the request.
		appeal, _ := json.Marshal(map[string]any{"text": "Leo is not part of any dispute.", "appeal": true})
		areq, _ := http.NewRequest("POST", e.URL+"/api/v1/privacy/requests/"+id+"/replies", bytes.NewReader(appeal))
		areq.Header.Set("Content-Type", "application/json")
		areq.Header.Set("X-Request-Token", conf.Token)
		ares, err := http.DefaultClient.Do(areq)
		if err != nil || ares.StatusCode != http.StatusCreated {
			t.Fatalf("appeal: %v %v", err, ares)
		}
		ares.Body.Close()
		e.Mail.Wait(t, "dpo@vigil.test", "An appeal against the denial")
		var rs struct{ Replies []privacy.Reply }
		d.Must(http.StatusOK, "GET", "/api/v1/staff/privacy-requests/"+id+"/replies", nil).Decode(t, &rs)
		if len(rs.Replies) != 1 || !rs.Replies[0].Appeal || rs.Replies[0].Text != "Leo is not part of any dispute." {
			t.Errorf("the officer's view of the replies: %+v", rs.Replies)
		}
		var seen privacy.Request
		req, _ := http.NewRequest("GET", e.URL+"/api/v1/privacy/requests/"+id, nil)
		req.Header.Set("X-Request-Token", conf.Token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status for the requester: %d", res.StatusCode)
		}
		vigiltest.Response{Body: readAll(res)}.Decode(t, &seen)
		if seen.Outcome != privacy.OutcomeDenied || !strings.Contains(seen.Letter, "proceedings 2026/118") {
			t.Errorf("the requester's view: %+v", seen)
		}
	}, func(c *config.Config) { c.Privacy.DPOMailbox = "dpo@vigil.test" })
}

func readAll(res *http.Response) []byte {
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return []byte(b.String())
		}
	}
}

// Each sweep is kept as a run the security officer and the DPO read over
// HTTP: per category, the owners whose data expired, what was purged and
// the audit entries of the purges, which are in the owners' access logs. A
// dry run purges nothing and says what would go. Support may not read the
// runs.
// proves: P1
func TestRetentionRunsAreReported(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		ctx := context.Background()
		a := e.SignUp("ann@example.com")
		sec := staff(e, "sec@vigil.test", access.StaffSecurity)
		support := staff(e, "sam@vigil.test", access.StaffSupportL1)
		e.Clock.Advance(45 * 24 * time.Hour)
		sessions := func() int {
			return count(t, e.App.DB, "SELECT COUNT(*) FROM sessions WHERE principal_id = ?", a.UserID)
		}
		if _, err := e.App.Retention.RunOnce(ctx, "cli", true); err != nil {
			t.Fatal(err)
		}
		if sessions() == 0 {
			t.Fatal("a dry run purged sessions")
		}
		e.Clock.Advance(time.Second)
		if _, err := e.App.Retention.RunOnce(ctx, "schedule", false); err != nil {
			t.Fatal(err)
		}
		if sessions() != 0 {
			t.Fatal("the run left expired sessions")
		}
		sec.Login2FA()
		var got struct{ Runs []privacy.RetentionRun }
		sec.Must(http.StatusOK, "GET", "/api/v1/staff/retention/runs", nil).Decode(t, &got)
		if len(got.Runs) != 2 || got.Runs[0].DryRun || !got.Runs[1].DryRun {
			t.Fatalf("runs: %+v", got.Runs)
		}
		find := func(r privacy.RetentionRun) privacy.RunCategory {
			for _, c := range r.Categories {
				if c.Category == datamap.AccountSession {
					return c
				}
			}
			return privacy.RunCategory{}
		}
		dry, real := find(got.Runs[1]), find(got.Runs[0])
		if dry.Owners == 0 || dry.Purged != 0 || len(dry.AuditSeqs) != 0 {
			t.Errorf("the dry run's sessions: %+v", dry)
		}
		if real.Purged == 0 || len(real.AuditSeqs) != real.Owners {
			t.Fatalf("the run's sessions: %+v", real)
		}
		page, err := e.App.Audit.ListAccount(ctx, a.UserID, "", 0, 500)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, it := range page.Items {
			en := it.Entry
			found = found || (slices.Contains(real.AuditSeqs, en.Seq) && en.ActorID == privacy.JobRetention && en.Category == datamap.AccountSession)
		}
		if !found {
			t.Error("no audit entry of the run's purge is in Ann's access log")
		}
		support.Login2FA()
		if r := support.Do("GET", "/api/v1/staff/retention/runs", nil); r.Status != http.StatusForbidden {
			t.Errorf("support reads the runs: %d", r.Status)
		}
	})
}

// Someone filmed, without an account, asks for footage of a camera; vigil
// holds none of them: the letter does not say the data is ready, says the
// search found nothing, names the camera's owner as the one who decides on
// footage and what vigil did, and speaks in words, with replies going to
// the data-protection office.
// proves: R1, R4, R6
func TestFilmedPersonLetterNamesTheOwner(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		c := e.Client()
		c.Must(http.StatusAccepted, "POST", "/api/v1/privacy/requests", map[string]any{"kind": "access", "region": "eu",
			"scope": map[string]any{"categories": []string{"media.snapshot", "media.segment"}, "devices": []string{"cam-7"},
				"from": e.Clock.Now().AddDate(0, 0, -3), "to": e.Clock.Now()},
			"email": "pat@example.com", "name": "Pat", "relation": "self"})
		tok := e.Mail.Wait(t, "pat@example.com", "Confirm your request").Token(t)
		var conf struct {
			Request privacy.Request
			Token   string `json:"request_token"`
		}
		c.Must(http.StatusOK, "POST", "/api/v1/privacy/requests/confirm", map[string]string{"token": tok}).Decode(t, &conf)
		id := conf.Request.ID
		req, _ := http.NewRequest("PUT", e.URL+"/api/v1/privacy/requests/"+id+"/documents/identity", strings.NewReader("%PDF-1.7 id"))
		req.Header.Set("Content-Type", "application/pdf")
		req.Header.Set("X-Request-Token", conf.Token)
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != http.StatusCreated {
			t.Fatalf("identity upload: %v %v", err, res)
		}
		res.Body.Close()
		d := requestsDPO(e)
		d.Must(http.StatusOK, "POST", "/api/v1/staff/privacy-requests/"+id+"/verify", map[string]any{"accept": true})
		d.Must(http.StatusAccepted, "POST", "/api/v1/staff/privacy-requests/"+id+"/grant", nil)
		letter := e.Mail.Wait(t, "pat@example.com", "Our answer")
		if strings.Contains(letter.Body, "ready") {
			t.Errorf("an empty package is announced as ready:\n%s", letter.Body)
		}
		for _, want := range []string{"found nothing about you", "customer who owns the camera", "they decide what it records", "reply to this message"} {
			if !strings.Contains(letter.Body, want) {
				t.Errorf("the letter lacks %q:\n%s", want, letter.Body)
			}
		}
		for _, code := range []string{"media.segment", "media.snapshot"} {
			if strings.Contains(letter.Body, code) {
				t.Errorf("the letter speaks in codes (%s)", code)
			}
		}
		// A granted request cannot be appealed; a reply can be written.
		post := func(body map[string]any) int {
			b, _ := json.Marshal(body)
			rq, _ := http.NewRequest("POST", e.URL+"/api/v1/privacy/requests/"+id+"/replies", bytes.NewReader(b))
			rq.Header.Set("Content-Type", "application/json")
			rq.Header.Set("X-Request-Token", conf.Token)
			rs, err := http.DefaultClient.Do(rq)
			if err != nil {
				t.Fatal(err)
			}
			rs.Body.Close()
			return rs.StatusCode
		}
		if code := post(map[string]any{"text": "I disagree", "appeal": true}); code != http.StatusConflict {
			t.Errorf("an appeal against a granted request: %d", code)
		}
		if code := post(map[string]any{"text": "Thank you; who owns cam-7?"}); code != http.StatusCreated {
			t.Errorf("a reply: %d", code)
		}
		if got := letter.Header.Get("Reply-To"); got != "dpo@vigil.test" {
			t.Errorf("Reply-To %q", got)
		}
	}, func(c *config.Config) { c.Privacy.DPOMailbox = "dpo@vigil.test" })
}
