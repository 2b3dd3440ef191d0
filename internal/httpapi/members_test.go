package httpapi_test

import (
	"net/http"
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
