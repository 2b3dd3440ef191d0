package app_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/audit"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// Personal data typed into vigil never reaches the disk in clear: a scan of
// the database files and the blob directory finds none of the markers
// written through the API and the blob store.
// proves: P2
func TestNoPlaintextAtRest(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		markers := []string{"MarkerName7731", "marker7731@example.com", "MarkerHome7731", "MarkerSite7731", "MarkerToken7731", "MarkerBlob7731"}
		c := e.Client()
		c.Email, c.Password = markers[1], "a long test passphrase"
		c.Must(http.StatusAccepted, "POST", "/api/v1/auth/signup", map[string]any{
			"email": markers[1], "password": c.Password, "name": markers[0], "account_name": markers[2], "region": "EU", "accepted": e.Shown()})
		c.Must(http.StatusOK, "POST", "/api/v1/auth/verify-email", map[string]string{"token": e.Mail.Wait(t, markers[1], "Confirm").Token(t)})
		c.Login()
		var as struct{ Accounts []struct{ ID string } }
		c.Must(http.StatusOK, "GET", "/api/v1/me/accounts", nil).Decode(t, &as)
		acct := as.Accounts[0].ID
		c.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+acct+"/sites", map[string]string{"name": markers[3], "time_zone": "UTC"})
		c.Must(http.StatusCreated, "POST", "/api/v1/me/tokens", map[string]any{"label": markers[4]})
		if err := e.App.Blobs.Put(t.Context(), acct, "acct/"+acct+"/test/marker", strings.NewReader(strings.Repeat(markers[5], 1000))); err != nil {
			t.Fatal(err)
		}
		// Everything readable through the API is still there.
		if !strings.Contains(string(c.Must(http.StatusOK, "GET", "/api/v1/me", nil).Body), markers[0]) {
			t.Fatal("the name does not read back")
		}

		scanned := 0
		scan := func(what string, data []byte) {
			scanned++
			for _, m := range markers {
				if bytes.Contains(bytes.ToLower(data), bytes.ToLower([]byte(m))) {
					t.Errorf("%s holds %q in clear", what, m)
				}
			}
		}
		err := filepath.WalkDir(e.Config.DataDir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.Contains(path, string(filepath.Separator)+"outbox") {
				return err // mail delivered to a person is not storage at rest
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			scan(path, b)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if e.App.DB.Dialect() == store.Postgres {
			scanDatabase(t, e.App.DB, scan)
		}
		if scanned < 3 {
			t.Fatalf("only %d things scanned", scanned)
		}
	})
}

// scanDatabase reads every column of every table as text.
func scanDatabase(t *testing.T, db *store.DB, scan func(string, []byte)) {
	ctx := context.Background()
	cols, err := db.Columns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cols {
		err := db.Read(ctx, func(tx *store.Tx) error {
			rows, err := tx.Query(ctx, fmt.Sprintf(`SELECT CAST(%s AS TEXT) FROM %s`, c.Name, c.Table))
			if err != nil {
				return err
			}
			defer rows.Close()
			var all []byte
			for rows.Next() {
				var v *string
				if err := rows.Scan(&v); err != nil {
					return err
				}
				if v == nil {
					continue
				}
				// PostgreSQL shows bytea as \x followed by hex.
				if raw, err := hex.DecodeString(strings.TrimPrefix(*v, `\x`)); strings.HasPrefix(*v, `\x`) && err == nil {
					all = append(all, raw...)
				} else {
					all = append(all, *v...)
				}
			}
			scan("column "+c.String(), all)
			return rows.Err()
		})
		if err != nil {
			t.Fatalf("scan %s: %v", c, err)
		}
	}
}

// Erasing a person destroys their key: their sealed profile reads as
// erased, while the access log, whose entries hold their sealed details,
// still verifies end to end.
// proves: P2
func TestErasingAPersonKeepsTheLogVerifiable(t *testing.T) {
	e := vigiltest.Start(t)
	c := e.SignUp("quinn@example.com")
	c.Must(http.StatusOK, "GET", "/api/v1/accounts/"+c.AccountID+"/access-log", nil)
	if err := e.App.Keys.Destroy(t.Context(), keys.ScopeSubject, c.UserID); err != nil {
		t.Fatal(err)
	}
	u, err := e.App.Accounts.Me(t.Context(), access.Principal{Kind: access.KindUser, ID: c.UserID})
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "[erased]" || u.Name != "[erased]" {
		t.Fatalf("after erasure the profile reads %q / %q", u.Email, u.Name)
	}
	page, err := e.App.Audit.ListAccount(t.Context(), c.AccountID, c.UserID, 0, 500)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range page.Items {
		if it.Entry.Personal != nil {
			t.Fatalf("entry %d still shows personal fields %v", it.Entry.Seq, it.Entry.Personal)
		}
	}
	report, err := audit.Verify(t.Context(), store.NewAuditStore(e.App.DB), e.App.Verifier)
	if err != nil || !report.OK() {
		t.Fatalf("log after erasure: %v %v", report, err)
	}
}
