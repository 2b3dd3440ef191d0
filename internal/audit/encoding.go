package audit

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/vigil-cloud/vigil/internal/datamap"
)

// The canonical encoding of an entry is what the chain and the tree hash, so
// it must never change for entries already written: a new layout gets a new
// version byte and the decoder keeps reading the old ones.
//
// Version 1, all integers big-endian:
//
//	byte    version (1)
//	uint64  seq
//	int64   time in microseconds since the Unix epoch
//	11 ×    uint32 length + bytes: actor kind, actor id, actor role, action,
//	        category, resource id, account id, purpose, decision, reason,
//	        subject id
//	uint32  length + bytes: the sealed personal fields (may be empty)
//
// Version 2 is version 1 with a twelfth string after the subject id: the API
// route the access came through ("GET /api/v1/accounts/{accountID}/devices"),
// so that an incident scoped to a route finds whose data it reached. An
// entry with no route (a job, a device) is still written as version 1, so
// the bytes of such entries never changed.
//
// Everything before the sealed personal fields is the row's data column; the
// sealed fields have a column of their own so that the data map can name them.
const (
	leafV1 = 1
	leafV2 = 2
)

// accountField is the position of the account id among the strings.
const accountField = 6

var errMalformed = errors.New("malformed entry encoding")

// appendData appends the encoding of e without its sealed personal fields.
func appendData(b []byte, e *Entry) []byte {
	strs := []string{
		string(e.ActorKind), e.ActorID, e.ActorRole, string(e.Action), string(e.Category),
		e.ResourceID, e.AccountID, string(e.Purpose), string(e.Decision), e.Reason, e.SubjectID,
	}
	version := byte(leafV1)
	if e.Route != "" {
		version = leafV2
		strs = append(strs, e.Route)
	}
	b = append(b, version)
	b = binary.BigEndian.AppendUint64(b, uint64(e.Seq))
	b = binary.BigEndian.AppendUint64(b, uint64(e.Time.UnixMicro()))
	for _, s := range strs {
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	return b
}

// stringsIn is how many length-prefixed strings a version's data holds
// (the sealed personal fields come after them); 0 for an unknown version.
func stringsIn(version byte) int {
	switch version {
	case leafV1:
		return 11
	case leafV2:
		return 12
	}
	return 0
}

// appendLeaf appends the Merkle leaf: data, then the length-prefixed sealed
// personal fields. The length prefix keeps the split unambiguous.
func appendLeaf(b, data, sealed []byte) []byte {
	b = append(b, data...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(sealed)))
	return append(b, sealed...)
}

// decodeLeaf parses a leaf back into the entry (without Personal) and its
// sealed personal fields. It accepts only a complete, exact encoding.
func decodeLeaf(leaf []byte) (Entry, []byte, error) {
	if len(leaf) < 17 || stringsIn(leaf[0]) == 0 {
		return Entry{}, nil, errMalformed
	}
	n := stringsIn(leaf[0])
	e := Entry{
		Seq:  int64(binary.BigEndian.Uint64(leaf[1:])),
		Time: time.UnixMicro(int64(binary.BigEndian.Uint64(leaf[9:]))).UTC(),
	}
	rest := leaf[17:]
	var f [13][]byte
	for i := range n + 1 {
		var ok bool
		if f[i], rest, ok = cut(rest); !ok {
			return Entry{}, nil, errMalformed
		}
	}
	if len(rest) != 0 {
		return Entry{}, nil, errMalformed
	}
	e.ActorKind, e.ActorID, e.ActorRole = ActorKind(f[0]), string(f[1]), string(f[2])
	e.Action, e.Category, e.ResourceID = Action(f[3]), datamap.CategoryID(f[4]), string(f[5])
	e.AccountID, e.Purpose, e.Decision = string(f[6]), datamap.Purpose(f[7]), Decision(f[8])
	e.Reason, e.SubjectID = string(f[9]), string(f[10])
	if n == 12 {
		if len(f[11]) == 0 {
			return Entry{}, nil, errMalformed // a version 2 entry always names its route
		}
		e.Route = string(f[11])
	}
	return e, f[n], nil
}

// dataSeq and dataAccount read single fields of a data column without
// decoding it all, for verification's hot loop.
func dataSeq(data []byte) (int64, bool) {
	if len(data) < 17 || stringsIn(data[0]) == 0 {
		return 0, false
	}
	return int64(binary.BigEndian.Uint64(data[1:])), true
}

func dataAccount(data []byte) ([]byte, bool) {
	if len(data) < 17 {
		return nil, false
	}
	rest := data[17:]
	for range accountField {
		var ok bool
		if _, rest, ok = cut(rest); !ok {
			return nil, false
		}
	}
	f, _, ok := cut(rest)
	return f, ok
}

// cut splits one length-prefixed field off b.
func cut(b []byte) (field, rest []byte, ok bool) {
	if len(b) < 4 {
		return nil, nil, false
	}
	n := binary.BigEndian.Uint32(b)
	if uint64(n) > uint64(len(b)-4) {
		return nil, nil, false
	}
	return b[4 : 4+n], b[4+n:], true
}
