package httpapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

func TestInvitationsAndRoles(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		owner := e.SignUp("mia@example.com")
		nick := e.SignUp("nick@example.com")
		eve := e.SignUp("eve@example.com")
		acct := "/api/v1/accounts/" + owner.AccountID

		owner.Must(http.StatusAccepted, "POST", acct+"/invitations", map[string]string{"email": nick.Email, "role": "member"})
		token := e.Mail.Wait(t, nick.Email, "invited").Token(t)
		// Someone else holding the link cannot use it.
		if r := eve.Do("POST", "/api/v1/invitations/accept", map[string]string{"token": token}); r.Status != http.StatusForbidden {
			t.Fatalf("invitation used by another address: %d %s", r.Status, r.Body)
		}
		owner.Must(http.StatusAccepted, "POST", acct+"/invitations", map[string]string{"email": nick.Email, "role": "member"})
		msgs := 0
		for _, m := range e.Mail.Messages() {
			if m.To == nick.Email && len(m.Subject) > 0 && m.Subject[0] == 'Y' {
				msgs++
				token = m.Token(t)
			}
		}
		if msgs != 2 {
			t.Fatalf("%d invitations mailed, want 2", msgs)
		}
		nick.Must(http.StatusOK, "POST", "/api/v1/invitations/accept", map[string]string{"token": token})

		nick.Must(http.StatusOK, "GET", acct, nil)
		nick.Must(http.StatusOK, "GET", acct+"/members", nil)
		if r := nick.Do("PATCH", acct, map[string]string{"name": "mine now"}); r.Status != http.StatusForbidden {
			t.Fatalf("member changing the account: %d %s", r.Status, r.Body)
		}
		if r := nick.Do("GET", acct+"/access-log", nil); r.Status != http.StatusForbidden {
			t.Fatalf("member reading the access log: %d", r.Status)
		}
		owner.Must(http.StatusNoContent, "PATCH", acct+"/members/"+nick.UserID, map[string]string{"role": "admin"})
		nick.Must(http.StatusOK, "PATCH", acct, map[string]string{"name": "Family home"})
		if r := nick.Do("PATCH", acct+"/members/"+nick.UserID, map[string]string{"role": "owner"}); r.Status != http.StatusForbidden {
			t.Fatalf("admin making themself owner: %d %s", r.Status, r.Body)
		}
		if r := owner.Do("DELETE", acct+"/members/"+owner.UserID, nil); r.Status != http.StatusConflict {
			t.Fatalf("removing the last owner: %d %s", r.Status, r.Body)
		}
		var ms struct{ Members []account.Member }
		owner.Must(http.StatusOK, "GET", acct+"/members", nil).Decode(t, &ms)
		if len(ms.Members) != 2 {
			t.Fatalf("members: %+v", ms.Members)
		}
		owner.Must(http.StatusNoContent, "DELETE", acct+"/members/"+nick.UserID, nil)
		if r := nick.Do("GET", acct, nil); r.Status != http.StatusNotFound {
			t.Fatalf("removed member still sees the account: %d", r.Status)
		}
	})
}

func TestSiteScopedRole(t *testing.T) {
	e := vigiltest.Start(t)
	owner := e.SignUp("ola@example.com")
	guest := e.SignUp("pat@example.com")
	acct := "/api/v1/accounts/" + owner.AccountID
	var shop, home account.Site
	owner.Must(http.StatusCreated, "POST", acct+"/sites", map[string]string{"name": "Shop", "time_zone": "Europe/Berlin"}).Decode(t, &shop)
	owner.Must(http.StatusCreated, "POST", acct+"/sites", map[string]string{"name": "Home", "time_zone": "Europe/Berlin"}).Decode(t, &home)
	owner.Must(http.StatusAccepted, "POST", acct+"/invitations", map[string]string{"email": guest.Email, "role": "admin", "site_id": shop.ID})
	guest.Must(http.StatusOK, "POST", "/api/v1/invitations/accept", map[string]string{"token": e.Mail.Wait(t, guest.Email, "invited").Token(t)})
	guest.Must(http.StatusOK, "PATCH", acct+"/sites/"+shop.ID, map[string]string{"name": "Shop (front)", "time_zone": "Europe/Berlin"})
	if r := guest.Do("GET", acct+"/sites/"+home.ID, nil); r.Status != http.StatusNotFound {
		t.Fatalf("site admin reading another site: %d %s", r.Status, r.Body)
	}
}

