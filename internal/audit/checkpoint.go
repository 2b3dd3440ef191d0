package audit

import (
	"crypto/rand"
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/vigil-cloud/vigil/internal/errs"
)

// A checkpoint is a signed note (golang.org/x/mod/sumdb/note, Ed25519) whose
// text is tlog.FormatTree's three lines followed by an origin line naming the
// log, the signer's name:
//
//	go.sum database tree
//	<size>
//	<root hash, base64>
//	<origin>
//
// tlog.ParseTree ignores the extra line, and the origin stops a checkpoint of
// one vigil log from passing for another's.

// GenerateKey returns a new Ed25519 signer key (secret: keep it sealed) and
// its verifier key (public) for the log named name, for example
// "vigil.example.com/audit".
func GenerateKey(name string) (skey, vkey string, err error) {
	skey, vkey, err = note.GenerateKey(rand.Reader, name)
	if err != nil {
		return "", "", errs.Wrap(err, errs.Invalid, "audit: generate checkpoint key")
	}
	return skey, vkey, nil
}

// signCheckpoint signs the tree of size entries with root hash.
func signCheckpoint(signer note.Signer, size int64, root tlog.Hash) (string, error) {
	text := string(tlog.FormatTree(tlog.Tree{N: size, Hash: root})) + signer.Name() + "\n"
	msg, err := note.Sign(&note.Note{Text: text}, signer)
	if err != nil {
		return "", errs.Wrap(err, errs.Internal, "audit: sign checkpoint")
	}
	return string(msg), nil
}

// openCheckpoint checks a checkpoint's signature and origin and returns the
// tree it describes.
func openCheckpoint(msg string, v note.Verifier) (tlog.Tree, error) {
	n, err := note.Open([]byte(msg), note.VerifierList(v))
	if err != nil {
		return tlog.Tree{}, fmt.Errorf("signature does not verify: %w", err)
	}
	tree, err := tlog.ParseTree([]byte(n.Text))
	if err != nil {
		return tlog.Tree{}, err
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) != 5 || lines[3] != v.Name() {
		return tlog.Tree{}, fmt.Errorf("origin is not %q", v.Name())
	}
	return tree, nil
}
