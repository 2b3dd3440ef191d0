package keys

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"

	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/streamingaead"

	"github.com/vigil-cloud/vigil/internal/errs"
)

// A sealed stream is a header, then Tink streaming-AEAD ciphertext:
//
//	version (1 byte) | length of wrapped key (4 bytes, big endian) | wrapped key
//
// The wrapped key is the blob's own content key (a Tink AES256-GCM-HKDF
// streaming keyset) encrypted by the account's data key. New blobs use 4 KiB
// ciphertext segments: the writer and reader buffer one segment, so a
// recorded 2-s segment no longer allocates 2 MiB of buffers to seal (blobs
// sealed earlier with 1 MiB segments still open: the size is in the keyset).
// Destroying the account key thus makes every blob of the account noise, and
// each blob's key is unrelated to the others'. (Tink stores the key IDs of
// the wrapped keyset beside it, unauthenticated; it ignores them on reading.)
const (
	streamVersion  byte = 1
	streamHeadLen       = 5
	maxWrappedHead      = 4096 // a wrapped content key is about 200 bytes
)

// contentKeyAD binds a blob's content key to the blob's associated data, so
// the header of one blob does not open another.
func contentKeyAD(ad []byte) []byte { return append([]byte("vigil/blob-content-key/v1\x00"), ad...) }

// contentKeyTemplate is the template of new content keys.
var contentKeyTemplate = streamingaead.AES256GCMHKDF4KBKeyTemplate

// EncryptStream returns a writer that encrypts what it is given into dst
// under a fresh content key wrapped by the account's key (made on first use).
// Close finishes the stream; it does not close dst. ad must be given again to
// DecryptStream.
func (k *Keyring) EncryptStream(ctx context.Context, accountID string, dst io.Writer, ad []byte) (io.WriteCloser, error) {
	account, err := k.AEAD(ctx, ScopeAccount, accountID)
	if err != nil {
		return nil, err
	}
	h, err := keyset.NewHandle(contentKeyTemplate())
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "generate content key")
	}
	wrapped, err := wrapKeyset(h, account, contentKeyAD(ad))
	if err != nil {
		return nil, err
	}
	head := make([]byte, streamHeadLen, streamHeadLen+len(wrapped))
	head[0] = streamVersion
	binary.BigEndian.PutUint32(head[1:], uint32(len(wrapped)))
	if _, err := dst.Write(append(head, wrapped...)); err != nil {
		return nil, err
	}
	s, err := streamingaead.New(h)
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "content key")
	}
	w, err := s.NewEncryptingWriter(dst, ad)
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "start encrypting")
	}
	return w, nil
}

// DecryptStream returns a reader of the plaintext of a stream EncryptStream
// made. Errors: errs.Gone when the account key was destroyed, errs.Invalid
// when src is not such a stream or not for this account and ad; reads of a
// tampered or truncated stream fail with errs.Invalid.
func (k *Keyring) DecryptStream(ctx context.Context, accountID string, src io.Reader, ad []byte) (io.Reader, error) {
	var head [streamHeadLen]byte
	if _, err := io.ReadFull(src, head[:]); err != nil {
		return nil, streamErr(err)
	}
	if head[0] != streamVersion {
		return nil, errs.E(errs.Invalid, "sealed stream: unknown version %d", head[0])
	}
	n := binary.BigEndian.Uint32(head[1:])
	if n == 0 || n > maxWrappedHead {
		return nil, errs.E(errs.Invalid, "sealed stream: bad header length %d", n)
	}
	wrapped := make([]byte, n)
	if _, err := io.ReadFull(src, wrapped); err != nil {
		return nil, streamErr(err)
	}
	account, err := k.dataKey(ctx, ScopeAccount, accountID, false)
	if err != nil {
		return nil, err
	}
	h, err := keyset.ReadWithAssociatedData(keyset.NewBinaryReader(bytes.NewReader(wrapped)), account, contentKeyAD(ad))
	if err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "sealed stream: content key does not open for this account and associated data")
	}
	s, err := streamingaead.New(h)
	if err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "sealed stream: content key is not a streaming key")
	}
	r, err := s.NewDecryptingReader(src, ad)
	if err != nil {
		return nil, streamErr(err)
	}
	return &plainReader{r: r}, nil
}

// plainReader maps Tink's decryption errors to errs codes.
type plainReader struct{ r io.Reader }

func (p *plainReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if err != nil && err != io.EOF {
		err = streamErr(err)
	}
	return n, err
}

// streamErr keeps domain errors from the source (a cancelled context, a
// missing blob) and calls anything else a stream that does not decrypt.
func streamErr(err error) error {
	var e *errs.Error
	if errors.As(err, &e) {
		return err
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errs.Wrap(err, errs.Invalid, "sealed stream is truncated")
	}
	return errs.Wrap(err, errs.Invalid, "sealed stream does not decrypt")
}
