package privacy_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/privacy"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

type myNotices struct{ Notices []privacy.MyNotice }

func noticeOf(t *testing.T, c *vigiltest.Client, kind privacy.Kind) privacy.MyNotice {
	t.Helper()
	var ns myNotices
	c.Must(http.StatusOK, "GET", "/api/v1/me/notices", nil).Decode(t, &ns)
	for _, n := range ns.Notices {
		if n.Kind == kind {
			return n
		}
	}
	t.Fatalf("no %s in %+v", kind, ns.Notices)
	return privacy.MyNotice{}
}

func dpo(e *vigiltest.Env, op *vigiltest.Client) *vigiltest.Client {
	d := op.Staff("dee@vigil.test", access.StaffDPO, e.Clock.Now().AddDate(1, 0, 0))
	d.StaffLogin()
	return d
}

// vigil ships its own texts; a material new version of the privacy
// statement (per region and language) stops the features for each person it
// applies to until they accept it, while they can still read it, accept it,
// sign out and use their rights. The acceptance records the version, the
// hash of the exact text, when, how and from where.
// proves: V1
func TestMaterialChangeNeedsFreshAcceptance(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		carol := e.SignUp("carol@example.com")
		feature := "/api/v1/accounts/" + carol.AccountID
		v1 := noticeOf(t, carol, privacy.PrivacyStatement)
		if v1.Version != 1 || v1.Region != privacy.DefaultRegion || v1.ActionRequired {
			t.Fatalf("shipped statement: %+v", v1)
		}
		var shipped privacy.Notice
		e.Client().Must(http.StatusOK, "GET", "/api/v1/notices/"+v1.ID, nil).Decode(t, &shipped)
		if sum := sha256.Sum256([]byte(shipped.Text)); hex.EncodeToString(sum[:]) != shipped.TextHash || len(shipped.Text) < 200 {
			t.Fatalf("shipped text and hash: %+v", shipped)
		}
		carol.Must(http.StatusOK, "GET", feature, nil)

		op := e.Operator()
		d := dpo(e, op)
		text := "# vigil privacy statement, second edition\n\nWe now also keep the firmware channel of each device."
		publish := map[string]any{"kind": "privacy_statement", "region": "default", "language": "en", "text": text,
			"material": true, "summary": "Firmware channel added to device information"}
		if r := op.Do("POST", "/api/v1/staff/notices", publish); r.Status != http.StatusForbidden {
			t.Fatalf("operator admin publishing: %d %s", r.Status, r.Body)
		}
		if r := carol.Do("POST", "/api/v1/staff/notices", publish); r.Status != http.StatusNotFound {
			t.Fatalf("customer publishing: %d", r.Status)
		}
		e.Clock.Advance(time.Hour)
		var v2 privacy.Notice
		d.Must(http.StatusCreated, "POST", "/api/v1/staff/notices", publish).Decode(t, &v2)
		if v2.Version != 2 || !v2.Material {
			t.Fatalf("published: %+v", v2)
		}

		// Features stop; reading, accepting, rights and sign-out do not.
		r := carol.Do("GET", feature, nil)
		if r.Status != http.StatusForbidden || r.ErrorCode() != "consent_required" {
			t.Fatalf("feature before accepting: %d %s", r.Status, r.Body)
		}
		if err := e.App.Privacy.RequireCurrent(t.Context(), carol.UserID, privacy.PrivacyStatement); !errs.Is(err, errs.ConsentRequired) {
			t.Fatalf("RequireCurrent: %v", err)
		}
		for _, path := range []string{"/api/v1/me", "/api/v1/me/access-log", "/api/v1/me/disclosures", feature + "/access-log", feature + "/grants"} {
			carol.Must(http.StatusOK, "GET", path, nil)
		}
		n := noticeOf(t, carol, privacy.PrivacyStatement)
		if !n.ActionRequired || n.Version != 2 || n.AcceptedVersion != 1 || n.Summary == "" { // version 1 was accepted at sign-up
			t.Fatalf("in-app notice: %+v", n)
		}
		if r := carol.Do("POST", "/api/v1/me/notices/"+v2.ID+"/accept", map[string]string{"text_hash": shipped.TextHash}); r.Status != http.StatusConflict {
			t.Fatalf("accepting with the hash of another text: %d %s", r.Status, r.Body)
		}
		var acc privacy.Acceptance
		carol.Must(http.StatusCreated, "POST", "/api/v1/me/notices/"+v2.ID+"/accept", map[string]string{"text_hash": v2.TextHash}).Decode(t, &acc)
		if acc.Version != 2 || acc.TextHash != v2.TextHash || acc.IP != "127.0.0.1" || acc.Method != privacy.MethodWeb || !acc.AcceptedAt.Equal(e.Clock.Now()) {
			t.Fatalf("acceptance: %+v", acc)
		}
		carol.Must(http.StatusOK, "GET", feature, nil)
		// The DPO follows the change by numbers: one person accepted
		// version 2 so far; the operator admin sees no counts.
		var counts struct{ Accepted map[string]int }
		d.Must(http.StatusOK, "GET", "/api/v1/staff/notices/acceptances", nil).Decode(t, &counts)
		if counts.Accepted[v2.ID] != 1 || counts.Accepted[v1.ID] < 1 {
			t.Fatalf("acceptance counts: %v", counts.Accepted)
		}
		if r := op.Do("GET", "/api/v1/staff/notices/acceptances", nil); r.Status != http.StatusForbidden {
			t.Fatalf("operator admin reading acceptance counts: %d", r.Status)
		}

		// A minor edit is shown as updated but stops nothing.
		e.Clock.Advance(time.Hour)
		publish["material"], publish["text"] = false, text+" Typo fixed."
		d.Must(http.StatusCreated, "POST", "/api/v1/staff/notices", publish)
		carol.Must(http.StatusOK, "GET", feature, nil)
		if n := noticeOf(t, carol, privacy.PrivacyStatement); n.Version != 3 || !n.Updated || n.ActionRequired || n.AcceptedVersion != 2 {
			t.Fatalf("after a minor edit: %+v", n)
		}

		// The account's region gets its own text; it applies instead of the
		// default one, and in the person's language.
		e.Clock.Advance(time.Hour)
		d.Must(http.StatusCreated, "POST", "/api/v1/staff/notices", map[string]any{"kind": "privacy_statement", "region": "EU",
			"language": "en", "text": "# vigil in the European Union\n\nYour rights under the GDPR, in our words.", "material": true, "summary": "EU text"})
		if r := carol.Do("GET", feature, nil); r.ErrorCode() != "consent_required" {
			t.Fatalf("regional material text: %d %s", r.Status, r.Body)
		}
		eu := noticeOf(t, carol, privacy.PrivacyStatement)
		if eu.Region != "EU" || eu.Version != 1 {
			t.Fatalf("regional notice: %+v", eu)
		}
		carol.Must(http.StatusCreated, "POST", "/api/v1/me/notices/"+eu.ID+"/accept", nil)
		carol.Must(http.StatusOK, "GET", feature, nil)

		// Someone who joins after the change saw it at sign-up.
		e.Clock.Advance(time.Minute)
		dave := e.SignUp("dave@example.com")
		dave.Must(http.StatusOK, "GET", "/api/v1/accounts/"+dave.AccountID, nil)

		var as struct{ Acceptances []privacy.Acceptance }
		carol.Must(http.StatusOK, "GET", "/api/v1/me/acceptances", nil).Decode(t, &as)
		if len(as.Acceptances) != 4 { // two at sign-up, two since
			t.Fatalf("acceptances: %+v", as.Acceptances)
		}
	})
}

