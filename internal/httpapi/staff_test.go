package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// Staff reach a customer's data only through the API's staff routes, only
// with the customer's grant, a second factor and current privacy training,
// and every look is in the customer's access log.
// proves: P5, F3
func TestStaffAccessOverHTTP(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		customer := e.SignUp("carol@example.com")
		op := e.Operator()
		now := e.Clock.Now()
		support := op.Staff("sam@vigil.test", access.StaffSupportL1, now.AddDate(0, 6, 0))
		path := "/api/v1/staff/accounts/" + customer.AccountID

		// Password alone: the session is pending until an authenticator is set up.
		r := support.Must(http.StatusOK, "POST", "/api/v1/staff/auth/login", map[string]string{"email": support.Email, "password": support.Password})
		if r.JSON()["enrolment_required"] != true {
			t.Fatalf("first staff sign-in: %s", r.Body)
		}
		if r := support.Do("GET", path, nil); r.Status != http.StatusForbidden || r.ErrorCode() != "mfa_required" {
			t.Fatalf("staff before second factor: %d %s", r.Status, r.Body)
		}
		support.EnrolTOTP()
		// No standing access: support sees nothing until the customer
		// entrusts them.
		if r := support.Do("GET", path, nil); r.Status != http.StatusNotFound {
			t.Fatalf("support without a grant: %d %s", r.Status, r.Body)
		}
		entrust := func() {
			customer.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+customer.AccountID+"/grants", map[string]any{
				"staff_id": support.UserID, "categories": []string{"account.profile"},
				"until": e.Clock.Now().Add(7 * 24 * time.Hour), "ticket": "T-1001", "reason": "cannot add a site"})
		}
		entrust()
		var acct account.Account
		support.Must(http.StatusOK, "GET", path, nil).Decode(t, &acct)
		if acct.ID != customer.AccountID || acct.Name == "" {
			t.Fatalf("support lookup: %+v", acct)
		}
		// A customer cannot use staff routes; staff cannot use customer routes.
		if r := customer.Do("GET", path, nil); r.Status != http.StatusNotFound {
			t.Fatalf("customer on a staff route: %d", r.Status)
		}
		if r := support.Do("GET", "/api/v1/accounts/"+customer.AccountID, nil); r.Status != http.StatusForbidden {
			t.Fatalf("staff on a customer route: %d %s", r.Status, r.Body)
		}
		// Support L1 may not read the access log; the security officer may.
		if r := support.Do("GET", path+"/access-log", nil); r.Status != http.StatusNotFound {
			t.Fatalf("support reading the access log: %d %s", r.Status, r.Body)
		}

		// Training lapses: no more personal data, and the refusal is logged.
		e.Clock.Advance(7 * 30 * 24 * time.Hour)
		support.Login2FA()
		if r := support.Do("GET", path, nil); r.Status != http.StatusForbidden {
			t.Fatalf("staff with lapsed training: %d %s", r.Status, r.Body)
		}
		op.Login2FA() // sessions expired meanwhile
		var st account.Staff
		op.Must(http.StatusOK, "PATCH", "/api/v1/staff/members/"+support.UserID,
			map[string]any{"training_valid_until": e.Clock.Now().AddDate(1, 0, 0)}).Decode(t, &st)
		customer.Login()
		entrust() // the first grant ended long ago
		support.Must(http.StatusOK, "GET", path, nil)

		// Disabled staff lose their sessions at once.
		op.Must(http.StatusOK, "PATCH", "/api/v1/staff/members/"+support.UserID, map[string]any{"disabled": true})
		if r := support.Do("GET", path, nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("disabled staff: %d %s", r.Status, r.Body)
		}

		var log struct {
			Entries []struct {
				ActorKind string `json:"actor_kind"`
				ActorRole string `json:"actor_role"`
				Decision  string `json:"decision"`
			}
		}
		customer.Login()
		customer.Must(http.StatusOK, "GET", "/api/v1/accounts/"+customer.AccountID+"/access-log?limit=500", nil).Decode(t, &log)
		var allowed, denied int
		for _, en := range log.Entries {
			if en.ActorKind == "staff" {
				if en.ActorRole != string(access.StaffSupportL1) {
					t.Errorf("staff entry with role %q", en.ActorRole)
				}
				if en.Decision == "allow" {
					allowed++
				} else {
					denied++
				}
			}
		}
		// Allowed: two look-ups. Denied: the look-up before the grant, the
		// access log and the lapsed training.
		if allowed != 2 || denied != 3 {
			t.Fatalf("customer sees %d allowed and %d denied staff accesses, want 2 and 3", allowed, denied)
		}
	})
}

