package httpapi

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
)

// The request decoder never panics and refuses anything that is not one
// well-formed JSON object of the expected shape with a 4xx code.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{"email":"a@b.c","password":"0123456789","name":"n","account_name":"a","region":"EU"}`,
		`{"email": 1}`, `{"unknown": true}`, `{} {}`, `[`, `"str"`, `null`, "\x00\xff", `{"name":"` + string(make([]byte, 100)) + `"}`,
	} {
		f.Add([]byte(seed), "application/json")
	}
	f.Add([]byte(`{}`), "text/plain")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		for _, target := range []any{&account.SignUp{}, &account.ProfileChange{}, &account.AccountChange{}, &account.StaffChange{}, &account.Invitation{}} {
			r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
			r.Header.Set("Content-Type", contentType)
			err := decode(httptest.NewRecorder(), r, target)
			if err == nil {
				continue
			}
			switch errs.CodeOf(err) {
			case errs.Invalid, errs.TooLarge:
			default:
				t.Fatalf("decode error with code %q: %v", errs.CodeOf(err), err)
			}
			if statusOf[errs.CodeOf(err)] >= 500 {
				t.Fatalf("bad input mapped to a server error: %v", err)
			}
		}
	})
}

// Path identifiers are checked before they reach a query.
func FuzzPathID(f *testing.F) {
	f.Add("acc_aaaaaaaaaaaaaaaaaaaaaaaaaa")
	f.Add("../etc/passwd")
	f.Add("acc_' OR 1=1 --")
	f.Fuzz(func(t *testing.T, raw string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.SetPathValue("accountID", raw)
		got, err := pathID(r, "accountID")
		if err == nil && (got != raw || !id.Valid(got)) {
			t.Fatalf("accepted %q", raw)
		}
		if err != nil && !errs.Is(err, errs.Invalid) {
			t.Fatalf("error code %q", errs.CodeOf(err))
		}
	})
}
