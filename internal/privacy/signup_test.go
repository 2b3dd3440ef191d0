package privacy_test

import (
	"net/http"
	"testing"

	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/privacy"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// Signing up records that the person accepted the privacy statement and
// the terms they were shown: the version, the hash of its text, when, how
// and from where. A sign-up that did not show the current texts, or showed
// another text under their names, is refused and creates nothing.
func TestSignUpRecordsAcceptance(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		shown := e.Shown()
		if len(shown) != 2 {
			t.Fatalf("sign-up shows %d documents, want the privacy statement and the terms", len(shown))
		}
		c := e.Client()
		body := func(email string, acc []account.ShownNotice) map[string]any {
			return map[string]any{"email": email, "password": vigiltest.DefaultPassword, "name": "Dee", "account_name": "Dee's shop",
				"region": "EU", "accepted": acc}
		}
		tampered := []account.ShownNotice{shown[0], {NoticeID: shown[1].NoticeID, TextHash: shown[0].TextHash}}
		for name, acc := range map[string][]account.ShownNotice{"nothing": nil, "one of two": shown[:1], "another text": tampered} {
			if r := c.Do("POST", "/api/v1/auth/signup", body("dee@example.com", acc)); r.Status != http.StatusConflict && r.Status != http.StatusForbidden {
				t.Errorf("sign-up accepting %s: %d %s", name, r.Status, r.Body)
			} else if r.ErrorCode() != "consent_required" {
				t.Errorf("sign-up accepting %s: code %q", name, r.ErrorCode())
			}
		}
		if msgs := e.Mail.Messages(); len(msgs) != 0 {
			t.Fatalf("a refused sign-up sent %d messages", len(msgs))
		}
		d := e.SignUp("dee@example.com")
		var got struct{ Acceptances []privacy.Acceptance }
		d.Must(http.StatusOK, "GET", "/api/v1/me/acceptances", nil).Decode(t, &got)
		if len(got.Acceptances) != 2 {
			t.Fatalf("acceptances after sign-up: %+v", got.Acceptances)
		}
		for i, a := range got.Acceptances {
			want := shown[0]
			if a.NoticeID != want.NoticeID {
				want = shown[1]
			}
			if a.NoticeID != want.NoticeID || a.TextHash != want.TextHash || a.Version != 1 || a.Method != privacy.MethodSignUp ||
				a.IP == "" || !a.AcceptedAt.Equal(e.Clock.Now().UTC().Truncate(1000)) {
				t.Errorf("acceptance %d: %+v, want %+v at %v", i, a, want, e.Clock.Now())
			}
		}
		// Having accepted at sign-up, nothing awaits the person.
		var mine struct{ Notices []privacy.MyNotice }
		d.Must(http.StatusOK, "GET", "/api/v1/me/notices", nil).Decode(t, &mine)
		for _, n := range mine.Notices {
			if n.Kind != privacy.FaceProtocol && (n.ActionRequired || n.AcceptedVersion != 1) {
				t.Errorf("after sign-up: %+v", n)
			}
		}
	})
}
