package alarm_test

import (
	"net/http"
	"testing"

	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/alarm"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// Someone whose role covers one site sees the alarms of that site's
// cameras (list, one alarm, its snapshot, marking it read) and nothing of
// another site's, while the owner sees both.
func TestSiteMembersSeeTheirSitesAlarms(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		owner, gus := e.SignUp("ines@example.com"), e.SignUp("gus@example.com")
		acct := "/api/v1/accounts/" + owner.AccountID
		var home, shop account.Site
		owner.Must(http.StatusCreated, "POST", acct+"/sites", map[string]string{"name": "Home", "time_zone": "UTC"}).Decode(t, &home)
		owner.Must(http.StatusCreated, "POST", acct+"/sites", map[string]string{"name": "Shop", "time_zone": "UTC"}).Decode(t, &shop)
		made := e.Operator().Manufacture("vc-100", 2)
		hall, till := owner.Claim(made[0], "Hall"), owner.Claim(made[1], "Till")
		owner.Must(http.StatusOK, "PATCH", acct+"/devices/"+hall.DeviceID, map[string]any{"site_id": home.ID})
		owner.Must(http.StatusOK, "PATCH", acct+"/devices/"+till.DeviceID, map[string]any{"site_id": shop.ID})
		withAlarm(t, e, owner, hall, "HALL-1")
		withAlarm(t, e, owner, till, "TILL-1")
		owner.Must(http.StatusAccepted, "POST", acct+"/invitations", map[string]any{"email": gus.Email, "role": "member", "sites": []string{home.ID}})
		gus.Must(http.StatusOK, "POST", "/api/v1/invitations/accept", map[string]string{"token": e.Mail.Wait(t, gus.Email, "invited").Token(t)})

		all := listAlarms(t, owner, "")
		if len(all) != 2 {
			t.Fatalf("the owner sees %d alarms, want 2", len(all))
		}
		byDevice := map[string]alarm.Alarm{}
		for _, a := range all {
			byDevice[a.DeviceID] = a
		}
		var mine struct{ Alarms []alarm.Alarm }
		gus.Must(http.StatusOK, "GET", acct+"/alarms", nil).Decode(t, &mine)
		if len(mine.Alarms) != 1 || mine.Alarms[0].DeviceID != hall.DeviceID {
			t.Fatalf("a home-only member lists %+v", mine.Alarms)
		}
		ours, theirs := acct+"/alarms/"+byDevice[hall.DeviceID].ID, acct+"/alarms/"+byDevice[till.DeviceID].ID
		gus.Must(http.StatusOK, "GET", ours, nil)
		gus.Must(http.StatusOK, "GET", ours+"/snapshot", nil)
		gus.Must(http.StatusOK, "POST", ours+"/ack", nil)
		for _, c := range []struct{ method, path string }{{"GET", theirs}, {"GET", theirs + "/snapshot"}, {"POST", theirs + "/ack"}} {
			if r := gus.Do(c.method, c.path, nil); r.Status != http.StatusNotFound {
				t.Fatalf("%s %s by a home-only member: %d %s", c.method, c.path, r.Status, r.Body)
			}
		}
		if a := listAlarms(t, owner, ""); a[0].AckedAt.IsZero() == a[1].AckedAt.IsZero() {
			t.Fatalf("exactly the home alarm should be read: %+v", a)
		}
	})
}
