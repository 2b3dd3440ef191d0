package httpapi_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/vigil-cloud/vigil/internal/audit"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// entriesBy lists, as "action category", the access-log entries the
// actor made since seq after, in their account's log and their own.
func entriesBy(t *testing.T, e *vigiltest.Env, c *vigiltest.Client, after int64) (out []string, last int64) {
	t.Helper()
	last = after
	for _, owner := range []string{c.AccountID, c.UserID} {
		err := e.App.Audit.ScanAccount(t.Context(), owner, c.UserID, func(it audit.Item) error {
			if it.Entry.Seq > after && it.Entry.ActorID == c.UserID {
				out = append(out, fmt.Sprintf("%s %s", it.Entry.Action, it.Entry.Category))
			}
			last = max(last, it.Entry.Seq)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out, last
}

// One request is one gate decision per resource: changing desired
// settings is one update of the device's configuration in the access
// log (it was four: two reads of the device, the update, and a read of
// the configuration), reading them is one read; renaming a device,
// reporting it lost, correcting one's profile, an account or a site, or
// choosing notification channels is one update each, read back under it.
func TestOneDecisionPerRequest(t *testing.T) {
	e := vigiltest.Start(t)
	owner := e.SignUp("owner@example.com")
	made := e.Operator().Manufacture("vc-100", 1)[0]
	owner.Claim(made, "Porch")
	base := "/api/v1/accounts/" + owner.AccountID + "/devices/" + made.ID
	var st struct{ ID string }
	owner.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+owner.AccountID+"/sites", map[string]string{"name": "Shed", "time_zone": "UTC"}).Decode(t, &st)
	site := st.ID
	_, seq := entriesBy(t, e, owner, 0)
	for _, step := range []struct {
		method, path string
		body         any
		want         []string
	}{
		{"PATCH", base + "/shadow", map[string]any{"channel": 0, "version": 0, "desired": map[string]any{"fps": 10}}, []string{"update device.config"}},
		{"GET", base + "/shadow", nil, []string{"read device.config"}},
		{"PATCH", base, map[string]any{"name": "Front porch"}, []string{"update device.info"}},
		{"POST", base + "/lost", nil, []string{"update device.info"}},
		{"PATCH", "/api/v1/me", map[string]any{"name": "Owen"}, []string{"update account.profile"}},
		{"PATCH", "/api/v1/accounts/" + owner.AccountID, map[string]any{"name": "Home"}, []string{"update account.profile"}},
		{"PATCH", "/api/v1/accounts/" + owner.AccountID + "/sites/" + site, map[string]any{"name": "Barn", "time_zone": "UTC"}, []string{"update account.profile"}},
		{"PUT", "/api/v1/me/notifications/alarm", map[string]any{"channels": []string{"app"}}, []string{"update notify.prefs"}},
	} {
		owner.Must(http.StatusOK, step.method, step.path, step.body)
		var got []string
		got, seq = entriesBy(t, e, owner, seq)
		if fmt.Sprint(got) != fmt.Sprint(step.want) {
			t.Errorf("%s %s wrote %d access-log entries %v, want %v", step.method, step.path, len(got), got, step.want)
		}
	}
}
