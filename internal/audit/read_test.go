package audit_test

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/vigil-cloud/vigil/internal/audit"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/store/storetest"
)

// appendMixed appends n entries alternating between acc_a and acc_b, by
// usr_1 (every third) and usr_2.
func appendMixed(t *testing.T, l *audit.Log, n int) {
	t.Helper()
	for i := range n {
		account, subject := "acc_a", "usr_2"
		if i%2 == 1 {
			account = "acc_b"
		}
		if i%3 == 0 {
			subject = "usr_1"
		}
		if _, err := l.Append(context.Background(), entry(i, account, subject)); err != nil {
			t.Fatal(err)
		}
	}
}

// listAll walks every page of account's entries as viewer sees them.
func listAll(t *testing.T, l *audit.Log, account, viewer string) []audit.Page {
	t.Helper()
	var pages []audit.Page
	for after := int64(0); ; {
		p, err := l.ListAccount(context.Background(), account, viewer, after, 4)
		if err != nil {
			t.Fatalf("ListAccount: %v", err)
		}
		pages = append(pages, p)
		if p.Next == 0 {
			return pages
		}
		after = p.Next
	}
}

func TestListAccountProvesEveryEntry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clk *clock.Fake) {
		f := newFixture(t, db, clk)
		l := f.start(t, audit.Options{})
		appendMixed(t, l, 30)

		var seqs []int64
		for _, p := range listAll(t, l, "acc_a", "usr_1") {
			for _, it := range p.Items {
				seqs = append(seqs, it.Entry.Seq)
				if it.Entry.AccountID != "acc_a" {
					t.Fatalf("entry %d of %s in acc_a's listing", it.Entry.Seq, it.Entry.AccountID)
				}
				got, err := audit.VerifyInclusion(p.Checkpoint, f.verifier, it.Leaf, it.Proof)
				if err != nil {
					t.Fatalf("entry %d: %v", it.Entry.Seq, err)
				}
				shown := it.Entry
				shown.Personal = nil
				if !reflect.DeepEqual(got, shown) {
					t.Fatalf("proved entry %+v, listed %+v", got, shown)
				}
				wantState := audit.PersonalHidden
				if it.Entry.SubjectID == "usr_1" {
					wantState = audit.PersonalShown
				}
				if it.Personal != wantState || (wantState == audit.PersonalShown) != (it.Entry.Personal["ip"] != "") {
					t.Fatalf("entry %d of %s seen by usr_1: %s %v", it.Entry.Seq, it.Entry.SubjectID, it.Personal, it.Entry.Personal)
				}
			}
		}
		if len(seqs) != 15 || !slices.IsSorted(seqs) {
			t.Fatalf("acc_a's listing has seqs %v, want its 15 entries in order", seqs)
		}
	})
}

func TestVerifyInclusionRejectsAlteredEntries(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite(t, clock.NewFake(storetest.Start)), clock.NewFake(storetest.Start))
	l := f.start(t, audit.Options{})
	appendMixed(t, l, 12)
	p, err := l.ListAccount(context.Background(), "acc_b", "", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	it, other := p.Items[1], p.Items[2]
	forger, forgerVerifier := newKey(t)
	forged, err := note.Sign(&note.Note{Text: "go.sum database tree\n12\n" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n" + logName + "\n"}, forger)
	if err != nil {
		t.Fatal(err)
	}
	flipped := func(i int) []byte {
		leaf := slices.Clone(it.Leaf)
		leaf[i] ^= 1
		return leaf
	}
	for name, c := range map[string]struct {
		checkpoint string
		verifier   note.Verifier
		leaf       []byte
		proof      tlog.RecordProof
	}{
		"seq changed":             {p.Checkpoint, f.verifier, flipped(8), it.Proof},
		"action changed":          {p.Checkpoint, f.verifier, flipped(len(it.Leaf) / 2), it.Proof},
		"personal changed":        {p.Checkpoint, f.verifier, flipped(len(it.Leaf) - 1), it.Proof},
		"another entry's proof":   {p.Checkpoint, f.verifier, it.Leaf, other.Proof},
		"checkpoint of other key": {string(forged), f.verifier, it.Leaf, it.Proof},
		"forger's own checkpoint": {string(forged), forgerVerifier, it.Leaf, it.Proof},
	} {
		if _, err := audit.VerifyInclusion(c.checkpoint, c.verifier, c.leaf, c.proof); !errs.Is(err, errs.Invalid) {
			t.Errorf("%s: got %v, want invalid", name, err)
		}
	}
	if _, err := audit.VerifyInclusion(p.Checkpoint, f.verifier, it.Leaf, it.Proof); err != nil {
		t.Fatalf("unaltered entry: %v", err)
	}
}

// Erasing a person destroys their key: their personal fields become
// unreadable, yet the chain and the tree still verify, since both hash the
// ciphertext.
func TestErasedSubjectLeavesLogVerifiable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clk *clock.Fake) {
		f := newFixture(t, db, clk)
		l := f.start(t, audit.Options{})
		appendMixed(t, l, 9)
		f.keys.forget("usr_1")
		if r := f.verify(t); !r.OK() {
			t.Fatalf("Verify after erasure: %v", r)
		}
		p, err := l.ListAccount(context.Background(), "acc_a", "usr_1", 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		erased := 0
		for _, it := range p.Items {
			if it.Entry.SubjectID != "usr_1" {
				continue
			}
			erased++
			if it.Personal != audit.PersonalErased || it.Entry.Personal != nil {
				t.Errorf("entry %d of the erased subject: %s %v", it.Entry.Seq, it.Personal, it.Entry.Personal)
			}
			if _, err := audit.VerifyInclusion(p.Checkpoint, f.verifier, it.Leaf, it.Proof); err != nil {
				t.Errorf("entry %d: %v", it.Entry.Seq, err)
			}
		}
		if erased == 0 {
			t.Fatal("no entry of the erased subject listed")
		}
	})
}

func TestCheckpointIsSignedHead(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite(t, clock.NewFake(storetest.Start)), clock.NewFake(storetest.Start))
	l := f.start(t, audit.Options{})
	if _, err := l.Checkpoint(context.Background()); !errs.Is(err, errs.NotFound) {
		t.Fatalf("empty log: got %v, want not found", err)
	}
	appendMixed(t, l, 3)
	cp, err := l.Checkpoint(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open([]byte(cp), note.VerifierList(f.verifier))
	if err != nil {
		t.Fatalf("checkpoint does not verify: %v", err)
	}
	if !strings.HasPrefix(n.Text, "go.sum database tree\n3\n") || !strings.HasSuffix(n.Text, "\n"+logName+"\n") {
		t.Fatalf("checkpoint text %q, want the tree of 3 entries and the origin line", n.Text)
	}
}
