package audit

import (
	"bytes"
	"context"
	"fmt"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Report is what Verify found. The first problem stops the check.
type Report struct {
	Entries     int64  // entries checked
	Checkpoints int    // signed checkpoints checked, the head's included
	FirstBad    int64  // Seq of the first bad entry (for a checkpoint, the last entry it covers); 0 when intact
	Problem     string // what is wrong, e.g. "entry 1234: content does not match its hash"
}

// OK reports whether the log verified.
func (r Report) OK() bool { return r.Problem == "" }

func (r Report) String() string {
	if r.OK() {
		return fmt.Sprintf("audit log intact: %d entries, %d checkpoints verified", r.Entries, r.Checkpoints)
	}
	return r.Problem
}

// checkpointPage is how many history checkpoints Verify reads at a time.
const checkpointPage = 1000

// Verify checks the whole log in one pass, streaming entries and tree hashes
// in order: seqs are contiguous up to the signed head; each row's prev_hash
// is the previous row's hash and its hash is SHA-256(prev_hash || leaf); the
// stored tree hashes are the ones the entries give; and at every stored
// checkpoint's size the tree root is the one the checkpoint signs, under
// verifier's key. A tampered log yields a Report naming the first bad entry;
// the error is for failures to read. Entries appended after the head was
// read are left for the next run. A log whose head and history were both
// rolled back to an older signed state passes: compare the head with a
// checkpoint kept elsewhere to rule that out.
func Verify(ctx context.Context, s Store, verifier note.Verifier) (Report, error) {
	head, err := s.Head(ctx)
	if err != nil {
		return Report{}, err
	}
	v := &verification{store: s, verifier: verifier, head: head}
	if head.HistorySize > head.Size {
		return v.bad(head.Size+1, "entry %d: missing: a checkpoint of size %d was signed but the head is at %d (log truncated)",
			head.Size+1, head.HistorySize, head.Size), nil
	}
	if head.Size > 0 && head.Checkpoint == "" {
		return v.bad(head.Size, "checkpoint of size %d: missing from the head", head.Size), nil
	}

	ctx, cancel := context.WithCancel(ctx)
	rows := startCursor(ctx, func(emit func(Row) error) error {
		return s.ScanRows(ctx, 1, head.Size, emit)
	})
	hashes := startCursor(ctx, func(emit func(storedHash) error) error {
		return s.ScanHashes(ctx, 0, tlog.StoredHashCount(head.Size), func(i int64, h []byte) error {
			// A hash of the wrong length is a mismatch for the check to name.
			sh := storedHash{index: i, ok: len(h) == tlog.HashSize}
			copy(sh.hash[:], h)
			return emit(sh)
		})
	})
	defer func() {
		cancel()
		rows.stop()
		hashes.stop()
	}()
	v.hashes = hashes
	for {
		row, ok := rows.next()
		if !ok {
			break
		}
		if problem, err := v.entry(ctx, row); problem || err != nil {
			return v.report, err
		}
	}
	if rows.err != nil {
		return Report{}, rows.err
	}
	if v.tree.size < head.Size {
		return v.bad(v.tree.size+1, "entry %d: missing (log truncated: the signed head is at %d)", v.tree.size+1, head.Size), nil
	}
	v.report.Entries = v.tree.size
	return v.report, nil
}

type storedHash struct {
	index int64
	hash  tlog.Hash
	ok    bool // the stored value had a hash's length
}

// verification is Verify's state as it walks the log.
type verification struct {
	store    Store
	verifier note.Verifier
	head     Head
	hashes   *cursor[storedHash]
	tree     frontier
	leaf     []byte

	checkpoints []Checkpoint // the next history checkpoints, in size order
	historyRead int64        // size of the last history checkpoint read
	historyDone bool

	report Report
}

func (v *verification) bad(seq int64, format string, args ...any) Report {
	v.report.Entries = v.tree.size
	v.report.FirstBad = seq
	v.report.Problem = fmt.Sprintf(format, args...)
	return v.report
}

// entry checks the next row and the checkpoints it completes. It reports
// whether it found a problem (in v.report).
func (v *verification) entry(ctx context.Context, row Row) (bool, error) {
	seq := v.tree.size + 1
	var problem string
	dataSeq, decodes := dataSeq(row.Data)
	account, _ := dataAccount(row.Data)
	leaf := appendLeaf(v.leaf[:0], row.Data, row.Sealed)
	v.leaf = leaf
	hash := chainHash(v.tree.chain[:], leaf)
	switch {
	case row.Seq != seq:
		problem = "missing"
	case !decodes:
		problem = "content is malformed"
	case dataSeq != seq:
		problem = fmt.Sprintf("holds the content of entry %d (rows reordered)", dataSeq)
	case string(account) != row.AccountID:
		problem = "account column does not match its content"
	case !bytes.Equal(row.PrevHash, v.tree.chain[:]):
		problem = fmt.Sprintf("prev_hash does not match the hash of entry %d", seq-1)
	case !bytes.Equal(row.Hash, hash[:]):
		problem = "content does not match its hash"
	}
	if problem != "" {
		v.bad(seq, "entry %d: %s", seq, problem)
		return true, nil
	}
	first := tlog.StoredHashCount(seq - 1)
	hs, err := v.tree.add(leaf)
	if err != nil {
		return false, err
	}
	v.tree.chain = hash
	for i, h := range hs {
		want := first + int64(i)
		stored, ok := v.hashes.next()
		switch {
		case !ok && v.hashes.err != nil:
			return false, v.hashes.err
		case !ok || stored.index != want:
			v.bad(seq, "entry %d: tree hash %d is missing", seq, want)
			return true, nil
		case !stored.ok || stored.hash != h:
			v.bad(seq, "entry %d: stored tree hash %d does not match the entries", seq, want)
			return true, nil
		}
	}
	return v.checkpointsAt(ctx)
}

// checkpointsAt checks every signed checkpoint of the tree's current size:
// those in the history, and the head's once the walk reaches it.
func (v *verification) checkpointsAt(ctx context.Context) (bool, error) {
	size := v.tree.size
	for {
		if len(v.checkpoints) == 0 && !v.historyDone {
			page, err := v.store.Checkpoints(ctx, v.historyRead, checkpointPage)
			if err != nil {
				return false, err
			}
			v.checkpoints, v.historyDone = page, len(page) < checkpointPage
			if len(page) > 0 {
				v.historyRead = page[len(page)-1].Size
			}
		}
		if len(v.checkpoints) == 0 || v.checkpoints[0].Size != size {
			break
		}
		if v.checkpoint(size, v.checkpoints[0].Note) {
			return true, nil
		}
		v.checkpoints = v.checkpoints[1:]
	}
	if size == v.head.Size && v.checkpoint(size, v.head.Checkpoint) {
		return true, nil
	}
	return false, nil
}

// checkpoint checks one signed checkpoint against the tree's current root.
func (v *verification) checkpoint(size int64, msg string) bool {
	v.report.Checkpoints++
	tree, err := openCheckpoint(msg, v.verifier)
	var problem string
	switch {
	case err != nil:
		problem = err.Error()
	case tree.N != size:
		problem = fmt.Sprintf("signs size %d", tree.N)
	default:
		root, err := v.tree.root()
		if err != nil {
			problem = err.Error()
		} else if root != tree.Hash {
			problem = "tree root does not match the entries"
		}
	}
	if problem == "" {
		return false
	}
	v.bad(size, "checkpoint of size %d (entry %d): %s", size, size, problem)
	return true
}
