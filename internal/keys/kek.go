package keys

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/insecurecleartextkeyset"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"

	"github.com/vigil-cloud/vigil/internal/errs"
)

// KEK is the key-encryption key: it wraps data keys and system secrets and is
// the root of the hierarchy. It is the seam for an external KMS (Vault
// transit, a cloud KMS): such a KEK keeps its key outside vigil and
// implements Encrypt and Decrypt by calling the service. Its method set
// matches tink.AEAD, so Tink can wrap keysets with it directly.
type KEK interface {
	// ID names the KEK version, so each wrapped row records which KEK
	// wrapped it and rotation knows what is left to rewrap.
	ID() string
	Encrypt(plaintext, associatedData []byte) ([]byte, error)
	Decrypt(ciphertext, associatedData []byte) ([]byte, error)
}

// LocalKEK is a KEK held in this process: a Tink AES256-GCM keyset read from
// the key file or from VIGIL_KEK. The keyset is stored in clear: it IS the
// root key, so the file must be protected by its permissions (or replaced by
// a KMS). A keyset may hold several keys during rotation: the primary
// encrypts, and any of them decrypts what it encrypted.
type LocalKEK struct {
	handle *keyset.Handle
	aead   tink.AEAD
	id     string
}

var _ KEK = (*LocalKEK)(nil)

// NewLocalKEK returns a fresh KEK kept only in memory (for tests, and as the
// start of a new key file).
func NewLocalKEK() (*LocalKEK, error) {
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "generate KEK")
	}
	return newLocalKEK(h)
}

func newLocalKEK(h *keyset.Handle) (*LocalKEK, error) {
	a, err := aead.New(h)
	if err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "KEK keyset is not an AEAD keyset")
	}
	p, err := h.Primary()
	if err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "KEK keyset has no primary key")
	}
	return &LocalKEK{handle: h, aead: a, id: fmt.Sprintf("local:%d", p.KeyID())}, nil
}

// ID names the keyset's primary key.
func (k *LocalKEK) ID() string { return k.id }

// Encrypt encrypts under the primary key.
func (k *LocalKEK) Encrypt(plaintext, associatedData []byte) ([]byte, error) {
	return k.aead.Encrypt(plaintext, associatedData)
}

// Decrypt decrypts with whichever key of the keyset encrypted.
func (k *LocalKEK) Decrypt(ciphertext, associatedData []byte) ([]byte, error) {
	return k.aead.Decrypt(ciphertext, associatedData)
}

// KEKFromEnv parses the KEK from the value of VIGIL_KEK: the base64 (standard
// alphabet) of the JSON keyset, the same bytes as the key file.
func KEKFromEnv(value string) (*LocalKEK, error) {
	js, err := base64.StdEncoding.DecodeString(strings.TrimSpace(value))
	if err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "VIGIL_KEK is not base64")
	}
	k, err := parseKeyset(js)
	if err != nil {
		return nil, fmt.Errorf("VIGIL_KEK: %w", err)
	}
	return k, nil
}

func parseKeyset(js []byte) (*LocalKEK, error) {
	h, err := insecurecleartextkeyset.Read(keyset.NewJSONReader(bytes.NewReader(js)))
	if err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "not a Tink JSON keyset")
	}
	return newLocalKEK(h)
}

func (k *LocalKEK) marshal() ([]byte, error) {
	var buf bytes.Buffer
	if err := insecurecleartextkeyset.Write(k.handle, keyset.NewJSONWriter(&buf)); err != nil {
		return nil, errs.Wrap(err, errs.Internal, "serialise KEK")
	}
	return buf.Bytes(), nil
}
