package privacy_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/privacy"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

func hasConsent(t *testing.T, e *vigiltest.Env, userID, purpose string) bool {
	t.Helper()
	ok, err := e.App.Privacy.HasConsent(t.Context(), userID, purpose)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// Face recognition is off until the person accepts the current face
// recognition terms and agrees; the acceptance is recorded with who, when,
// which version and the hash of its text. A material update of the terms
// pauses it until accepted again.
// proves: F1, F6
func TestFaceRecognitionNeedsTheCurrentTerms(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		carol := e.SignUp("carol@example.com")
		path := "/api/v1/me/consents/" + privacy.FaceRecognition
		if hasConsent(t, e, carol.UserID, privacy.FaceRecognition) {
			t.Fatal("face recognition is on by default")
		}
		if n := noticeOf(t, carol, privacy.FaceProtocol); n.ActionRequired || n.AcceptedVersion != 0 {
			t.Fatalf("face terms nag someone who does not use faces: %+v", n)
		}
		if r := carol.Do("PUT", path, nil); r.Status != http.StatusForbidden || r.ErrorCode() != "consent_required" {
			t.Fatalf("consent before accepting the terms: %d %s", r.Status, r.Body)
		}
		v1 := noticeOf(t, carol, privacy.FaceProtocol)
		var acc privacy.Acceptance
		carol.Must(http.StatusCreated, "POST", "/api/v1/me/notices/"+v1.ID+"/accept", map[string]string{"text_hash": v1.TextHash}).Decode(t, &acc)
		var c privacy.Consent
		carol.Must(http.StatusCreated, "PUT", path, nil).Decode(t, &c)
		if c.NoticeID != v1.ID || !hasConsent(t, e, carol.UserID, privacy.FaceRecognition) {
			t.Fatalf("consent after accepting the terms: %+v", c)
		}
		var as struct{ Acceptances []privacy.Acceptance }
		carol.Must(http.StatusOK, "GET", "/api/v1/me/acceptances", nil).Decode(t, &as)
		// Besides the statement and terms accepted at sign-up.
		as.Acceptances = slices.DeleteFunc(as.Acceptances, func(a privacy.Acceptance) bool { return a.Method == privacy.MethodSignUp })
		if len(as.Acceptances) != 1 || as.Acceptances[0].Kind != privacy.FaceProtocol || as.Acceptances[0].Version != 1 ||
			as.Acceptances[0].TextHash != v1.TextHash || as.Acceptances[0].AcceptedAt.IsZero() || as.Acceptances[0].IP == "" {
			t.Fatalf("recorded acceptance: %+v", as.Acceptances)
		}

		// The terms change materially: the feature pauses, the person is told.
		e.Clock.Advance(24 * time.Hour)
		d := dpo(e, e.Operator())
		var v2 privacy.Notice
		d.Must(http.StatusCreated, "POST", "/api/v1/staff/notices", map[string]any{"kind": "face_protocol", "region": "default",
			"language": "en", "text": "# Face recognition terms, second edition\n\nTemplates now expire after 6 months.",
			"material": true, "summary": "Shorter retention of templates"}).Decode(t, &v2)
		if hasConsent(t, e, carol.UserID, privacy.FaceRecognition) {
			t.Fatal("face recognition kept working under terms the person has not accepted")
		}
		if n := noticeOf(t, carol, privacy.FaceProtocol); !n.ActionRequired || n.Version != 2 {
			t.Fatalf("the person is not told of the new terms: %+v", n)
		}
		carol.Must(http.StatusCreated, "POST", "/api/v1/me/notices/"+v2.ID+"/accept", nil)
		if !hasConsent(t, e, carol.UserID, privacy.FaceRecognition) {
			t.Fatal("face recognition did not resume after the new terms were accepted")
		}
	})
}

// Any purpose beyond the service needs consent, given and withdrawn with
// one request each; a withdrawal takes effect at once and the record stays.
// proves: U-I
func TestConsentGivenAndWithdrawnAsEasily(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		carol := e.SignUp("carol@example.com")
		path := "/api/v1/me/consents/" + privacy.ProductNews
		for _, p := range privacy.Purposes() {
			if hasConsent(t, e, carol.UserID, p.ID) {
				t.Fatalf("%s is on by default", p.ID)
			}
		}
		carol.Must(http.StatusCreated, "PUT", path, nil)
		if r := carol.Do("PUT", path, nil); r.Status != http.StatusConflict {
			t.Fatalf("agreeing twice: %d", r.Status)
		}
		if !hasConsent(t, e, carol.UserID, privacy.ProductNews) || hasConsent(t, e, carol.UserID, privacy.ProductResearch) {
			t.Fatal("consent to one purpose is not that purpose alone")
		}
		e.Clock.Advance(time.Minute)
		carol.Must(http.StatusNoContent, "DELETE", path, nil)
		if hasConsent(t, e, carol.UserID, privacy.ProductNews) {
			t.Fatal("withdrawal did not take effect at once")
		}
		if r := carol.Do("DELETE", path, nil); r.Status != http.StatusNotFound {
			t.Fatalf("withdrawing twice: %d", r.Status)
		}
		if r := carol.Do("PUT", "/api/v1/me/consents/selling_data", nil); r.Status != http.StatusBadRequest {
			t.Fatalf("unknown purpose: %d", r.Status)
		}
		var cs struct {
			Purposes []privacy.Purpose
			Consents []privacy.Consent
		}
		carol.Must(http.StatusOK, "GET", "/api/v1/me/consents", nil).Decode(t, &cs)
		if len(cs.Purposes) != 3 || len(cs.Consents) != 1 || cs.Consents[0].WithdrawnAt == nil ||
			!cs.Consents[0].WithdrawnAt.Equal(e.Clock.Now()) || cs.Consents[0].Method != privacy.MethodWeb {
			t.Fatalf("consent record: %+v", cs)
		}
		if _, err := e.App.Privacy.HasConsent(t.Context(), carol.UserID, "selling_data"); err == nil {
			t.Fatal("HasConsent accepted an undeclared purpose")
		}
	})
}
