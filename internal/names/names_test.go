package names_test

import (
	"strings"
	"testing"

	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/names"
)

// Names are normalised (width folded, spaces trimmed and collapsed) and
// refused when they hold what a reader cannot see: a right-to-left
// override that makes "gpj.exe" read "exe.jpg", zero-width characters that
// make two names look the same, controls, isolates, soft hyphens.
// proves: P6
func TestClean(t *testing.T) {
	ok := map[string]string{
		"Ana María":      "Ana María",
		"  Bob   Smith ": "Bob Smith",
		"ｆｕｌｌ ｗｉｄｔｈ":     "full width",
		"שלום עולם":      "שלום עולם",
		"Front door 📷":   "Front door 📷",
	}
	for in, want := range ok {
		got, err := names.Clean("name", in, 1, 100)
		if err != nil || got != want {
			t.Errorf("Clean(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for name, in := range map[string]string{
		"right-to-left override": "Invoice\u202Egpj.exe",
		"left-to-right isolate":  "abc\u2066x",
		"zero-width space":       "Bob\u200BSmith",
		"zero-width joiner":      "Bob\u200DSmith",
		"byte order mark":        "x\uFEFFy",
		"soft hyphen":            "a\u00ADb",
		"control":                "bell\a",
		"new line":               "two\nlines",
		"empty":                  "   ",
		"too long":               strings.Repeat("a", 101),
		"not UTF-8":              "\xff\xfe",
	} {
		if _, err := names.Clean("name", in, 1, 100); !errs.Is(err, errs.Invalid) {
			t.Errorf("%s: err = %v, want invalid", name, err)
		}
	}
}
