package httpapi_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/vigil-cloud/vigil/internal/audit"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

type accessLogPage struct {
	Checkpoint string `json:"checkpoint"`
	PublicKey  string `json:"public_key"`
	Entries    []struct {
		Seq      int64             `json:"seq"`
		ActorID  string            `json:"actor_id"`
		Category string            `json:"category"`
		Action   string            `json:"action"`
		Decision string            `json:"decision"`
		Personal map[string]string `json:"personal"`
		Leaf     string            `json:"leaf"`
		Proof    []string          `json:"proof"`
	} `json:"entries"`
	NextAfter int64 `json:"next_after"`
}

// An owner sees every access to the account's data, and can check each
// entry against the log's signed checkpoint without trusting vigil's
// database: the inclusion proof and the signature do the work.
// proves: P3
func TestOwnerVerifiesAccessLogProofs(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		owner := e.SignUp("kim@example.com")
		other := e.SignUp("lee@example.com")
		other.Do("GET", "/api/v1/accounts/"+owner.AccountID, nil) // a denied look from another tenant
		owner.Must(http.StatusOK, "GET", "/api/v1/accounts/"+owner.AccountID+"/sites", nil)

		var page accessLogPage
		owner.Must(http.StatusOK, "GET", "/api/v1/accounts/"+owner.AccountID+"/access-log", nil).Decode(t, &page)
		var pub struct {
			Checkpoint string `json:"checkpoint"`
			PublicKey  string `json:"public_key"`
		}
		e.Client().Must(http.StatusOK, "GET", "/api/v1/audit/checkpoint", nil).Decode(t, &pub)
		if pub.PublicKey != page.PublicKey || pub.PublicKey == "" {
			t.Fatalf("public key differs between the page and the checkpoint route")
		}
		verifier, err := note.NewVerifier(pub.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		sawOwnRead, sawDenied := false, false
		for _, en := range page.Entries {
			leaf, err := base64.StdEncoding.DecodeString(en.Leaf)
			if err != nil {
				t.Fatal(err)
			}
			var proof tlog.RecordProof
			for _, p := range en.Proof {
				b, _ := base64.StdEncoding.DecodeString(p)
				var h tlog.Hash
				copy(h[:], b)
				proof = append(proof, h)
			}
			got, err := audit.VerifyInclusion(page.Checkpoint, verifier, leaf, proof)
			if err != nil {
				t.Fatalf("entry %d does not verify: %v", en.Seq, err)
			}
			if got.Seq != en.Seq || string(got.Category) != en.Category || string(got.Decision) != en.Decision || got.ActorID != en.ActorID {
				t.Fatalf("entry %d: the listing says %+v, the proved leaf says %+v", en.Seq, en, got)
			}
			if got.AccountID != owner.AccountID {
				t.Fatalf("entry %d belongs to account %s", en.Seq, got.AccountID)
			}
			if en.ActorID == owner.UserID && en.Action == "list" {
				sawOwnRead = true
				if en.Personal["ip"] == "" {
					t.Errorf("the owner's own entry hides their own IP")
				}
			}
			if en.ActorID == other.UserID {
				sawDenied = en.Decision == "deny"
				if en.Personal != nil {
					t.Errorf("another person's IP shown to the owner: %v", en.Personal)
				}
			}
			// A tampered leaf fails.
			leaf[len(leaf)/2] ^= 1
			if _, err := audit.VerifyInclusion(page.Checkpoint, verifier, leaf, proof); err == nil {
				t.Fatalf("entry %d: a modified leaf verified", en.Seq)
			}
		}
		if !sawOwnRead || !sawDenied {
			t.Fatalf("listing lacks the owner's read (%v) or the other tenant's denied attempt (%v)", sawOwnRead, sawDenied)
		}

		// Members below admin may not read it.
		if r := e.Client().Do("GET", "/api/v1/accounts/"+owner.AccountID+"/access-log", nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous access-log: %d", r.Status)
		}
	})
}

// A person sees every access to their own data outside any account, sign-in
// attempts included, with where they came from; nobody else sees them.
// proves: P3
func TestPersonSeesAccessToTheirOwnData(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		victim := e.SignUp("uma@example.com")
		attacker := e.Client()
		attacker.Do("POST", "/api/v1/auth/login", map[string]string{"email": victim.Email, "password": "not the password"})
		victim.Must(http.StatusOK, "GET", "/api/v1/me/sessions", nil)

		var page accessLogPage
		victim.Must(http.StatusOK, "GET", "/api/v1/me/access-log?limit=500", nil).Decode(t, &page)
		verifier, err := note.NewVerifier(page.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		attempts, sessionLists := 0, 0
		for _, en := range page.Entries {
			leaf, _ := base64.StdEncoding.DecodeString(en.Leaf)
			var proof tlog.RecordProof
			for _, p := range en.Proof {
				b, _ := base64.StdEncoding.DecodeString(p)
				proof = append(proof, tlog.Hash(b))
			}
			got, err := audit.VerifyInclusion(page.Checkpoint, verifier, leaf, proof)
			if err != nil || got.AccountID != victim.UserID {
				t.Fatalf("entry %d: %v (owner %q)", en.Seq, err, got.AccountID)
			}
			if en.Action == "authenticate" && en.ActorID == "" {
				attempts++
				if en.Personal["ip"] != "127.0.0.1" {
					t.Errorf("the sign-in attempt does not say where it came from: %v", en.Personal)
				}
			}
			if en.Category == "account.session" && en.Action == "list" {
				sessionLists++
			}
		}
		// Two attempts: the owner's own sign-in at sign-up, and the attacker's.
		if attempts != 2 || sessionLists != 1 {
			t.Fatalf("%d sign-in attempts and %d session listings in the person's log, want 2 and 1", attempts, sessionLists)
		}
		other := e.SignUp("val@example.com")
		var theirs accessLogPage
		other.Must(http.StatusOK, "GET", "/api/v1/me/access-log?limit=500", nil).Decode(t, &theirs)
		for _, en := range theirs.Entries {
			leaf, _ := base64.StdEncoding.DecodeString(en.Leaf)
			if strings.Contains(string(leaf), victim.UserID) {
				t.Fatalf("another person's log holds an entry about %s", victim.UserID)
			}
		}
	})
}
