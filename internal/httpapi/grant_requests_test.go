package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// Support asks an account for a grant on a ticket; the request opens
// nothing. The owner approves it narrower and shorter than asked: support
// reads what the grant covers and not the rest, each read is a use the
// owner sees; after the owner revokes it support is refused. A declined
// request opens nothing; a request cannot be decided twice, nor approved
// wider than asked; one member has one pending request per account;
// bad requests get 4xx; an operator administrator
// cannot ask, a customer cannot use the staff route, and another account's
// admin sees none of it.
// proves: F3
func TestSupportAsksCustomerApprovesRevokes(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		owner := e.SignUp("olive@example.com")
		dev := owner.Claim(e.Operator().Manufacture("vc-100", 1)[0], "Porch").DeviceID
		support := e.StaffMember("sue@vigil.test", access.StaffSupportL1)
		ask := "/api/v1/staff/accounts/" + owner.AccountID + "/grant-requests"
		mine := "/api/v1/accounts/" + owner.AccountID + "/grant-requests"
		staffDev := "/api/v1/staff/accounts/" + owner.AccountID + "/devices/" + dev

		for _, bad := range []map[string]any{
			{"categories": []string{"device.info"}, "hours": 0, "ticket": "T-1", "reason": "x"},
			{"categories": []string{"device.info"}, "hours": 24 * 31, "ticket": "T-1", "reason": "x"},
			{"categories": []string{}, "hours": 24, "ticket": "T-1", "reason": "x"},
			{"categories": []string{"no.such"}, "hours": 24, "ticket": "T-1", "reason": "x"},
			{"categories": []string{"device.info"}, "hours": 24, "ticket": "", "reason": "x"},
			{"categories": []string{"device.info"}, "hours": 24, "ticket": "T-1", "reason": "x", "extra": 1},
		} {
			if r := support.Do("POST", ask, bad); r.Status != http.StatusBadRequest {
				t.Errorf("request %v: %d %s", bad, r.Status, r.Body)
			}
		}
		if r := support.Do("POST", "/api/v1/staff/accounts/acc_aaaaaaaaaaaaaaaaaaaaaaaaaa/grant-requests",
			map[string]any{"categories": []string{"device.info"}, "hours": 24, "ticket": "T-1", "reason": "x"}); r.Status != http.StatusNotFound {
			t.Errorf("a request to no account: %d %s", r.Status, r.Body)
		}
		if r := e.Operator().Do("POST", ask, map[string]any{"categories": []string{"device.info"}, "hours": 24, "ticket": "T-1", "reason": "x"}); r.Status != http.StatusForbidden {
			t.Errorf("an operator administrator asked: %d %s", r.Status, r.Body)
		}
		if r := owner.Do("POST", ask, map[string]any{"categories": []string{"device.info"}, "hours": 24, "ticket": "T-1", "reason": "x"}); r.Status < 400 {
			t.Errorf("a customer used the staff route: %d", r.Status)
		}

		var req struct {
			ID, Status string
			Hours      int
		}
		support.Must(http.StatusCreated, "POST", ask, map[string]any{"categories": []string{"device.info", "device.event", "media.segment"},
			"hours": 72, "ticket": "T-42", "reason": "the porch camera drops off at night"}).Decode(t, &req)
		if req.Status != "pending" || req.Hours != 72 {
			t.Fatalf("request: %+v", req)
		}
		if r := support.Do("POST", ask, map[string]any{"categories": []string{"device.info"}, "hours": 1, "ticket": "T-42", "reason": "again"}); r.Status != http.StatusConflict {
			t.Errorf("a second pending request to the same account: %d", r.Status)
		}
		if r := support.Do("GET", staffDev, nil); r.Status != http.StatusNotFound {
			t.Fatalf("a pending request opened the device: %d", r.Status)
		}
		var log struct {
			Entries []struct {
				ActorKind string `json:"actor_kind"`
				ActorID   string `json:"actor_id"`
				Action    string
				Category  string
			}
		}
		owner.Must(http.StatusOK, "GET", "/api/v1/accounts/"+owner.AccountID+"/access-log?limit=500", nil).Decode(t, &log)
		asked := false
		for _, en := range log.Entries {
			asked = asked || (en.ActorKind == "staff" && en.ActorID == support.UserID && en.Category == "privacy.grant" && en.Action == "create")
		}
		if !asked {
			t.Errorf("the request is not in the account's access log: %+v", log.Entries)
		}
		var list struct {
			Requests []struct {
				ID, Status, Ticket, Reason string
				StaffID                    string `json:"staff_id"`
			}
		}
		owner.Must(http.StatusOK, "GET", mine, nil).Decode(t, &list)
		if len(list.Requests) != 1 || list.Requests[0].Ticket != "T-42" || list.Requests[0].StaffID != support.UserID {
			t.Fatalf("the owner's list: %+v", list)
		}
		other := e.SignUp("other@example.com")
		if r := other.Do("GET", mine, nil); r.Status != http.StatusNotFound && r.Status != http.StatusForbidden {
			t.Errorf("another account's person listed the requests: %d", r.Status)
		}
		if r := owner.Do("POST", mine+"/"+req.ID+"/approve", map[string]any{"categories": []string{"face.template"}}); r.Status != http.StatusBadRequest {
			t.Errorf("approved wider than asked: %d %s", r.Status, r.Body)
		}
		if r := owner.Do("POST", mine+"/"+req.ID+"/approve", map[string]any{"hours": 73}); r.Status != http.StatusBadRequest {
			t.Errorf("approved longer than asked: %d %s", r.Status, r.Body)
		}
		var g struct {
			ID, Status string
			StaffID    string `json:"staff_id"`
		}
		owner.Must(http.StatusCreated, "POST", mine+"/"+req.ID+"/approve", map[string]any{"categories": []string{"device.info"}, "hours": 2}).Decode(t, &g)
		if g.Status != "active" || g.StaffID != support.UserID {
			t.Fatalf("grant: %+v", g)
		}
		if r := owner.Do("POST", mine+"/"+req.ID+"/approve", nil); r.Status != http.StatusConflict {
			t.Errorf("approved twice: %d", r.Status)
		}
		support.Must(http.StatusOK, "GET", staffDev, nil)
		if r := support.Do("GET", staffDev+"/events", nil); r.Status != http.StatusNotFound {
			t.Errorf("events left out of the grant were read: %d", r.Status)
		}
		var gs struct {
			Grants []struct{ Uses []struct{ Category string } }
		}
		owner.Must(http.StatusOK, "GET", "/api/v1/accounts/"+owner.AccountID+"/grants", nil).Decode(t, &gs)
		if len(gs.Grants) != 1 || len(gs.Grants[0].Uses) != 1 {
			t.Fatalf("uses the owner sees: %+v", gs)
		}
		var staffReqs struct {
			Requests []struct {
				Status  string
				GrantID string `json:"grant_id"`
			}
		}
		support.Must(http.StatusOK, "GET", "/api/v1/staff/grant-requests", nil).Decode(t, &staffReqs)
		if len(staffReqs.Requests) != 1 || staffReqs.Requests[0].Status != "approved" || staffReqs.Requests[0].GrantID != g.ID {
			t.Fatalf("support's own requests: %+v", staffReqs)
		}
		owner.Must(http.StatusNoContent, "DELETE", "/api/v1/accounts/"+owner.AccountID+"/grants/"+g.ID, nil)
		if r := support.Do("GET", staffDev, nil); r.Status != http.StatusNotFound {
			t.Fatalf("read after the revocation: %d", r.Status)
		}

		support.Must(http.StatusCreated, "POST", ask, map[string]any{"categories": []string{"device.info"}, "hours": 1, "ticket": "T-43", "reason": "again"}).Decode(t, &req)
		owner.Must(http.StatusNoContent, "POST", mine+"/"+req.ID+"/decline", nil)
		if r := owner.Do("POST", mine+"/"+req.ID+"/approve", nil); r.Status != http.StatusConflict {
			t.Errorf("approved after declining: %d", r.Status)
		}
		if r := support.Do("GET", staffDev, nil); r.Status != http.StatusNotFound {
			t.Fatalf("a declined request opened the device: %d", r.Status)
		}
	})
}
