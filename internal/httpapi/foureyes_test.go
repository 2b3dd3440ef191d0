package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

type roleChangeReply struct {
	Staff   account.Staff      `json:"staff"`
	Pending account.RoleChange `json:"pending_role_change"`
}

// No one raises their own power, and no one alone raises anyone into a
// role that reaches customer data or manages staff: an operator
// administrator cannot change their own role or training; a promotion to
// security officer, DPO or operator admin, and an invitation into one of
// them, waits (nothing changes, nobody is created) until a second operator
// administrator approves it, who may be neither the one who asked nor the
// person concerned; a rejection changes nothing. Every step is in the
// audit log of the person concerned and every operator administrator is
// told by e-mail. Lowering a role applies at once.
// proves: P3, P5
func TestStaffFourEyes(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		op1, op2 := e.Operator(), e.SecondOperator()
		sam := e.StaffMember("sam@vigil.test", access.StaffSupportL1)
		roleOf := func(id string) access.StaffRole {
			var list struct{ Staff []account.Staff }
			op1.Must(http.StatusOK, "GET", "/api/v1/staff/members", nil).Decode(t, &list)
			for _, s := range list.Staff {
				if s.ID == id {
					return s.Role
				}
			}
			return ""
		}

		// Nobody changes their own role or training date.
		op1.Must(http.StatusForbidden, "PATCH", "/api/v1/staff/members/"+op1.UserID, map[string]any{"role": "dpo"})
		op1.Must(http.StatusForbidden, "PATCH", "/api/v1/staff/members/"+op1.UserID, map[string]any{"training_valid_until": e.Clock.Now().AddDate(1, 6, 0)})

		// A promotion waits for the second administrator.
		var rc roleChangeReply
		op1.Must(http.StatusAccepted, "PATCH", "/api/v1/staff/members/"+sam.UserID, map[string]any{"role": "security"}).Decode(t, &rc)
		if rc.Pending.Status != "pending" || rc.Pending.Role != access.StaffSecurity || rc.Staff.Role != access.StaffSupportL1 {
			t.Fatalf("promotion answer: %+v", rc)
		}
		if r := roleOf(sam.UserID); r != access.StaffSupportL1 {
			t.Fatalf("role before approval: %s", r)
		}
		for _, who := range []string{op1.Email, op2.Email} {
			e.Mail.Wait(t, who, "waits for a second administrator")
		}
		approve := "/api/v1/staff/role-changes/" + rc.Pending.ID + "/approve"
		op1.Must(http.StatusForbidden, "POST", approve, nil) // the one who asked
		sam.Must(http.StatusForbidden, "POST", approve, nil) // not an operator administrator
		sam.Must(http.StatusForbidden, "GET", "/api/v1/staff/role-changes", nil)
		var list struct {
			RoleChanges []account.RoleChange `json:"role_changes"`
		}
		op2.Must(http.StatusOK, "GET", "/api/v1/staff/role-changes", nil).Decode(t, &list)
		if len(list.RoleChanges) == 0 || list.RoleChanges[0].ID != rc.Pending.ID || list.RoleChanges[0].Email != sam.Email {
			t.Fatalf("pending changes: %+v", list.RoleChanges)
		}
		op2.Must(http.StatusOK, "POST", approve, nil)
		if r := roleOf(sam.UserID); r != access.StaffSecurity {
			t.Fatalf("role after approval: %s", r)
		}
		op2.Must(http.StatusConflict, "POST", approve, nil)
		for _, who := range []string{op1.Email, op2.Email} {
			e.Mail.Wait(t, who, "was approved")
		}
		// The person concerned reads who asked and who approved.
		var page struct {
			Entries []struct {
				ActorID    string `json:"actor_id"`
				Action     string `json:"action"`
				ResourceID string `json:"resource_id"`
				Decision   string `json:"decision"`
			} `json:"entries"`
		}
		sam.Login2FA()
		sam.Must(http.StatusOK, "GET", "/api/v1/me/access-log?limit=500", nil).Decode(t, &page)
		asked, approved := false, false
		for _, en := range page.Entries {
			if en.ResourceID == rc.Pending.ID && en.Decision == "allow" {
				asked = asked || (en.ActorID == op1.UserID && en.Action == "create")
				approved = approved || (en.ActorID == op2.UserID && en.Action == "update")
			}
		}
		if !asked || !approved {
			t.Errorf("audit log of the person concerned: asked %v, approved %v", asked, approved)
		}

		// Lowering a role applies at once.
		op1.Must(http.StatusOK, "PATCH", "/api/v1/staff/members/"+sam.UserID, map[string]any{"role": "support_l2"})

		// An invitation into a privileged role creates nobody until
		// approved; a rejection changes nothing.
		var inv roleChangeReply
		in := map[string]any{"email": "dana@vigil.test", "name": "Dana", "role": "dpo", "training_valid_until": e.Clock.Now().AddDate(1, 0, 0)}
		op1.Must(http.StatusAccepted, "POST", "/api/v1/staff/members", in).Decode(t, &inv)
		if inv.Pending.Kind != "invitation" || inv.Pending.Email != "dana@vigil.test" {
			t.Fatalf("invitation answer: %+v", inv)
		}
		if roleOf(inv.Pending.StaffID) != "" {
			t.Fatal("the invited person exists before approval")
		}
		op2.Must(http.StatusOK, "POST", "/api/v1/staff/role-changes/"+inv.Pending.ID+"/reject", nil)
		e.Mail.Wait(t, op1.Email, "was rejected")
		if roleOf(inv.Pending.StaffID) != "" {
			t.Fatal("a rejected invitation created the person")
		}
		op1.Must(http.StatusAccepted, "POST", "/api/v1/staff/members", in).Decode(t, &inv)
		op2.Must(http.StatusOK, "POST", "/api/v1/staff/role-changes/"+inv.Pending.ID+"/approve", nil)
		if !strings.Contains(e.Mail.Wait(t, "dana@vigil.test", "staff account").Body, "staff/activate") {
			t.Error("the approved invitation sent no set-up link")
		}
		if roleOf(inv.Pending.StaffID) != access.StaffDPO {
			t.Error("the approved invitation did not create the DPO")
		}

		// Nobody approves a change of their own role.
		op1.Must(http.StatusAccepted, "PATCH", "/api/v1/staff/members/"+op2.UserID, map[string]any{"role": "dpo"}).Decode(t, &rc)
		op2.Must(http.StatusForbidden, "POST", "/api/v1/staff/role-changes/"+rc.Pending.ID+"/approve", nil)
	})
}
