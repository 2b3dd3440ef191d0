package audit_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/vigil-cloud/vigil/internal/audit"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/store/storetest"
)

// The tampered log: 40 entries appended one by one, so that the history
// keeps the checkpoints of sizes 1, 6, 11, ..., 36 and the head is at 40.
const (
	tamperSize = 40
	mid        = 20
)

// proves: P3
func TestVerifyNamesTheFirstTamperedEntry(t *testing.T) {
	for _, c := range []struct {
		name    string
		tamper  func(t *testing.T, db *store.DB)
		wantSeq int64 // 0: the log verifies
		want    string
	}{
		{"untouched", func(*testing.T, *store.DB) {}, 0, ""},
		{"data changed", flipColumn("audit_entries", "data", "seq", mid), mid, "content does not match its hash"},
		{"sealed personal fields changed", flipColumn("audit_entries", "personal_sealed", "seq", mid), mid, "content does not match its hash"},
		{"account changed", sqlExec(`UPDATE audit_entries SET account_id = 'acc_other' WHERE seq = ?`, mid), mid, "account column does not match"},
		{"prev_hash changed", flipColumn("audit_entries", "prev_hash", "seq", mid), mid, "prev_hash does not match"},
		{"hash changed", flipColumn("audit_entries", "hash", "seq", mid), mid, "content does not match its hash"},
		{"seq changed", sqlExec(`UPDATE audit_entries SET seq = 1000 WHERE seq = ?`, mid), mid, "missing"},
		{"seq moved before the start", sqlExec(`UPDATE audit_entries SET seq = -5 WHERE seq = ?`, mid), mid, "missing"},
		{"middle row deleted", sqlExec(`DELETE FROM audit_entries WHERE seq = ?`, mid), mid, "missing"},
		{"last rows deleted", sqlExec(`DELETE FROM audit_entries WHERE seq > ?`, 37), 38, "truncated"},
		{"rows truncated and head rolled back", rollBack(30, 26), 27, "truncated"},
		{"two rows swapped", swapRows(mid, mid+1), mid, "reordered"},
		{"leaf tree hash changed", flipColumn("audit_hashes", "hash", "idx", tlog.StoredHashIndex(0, mid-1)), mid, "stored tree hash"},
		// The subtree of records 16..19 is completed, and stored, by entry 20.
		{"inner tree hash changed", flipColumn("audit_hashes", "hash", "idx", tlog.StoredHashIndex(2, 4)), mid, "stored tree hash"},
		{"tree hash deleted", sqlExec(`DELETE FROM audit_hashes WHERE idx = ?`, tlog.StoredHashIndex(0, mid-1)), mid, "missing"},
		{"head checkpoint forged", forgeCheckpoint("audit_head", "id", 1), tamperSize, "signature does not verify"},
		{"history checkpoint forged", forgeCheckpoint("audit_checkpoints", "size", 21), 21, "signature does not verify"},
		{"old checkpoint replayed as head", sqlExec(`UPDATE audit_head SET checkpoint = (SELECT checkpoint FROM audit_checkpoints WHERE size = 36)`), tamperSize, "signs size 36"},
	} {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB, clk *clock.Fake) {
				f := newFixture(t, db, clk)
				l := f.start(t, audit.Options{HistoryEvery: 5})
				for i := range tamperSize {
					if _, err := l.Append(context.Background(), entry(i, fmt.Sprintf("acc_%d", i%2), fmt.Sprintf("usr_%d", i%3))); err != nil {
						t.Fatal(err)
					}
				}
				c.tamper(t, db)
				r := f.verify(t)
				t.Log(r)
				if r.FirstBad != c.wantSeq || !strings.Contains(r.Problem, c.want) {
					t.Fatalf("Verify = %q (first bad %d), want entry %d: %q", r.Problem, r.FirstBad, c.wantSeq, c.want)
				}
				if r.OK() != (c.wantSeq == 0) {
					t.Fatalf("Verify OK = %v with problem %q", r.OK(), r.Problem)
				}
			})
		})
	}
}

func write(t *testing.T, db *store.DB, fn func(tx *store.Tx) error) {
	t.Helper()
	if err := db.Write(context.Background(), fn); err != nil {
		t.Fatalf("tamper: %v", err)
	}
}

func sqlExec(q string, args ...any) func(*testing.T, *store.DB) {
	return func(t *testing.T, db *store.DB) {
		write(t, db, func(tx *store.Tx) error {
			_, err := tx.Exec(context.Background(), q, args...)
			return err
		})
	}
}

// flipColumn flips the last bit of a blob column of the row whose key is key.
func flipColumn(table, column, keyColumn string, key int64) func(*testing.T, *store.DB) {
	return func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		write(t, db, func(tx *store.Tx) error {
			var b []byte
			if err := tx.QueryRow(ctx, `SELECT `+column+` FROM `+table+` WHERE `+keyColumn+` = ?`, key).Scan(&b); err != nil {
				return err
			}
			if len(b) == 0 {
				b = []byte{0}
			}
			b[len(b)-1] ^= 1
			_, err := tx.Exec(ctx, `UPDATE `+table+` SET `+column+` = ? WHERE `+keyColumn+` = ?`, b, key)
			return err
		})
	}
}

func swapRows(a, b int64) func(*testing.T, *store.DB) {
	return func(t *testing.T, db *store.DB) {
		sqlExec(`UPDATE audit_entries SET seq = -1 WHERE seq = ?`, a)(t, db)
		sqlExec(`UPDATE audit_entries SET seq = ? WHERE seq = ?`, a, b)(t, db)
		sqlExec(`UPDATE audit_entries SET seq = ? WHERE seq = -1`, b)(t, db)
	}
}

// rollBack deletes the rows after keep and sets the head back to the
// (genuine) history checkpoint of size head, as an intruder hiding the last
// entries would.
func rollBack(keep, head int64) func(*testing.T, *store.DB) {
	return func(t *testing.T, db *store.DB) {
		sqlExec(`DELETE FROM audit_entries WHERE seq > ?`, keep)(t, db)
		sqlExec(`UPDATE audit_head SET size = ?, checkpoint = (SELECT checkpoint FROM audit_checkpoints WHERE size = ?)`, head, head)(t, db)
	}
}

// forgeCheckpoint re-signs a stored checkpoint's text with a key of the same
// name that is not the log's.
func forgeCheckpoint(table, keyColumn string, key int64) func(*testing.T, *store.DB) {
	return func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		forger, _ := newKey(t)
		write(t, db, func(tx *store.Tx) error {
			var msg string
			if err := tx.QueryRow(ctx, `SELECT checkpoint FROM `+table+` WHERE `+keyColumn+` = ?`, key).Scan(&msg); err != nil {
				return err
			}
			text, _, _ := strings.Cut(msg, "\n\n")
			forged, err := note.Sign(&note.Note{Text: text + "\n"}, forger)
			if err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `UPDATE `+table+` SET checkpoint = ? WHERE `+keyColumn+` = ?`, string(forged), key)
			return err
		})
	}
}
