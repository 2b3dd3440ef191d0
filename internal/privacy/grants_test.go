package privacy_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/privacy"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

type logEntries struct {
	Entries []struct {
		Seq       int64  `json:"seq"`
		ActorKind string `json:"actor_kind"`
		ActorID   string `json:"actor_id"`
		Category  string `json:"category"`
		Decision  string `json:"decision"`
		Reason    string `json:"reason"`
	}
}

func accessLog(t *testing.T, c *vigiltest.Client) logEntries {
	t.Helper()
	var l logEntries
	c.Must(http.StatusOK, "GET", "/api/v1/accounts/"+c.AccountID+"/access-log?limit=500", nil).Decode(t, &l)
	return l
}

// Vendor staff see a customer's data only while the customer's grant for
// that staff member (or role), that category and that account runs: not
// before, not for another category or account, not after it ends or is
// revoked. Each attempt, refused or allowed, is in the customer's access
// log; each allowed one is listed beside the grant, live and afterwards.
// proves: F3, P3
func TestStaffNeedTheCustomersGrant(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		carol, dave := e.SignUp("carol@example.com"), e.SignUp("dave@example.com")
		op := e.Operator()
		support := op.Staff("sam@vigil.test", access.StaffSupportL1, e.Clock.Now().AddDate(1, 0, 0))
		support.StaffLogin()
		lookup := "/api/v1/staff/accounts/" + carol.AccountID
		grants := "/api/v1/accounts/" + carol.AccountID + "/grants"
		grant := func(c *vigiltest.Client, body map[string]any) privacy.Grant {
			t.Helper()
			base := map[string]any{"staff_id": support.UserID, "categories": []string{"account.profile"},
				"until": e.Clock.Now().Add(48 * time.Hour), "ticket": "T-77 (Carol)", "reason": "site list looks wrong"}
			for k, v := range body {
				base[k] = v
			}
			var g privacy.Grant
			c.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+c.AccountID+"/grants", base).Decode(t, &g)
			return g
		}
		denied := func(why string) {
			t.Helper()
			if r := support.Do("GET", lookup, nil); r.Status != http.StatusNotFound {
				t.Fatalf("%s: %d %s", why, r.Status, r.Body)
			}
		}

		denied("no grant at all")
		grant(carol, map[string]any{"categories": []string{"media.segment"}})
		denied("a grant for video only")
		grant(dave, nil)
		denied("a grant in another account")
		others := op.Staff("tess@vigil.test", access.StaffSupportL1, e.Clock.Now().AddDate(1, 0, 0))
		grant(carol, map[string]any{"staff_id": others.UserID})
		denied("a grant to another staff member")
		grant(carol, map[string]any{"staff_id": "", "staff_role": "support_l2"})
		denied("a grant to another role")
		grant(carol, map[string]any{"resources": []string{"dev_aaaaaaaaaaaaaaaaaaaaaaaaaa"}})
		denied("a grant for one device does not open the whole account")
		grant(carol, map[string]any{"from": e.Clock.Now().Add(time.Hour)})
		denied("a grant that has not begun")

		// The owner watches uses live while they happen.
		owner := access.Principal{Kind: access.KindUser, ID: carol.UserID, Memberships: []access.Membership{{AccountID: carol.AccountID, Role: access.RoleOwner}}}
		live, stop, err := e.App.Privacy.WatchGrantUses(t.Context(), owner, carol.AccountID)
		if err != nil {
			t.Fatal(err)
		}
		defer stop()

		g := grant(carol, nil)
		if g.Status != "active" || g.Ticket != "T-77 (Carol)" {
			t.Fatalf("new grant: %+v", g)
		}
		support.Must(http.StatusOK, "GET", lookup, nil)
		select {
		case u := <-live:
			if u.GrantID != g.ID || u.StaffID != support.UserID || u.Category != "account.profile" {
				t.Fatalf("live use: %+v", u)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the owner was not shown the use live")
		}

		// Revocation takes effect at the next access.
		carol.Must(http.StatusNoContent, "DELETE", grants+"/"+g.ID, nil)
		denied("after revocation")
		if r := carol.Do("DELETE", grants+"/"+g.ID, nil); r.Status != http.StatusNotFound {
			t.Fatalf("revoking twice: %d", r.Status)
		}

		// A grant to the role works for everyone holding it, until it ends.
		byRole := grant(carol, map[string]any{"staff_id": "", "staff_role": "support_l1"})
		support.Must(http.StatusOK, "GET", lookup, nil)
		e.Clock.Advance(49 * time.Hour)
		support.Login2FA()
		denied("after the grant ended")

		var list struct{ Grants []privacy.Grant }
		carol.Login()
		carol.Must(http.StatusOK, "GET", grants, nil).Decode(t, &list)
		uses := map[string][]privacy.GrantUse{}
		status := map[string]string{}
		for _, gr := range list.Grants {
			uses[gr.ID], status[gr.ID] = gr.Uses, gr.Status
		}
		if len(uses[g.ID]) != 1 || len(uses[byRole.ID]) != 1 || status[g.ID] != "revoked" || status[byRole.ID] != "expired" {
			t.Fatalf("grants as the owner sees them: %+v", list.Grants)
		}

		// The access log holds every attempt: 9 refusals and 2 allowed
		// look-ups, each allowed one naming its grant and matching a use.
		log := accessLog(t, carol)
		allowed, refused := map[int64]string{}, 0
		for _, en := range log.Entries {
			if en.ActorID != support.UserID {
				continue
			}
			if en.Decision == "deny" {
				refused++
				if !strings.Contains(en.Reason, "grant") {
					t.Errorf("refusal %d does not say a grant is missing: %q", en.Seq, en.Reason)
				}
			} else {
				allowed[en.Seq] = en.Reason
			}
		}
		if refused != 9 || len(allowed) != 2 {
			t.Fatalf("access log: %d refused and %d allowed staff look-ups, want 9 and 2", refused, len(allowed))
		}
		for id, us := range uses {
			for _, u := range us {
				if allowed[u.Seq] != "entrusted by grant "+id {
					t.Errorf("use %d of %s has access-log reason %q", u.Seq, id, allowed[u.Seq])
				}
			}
		}
		// Dave's account saw nothing of it.
		for _, en := range accessLog(t, dave).Entries {
			if en.ActorID == support.UserID {
				t.Errorf("staff entry in another account's log: %+v", en)
			}
		}
	})
}

