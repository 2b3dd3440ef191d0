package audit

import (
	"bytes"
	"encoding/hex"
	"flag"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/datamap"
)

var update = flag.Bool("update", false, "rewrite golden files")

func goldenEntry() Entry {
	return Entry{
		Seq: 7, Time: time.Date(2026, 1, 15, 9, 0, 0, 123456000, time.UTC),
		ActorKind: ActorStaff, ActorID: "stf_1", ActorRole: "support_l1", Action: ActionRead,
		Category: datamap.AccountProfile, ResourceID: "usr_9", AccountID: "acc_3",
		Purpose: datamap.PurposeService, Decision: Deny, Reason: "no grant", SubjectID: "stf_1",
	}
}

// checkGolden holds leaf against the hex golden file, which only a
// deliberate -update rewrites.
func checkGolden(t *testing.T, golden string, leaf []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(golden, []byte(hex.EncodeToString(leaf)+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(leaf); got != strings.TrimSpace(string(want)) {
		t.Fatalf("leaf encoding changed (%s):\n got %s\nwant %s", golden, got, want)
	}
}

// Entries already written must verify forever: the version 1 encoding is
// held against a golden file that only a deliberate -update rewrites.
func TestLeafEncodingIsStable(t *testing.T) {
	e := goldenEntry()
	leaf := appendLeaf(nil, appendData(nil, &e), []byte("sealed"))
	checkGolden(t, "testdata/leaf_v1.hex", leaf)
	got, sealed, err := decodeLeaf(leaf)
	if err != nil || !reflect.DeepEqual(got, e) || string(sealed) != "sealed" {
		t.Fatalf("decodeLeaf = %+v, %q, %v; want %+v", got, sealed, err, e)
	}
	if account, ok := dataAccount(appendData(nil, &e)); !ok || string(account) != e.AccountID {
		t.Fatalf("dataAccount = %q, %v", account, ok)
	}
}

func TestLeafEncodingIsUnambiguous(t *testing.T) {
	e := goldenEntry()
	shifted := e
	// The same bytes split differently between two fields.
	shifted.ActorID, shifted.ActorRole = "stf_1s", "upport_l1"
	a := appendLeaf(nil, appendData(nil, &e), nil)
	b := appendLeaf(nil, appendData(nil, &shifted), nil)
	if bytes.Equal(a, b) {
		t.Fatal("two entries share a leaf")
	}
	for name, leaf := range map[string][]byte{
		"truncated":      a[:len(a)-1],
		"trailing bytes": append(a[:len(a):len(a)], 0),
		"v1 bytes as v2": append([]byte{leafV2}, a[1:]...),
		"other version":  append([]byte{3}, a[1:]...),
		"empty":          nil,
	} {
		if _, _, err := decodeLeaf(leaf); err == nil {
			t.Errorf("%s leaf decoded", name)
		}
	}
}

// An entry that came through the API names its route in a version 2 leaf;
// the version 1 bytes of entries without a route are untouched (above).
func TestLeafV2CarriesTheRoute(t *testing.T) {
	e := goldenEntry()
	e.Route = "GET /api/v1/accounts/{accountID}/devices"
	leaf := appendLeaf(nil, appendData(nil, &e), []byte("sealed"))
	checkGolden(t, "testdata/leaf_v2.hex", leaf)
	if leaf[0] != leafV2 {
		t.Fatalf("version byte %d, want %d", leaf[0], leafV2)
	}
	got, sealed, err := decodeLeaf(leaf)
	if err != nil || !reflect.DeepEqual(got, e) || string(sealed) != "sealed" {
		t.Fatalf("decodeLeaf = %+v, %q, %v; want %+v", got, sealed, err, e)
	}
	if seq, ok := dataSeq(appendData(nil, &e)); !ok || seq != e.Seq {
		t.Fatalf("dataSeq = %d, %v", seq, ok)
	}
	if account, ok := dataAccount(appendData(nil, &e)); !ok || string(account) != e.AccountID {
		t.Fatalf("dataAccount = %q, %v", account, ok)
	}
	// Dropping the route turns it back into a version 1 leaf, not a
	// version 2 leaf with an empty route.
	e.Route = ""
	if v1 := appendData(nil, &e); v1[0] != leafV1 {
		t.Fatalf("an entry without a route encodes as version %d", v1[0])
	}
	empty := appendLeaf(nil, append([]byte{leafV2}, appendData(nil, &e)[1:]...), nil)
	empty = append(empty[:len(empty):len(empty)], 0, 0, 0, 0) // a 13th, empty field
	if _, _, err := decodeLeaf(empty); err == nil {
		t.Fatal("a version 2 leaf with an empty route decoded")
	}
}
