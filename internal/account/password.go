package account

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"
	"golang.org/x/crypto/argon2"

	"github.com/vigil-cloud/vigil/internal/errs"
)

// Hasher hashes passwords with argon2id and encodes them in the PHC string
// format, so a later change of cost still verifies old hashes.
type Hasher struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
}

const (
	saltLen = 16
	keyLen  = 32
)

// Hash returns the encoded argon2id hash of password.
func (h Hasher) Hash(password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, h.Time, h.MemoryKiB, h.threads(), keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.MemoryKiB, h.Time, h.threads(),
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

func (h Hasher) threads() uint8 { return max(h.Threads, 1) }

// Verify reports whether password matches encoded, in constant time.
// stale is true when the hash used another cost and should be redone.
func (h Hasher) Verify(password, encoded string) (ok, stale bool, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, false, fmt.Errorf("not an argon2id hash")
	}
	var version int
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, false, fmt.Errorf("unsupported argon2 version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 {
		return false, false, fmt.Errorf("bad argon2 parameters")
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false, false, fmt.Errorf("bad argon2 encoding")
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	ok = subtle.ConstantTimeCompare(got, want) == 1
	return ok, m != h.MemoryKiB || t != h.Time || p != h.threads(), nil
}

// minStrength is the lowest zxcvbn score (0-4) a password may have: 3 is
// "safely unguessable" (about 10^8 guesses and more) for an online attack
// slowed by argon2id and the sign-in delays.
const minStrength = 3

// CheckPassword applies vigil's password rules: long enough, hard to guess
// by a maintained estimator (zxcvbn: dictionaries, keyboard patterns,
// dates, repeats, and the person's own address and name), not absurdly
// long (argon2 cost), and not the e-mail address.
func CheckPassword(password, email string, related ...string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case !utf8.ValidString(password):
		return errs.E(errs.Invalid, "password must be valid UTF-8 text")
	case n < 10:
		return errs.E(errs.Invalid, "password must have at least 10 characters")
	case n > 256:
		return errs.E(errs.Invalid, "password must have at most 256 characters")
	case email != "" && strings.EqualFold(strings.TrimSpace(password), strings.TrimSpace(email)):
		return errs.E(errs.Invalid, "password must not be your e-mail address")
	}
	inputs := append([]string{"vigil", "camera"}, related...)
	if email != "" {
		local, domain, _ := strings.Cut(email, "@")
		inputs = append(inputs, email, local, domain)
		inputs = append(inputs, strings.FieldsFunc(local+"."+domain, func(r rune) bool { return r == '.' || r == '-' || r == '_' || r == '+' })...)
	}
	if zxcvbn.PasswordStrength(password, inputs).Score < minStrength {
		return errs.E(errs.Invalid, "this password is too easy to guess: use a longer passphrase of several unrelated words")
	}
	return nil
}