// Staff whose privacy training lapsed get nothing even with a grant.
// proves: P5
func TestGrantDoesNotOverrideLapsedTraining(t *testing.T) {
	e := vigiltest.Start(t)
	carol := e.SignUp("carol@example.com")
	op := e.Operator()
	support := op.Staff("sam@vigil.test", access.StaffSupportL1, e.Clock.Now().Add(24*time.Hour))
	support.StaffLogin()
	carol.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+carol.AccountID+"/grants", map[string]any{
		"staff_id": support.UserID, "categories": []string{"account.profile"}, "until": e.Clock.Now().Add(20 * 24 * time.Hour),
		"ticket": "T-1", "reason": "help"})
	support.Must(http.StatusOK, "GET", "/api/v1/staff/accounts/"+carol.AccountID, nil)
	e.Clock.Advance(25 * time.Hour)
	support.Login2FA()
	if r := support.Do("GET", "/api/v1/staff/accounts/"+carol.AccountID, nil); r.Status != http.StatusForbidden || !strings.Contains(r.ErrorMessage(), "training") {
		t.Fatalf("lapsed training with a grant: %d %s", r.Status, r.Body)
	}
}

func TestGrantInputIsChecked(t *testing.T) {
	e := vigiltest.Start(t)
	carol := e.SignUp("carol@example.com")
	op := e.Operator()
	support := op.Staff("sam@vigil.test", access.StaffSupportL1, e.Clock.Now().AddDate(1, 0, 0))
	now := e.Clock.Now()
	path := "/api/v1/accounts/" + carol.AccountID + "/grants"
	good := func() map[string]any {
		return map[string]any{"staff_id": support.UserID, "categories": []string{"account.profile"},
			"until": now.Add(24 * time.Hour), "ticket": "T-1", "reason": "help"}
	}
	cases := map[string]func(m map[string]any){
		"longer than 30 days":    func(m map[string]any) { m["until"] = now.Add(31 * 24 * time.Hour) },
		"no end":                 func(m map[string]any) { delete(m, "until") },
		"ends before it begins":  func(m map[string]any) { m["from"], m["until"] = now.Add(2*time.Hour), now.Add(time.Hour) },
		"staff and role":         func(m map[string]any) { m["staff_role"] = "support_l1" },
		"nobody":                 func(m map[string]any) { delete(m, "staff_id") },
		"operator admin":         func(m map[string]any) { delete(m, "staff_id"); m["staff_role"] = "operator_admin" },
		"unknown staff":          func(m map[string]any) { m["staff_id"] = "stf_aaaaaaaaaaaaaaaaaaaaaaaaaa" },
		"credentials":            func(m map[string]any) { m["categories"] = []string{"account.credentials"} },
		"unknown category":       func(m map[string]any) { m["categories"] = []string{"thoughts.private"} },
		"no category":            func(m map[string]any) { m["categories"] = []string{} },
		"bad resource":           func(m map[string]any) { m["resources"] = []string{"../other"} },
		"no ticket":              func(m map[string]any) { m["ticket"] = "" },
		"no reason":              func(m map[string]any) { m["reason"] = " " },
		"field the API lacks":    func(m map[string]any) { m["forever"] = true },
		"categories not strings": func(m map[string]any) { m["categories"] = 7 },
	}
	for name, mutate := range cases {
		body := good()
		mutate(body)
		if r := carol.Do("POST", path, body); r.Status != http.StatusBadRequest || r.ErrorMessage() == "" {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
	}
	carol.Must(http.StatusCreated, "POST", path, good())
}
