package record_test

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// watchUses opens the owner's live stream of grant uses and returns the
// data lines as they come.
func watchUses(t *testing.T, e *vigiltest.Env, owner *vigiltest.Client) <-chan string {
	t.Helper()
	var tok account.APIToken
	owner.Must(http.StatusCreated, "POST", "/api/v1/me/tokens", map[string]any{"label": "watch", "ttl_days": 1}).Decode(t, &tok)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", e.URL+"/api/v1/accounts/"+owner.AccountID+"/grants/stream", nil)
	req.Header.Set("Authorization", "Bearer "+tok.Secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("grant-use stream: %v %v", err, res)
	}
	lines := make(chan string, 100)
	go func() {
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data:"); ok {
				lines <- d
			}
		}
	}()
	return lines
}

// A support grant for one camera's recordings lets support play exactly
// those recordings, through the staff routes and the gate: not the
// camera's details, events, alarms or live view, not another camera, and
// nothing before the grant or after its revocation (404, as any foreign
// object). The owner sees each use live on the grant-use stream and in the
// grant's uses; revoking the grant stops support's playback at the next
// request.
// proves: F3, P3
func TestSupportGrantReachesOnlyGrantedRecordings(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		c := newCam(t, e, "granter@example.com")
		other := e.Operator().Manufacture("vc-100", 1)[0]
		c.owner.Claim(other, "Garage")
		start := e.Clock.Now().Add(-2 * time.Minute).Truncate(time.Second)
		c.record(t, c.stream("s1", start), 3)
		support := e.Operator().Staff("sam@vigil.test", access.StaffSupportL2, e.Clock.Now().AddDate(1, 0, 0))
		support.StaffLogin()
		staff := "/api/v1/staff/accounts/" + c.owner.AccountID
		cam := staff + "/devices/" + c.device
		rng := map[string]any{"from": start, "to": start.Add(time.Minute)}

		if r := support.Do("POST", cam+"/channels/0/playback", rng); r.Status != http.StatusNotFound {
			t.Fatalf("support's playback without a grant: %d %s", r.Status, r.Body)
		}
		uses := watchUses(t, e, c.owner)
		var g struct{ ID string }
		c.owner.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+c.owner.AccountID+"/grants", map[string]any{
			"staff_id": support.UserID, "categories": []string{"media.segment"}, "resources": []string{c.device},
			"until": e.Clock.Now().Add(48 * time.Hour), "ticket": "T-9", "reason": "recordings stutter"}).Decode(t, &g)

		var p streamURLs
		support.Must(http.StatusCreated, "POST", cam+"/channels/0/playback", rng).Decode(t, &p)
		if s, _, _ := get(t, e, p.HLS); s != http.StatusOK {
			t.Fatalf("support's playlist: %d", s)
		}
		support.Must(http.StatusOK, "GET", cam+"/channels/0/timeline?from="+start.Format(time.RFC3339)+"&to="+start.Add(time.Minute).Format(time.RFC3339), nil)
		select {
		case u := <-uses:
			if !strings.Contains(u, c.device) || !strings.Contains(u, "media.segment") || !strings.Contains(u, support.UserID) {
				t.Errorf("the owner's live stream shows %s", u)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the owner's grant-use stream showed nothing")
		}
		for name, r := range map[string]vigiltest.Response{
			"the camera's details":            support.Do("GET", cam, nil),
			"the camera's events":             support.Do("GET", cam+"/events", nil),
			"the camera's live view":          support.Do("POST", cam+"/channels/0/live", nil),
			"the account's alarms":            support.Do("GET", staff+"/alarms", nil),
			"the account's devices":           support.Do("GET", staff+"/devices", nil),
			"the other camera's recordings":   support.Do("POST", staff+"/devices/"+other.ID+"/channels/0/playback", rng),
			"the customer's route, as staff":  support.Do("POST", c.path("playback"), rng),
			"the recordings through exports":  support.Do("POST", cam+"/channels/0/exports", rng),
			"another account with this grant": support.Do("POST", "/api/v1/staff/accounts/acc_aaaaaaaaaaaaaaaaaaaaaaaaaa/devices/"+c.device+"/channels/0/playback", rng),
		} {
			if r.Status != http.StatusNotFound && r.Status != http.StatusForbidden {
				t.Errorf("%s: %d %s", name, r.Status, r.Body)
			}
		}
		var gs struct {
			Grants []struct {
				ID   string
				Uses []struct {
					StaffID    string `json:"staff_id"`
					Category   string `json:"category"`
					ResourceID string `json:"resource_id"`
				}
			}
		}
		c.owner.Must(http.StatusOK, "GET", "/api/v1/accounts/"+c.owner.AccountID+"/grants", nil).Decode(t, &gs)
		if len(gs.Grants) != 1 || len(gs.Grants[0].Uses) != 2 {
			t.Fatalf("the owner's grants: %+v", gs.Grants)
		}
		for _, u := range gs.Grants[0].Uses {
			if u.StaffID != support.UserID || u.Category != "media.segment" || u.ResourceID != c.device {
				t.Errorf("use %+v", u)
			}
		}

		c.owner.Must(http.StatusNoContent, "DELETE", "/api/v1/accounts/"+c.owner.AccountID+"/grants/"+g.ID, nil)
		if s, _, _ := get(t, e, p.HLS); s != http.StatusUnauthorized {
			t.Errorf("support's playlist after the grant was revoked: %d, want 401", s)
		}
		if r := support.Do("POST", cam+"/channels/0/playback", rng); r.Status != http.StatusNotFound {
			t.Errorf("support's playback after revocation: %d", r.Status)
		}
	})
}
