package privacy_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/config"
	"github.com/vigil-cloud/vigil/internal/privacy"
	"github.com/vigil-cloud/vigil/internal/store/storetest"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// other starts a second vigil on the same kind of database as e: the
// organisation an account is transferred to.
func other(t *testing.T, e *vigiltest.Env, opts ...vigiltest.Option) *vigiltest.Env {
	if e.Config.Database.Driver == "postgres" {
		pg := storetest.PostgresSchemaURL(t)
		opts = append(opts, func(c *config.Config) { c.Database = config.Database{Driver: "postgres", URL: pg} })
	}
	return vigiltest.Start(t, opts...)
}

// trusting has a vigil import the packages signed by key (or published at
// keyURL).
func trusting(name, key, keyURL string) vigiltest.Option {
	return func(c *config.Config) {
		c.Privacy.TrustedExporters = append(c.Privacy.TrustedExporters, config.TrustedExporter{Name: name, PublicKey: key, KeyURL: keyURL})
		c.Privacy.AllowLoopbackKeyURLs = true
	}
}

// rezip returns the package with one file's content replaced by change.
func rezip(t *testing.T, pkg []byte, name string, change func([]byte) []byte) []byte {
	t.Helper()
	files := vigiltest.Unzip(t, pkg)
	if _, ok := files[name]; !ok {
		t.Fatalf("the package has no %s", name)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zr, _ := zip.NewReader(bytes.NewReader(pkg), int64(len(pkg)))
	for _, f := range zr.File { // keep the order
		content := files[f.Name]
		if f.Name == name {
			content = change(bytes.Clone(content))
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(content) //nolint:errcheck // a bytes.Buffer
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func flipByte(b []byte) []byte {
	i := bytes.IndexByte(b, '@') // inside an e-mail address: still valid JSON, different data
	if i < 0 {
		i = len(b) / 2
	}
	b[i] ^= 0x01
	return b
}

func signingKey(t *testing.T, c *vigiltest.Client) string {
	var key struct {
		PublicKey string `json:"public_key"`
	}
	c.Must(http.StatusOK, "GET", "/api/v1/privacy/signing-key", nil).Decode(t, &key)
	if key.PublicKey == "" {
		t.Fatal("no signing key published")
	}
	return key.PublicKey
}

func hasTransfer(ds []privacy.Disclosure, recipient string) bool {
	return slices.ContainsFunc(ds, func(d privacy.Disclosure) bool { return d.Kind == privacy.Transfer && d.Recipient == recipient })
}

// An account moves to another organisation only when its owner confirms it
// after a fresh second factor; the package holds the account, its sites and
// people with what they accepted and consented to and the obligations still
// open, signed; every member sees the transfer in their own ledger. The
// receiving vigil refuses a changed package and creates nothing; from the
// genuine one it creates the account with its sites, invites every other
// person again, and applies none of their consents.
// proves: T1, D1, P6
func TestAccountTransfer(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		ann := e.SignUp("ann@example.com")
		acc := "/api/v1/accounts/" + ann.AccountID
		// A name that would read as a link in the new vigil's mails.
		ann.Must(http.StatusOK, "PATCH", acc, map[string]string{"name": "Pay at evil.example/now"})
		var shop account.Site
		ann.Must(http.StatusCreated, "POST", acc+"/sites", map[string]string{"name": "Corner shop", "time_zone": "Europe/Paris"}).Decode(t, &shop)
		bob, cat := e.SignUp("bob@example.com"), e.SignUp("cat@example.com")
		for _, inv := range []struct {
			c    *vigiltest.Client
			role string
			site string
		}{{bob, "member", ""}, {cat, "admin", shop.ID}} {
			ann.Must(http.StatusAccepted, "POST", acc+"/invitations", map[string]string{"email": inv.c.Email, "role": inv.role, "site_id": inv.site})
			tok := e.Mail.Wait(t, inv.c.Email, "invit").Token(t)
			inv.c.Must(http.StatusOK, "POST", "/api/v1/invitations/accept", map[string]string{"token": tok})
		}
		bob.Must(http.StatusCreated, "PUT", "/api/v1/me/consents/product_news", nil)
		dan := e.SignUp("dan@example.com") // of another account

		start := map[string]any{"recipient": "Acme Security Ltd", "reason": "Acme acquires our shop", "confirm": true}
		// Only the owner: a member is refused, an outsider does not even
		// learn that the account exists.
		if r := bob.Do("POST", acc+"/transfers", start); r.Status != http.StatusForbidden {
			t.Errorf("a member started a transfer: %d %s", r.Status, r.Body)
		}
		if r := dan.Do("POST", acc+"/transfers", start); r.Status != http.StatusNotFound {
			t.Errorf("an outsider started a transfer: %d %s", r.Status, r.Body)
		}
		// The owner, without a fresh second factor.
		if r := ann.Do("POST", acc+"/transfers", start); r.Status != http.StatusForbidden || r.ErrorCode() != "mfa_required" {
			t.Errorf("transfer without a second factor: %d %s", r.Status, r.Body)
		}
		ann.WithMFA()
		for _, bad := range []map[string]any{
			{"recipient": "Acme Security Ltd", "reason": "Acme acquires our shop"},
			{"recipient": "Acme Security Ltd", "reason": "Acme acquires our shop", "confirm": false},
			{"recipient": "", "reason": "Acme acquires our shop", "confirm": true},
			{"recipient": "Acme Security Ltd", "reason": "", "confirm": true},
		} {
			if r := ann.Do("POST", acc+"/transfers", bad); r.Status != http.StatusBadRequest {
				t.Errorf("transfer %v: %d %s", bad, r.Status, r.Body)
			}
		}
		var tr privacy.TransferStarted
		ann.Must(http.StatusCreated, "POST", acc+"/transfers", start).Decode(t, &tr)
		if tr.Members != 3 || tr.Package == "" {
			t.Fatalf("transfer: %+v", tr)
		}
		if r := bob.Do("GET", tr.Package, nil); r.Status != http.StatusForbidden {
			t.Errorf("a member downloaded the transfer package: %d", r.Status)
		}
		// Bob agrees that his records go; Cat does not answer.
		bob.Must(http.StatusNoContent, "PUT", "/api/v1/me/transfer-asks/"+tr.ID, map[string]any{"agree": true})
		pkg := ann.Must(http.StatusOK, "GET", tr.Package, nil).Body
		files := vigiltest.Unzip(t, pkg)
		var doc privacy.TransferDocument
		if err := json.Unmarshal(files["transfer.json"], &doc); err != nil {
			t.Fatalf("transfer.json: %v", err)
		}
		if doc.Account.ID != ann.AccountID || doc.Recipient != "Acme Security Ltd" || doc.ConfirmedBy != ann.UserID ||
			len(doc.Sites) != 1 || doc.Sites[0].Name != "Corner shop" || len(doc.Members) != 3 {
			t.Fatalf("transfer.json: %+v", doc)
		}
		for _, m := range doc.Members {
			if m.Email == "cat@example.com" {
				if m.Consented || m.Data != "" || len(m.Acceptances) != 0 || m.Name != "" || len(m.Roles) != 1 {
					t.Errorf("Cat, who did not answer, is in transfer.json with more than her address and role: %+v", m)
				}
				continue
			}
			if len(m.Acceptances) == 0 || !m.Consented {
				t.Errorf("%s: no acceptances in transfer.json", m.Email)
			}
			if _, ok := files[m.Data+"data/account.profile.json"]; !ok {
				t.Errorf("%s: no profile in the package", m.Email)
			}
			wantConsent := m.Email == "bob@example.com"
			if got := slices.ContainsFunc(m.Consents, func(c privacy.TransferConsent) bool { return c.Purpose == "product_news" && c.Live }); got != wantConsent {
				t.Errorf("%s: consent to product news recorded %v, want %v", m.Email, got, wantConsent)
			}
		}
		for name := range files {
			if strings.Contains(name, "account.credentials") || strings.Contains(name, "account.session") {
				t.Errorf("the package holds %s", name)
			}
		}
		if strings.Contains(string(pkg), "dan@example.com") {
			t.Error("the package holds data of another account")
		}
		// Every member sees the transfer in their own ledger; the owner sees
		// it in the account's.
		for _, c := range []*vigiltest.Client{ann, bob, cat} {
			var mine struct{ Disclosures []privacy.Disclosure }
			c.Must(http.StatusOK, "GET", "/api/v1/me/disclosures", nil).Decode(t, &mine)
			if !hasTransfer(mine.Disclosures, "Acme Security Ltd") {
				t.Errorf("%s does not see the transfer in their ledger: %+v", c.Email, mine.Disclosures)
			}
		}
		var ledger struct{ Disclosures []privacy.Disclosure }
		ann.Must(http.StatusOK, "GET", acc+"/disclosures", nil).Decode(t, &ledger)
		if !slices.ContainsFunc(ledger.Disclosures, func(d privacy.Disclosure) bool { return d.ID == tr.ID && d.Kind == privacy.Transfer }) {
			t.Errorf("the account's ledger lacks the transfer: %+v", ledger.Disclosures)
		}
		key := signingKey(t, ann)

		// The acquirer's vigil trusts the exporter's key, configured by its
		// operator.
		e2 := other(t, e, trusting("Ann's vigil", key, ""))
		zed := e2.SignUp("zed@acme.example")
		imp := "/api/v1/transfers/import"
		bobData := ""
		for _, m := range doc.Members {
			if m.Email == "bob@example.com" {
				bobData = m.Data + "data/account.profile.json"
			}
		}
		for name, body := range map[string][]byte{
			"a data file changed":  rezip(t, pkg, bobData, flipByte),
			"the manifest changed": rezip(t, pkg, "manifest.json", flipByte),
			"transfer.json changed": rezip(t, pkg, "transfer.json", func(b []byte) []byte {
				return bytes.Replace(b, []byte("Corner shop"), []byte("Corner shoq"), 1)
			}),
			"a file added": rezip(t, pkg, "transfer.json", func(b []byte) []byte { return b }), // replaced below
			"not a zip":    []byte("PK not really"),
		} {
			if name == "a file added" {
				var buf bytes.Buffer
				zw := zip.NewWriter(&buf)
				for n, c := range files {
					w, _ := zw.Create(n)
					w.Write(c) //nolint:errcheck // a bytes.Buffer
				}
				w, _ := zw.Create("members/extra.json")
				w.Write([]byte("{}")) //nolint:errcheck // a bytes.Buffer
				zw.Close()
				body = buf.Bytes()
			}
			if r := zed.DoType("POST", imp, "application/zip", body); r.Status != http.StatusBadRequest || r.ErrorMessage() == "" {
				t.Errorf("%s: import answered %d %s", name, r.Status, r.Body)
			}
		}
		// A key sent with the package is refused, even the right one: whom
		// to trust is the operator's decision. A vigil that does not trust
		// the exporter refuses the genuine package.
		for _, q := range []string{key, signingKey(t, zed)} {
			if r := zed.DoType("POST", imp+"?signing_key="+url.QueryEscape(q), "application/zip", pkg); r.Status != http.StatusBadRequest ||
				!strings.Contains(r.ErrorMessage(), "not trusted") {
				t.Errorf("import with a key in the query: %d %s", r.Status, r.Body)
			}
		}
		e3 := other(t, e, trusting("someone else", signingKey(t, zed), ""))
		yan := e3.SignUp("yan@elsewhere.example")
		if r := yan.DoType("POST", imp, "application/zip", pkg); r.Status != http.StatusBadRequest || !strings.Contains(r.ErrorMessage(), "does not trust") {
			t.Errorf("import by a vigil that does not trust the exporter: %d %s", r.Status, r.Body)
		}
		if r := zed.DoType("POST", imp, "application/json", pkg); r.Status != http.StatusBadRequest {
			t.Errorf("import as JSON: %d %s", r.Status, r.Body)
		}
		var before struct{ Accounts []account.Account }
		zed.Must(http.StatusOK, "GET", "/api/v1/me/accounts", nil).Decode(t, &before)
		if len(before.Accounts) != 1 {
			t.Fatalf("a refused import created an account: %+v", before.Accounts)
		}
		for _, m := range e2.Mail.Messages() {
			if m.To != zed.Email {
				t.Errorf("a refused import mailed %s: %q", m.To, m.Subject)
			}
		}

		var got privacy.TransferImport
		r := zed.DoType("POST", imp, "application/zip", pkg)
		if r.Status != http.StatusCreated {
			t.Fatalf("import: %d %s", r.Status, r.Body)
		}
		r.Decode(t, &got)
		// A package imports once.
		if r := zed.DoType("POST", imp, "application/zip", pkg); r.Status != http.StatusConflict {
			t.Errorf("a second import of the package: %d %s", r.Status, r.Body)
		}
		var after struct{ Accounts []account.Account }
		zed.Must(http.StatusOK, "GET", "/api/v1/me/accounts", nil).Decode(t, &after)
		if len(after.Accounts) != 2 {
			t.Errorf("after a refused second import zed has %d accounts", len(after.Accounts))
		}
		if got.Account.Name != "Pay at evil.example/now" || got.Account.Region != "EU" || got.FromAccountID != ann.AccountID ||
			len(got.Sites) != 1 || got.Sites[0].Name != "Corner shop" || got.Sites[0].TimeZone != "Europe/Paris" {
			t.Fatalf("imported account: %+v", got)
		}
		if got.ConsentsNotApplied == 0 {
			t.Error("the import does not say which consents it left unapplied")
		}
		// An operator may name the exporter's published key URL instead.
		e4 := other(t, e, trusting("Ann's vigil", "", e.URL+"/api/v1/privacy/signing-key"))
		wil := e4.SignUp("wil@fourth.example")
		if r := wil.DoType("POST", imp, "application/zip", pkg); r.Status != http.StatusCreated {
			t.Errorf("import trusting the exporter's key URL: %d %s", r.Status, r.Body)
		}
		roles := map[string]string{}
		for _, inv := range got.Invitations {
			roles[inv.Email] = string(inv.Role) + "@" + inv.SiteID
		}
		want := map[string]string{"ann@example.com": "owner@", "bob@example.com": "member@", "cat@example.com": "admin@" + got.Sites[0].ID}
		if len(roles) != len(want) {
			t.Errorf("invitations %v, want %v", roles, want)
		}
		for k, v := range want {
			if roles[k] != v {
				t.Errorf("invitation of %s: %q, want %q", k, roles[k], v)
			}
		}
		var members struct{ Members []account.Member }
		zed.Must(http.StatusOK, "GET", "/api/v1/accounts/"+got.Account.ID+"/members", nil).Decode(t, &members)
		if len(members.Members) != 1 || members.Members[0].UserID != zed.UserID || members.Members[0].Role != "owner" {
			t.Errorf("members before anyone accepted: %+v", members.Members)
		}
		var ledger2 struct{ Disclosures []privacy.Disclosure }
		zed.Must(http.StatusOK, "GET", "/api/v1/accounts/"+got.Account.ID+"/disclosures", nil).Decode(t, &ledger2)
		if len(ledger2.Disclosures) == 0 || ledger2.Disclosures[0].Kind != privacy.Transfer || !strings.Contains(ledger2.Disclosures[0].Reference, tr.ID) {
			t.Errorf("the new account's ledger: %+v", ledger2.Disclosures)
		}
		var mine struct{ Disclosures []privacy.Disclosure }
		zed.Must(http.StatusOK, "GET", "/api/v1/me/disclosures", nil).Decode(t, &mine)
		if !slices.ContainsFunc(mine.Disclosures, func(d privacy.Disclosure) bool { return d.Kind == privacy.Transfer && d.AccountID == got.Account.ID }) {
			t.Errorf("the importer does not see the transfer in their ledger: %+v", mine.Disclosures)
		}

		// Bob joins on the new vigil by his own decision; his consent to
		// product news stayed behind.
		tok := e2.Mail.Wait(t, "bob@example.com", "invit")
		if !strings.Contains(tok.Body, "has moved") {
			t.Errorf("the invitation does not say the account moved:\n%s", tok.Body)
		}
		// The imported name is quoted without a link a mail program would
		// make clickable.
		if strings.Contains(tok.Body, "evil.example") || !strings.Contains(tok.Body, "evil[.]example") {
			t.Errorf("the invitation carries the imported name as a link:\n%s", tok.Body)
		}
		bob2 := e2.SignUp("bob@example.com")
		bob2.Must(http.StatusOK, "POST", "/api/v1/invitations/accept", map[string]string{"token": tok.Token(t)})
		var cs struct{ Consents []privacy.Consent }
		bob2.Must(http.StatusOK, "GET", "/api/v1/me/consents", nil).Decode(t, &cs)
		if len(cs.Consents) != 0 {
			t.Errorf("consents applied without Bob: %+v", cs.Consents)
		}
		if ok, err := e2.App.Privacy.HasConsent(t.Context(), bob2.UserID, privacy.ProductNews); err != nil || ok {
			t.Errorf("Bob's consent to product news carried over: %v %v", ok, err)
		}
		var bobAccounts struct{ Accounts []account.Account }
		bob2.Must(http.StatusOK, "GET", "/api/v1/me/accounts", nil).Decode(t, &bobAccounts)
		if !slices.ContainsFunc(bobAccounts.Accounts, func(a account.Account) bool { return a.ID == got.Account.ID }) {
			t.Errorf("Bob did not join the imported account: %+v", bobAccounts.Accounts)
		}
	})
}

// A transfer package exposes no member: it carries nobody's sign-in
// history, access log, privacy requests or messages (the owner's
// neither), and a member's own records and consents only once that member
// agreed; until then only their address and role, to invite them anew.
// Members are told by mail and find the question in the app. Scanned for
// every member's addresses, browsers and request IDs, the package holds
// none.
// proves: T1, R7
func TestTransferPackageExposesNobody(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		ann := e.SignUp("ann@example.com")
		acc := "/api/v1/accounts/" + ann.AccountID
		bob, cat := e.SignUp("bob@example.com"), e.SignUp("cat@example.com")
		for _, c := range []*vigiltest.Client{bob, cat} {
			ann.Must(http.StatusAccepted, "POST", acc+"/invitations", map[string]string{"email": c.Email, "role": "member"})
			c.Must(http.StatusOK, "POST", "/api/v1/invitations/accept", map[string]string{"token": e.Mail.Wait(t, c.Email, "invit").Token(t)})
		}
		// Sign-in history, app use and a privacy request of each member.
		var reqIDs []string
		for _, c := range []*vigiltest.Client{bob, cat, ann} {
			for range 3 {
				c.Login()
				c.Must(http.StatusOK, "GET", "/api/v1/me", nil)
			}
			c.WithMFA()
			var rq privacy.Request
			c.Must(http.StatusCreated, "POST", "/api/v1/me/privacy-requests", map[string]any{"kind": "access", "region": "eu",
				"scope": map[string]any{"categories": []string{"account.profile"}, "from": e.Clock.Now().AddDate(0, -1, 0), "to": e.Clock.Now()}}).Decode(t, &rq)
			reqIDs = append(reqIDs, rq.ID)
		}
		var tr privacy.TransferStarted
		ann.Must(http.StatusCreated, "POST", acc+"/transfers", map[string]any{"recipient": "Acme Security Ltd", "reason": "Acme buys the shop", "confirm": true}).Decode(t, &tr)
		for _, c := range []*vigiltest.Client{bob, cat} {
			m := e.Mail.Wait(t, c.Email, "being transferred")
			if !strings.Contains(m.Body, "only if you agree") {
				t.Errorf("%s's mail: %s", c.Email, m.Body)
			}
			var asks struct{ Asks []privacy.TransferAsk }
			c.Must(http.StatusOK, "GET", "/api/v1/me/transfer-asks", nil).Decode(t, &asks)
			if len(asks.Asks) != 1 || asks.Asks[0].TransferID != tr.ID || asks.Asks[0].Answer != "" {
				t.Errorf("%s's asks: %+v", c.Email, asks.Asks)
			}
		}
		scan := func(when string, pkg []byte, consented ...*vigiltest.Client) {
			t.Helper()
			files := vigiltest.Unzip(t, pkg)
			whole := string(pkg)
			for name, b := range files {
				whole += name + string(b)
				for _, cat := range []string{"log.audit", "log.access", "privacy.request", "privacy.consent", "notify.message", "account.session"} {
					if strings.Contains(name, "/"+cat+".") {
						t.Errorf("%s: the package holds %s", when, name)
					}
				}
			}
			for _, leak := range append([]string{"127.0.0.1", "Go-http-client"}, reqIDs...) {
				if strings.Contains(whole, leak) {
					t.Errorf("%s: the package holds %q", when, leak)
				}
			}
			for _, c := range []*vigiltest.Client{bob, cat} {
				has := false
				for name := range files {
					has = has || strings.HasPrefix(name, "members/"+c.UserID+"/")
				}
				if want := slices.Contains(consented, c); has != want {
					t.Errorf("%s: %s's records in the package: %v, want %v", when, c.Email, has, want)
				}
			}
		}
		scan("before anyone answered", ann.Must(http.StatusOK, "GET", tr.Package, nil).Body)
		bob.Must(http.StatusNoContent, "PUT", "/api/v1/me/transfer-asks/"+tr.ID, map[string]any{"agree": true})
		cat.Must(http.StatusNoContent, "PUT", "/api/v1/me/transfer-asks/"+tr.ID, map[string]any{"agree": false})
		scan("after Bob agreed and Cat refused", ann.Must(http.StatusOK, "GET", tr.Package, nil).Body, bob)
		if r := cat.Do("PUT", "/api/v1/me/transfer-asks/dsc_aaaaaaaaaaaaaaaaaaaaaaaaaa", map[string]any{"agree": true}); r.Status != http.StatusNotFound {
			t.Errorf("answering a transfer one was not asked about: %d", r.Status)
		}
	})
}