func TestOnlyOperatorManagesStaff(t *testing.T) {
	e := vigiltest.Start(t)
	op := e.Operator()
	dpo := op.Staff("dee@vigil.test", access.StaffDPO, e.Clock.Now().AddDate(1, 0, 0))
	dpo.StaffLogin()
	if r := dpo.Do("GET", "/api/v1/staff/members", nil); r.Status != http.StatusForbidden {
		t.Fatalf("DPO listing staff: %d %s", r.Status, r.Body)
	}
	if r := dpo.Do("PATCH", "/api/v1/staff/members/"+dpo.UserID, map[string]any{"role": "operator_admin"}); r.Status != http.StatusForbidden {
		t.Fatalf("DPO promoting themself: %d %s", r.Status, r.Body)
	}
	var list struct{ Staff []account.Staff }
	op.Must(http.StatusOK, "GET", "/api/v1/staff/members", nil).Decode(t, &list)
	// The two operator administrators (a DPO needs both) and the DPO.
	if len(list.Staff) != 3 || !list.Staff[0].MFAEnabled {
		t.Fatalf("staff list: %+v", list.Staff)
	}
	// A console set-up link is refused once two administrators exist.
	if _, err := e.App.Accounts.IssueBootstrap(t.Context()); err == nil {
		t.Fatal("bootstrap token issued although two administrators exist")
	}
}

// With the customer's grant for devices, their events and alarms, support
// reads them through the staff routes (each use in the grant's uses); a
// grant scoped to one device opens that device and not the list or another.
// proves: F3
func TestSupportReadsGrantedDevicesEventsAlarms(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		customer := e.SignUp("carol@example.com")
		made := e.Operator().Manufacture("vc-100", 2)
		one := customer.Claim(made[0], "Porch").DeviceID
		two := customer.Claim(made[1], "Shed").DeviceID
		support := e.Operator().Staff("sam@vigil.test", access.StaffSupportL1, e.Clock.Now().AddDate(1, 0, 0))
		support.StaffLogin()
		staff := "/api/v1/staff/accounts/" + customer.AccountID
		paths := []string{staff + "/devices", staff + "/devices/" + one, staff + "/devices/" + one + "/events", staff + "/alarms"}
		for _, p := range paths {
			if r := support.Do("GET", p, nil); r.Status != http.StatusNotFound {
				t.Fatalf("%s without a grant: %d %s", p, r.Status, r.Body)
			}
		}
		grant := func(cats []string, res []string) string {
			var g struct{ ID string }
			customer.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+customer.AccountID+"/grants", map[string]any{
				"staff_id": support.UserID, "categories": cats, "resources": res,
				"until": e.Clock.Now().Add(24 * time.Hour), "ticket": "T-5", "reason": "camera offline"}).Decode(t, &g)
			return g.ID
		}
		scoped := grant([]string{"device.info"}, []string{one})
		support.Must(http.StatusOK, "GET", staff+"/devices/"+one, nil)
		for _, p := range []string{staff + "/devices", staff + "/devices/" + two} {
			if r := support.Do("GET", p, nil); r.Status != http.StatusNotFound {
				t.Errorf("%s with a grant for one device: %d", p, r.Status)
			}
		}
		customer.Must(http.StatusNoContent, "DELETE", "/api/v1/accounts/"+customer.AccountID+"/grants/"+scoped, nil)
		grant([]string{"device.info", "device.event", "alarm.event"}, nil)
		for _, p := range paths {
			support.Must(http.StatusOK, "GET", p, nil)
		}
		var gs struct {
			Grants []struct {
				Status string
				Uses   []struct{ Category string }
			}
		}
		customer.Must(http.StatusOK, "GET", "/api/v1/accounts/"+customer.AccountID+"/grants", nil).Decode(t, &gs)
		active := 0
		for _, g := range gs.Grants {
			if g.Status == "active" && len(g.Uses) == 4 {
				active++
			}
		}
		if len(gs.Grants) != 2 || active != 1 {
			t.Fatalf("the customer's grants: %+v", gs.Grants)
		}
	})
}