func TestPublishInputIsChecked(t *testing.T) {
	e := vigiltest.Start(t)
	d := dpo(e, e.Operator())
	good := func() map[string]any {
		return map[string]any{"kind": "terms", "region": "default", "language": "en", "text": "Terms, in a new and longer version.", "material": false}
	}
	for name, mutate := range map[string]func(m map[string]any){
		"unknown kind":               func(m map[string]any) { m["kind"] = "cookies" },
		"unknown region":             func(m map[string]any) { m["region"] = "Atlantis" },
		"bad language":               func(m map[string]any) { m["language"] = "English" },
		"too short":                  func(m map[string]any) { m["text"] = "ok" },
		"material without a summary": func(m map[string]any) { m["material"] = true },
	} {
		body := good()
		mutate(body)
		if r := d.Do("POST", "/api/v1/staff/notices", body); r.Status != http.StatusBadRequest {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
	}
	d.Must(http.StatusCreated, "POST", "/api/v1/staff/notices", good())
	var list struct{ Notices []privacy.Notice }
	e.Client().Must(http.StatusOK, "GET", "/api/v1/notices", nil).Decode(t, &list)
	if len(list.Notices) != 3 {
		t.Fatalf("published notices: %+v", list.Notices)
	}
	for _, n := range list.Notices {
		if n.Kind == privacy.Terms && n.Version != 2 || n.Text != "" {
			t.Errorf("listed notice: %+v", n)
		}
	}
}
