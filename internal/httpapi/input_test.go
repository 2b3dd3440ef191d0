package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// Bad input gets a 4xx with a message that says what is wrong, and changes
// nothing.
func TestBadInputIsRefusedClearly(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		c := e.SignUp("ida@example.com")
		acct := "/api/v1/accounts/" + c.AccountID
		before := c.Must(http.StatusOK, "GET", acct, nil).Body
		cases := []struct {
			name, method, path string
			body               any
			status             int
			message            string
		}{
			{"malformed JSON", "PATCH", acct, `{"name": "x"`, 400, "cut short"},
			{"not JSON", "PATCH", acct, `name=x`, 400, "not valid JSON"},
			{"unknown field", "PATCH", acct, `{"name": "x", "owner": "me"}`, 400, `unknown field "owner"`},
			{"wrong type", "PATCH", acct, `{"name": 42}`, 400, `field "name" must be string`},
			{"two objects", "PATCH", acct, `{"name": "x"} {"name": "y"}`, 400, "single JSON object"},
			{"array", "PATCH", acct, `[1,2]`, 400, "must be a JSON object"},
			{"empty body", "PATCH", acct, ``, 400, "empty"},
			{"oversized", "PATCH", acct, `{"name": "` + strings.Repeat("x", 70<<10) + `"}`, 413, "larger than"},
			{"too long name", "PATCH", acct, `{"name": "` + strings.Repeat("x", 101) + `"}`, 400, "1 to 100 characters"},
			{"control characters", "PATCH", acct, `{"name": "a\nb"}`, 400, "cannot be shown"},
			{"bad region", "PATCH", acct, `{"region": "MOON"}`, 400, "region must be one of"},
			{"bad account id", "GET", "/api/v1/accounts/../../etc", nil, 404, ""},
			{"malformed account id", "GET", "/api/v1/accounts/acc_NOT-AN-ID", nil, 400, "accountID is not a valid identifier"},
			{"malformed site id", "GET", acct + "/sites/1%27%20OR%201=1", nil, 400, "siteID is not a valid identifier"},
			{"bad role", "PATCH", acct + "/members/" + c.UserID, `{"role": "god"}`, 400, "unknown role"},
			{"bad paging", "GET", acct + "/access-log?limit=100000", nil, 400, "limit must be between"},
			{"bad time zone", "POST", acct + "/sites", `{"name": "Shed", "time_zone": "Mars/Olympus"}`, 400, "IANA zone"},
			{"bad e-mail", "POST", acct + "/invitations", `{"email": "not an address", "role": "guest"}`, 400, "e-mail address is not valid"},
			{"short password", "POST", "/api/v1/me/password", `{"current_password": "` + c.Password + `", "new_password": "short"}`, 400, "at least 10"},
			{"unknown route", "GET", "/api/v1/nothing", nil, 404, "no such API route"},
			{"wrong content type", "PATCH", acct, []byte("<xml/>"), 400, "application/json"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				var r vigiltest.Response
				if b, ok := tc.body.([]byte); ok {
					r = c.DoType(tc.method, tc.path, "application/xml", b)
				} else {
					r = c.Do(tc.method, tc.path, tc.body)
				}
				if r.Status != tc.status {
					t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
				}
				if tc.status != 404 || tc.message != "" {
					if !strings.Contains(r.ErrorMessage(), tc.message) || r.ErrorCode() == "" {
						t.Fatalf("body %s lacks %q", r.Body, tc.message)
					}
				}
			})
		}
		after := c.Must(http.StatusOK, "GET", acct, nil).Body
		if string(before) != string(after) {
			t.Fatalf("bad input changed the account: %s -> %s", before, after)
		}
		var sites struct{ Sites []any }
		c.Must(http.StatusOK, "GET", acct+"/sites", nil).Decode(t, &sites)
		if len(sites.Sites) != 0 {
			t.Fatalf("a refused site was created: %v", sites.Sites)
		}
	})
}
