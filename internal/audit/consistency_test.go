package audit_test

import (
	"context"
	"testing"

	"github.com/vigil-cloud/vigil/internal/audit"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/store/storetest"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// A client that kept an older checkpoint gets a proof that today's log
// extends it: the proof checks against the two signed roots, and fails for
// a root the log never had (a forked or rewritten log). Sizes outside the
// log are refused.
// proves: P3
func TestConsistencyProofFromAnOlderCheckpoint(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite(t, clock.NewFake(storetest.Start)), clock.NewFake(storetest.Start))
	l := f.start(t, audit.Options{})
	ctx := context.Background()
	appendMixed(t, l, 5)
	old := tree(t, f, mustCheckpoint(t, l))
	appendMixed(t, l, 9)
	cp, proof, err := l.ProveConsistency(ctx, old.N)
	if err != nil {
		t.Fatal(err)
	}
	now := tree(t, f, cp)
	if now.N <= old.N {
		t.Fatalf("the log did not grow: %d then %d", old.N, now.N)
	}
	if err := tlog.CheckTree(proof, now.N, now.Hash, old.N, old.Hash); err != nil {
		t.Fatalf("consistency proof from %d to %d: %v", old.N, now.N, err)
	}
	forked := old.Hash
	forked[0] ^= 1
	if tlog.CheckTree(proof, now.N, now.Hash, old.N, forked) == nil {
		t.Fatal("the proof holds for a root the log never had")
	}
	for _, from := range []int64{0, -1, now.N + 1} {
		if _, _, err := l.ProveConsistency(ctx, from); !errs.Is(err, errs.Invalid) {
			t.Errorf("from %d: %v, want invalid", from, err)
		}
	}
}

func mustCheckpoint(t *testing.T, l *audit.Log) string {
	t.Helper()
	cp, err := l.Checkpoint(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

// tree opens a signed checkpoint and returns the tree it names.
func tree(t *testing.T, f *fixture, cp string) tlog.Tree {
	t.Helper()
	n, err := note.Open([]byte(cp), note.VerifierList(f.verifier))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := tlog.ParseTree([]byte(n.Text))
	if err != nil {
		t.Fatal(err)
	}
	return tr
}