// After the owner confirms the import, the source account is frozen (its
// people read and export, nobody changes it), every member is told when it
// closes, and it closes on that date; completing twice is refused, and an
// account may instead be kept, with its reason.
// proves: T1
func TestTransferredAccountFreezesThenCloses(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		ann := e.SignUp("ann@example.com")
		acc := "/api/v1/accounts/" + ann.AccountID
		bob := e.SignUp("bob@example.com")
		ann.Must(http.StatusAccepted, "POST", acc+"/invitations", map[string]string{"email": bob.Email, "role": "admin"})
		bob.Must(http.StatusOK, "POST", "/api/v1/invitations/accept", map[string]string{"token": e.Mail.Wait(t, bob.Email, "invit").Token(t)})
		ann.WithMFA()
		var tr privacy.TransferStarted
		ann.Must(http.StatusCreated, "POST", acc+"/transfers", map[string]any{"recipient": "Acme", "reason": "sold", "confirm": true}).Decode(t, &tr)
		done := acc + "/transfers/" + tr.ID + "/complete"
		if r := bob.Do("POST", done, map[string]any{}); r.Status != http.StatusForbidden {
			t.Errorf("an admin completed the transfer: %d", r.Status)
		}
		if r := ann.Do("POST", done, map[string]any{"keep": true}); r.Status != http.StatusBadRequest {
			t.Errorf("keeping without a reason: %d", r.Status)
		}
		var c privacy.TransferClosure
		ann.Must(http.StatusOK, "POST", done, map[string]any{}).Decode(t, &c)
		if c.ClosesAt == nil || c.FrozenAt == nil || c.ClosesAt.Sub(*c.FrozenAt) != privacy.TransferCloseAfter {
			t.Fatalf("closure: %+v", c)
		}
		if r := ann.Do("POST", done, map[string]any{}); r.Status != http.StatusConflict {
			t.Errorf("completing twice: %d", r.Status)
		}
		m := e.Mail.Wait(t, bob.Email, "was transferred")
		if !strings.Contains(m.Body, c.ClosesAt.Format("2 January 2006")) {
			t.Errorf("bob is not told when it closes: %s", m.Body)
		}
		// Frozen: reads work, changes do not.
		bob.Login()
		bob.Must(http.StatusOK, "GET", acc+"/sites", nil)
		if r := bob.Do("POST", acc+"/sites", map[string]string{"name": "Barn", "time_zone": "UTC"}); r.Status != http.StatusForbidden {
			t.Errorf("a change to the frozen account: %d %s", r.Status, r.Body)
		}
		if n, err := e.App.Requests.CloseTransferred(t.Context()); err != nil || n != 0 {
			t.Fatalf("closed before its date: %d %v", n, err)
		}
		e.Clock.Advance(privacy.TransferCloseAfter + time.Minute)
		if n, err := e.App.Requests.CloseTransferred(t.Context()); err != nil || n != 1 {
			t.Fatalf("closing: %d %v", n, err)
		}
		bob.Login()
		if r := bob.Do("GET", acc, nil); r.Status != http.StatusNotFound {
			t.Errorf("the closed account still opens: %d", r.Status)
		}

		// Another owner keeps theirs, with a reason.
		cy := e.SignUp("cy@example.com")
		cy.WithMFA()
		var tr2 privacy.TransferStarted
		cy.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+cy.AccountID+"/transfers", map[string]any{"recipient": "Acme", "reason": "trial", "confirm": true}).Decode(t, &tr2)
		var kept privacy.TransferClosure
		cy.Must(http.StatusOK, "POST", "/api/v1/accounts/"+cy.AccountID+"/transfers/"+tr2.ID+"/complete",
			map[string]any{"keep": true, "keep_reason": "we run both during the migration"}).Decode(t, &kept)
		if !kept.Kept || kept.ClosesAt != nil {
			t.Errorf("kept: %+v", kept)
		}
		cy.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+cy.AccountID+"/sites", map[string]string{"name": "Barn", "time_zone": "UTC"})
	})
}