// An administrator sees who was invited and not yet in, with role, sites
// and expiry, and can withdraw an invitation so that its link stops
// working; people below administrator see none of it. An invitation to
// two sites gives exactly those two.
func TestInvitationsPendingAndWithdrawn(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		owner := e.SignUp("rosa@example.com")
		nick := e.SignUp("nico@example.com")
		eve := e.SignUp("evan@example.com")
		mo := e.SignUp("mo@example.com")
		acct := "/api/v1/accounts/" + owner.AccountID
		var shop, home, barn account.Site
		for _, s := range []struct {
			name string
			to   *account.Site
		}{{"Shop", &shop}, {"Home", &home}, {"Barn", &barn}} {
			owner.Must(http.StatusCreated, "POST", acct+"/sites", map[string]string{"name": s.name, "time_zone": "UTC"}).Decode(t, s.to)
		}
		owner.Must(http.StatusAccepted, "POST", acct+"/invitations", map[string]any{"email": mo.Email, "role": "member"})
		mo.Must(http.StatusOK, "POST", "/api/v1/invitations/accept", map[string]string{"token": e.Mail.Wait(t, mo.Email, "invited").Token(t)})

		owner.Must(http.StatusAccepted, "POST", acct+"/invitations", map[string]any{"email": nick.Email, "role": "member", "sites": []string{shop.ID, home.ID}})
		owner.Must(http.StatusAccepted, "POST", acct+"/invitations", map[string]any{"email": eve.Email, "role": "guest"})
		nickToken := e.Mail.Wait(t, nick.Email, "invited").Token(t)
		eveToken := e.Mail.Wait(t, eve.Email, "invited").Token(t)
		if r := owner.Do("POST", acct+"/invitations", map[string]any{"email": eve.Email, "role": "guest", "sites": []string{"not a site"}}); r.Status != http.StatusBadRequest {
			t.Fatalf("invitation to a malformed site: %d %s", r.Status, r.Body)
		}

		type pending struct {
			Invitations []account.PendingInvitation `json:"invitations"`
		}
		var list pending
		r := owner.Must(http.StatusOK, "GET", acct+"/invitations", nil)
		r.Decode(t, &list)
		if len(list.Invitations) != 2 {
			t.Fatalf("pending invitations: %+v", list.Invitations)
		}
		byEmail := map[string]account.PendingInvitation{}
		for _, in := range list.Invitations {
			byEmail[in.Email] = in
		}
		if n := byEmail[nick.Email]; n.Role != "member" || !slices.Equal(n.Sites, []string{shop.ID, home.ID}) || !n.ExpiresAt.After(n.CreatedAt) {
			t.Fatalf("nick's invitation: %+v", n)
		}
		if g := byEmail[eve.Email]; g.Role != "guest" || len(g.Sites) != 0 {
			t.Fatalf("eve's invitation: %+v", g)
		}
		for _, tok := range []string{nickToken, eveToken} {
			if strings.Contains(string(r.Body), tok) {
				t.Fatal("the invitation list shows an invitation's link")
			}
		}
		// A member, who cannot invite, sees no invitations and withdraws none.
		if r := mo.Do("GET", acct+"/invitations", nil); r.Status != http.StatusForbidden {
			t.Fatalf("member listing invitations: %d %s", r.Status, r.Body)
		}
		if r := mo.Do("DELETE", acct+"/invitations/"+byEmail[eve.Email].ID, nil); r.Status != http.StatusForbidden {
			t.Fatalf("member withdrawing an invitation: %d %s", r.Status, r.Body)
		}

		owner.Must(http.StatusNoContent, "DELETE", acct+"/invitations/"+byEmail[eve.Email].ID, nil)
		if r := eve.Do("POST", "/api/v1/invitations/accept", map[string]string{"token": eveToken}); r.Status != http.StatusNotFound {
			t.Fatalf("a withdrawn invitation was accepted: %d %s", r.Status, r.Body)
		}
		if r := owner.Do("DELETE", acct+"/invitations/"+byEmail[eve.Email].ID, nil); r.Status != http.StatusNotFound {
			t.Fatalf("withdrawing twice: %d %s", r.Status, r.Body)
		}

		nick.Must(http.StatusOK, "POST", "/api/v1/invitations/accept", map[string]string{"token": nickToken})
		owner.Must(http.StatusOK, "GET", acct+"/invitations", nil).Decode(t, &list)
		if len(list.Invitations) != 0 {
			t.Fatalf("accepted and withdrawn invitations still pending: %+v", list.Invitations)
		}
		nick.Must(http.StatusOK, "GET", acct+"/sites/"+shop.ID, nil)
		nick.Must(http.StatusOK, "GET", acct+"/sites/"+home.ID, nil)
		if r := nick.Do("GET", acct+"/sites/"+barn.ID, nil); r.Status != http.StatusNotFound {
			t.Fatalf("a two-site member reading a third site: %d", r.Status)
		}
		var ms struct{ Members []account.Member }
		owner.Must(http.StatusOK, "GET", acct+"/members", nil).Decode(t, &ms)
		i := slices.IndexFunc(ms.Members, func(m account.Member) bool { return m.UserID == nick.UserID })
		if i < 0 || len(ms.Members) != 3 || ms.Members[i].Role != "member" || len(ms.Members[i].Sites) != 2 {
			t.Fatalf("members after a two-site acceptance: %+v", ms.Members)
		}
	})
}

