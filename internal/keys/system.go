package keys

import (
	"bytes"
	"context"
	"encoding/binary"

	"github.com/tink-crypto/tink-go/v2/insecurecleartextkeyset"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/mac"
	"github.com/tink-crypto/tink-go/v2/tink"

	"github.com/vigil-cloud/vigil/internal/errs"
)

func secretAD(name string) []byte { return bind("vigil/system-secret/v1", name) }

// SystemSecret returns the named system secret (for example the audit log's
// signing key), calling generate to make it on first use. Concurrent first
// callers, on any node, all get the one secret that was stored first.
func (k *Keyring) SystemSecret(ctx context.Context, name string, generate func() ([]byte, error)) ([]byte, error) {
	if err := checkID("secret name", name); err != nil {
		return nil, err
	}
	w, err := k.store.SystemSecret(ctx, name)
	if errs.Is(err, errs.NotFound) {
		if err := k.createSecret(ctx, name, generate); err != nil {
			return nil, err
		}
		w, err = k.store.SystemSecret(ctx, name)
	}
	if err != nil {
		return nil, err
	}
	secret, err := k.unwrapper(w.KEKID).Decrypt(w.Wrapped, secretAD(name))
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "system secret %s does not unwrap", name)
	}
	return secret, nil
}

func (k *Keyring) createSecret(ctx context.Context, name string, generate func() ([]byte, error)) error {
	secret, err := generate()
	if err != nil {
		return errs.Wrap(err, errs.Internal, "generate system secret %s", name)
	}
	kek := k.wrapper()
	wrapped, err := kek.Encrypt(secret, secretAD(name))
	if err != nil {
		return errs.Wrap(err, errs.Internal, "wrap system secret %s", name)
	}
	return k.store.InsertSystemSecret(ctx, WrappedSecret{Name: name, KEKID: kek.ID(), Wrapped: wrapped})
}

// blindIndexSecret names the system secret holding the blind-index key: a
// Tink HMAC-SHA256 keyset, serialised in clear inside the KEK-wrapped secret.
const blindIndexSecret = "blind-index/v1"

// BlindIndex returns a keyed MAC of value, the same for the same domain and
// value, so a column can be searched (for example by e-mail address) without
// storing the value in clear. domain separates uses: the same value gives
// unrelated indexes in two domains.
func (k *Keyring) BlindIndex(ctx context.Context, domain string, value []byte) ([]byte, error) {
	if err := checkID("blind index domain", domain); err != nil {
		return nil, err
	}
	m, err := k.blindMAC(ctx)
	if err != nil {
		return nil, err
	}
	// Length-prefixing the domain keeps ("ab", "c") apart from ("a", "bc").
	msg := binary.BigEndian.AppendUint32(nil, uint32(len(domain)))
	msg = append(append(msg, domain...), value...)
	tag, err := m.ComputeMAC(msg)
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "blind index")
	}
	return tag, nil
}

func (k *Keyring) blindMAC(ctx context.Context) (tink.MAC, error) {
	k.mu.RLock()
	m := k.mac
	k.mu.RUnlock()
	if m != nil {
		return m, nil
	}
	raw, err := k.SystemSecret(ctx, blindIndexSecret, func() ([]byte, error) {
		h, err := keyset.NewHandle(mac.HMACSHA256Tag256KeyTemplate())
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		err = insecurecleartextkeyset.Write(h, keyset.NewBinaryWriter(&buf))
		return buf.Bytes(), err
	})
	if err != nil {
		return nil, err
	}
	h, err := insecurecleartextkeyset.Read(keyset.NewBinaryReader(bytes.NewReader(raw)))
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "blind-index key is not a keyset")
	}
	m, err = mac.New(h)
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "blind-index key is not a MAC key")
	}
	// The key never changes (rotating the KEK rewraps, not replaces, it), so
	// keeping it for the life of the keyring is safe.
	k.mu.Lock()
	k.mac = m
	k.mu.Unlock()
	return m, nil
}
