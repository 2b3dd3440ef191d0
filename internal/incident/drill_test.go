package incident_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/config"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/incident"
	"github.com/vigil-cloud/vigil/internal/notify/pushtest"
	"github.com/vigil-cloud/vigil/internal/notify/smsfake"
	"github.com/vigil-cloud/vigil/internal/privacy"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

const (
	smsProcessor = "prc_smsprovideraaaaaaaaaaaaaaa"
	smsSID       = "AC_incident_drill"
	smsToken     = "sms-secret-token"
)

// world is a vigil with customers, a support member they entrusted and a
// security officer, and the real peers of every channel.
type world struct {
	e                      *vigiltest.Env
	sms                    *smsfake.Provider
	alice, bob, erin, dave *vigiltest.Client
	support, officer       *vigiltest.Client
	from, to               time.Time // the window the support credential was misused in
	pushHash               string
	push                   *pushtest.Service
}

var codeRE = regexp.MustCompile(`\b[0-9]{6}\b`)

// newWorld builds the drill's world. With push, alice subscribes a
// browser at a real push service (web-push-testing).
func newWorld(t *testing.T, e *vigiltest.Env, sms *smsfake.Provider, ps *pushtest.Service) *world {
	w := &world{e: e, sms: sms, push: ps}
	now := e.Clock.Now()
	err := store.NewPrivacyStore(e.App.DB).PutProcessor(context.Background(), privacy.ProcessorRow{ID: smsProcessor, Name: "Fake SMS Ltd",
		Service: "SMS delivery", Categories: []datamap.CategoryID{datamap.NotifyPrefs, datamap.NotifyMessage},
		AgreementSignedAt: now.AddDate(-1, 0, 0), AgreementExpiresAt: now.AddDate(1, 0, 0), AssessedAt: now.AddDate(0, -1, 0), AssessmentExpiresAt: now.AddDate(1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	w.alice, w.bob, w.erin, w.dave = e.SignUp("alice@example.com"), e.SignUp("bob@example.com"), e.SignUp("erin@example.com"), e.SignUp("dave@example.com")
	// Alice can be reached on every channel: a verified phone and a browser.
	sms.Reset()
	w.alice.Must(http.StatusNoContent, "PUT", "/api/v1/me/phone", map[string]string{"phone": "+15551230001"})
	msgs := sms.Wait(1, 10*time.Second)
	if len(msgs) == 0 {
		t.Fatal("no verification code arrived")
	}
	w.alice.Must(http.StatusNoContent, "POST", "/api/v1/me/phone/verify", map[string]string{"code": codeRE.FindString(msgs[len(msgs)-1].Body)})
	sms.Reset()
	if ps != nil {
		var key struct {
			PublicKey string `json:"public_key"`
		}
		e.Client().Must(http.StatusOK, "GET", "/api/v1/notify/vapid-key", nil).Decode(t, &key)
		sub := ps.Subscribe(t, key.PublicKey)
		w.alice.Must(http.StatusCreated, "POST", "/api/v1/me/push-subscriptions", map[string]any{"endpoint": sub.Endpoint,
			"keys": map[string]string{"p256dh": sub.Keys.P256dh, "auth": sub.Keys.Auth}})
		w.pushHash = sub.ClientHash
	}
	// Bob reads German.
	w.bob.Must(http.StatusOK, "PATCH", "/api/v1/me", map[string]string{"language": "de-DE"})

	w.support = e.StaffMember("support@vigil.test", access.StaffSupportL1)
	w.officer = e.StaffMember("security@vigil.test", access.StaffSecurity)
	for _, c := range []*vigiltest.Client{w.alice, w.bob, w.erin, w.dave} {
		c.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+c.AccountID+"/grants", map[string]any{
			"staff_id": w.support.UserID, "categories": []string{"account.profile"},
			"until": e.Clock.Now().Add(30 * 24 * time.Hour), "ticket": "T-7", "reason": "camera will not pair"})
	}
	// Dave's account is looked at legitimately before the credential leaks.
	w.support.Must(http.StatusOK, "GET", "/api/v1/staff/accounts/"+w.dave.AccountID, nil)
	e.Clock.Advance(2 * time.Hour)
	// Then the support credential is misused on three accounts.
	w.from = e.Clock.Now()
	for _, c := range []*vigiltest.Client{w.alice, w.bob, w.erin} {
		e.Clock.Advance(time.Minute)
		w.support.Must(http.StatusOK, "GET", "/api/v1/staff/accounts/"+c.AccountID, nil)
	}
	e.Clock.Advance(time.Minute)
	w.to = e.Clock.Now()
	e.Clock.Advance(time.Hour)
	// Dave is read again after the window (the credential was revoked and
	// re-issued): outside the scope.
	w.support.Login2FA()
	w.support.Must(http.StatusOK, "GET", "/api/v1/staff/accounts/"+w.dave.AccountID, nil)
	return w
}

func peers(t *testing.T) (*smsfake.Provider, vigiltest.Option) {
	p := smsfake.New(smsSID, smsToken)
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return p, func(c *config.Config) {
		c.Notify.AllowLoopback = true
		c.Notify.SMS = config.SMS{BaseURL: srv.URL, AccountSID: smsSID, AuthToken: smsToken, From: "+15550001111",
			Processor: smsProcessor, Timeout: 5 * time.Second}
	}
}

type view struct {
	Incident     incident.Incident     `json:"incident"`
	NoticeStatus incident.NoticeStatus `json:"notice_status"`
}

func (w *world) open(t *testing.T) incident.Incident {
	var inc incident.Incident
	w.officer.Must(http.StatusCreated, "POST", "/api/v1/staff/incidents", map[string]any{
		"type": "unauthorised_access", "title": "Support credential used from an unknown network",
		"summary": "A support member's session was replayed from an address outside the vendor's network.",
		"source":  "monitoring", "source_ref": "alert-4411", "criteria": map[string]any{"left_vendor": true},
	}).Decode(t, &inc)
	return inc
}

func (w *world) get(t *testing.T, id string) view {
	var v view
	w.officer.Must(http.StatusOK, "GET", "/api/v1/staff/incidents/"+id, nil).Decode(t, &v)
	return v
}

func (w *world) compute(t *testing.T, id string) []incident.Affected {
	var out struct {
		Affected []incident.Affected `json:"affected"`
	}
	w.officer.Must(http.StatusOK, "POST", "/api/v1/staff/incidents/"+id+"/affected", map[string]any{
		"kind": "staff_credential", "actor_id": w.support.UserID, "from": w.from, "to": w.to}).Decode(t, &out)
	return out.Affected
}

func users(rows []incident.Affected) []string {
	var out []string
	for _, a := range rows {
		out = append(out, a.UserID)
	}
	slices.Sort(out)
	return out
}

func sorted(ids ...string) []string { slices.Sort(ids); return ids }

// A staff credential used on three accounts in a window yields exactly
// those accounts' people, with what of theirs was touched; the fourth
// account it reached outside the window is not among them. Staff without
// the security role see nothing of the incident room, and each refusal is
// in the access log.
// proves: I3
func TestAffectedFromStaffCredential(t *testing.T) {
	sms, opt := peers(t)
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		w := newWorld(t, e, sms, nil)
		inc := w.open(t)
		rows := w.compute(t, inc.ID)
		if got, want := users(rows), sorted(w.alice.UserID, w.bob.UserID, w.erin.UserID); !slices.Equal(got, want) {
			t.Fatalf("affected %v, want %v (not dave %s)", got, want, w.dave.UserID)
		}
		for _, a := range rows {
			if len(a.Accounts) != 1 || len(a.Touched) != 1 || a.Touched[0].Category != datamap.AccountProfile ||
				!slices.Contains(a.Touched[0].Actions, "read") || a.Touched[0].Count < 1 || a.Touched[0].First.Before(w.from) {
				t.Fatalf("what was touched of %s: %+v", a.UserID, a)
			}
		}
		// The same credential over a window that includes dave's first
		// (legitimate) look finds him too: the window is what decides.
		var wide struct {
			Affected []incident.Affected `json:"affected"`
		}
		w.officer.Must(http.StatusOK, "POST", "/api/v1/staff/incidents/"+inc.ID+"/affected", map[string]any{
			"kind": "staff_credential", "actor_id": w.support.UserID, "from": w.from.Add(-3 * time.Hour), "to": w.to}).Decode(t, &wide)
		if len(wide.Affected) != 4 {
			t.Fatalf("wider window: %v", users(wide.Affected))
		}
		// A set of accounts scope names exactly those accounts' people.
		var acc struct {
			Affected []incident.Affected `json:"affected"`
		}
		w.officer.Must(http.StatusOK, "POST", "/api/v1/staff/incidents/"+inc.ID+"/affected", map[string]any{
			"kind": "accounts", "account_ids": []string{w.dave.AccountID}, "from": w.from.Add(-3 * time.Hour), "to": e.Clock.Now()}).Decode(t, &acc)
		if got := users(acc.Affected); !slices.Equal(got, []string{w.dave.UserID}) {
			t.Fatalf("accounts scope: %v", got)
		}
		// Bad scopes are refused with a reason.
		for _, bad := range []map[string]any{
			{"kind": "staff_credential", "actor_id": "nobody", "from": w.from, "to": w.to},
			{"kind": "staff_credential", "actor_id": w.support.UserID, "from": w.to, "to": w.from},
			{"kind": "category", "category": "no.such", "from": w.from, "to": w.to},
			{"kind": "guess"},
		} {
			if r := w.officer.Do("POST", "/api/v1/staff/incidents/"+inc.ID+"/affected", bad); r.Status != http.StatusBadRequest {
				t.Fatalf("scope %v: %d %s", bad, r.Status, r.Body)
			}
		}
		// Support has no role in the incident room.
		for _, path := range []string{"/api/v1/staff/incidents", "/api/v1/staff/incidents/" + inc.ID, "/api/v1/staff/incidents/" + inc.ID + "/affected"} {
			if r := w.support.Do("GET", path, nil); r.Status != http.StatusForbidden {
				t.Fatalf("support on %s: %d %s", path, r.Status, r.Body)
			}
		}
		if r := w.alice.Do("GET", "/api/v1/staff/incidents", nil); r.Status != http.StatusForbidden && r.Status != http.StatusNotFound {
			t.Fatalf("a customer on the incident room: %d", r.Status)
		}
	}, opt)
}
