package account

import (
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/errs"
)

func TestArgon2idHashes(t *testing.T) {
	h := Hasher{MemoryKiB: 8 * 1024, Time: 1}
	enc, err := h.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=8192,t=1,p=1$") || strings.Contains(enc, "correct") {
		t.Fatalf("encoding %q", enc)
	}
	if again, _ := h.Hash("correct horse battery"); again == enc {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	if ok, stale, err := h.Verify("correct horse battery", enc); !ok || stale || err != nil {
		t.Fatalf("right password: %v %v %v", ok, stale, err)
	}
	if ok, _, _ := h.Verify("correct horse batterY", enc); ok {
		t.Fatal("wrong password accepted")
	}
	stronger := Hasher{MemoryKiB: 16 * 1024, Time: 2}
	if ok, stale, _ := stronger.Verify("correct horse battery", enc); !ok || !stale {
		t.Fatalf("a hash of an older cost: ok %v stale %v", ok, stale)
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=0,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=8,t=1,p=1$!!$aGFzaA"} {
		if ok, _, err := h.Verify("x", bad); ok || err == nil {
			t.Errorf("%q: ok %v err %v", bad, ok, err)
		}
	}
}

// Passwords are long enough and hard to guess by a maintained estimator
// (zxcvbn), not length alone: a dictionary word with digits, a keyboard
// walk, a repeat, or the person's own address or name is refused however
// long it is.
// proves: P6
func TestPasswordRules(t *testing.T) {
	for pw, want := range map[string]bool{
		"short":                        false,
		"Summer2026!":                  false, // long enough, too easy
		"password1234":                 false,
		"qwertyuiop12":                 false,
		"aaaaaaaaaaaaaaaa":             false,
		"Ann Lovelace 1815":            false, // the person's name and a year
		"correct horse battery staple": true,
		"a long test passphrase":       true,
		strings.Repeat("x", 257):       false,
		"ann@example.com":              false,
		"\xff\xfe invalid utf8 x":      false,
	} {
		err := CheckPassword(pw, "ann@example.com", "Ann Lovelace")
		if (err == nil) != want || (err != nil && !errs.Is(err, errs.Invalid)) {
			t.Errorf("%q: %v", pw, err)
		}
	}
}

func TestTOTPWindowAndSteps(t *testing.T) {
	secret, url, err := newTOTP("vigil", "usr_x")
	if err != nil || !strings.HasPrefix(url, "otpauth://totp/vigil:usr_x?") {
		t.Fatalf("%q %v", url, err)
	}
	now := time.Date(2026, 5, 1, 12, 0, 15, 0, time.UTC)
	code, _ := TOTPCode(secret, now)
	step, ok := matchTOTP(secret, code, now)
	if !ok || step != now.Unix()/30 {
		t.Fatalf("current code: %v step %d", ok, step)
	}
	if _, ok := matchTOTP(secret, code, now.Add(30*time.Second)); !ok {
		t.Error("one step of clock skew refused")
	}
	if _, ok := matchTOTP(secret, code, now.Add(90*time.Second)); ok {
		t.Error("a code three steps old accepted")
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef"} {
		if _, ok := matchTOTP(secret, bad, now); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}