// One change sets what a member may do and where; a change that names
// another account's site changes nothing; a site-limited member can be
// removed without naming the site.
func TestMemberScope(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		owner := e.SignUp("sam@example.com")
		other := e.SignUp("tia@example.com")
		pat := e.SignUp("pat@example.com")
		acct := "/api/v1/accounts/" + owner.AccountID
		var shop, home, foreign account.Site
		owner.Must(http.StatusCreated, "POST", acct+"/sites", map[string]string{"name": "Shop", "time_zone": "UTC"}).Decode(t, &shop)
		owner.Must(http.StatusCreated, "POST", acct+"/sites", map[string]string{"name": "Home", "time_zone": "UTC"}).Decode(t, &home)
		other.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+other.AccountID+"/sites", map[string]string{"name": "Elsewhere", "time_zone": "UTC"}).Decode(t, &foreign)
		owner.Must(http.StatusAccepted, "POST", acct+"/invitations", map[string]any{"email": pat.Email, "role": "admin", "site_id": shop.ID})
		pat.Must(http.StatusOK, "POST", "/api/v1/invitations/accept", map[string]string{"token": e.Mail.Wait(t, pat.Email, "invited").Token(t)})
		member := acct + "/members/" + pat.UserID
		scopeOf := func() account.Member {
			var ms struct{ Members []account.Member }
			owner.Must(http.StatusOK, "GET", acct+"/members", nil).Decode(t, &ms)
			for _, m := range ms.Members {
				if m.UserID == pat.UserID {
					return m
				}
			}
			t.Fatal("pat is not a member")
			return account.Member{}
		}
		if m := scopeOf(); m.Role != "admin" || !slices.Equal(m.Sites, []string{shop.ID}) {
			t.Fatalf("after a one-site invitation: %+v", m)
		}

		owner.Must(http.StatusNoContent, "PATCH", member, map[string]any{"role": "member", "sites": []string{}})
		if m := scopeOf(); m.Role != "member" || len(m.Sites) != 0 {
			t.Fatalf("after widening to every site: %+v", m)
		}
		pat.Must(http.StatusOK, "GET", acct+"/sites/"+home.ID, nil)

		owner.Must(http.StatusNoContent, "PATCH", member, map[string]any{"role": "guest", "sites": []string{home.ID}})
		if r := pat.Do("GET", acct+"/sites/"+shop.ID, nil); r.Status != http.StatusNotFound {
			t.Fatalf("a home-only guest reading the shop: %d", r.Status)
		}
		pat.Must(http.StatusOK, "GET", acct+"/sites/"+home.ID, nil)
		// A home-only guest uses the app: their accounts, their sites and
		// the cameras there, nothing of the shop's.
		made := e.Operator().Manufacture("vc-100", 2)
		hall := owner.Claim(made[0], "Hall")
		till := owner.Claim(made[1], "Till")
		owner.Must(http.StatusOK, "PATCH", acct+"/devices/"+hall.DeviceID, map[string]any{"site_id": home.ID})
		owner.Must(http.StatusOK, "PATCH", acct+"/devices/"+till.DeviceID, map[string]any{"site_id": shop.ID})
		var mine struct{ Accounts []account.Account }
		pat.Must(http.StatusOK, "GET", "/api/v1/me/accounts", nil).Decode(t, &mine)
		if len(mine.Accounts) != 2 || mine.Accounts[1].ID != owner.AccountID && mine.Accounts[0].ID != owner.AccountID {
			t.Fatalf("a site guest's accounts: %+v", mine.Accounts)
		}
		for _, a := range mine.Accounts {
			if a.ID == owner.AccountID && (a.Role != "guest" || !slices.Equal(a.Sites, []string{home.ID}) || a.Name == "") {
				t.Fatalf("a site guest's view of the account: %+v", a)
			}
		}
		var sites struct{ Sites []account.Site }
		pat.Must(http.StatusOK, "GET", acct+"/sites", nil).Decode(t, &sites)
		if len(sites.Sites) != 1 || sites.Sites[0].ID != home.ID {
			t.Fatalf("a home-only guest lists sites %+v", sites.Sites)
		}
		var devs struct {
			Devices []struct {
				ID string `json:"id"`
			}
		}
		pat.Must(http.StatusOK, "GET", acct+"/devices", nil).Decode(t, &devs)
		if len(devs.Devices) != 1 || devs.Devices[0].ID != hall.DeviceID {
			t.Fatalf("a home-only guest lists devices %+v", devs.Devices)
		}
		if r := pat.Do("GET", acct+"/devices/"+till.DeviceID, nil); r.Status != http.StatusNotFound {
			t.Fatalf("a home-only guest reading the shop's camera: %d", r.Status)
		}

		for _, bad := range []map[string]any{
			{"role": "member", "sites": []string{foreign.ID}},
			{"role": "member", "sites": []string{home.ID, foreign.ID}},
		} {
			if r := owner.Do("PATCH", member, bad); r.Status != http.StatusNotFound {
				t.Fatalf("scope with another account's site: %d %s", r.Status, r.Body)
			}
		}
		if r := owner.Do("PATCH", member, map[string]any{"role": "emperor"}); r.Status != http.StatusBadRequest {
			t.Fatalf("unknown role: %d %s", r.Status, r.Body)
		}
		if r := owner.Do("PATCH", acct+"/members/"+other.UserID, map[string]any{"role": "guest"}); r.Status != http.StatusNotFound {
			t.Fatalf("scope of someone outside the account: %d %s", r.Status, r.Body)
		}
		if m := scopeOf(); m.Role != "guest" || !slices.Equal(m.Sites, []string{home.ID}) {
			t.Fatalf("a refused change changed the scope: %+v", m)
		}

		owner.Must(http.StatusNoContent, "DELETE", member, nil)
		if r := pat.Do("GET", acct, nil); r.Status != http.StatusNotFound {
			t.Fatalf("a removed site member still sees the account: %d", r.Status)
		}
	})
}
