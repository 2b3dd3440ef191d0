package privacy_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/audit"
	"github.com/vigil-cloud/vigil/internal/blob"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/privacy"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

func staff(e *vigiltest.Env, email string, role access.StaffRole) *vigiltest.Client {
	return e.StaffMember(email, role)
}

func requestsDPO(e *vigiltest.Env) *vigiltest.Client {
	return staff(e, "dpo@vigil.test", access.StaffDPO)
}

func withMFA(c *vigiltest.Client) { c.WithMFA() }

func unzip(t *testing.T, b []byte) map[string][]byte { return vigiltest.Unzip(t, b) }

// A signed-in user files a request after a fresh second factor; a request
// that cannot be executed is refused with the reason; the package holds the
// user's own data, signed, with hashes that match, leaves out what is marked
// privileged and says so, and holds nothing of another customer or of
// another member of the account.
// proves: R1, R2, R3, R4, R7, R9
func TestAccessRequestExport(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		a := e.SignUp("ann@example.com")
		b := e.SignUp("bob@example.com")
		// Bob is also a member of Ann's account: still another person.
		a.Must(http.StatusAccepted, "POST", "/api/v1/accounts/"+a.AccountID+"/invitations", map[string]string{"email": "bob@example.com", "role": "member"})
		tok := e.Mail.Wait(t, "bob@example.com", "invit").Token(t)
		b.Must(http.StatusOK, "POST", "/api/v1/invitations/accept", map[string]string{"token": tok})

		req := map[string]any{"kind": "access", "region": "eu", "scope": map[string]any{
			"categories": []string{"account.profile", "account.session", "account.credentials", "log.audit", "media.segment"},
			"devices":    []string{"cam-1"}, "from": e.Clock.Now().AddDate(0, -1, 0), "to": e.Clock.Now().Add(24 * time.Hour)}}
		// Without a second factor the request is refused: identity first.
		if r := a.Do("POST", "/api/v1/me/privacy-requests", req); r.Status != http.StatusForbidden || r.ErrorCode() != "mfa_required" {
			t.Fatalf("request without a second factor: %d %s", r.Status, r.Body)
		}
		withMFA(a)
		for _, bad := range []map[string]any{
			{"kind": "access", "region": "eu", "scope": map[string]any{"categories": []string{}}},
			{"kind": "access", "region": "eu", "scope": map[string]any{"categories": []string{"no.such"}}},
			{"kind": "access", "region": "eu", "scope": map[string]any{"categories": []string{"media.segment"}}},
			{"kind": "correction", "region": "eu", "scope": map[string]any{"categories": []string{"account.profile"}}},
			{"kind": "access", "scope": map[string]any{"categories": []string{"account.profile"}}},
		} {
			r := a.Do("POST", "/api/v1/me/privacy-requests", bad)
			if r.Status != http.StatusBadRequest || !strings.Contains(r.ErrorMessage(), "not specific") {
				t.Errorf("unspecific request %v: %d %s", bad, r.Status, r.Body)
			}
		}
		var got privacy.Request
		a.Must(http.StatusCreated, "POST", "/api/v1/me/privacy-requests", req).Decode(t, &got)
		if want := e.Clock.Now().AddDate(0, 1, 0); !got.DueAt.Equal(want.UTC().Truncate(time.Microsecond)) && got.DueAt.Sub(want).Abs() > time.Second {
			t.Errorf("due %v, want one month: %v", got.DueAt, want)
		}
		// Ten minutes later the sign-in is no longer fresh.
		e.Clock.Advance(11 * time.Minute)
		if r := a.Do("POST", "/api/v1/me/privacy-requests", req); r.ErrorCode() != "mfa_required" {
			t.Errorf("stale second factor: %d %s", r.Status, r.Body)
		}

		// One access-log entry of Ann's is legally privileged.
		var log struct{ Entries []struct{ Seq int64 } }
		a.Must(http.StatusOK, "GET", "/api/v1/me/access-log", nil).Decode(t, &log)
		if len(log.Entries) == 0 {
			t.Fatal("Ann has no access-log entries")
		}
		privileged := "audit/" + itoa(log.Entries[0].Seq)
		d := requestsDPO(e)
		d.Must(http.StatusCreated, "POST", "/api/v1/staff/privacy-exclusions", map[string]string{
			"subject_id": a.UserID, "category": "log.audit", "record_id": privileged, "marking": "privileged"})
		// Bob, a customer, has no business in the queue.
		if r := b.Do("GET", "/api/v1/staff/privacy-requests", nil); r.Status == http.StatusOK {
			t.Error("a customer read the request queue")
		}
		var queue struct{ Requests []privacy.Request }
		d.Must(http.StatusOK, "GET", "/api/v1/staff/privacy-requests", nil).Decode(t, &queue)
		if len(queue.Requests) != 1 || queue.Requests[0].ID != got.ID || queue.Requests[0].Contact != nil {
			t.Fatalf("queue: %+v", queue.Requests)
		}
		d.Must(http.StatusAccepted, "POST", "/api/v1/staff/privacy-requests/"+got.ID+"/grant", nil)
		letter := e.Mail.Wait(t, "ann@example.com", "Our answer")
		if !strings.Contains(letter.Body, "privileged record(s) of access log") {
			t.Errorf("the letter does not state the exclusion:\n%s", letter.Body)
		}
		// Bob cannot fetch Ann's package.
		if r := b.Do("GET", "/api/v1/me/privacy-requests/"+got.ID+"/package", nil); r.Status != http.StatusNotFound {
			t.Errorf("Bob fetched Ann's package: %d", r.Status)
		}
		pkg := a.Must(http.StatusOK, "GET", "/api/v1/me/privacy-requests/"+got.ID+"/package", nil)
		files := unzip(t, pkg.Body)
		var m privacy.Manifest
		if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
			t.Fatal(err)
		}
		var sig privacy.Signature
		json.Unmarshal(files["manifest.sig"], &sig) //nolint:errcheck
		var key struct {
			PublicKey string `json:"public_key"`
		}
		a.Must(http.StatusOK, "GET", "/api/v1/privacy/signing-key", nil).Decode(t, &key)
		if !privacy.VerifySignature(key.PublicKey, files["manifest.json"], sig) {
			t.Error("the manifest's signature does not verify")
		}
		tampered := bytes.Replace(files["manifest.json"], []byte(a.UserID), []byte(b.UserID), 1)
		if privacy.VerifySignature(key.PublicKey, tampered, sig) {
			t.Error("a changed manifest still verifies")
		}
		for _, f := range m.Files {
			h := sha256.Sum256(files[f.Name])
			if hex.EncodeToString(h[:]) != f.SHA256 {
				t.Errorf("%s: hash differs from the manifest", f.Name)
			}
		}
		if len(m.Excluded) != 1 || m.Excluded[0].Records != 1 || m.Excluded[0].Marking != "privileged" {
			t.Errorf("exclusions in the manifest: %+v", m.Excluded)
		}
		all := string(bytes.Join(func() [][]byte {
			var bs [][]byte
			for _, v := range files {
				bs = append(bs, v)
			}
			return bs
		}(), nil))
		if !strings.Contains(all, "ann@example.com") || !strings.Contains(all, "Home of ann@example.com") {
			t.Error("the package lacks Ann's own data")
		}
		for _, other := range []string{"bob@example.com", "Owner bob", b.UserID, b.AccountID, "Home of bob"} {
			if strings.Contains(all, other) {
				t.Errorf("Ann's package holds %q of Bob", other)
			}
		}
		if strings.Contains(string(files["data/log.audit.json"]), `"id":"`+privileged+`"`) {
			t.Error("the privileged entry is in the package")
		}
		if !strings.Contains(string(files["manifest.json"]), "media.segment") {
			t.Error("the manifest does not say no media is held")
		}
	})
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// A deletion erases the person: rows gone, sealed fields and blobs of the
// account unreadable in any copy, the access log still verifies, and a
// signed certificate remains.
// proves: R1, P2
func TestDeletionRequest(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		ctx := context.Background()
		a := e.SignUp("ann@example.com")
		b := e.SignUp("bob@example.com")
		withMFA(a)
		if err := e.App.Blobs.Put(ctx, a.AccountID, "seg/cam-1/000001.m4s", strings.NewReader("frames of Ann's camera")); err != nil {
			t.Fatal(err)
		}
		raw, err := blob.NewDir(e.Config.Blob.Dir)
		if err != nil {
			t.Fatal(err)
		}
		rc, err := raw.Open(ctx, "acct/"+a.AccountID+"/seg/cam-1/000001.m4s")
		if err != nil {
			t.Fatal(err)
		}
		backup, _ := io.ReadAll(rc)
		rc.Close()

		var got privacy.Request
		a.Must(http.StatusCreated, "POST", "/api/v1/me/privacy-requests", map[string]any{"kind": "deletion", "region": "us-ca",
			"scope": map[string]any{"categories": []string{"account.profile"}}}).Decode(t, &got)
		if want := e.Clock.Now().AddDate(0, 0, 45); got.DueAt.Sub(want).Abs() > time.Second {
			t.Errorf("California deadline %v, want 45 days: %v", got.DueAt, want)
		}
		d := requestsDPO(e)
		// A legal hold stops the deletion until it ends.
		var hold privacy.Hold
		sec := staff(e, "sec@vigil.test", access.StaffSecurity)
		sec.Must(http.StatusCreated, "POST", "/api/v1/staff/legal-holds", map[string]any{"owner_id": a.UserID,
			"until": e.Clock.Now().AddDate(0, 0, 5), "reason": "case 2026-17"}).Decode(t, &hold)
		if r := d.Do("POST", "/api/v1/staff/privacy-requests/"+got.ID+"/grant", nil); r.Status != http.StatusConflict {
			t.Fatalf("deletion under a legal hold: %d %s", r.Status, r.Body)
		}
		sec.Must(http.StatusNoContent, "DELETE", "/api/v1/staff/legal-holds/"+hold.ID, nil)
		d.Must(http.StatusOK, "POST", "/api/v1/staff/privacy-requests/"+got.ID+"/grant", nil).Decode(t, &got)
		e.Mail.Wait(t, "ann@example.com", "Our answer")

		var cert privacy.Certificate
		if err := json.Unmarshal([]byte(got.Certificate), &cert); err != nil || cert.Seal == nil {
			t.Fatalf("certificate: %v %q", err, got.Certificate)
		}
		pub, _ := e.App.Requests.PublicKey(ctx)
		if !privacy.VerifySignature(pub, privacy.CertificateBody(cert), *cert.Seal) {
			t.Error("the deletion certificate does not verify")
		}
		if strings.Contains(got.Certificate, "ann@example.com") {
			t.Error("the certificate names the person")
		}

		// Rows: nothing of Ann is left in the account tables.
		for _, q := range []string{
			"SELECT COUNT(*) FROM users WHERE id = ?", "SELECT COUNT(*) FROM memberships WHERE user_id = ?",
			"SELECT COUNT(*) FROM sessions WHERE principal_id = ?", "SELECT COUNT(*) FROM one_time_tokens WHERE subject_id = ?",
		} {
			if n := count(t, e.App.DB, q, a.UserID); n != 0 {
				t.Errorf("%s: %d rows left", q, n)
			}
		}
		if n := count(t, e.App.DB, "SELECT COUNT(*) FROM accounts WHERE id = ?", a.AccountID); n != 0 {
			t.Errorf("Ann's account is still there")
		}
		// Keys: her sealed fields and her account's blobs, in any copy, are noise.
		if _, err := e.App.Keys.OpenSubject(ctx, a.UserID, []byte("x"), nil); !errs.Is(err, errs.Gone) {
			t.Errorf("Ann's key: %v, want gone", err)
		}
		if _, err := e.App.Blobs.Open(ctx, a.AccountID, "seg/cam-1/000001.m4s"); !errs.Is(err, errs.NotFound) {
			t.Errorf("Ann's blob after deletion: %v, want purged", err)
		}
		if err := raw.Put(ctx, "acct/"+a.AccountID+"/seg/cam-1/000001.m4s", bytes.NewReader(backup)); err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.Blobs.Open(ctx, a.AccountID, "seg/cam-1/000001.m4s"); !errs.Is(err, errs.Gone) {
			t.Errorf("a backup copy of Ann's blob: %v, want unreadable", err)
		}
		// She cannot sign in; her request reads as erased; Bob is untouched.
		if r := a.Do("POST", "/api/v1/auth/login", map[string]string{"email": a.Email, "password": a.Password}); r.Status == http.StatusOK {
			t.Error("Ann signs in after deletion")
		}
		dv := d.Must(http.StatusOK, "GET", "/api/v1/staff/privacy-requests/"+got.ID, nil)
		if strings.Contains(string(dv.Body), "ann@example.com") || strings.Contains(string(dv.Body), "Owner ann") {
			t.Error("the request still shows Ann's details")
		}
		b.Must(http.StatusOK, "GET", "/api/v1/me", nil)
		// The access log: Ann's entries keep their place, their network
		// details read as erased, and the whole log verifies.
		page, err := e.App.Audit.ListAccount(ctx, a.UserID, a.UserID, 0, 500)
		if err != nil || len(page.Items) == 0 {
			t.Fatalf("Ann's log: %v (%d entries)", err, len(page.Items))
		}
		for _, it := range page.Items {
			if it.Personal == audit.PersonalShown {
				t.Errorf("entry %d still shows Ann's network details", it.Entry.Seq)
			}
		}
		rep, err := audit.Verify(ctx, store.NewAuditStore(e.App.DB), e.App.Verifier)
		if err != nil || !rep.OK() {
			t.Errorf("audit verify after deletion: %v %v", err, rep)
		}
	})
}

