package audit_test

import (
	"context"
	"fmt"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/vigil-cloud/vigil/internal/audit"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/store"
)

const logName = "vigil.test/audit"

// fixture is a log on a real database with a real signer and sealer.
type fixture struct {
	db       *store.DB
	store    *store.AuditStore
	keys     *keyring
	signer   note.Signer
	verifier note.Verifier
	clk      clock.Clock
}

func newFixture(t testing.TB, db *store.DB, clk clock.Clock) *fixture {
	t.Helper()
	signer, verifier := newKey(t)
	return &fixture{db: db, store: store.NewAuditStore(db), keys: newKeyring(), signer: signer, verifier: verifier, clk: clk}
}

// newKey returns a new checkpoint key pair named like the test log's.
func newKey(t testing.TB) (note.Signer, note.Verifier) {
	t.Helper()
	skey, vkey, err := audit.GenerateKey(logName)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return signer, verifier
}

// newLog returns a log of the fixture, without starting it.
func (f *fixture) newLog(opts audit.Options) *audit.Log {
	return audit.New(f.store, f.keys, f.signer, f.clk, opts)
}

// start returns a running log that is closed when the test ends.
func (f *fixture) start(t testing.TB, opts audit.Options) *audit.Log {
	t.Helper()
	l := f.newLog(opts)
	done := make(chan error, 1)
	go func() { done <- l.Run(context.Background()) }()
	t.Cleanup(func() {
		l.Close()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return l
}

// verify runs Verify and fails the test on a read error.
func (f *fixture) verify(t testing.TB) audit.Report {
	t.Helper()
	r, err := audit.Verify(context.Background(), f.store, f.verifier)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return r
}

// entry returns the i-th test entry of account, by user subject, who
// signed in from a documentation address.
func entry(i int, account, subject string) audit.Entry {
	return audit.Entry{
		ActorKind:  audit.ActorUser,
		ActorID:    subject,
		ActorRole:  "owner",
		Action:     audit.ActionRead,
		Category:   datamap.AccountProfile,
		ResourceID: fmt.Sprintf("dev_%d", i),
		AccountID:  account,
		Purpose:    datamap.PurposeService,
		Decision:   audit.Allow,
		Reason:     "member of the account",
		SubjectID:  subject,
		Personal:   map[string]string{"ip": fmt.Sprintf("192.0.2.%d", i%250), "user_agent": "vigil-test/1"},
	}
}
