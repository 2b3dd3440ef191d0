package audit

import (
	"crypto/sha256"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// frontier is the right edge of the Merkle tree: for each set bit l of size,
// the hash of the complete subtree of 2^l records that bit stands for. It is
// every hash tlog needs to append the next record (tlog.StoredHashes) or to
// compute the root (tlog.TreeHash), so appending and verifying never read
// hashes back from the database. It also carries the chain's last hash.
type frontier struct {
	size   int64
	levels [64]tlog.Hash
	chain  [sha256.Size]byte // hash of entry size; zero for the empty log
}

// ReadHashes serves tlog from the frontier; it implements tlog.HashReader.
func (f *frontier) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		level, n := tlog.SplitStoredHashIndex(idx)
		if f.size>>level&1 == 0 || n != f.size>>level-1 {
			return nil, fmt.Errorf("audit: tree hash %d is not on the frontier of size %d", idx, f.size)
		}
		out[i] = f.levels[level]
	}
	return out, nil
}

// add appends the record with leaf data and returns the hashes tlog stores
// for it, from index tlog.StoredHashCount(size) on.
func (f *frontier) add(leaf []byte) ([]tlog.Hash, error) {
	hs, err := tlog.StoredHashes(f.size, leaf, f)
	if err != nil {
		return nil, err
	}
	// The record completes len(hs)-1 subtrees: their bits clear and the next
	// bit up is set with the last hash.
	f.levels[len(hs)-1] = hs[len(hs)-1]
	f.size++
	return hs, nil
}

// root returns the tree hash of the frontier's size.
func (f *frontier) root() (tlog.Hash, error) { return tlog.TreeHash(f.size, f) }

// frontierIndexes lists the stored-hash indexes of size's frontier, largest
// subtree first, and the level of each.
func frontierIndexes(size int64) (indexes []int64, levels []int) {
	for l := 63; l >= 0; l-- {
		if size>>l&1 == 1 {
			indexes = append(indexes, tlog.StoredHashIndex(l, size>>l-1))
			levels = append(levels, l)
		}
	}
	return indexes, levels
}

// chainHash returns SHA-256(prev || leaf), the hash a row stores.
func chainHash(prev, leaf []byte) [sha256.Size]byte {
	h := sha256.New()
	h.Write(prev)
	h.Write(leaf)
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out
}