func count(t *testing.T, db *store.DB, q string, args ...any) int {
	t.Helper()
	var n int
	err := db.Read(context.Background(), func(tx *store.Tx) error { return tx.QueryRow(context.Background(), q, args...).Scan(&n) })
	if err != nil {
		t.Fatal(err)
	}
	return n
}

var _ = keys.ScopeAccount

// The DPO reads a customer's profile without a grant only while an open
// privacy request names one of the account's people, and the access log
// entry names that request.
// proves: P3, R1
func TestDPODutyAccessNamesItsRequest(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		carol := e.SignUp("carol@example.com")
		dpo := requestsDPO(e)
		lookup := "/api/v1/staff/accounts/" + carol.AccountID
		if r := dpo.Do("GET", lookup, nil); r.Status != http.StatusNotFound {
			t.Fatalf("the DPO without a duty: %d %s", r.Status, r.Body)
		}
		withMFA(carol)
		var rq privacy.Request
		carol.Must(http.StatusCreated, "POST", "/api/v1/me/privacy-requests", map[string]any{"kind": "access", "region": "eu",
			"scope": map[string]any{"categories": []string{"account.profile"}, "from": e.Clock.Now().AddDate(0, -1, 0), "to": e.Clock.Now()}}).Decode(t, &rq)
		dpo.Must(http.StatusOK, "GET", lookup, nil)
		var log struct {
			Entries []struct {
				ActorKind string `json:"actor_kind"`
				Decision  string `json:"decision"`
				Reason    string `json:"reason"`
			}
		}
		carol.Must(http.StatusOK, "GET", "/api/v1/accounts/"+carol.AccountID+"/access-log?limit=500", nil).Decode(t, &log)
		named := false
		for _, en := range log.Entries {
			named = named || (en.ActorKind == "staff" && en.Decision == "allow" && en.Reason == "duty: privacy request "+rq.ID)
		}
		if !named {
			t.Errorf("no entry names the request the DPO read the profile for: %+v", log.Entries)
		}
	})
}
