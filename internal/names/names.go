// Package names normalises and checks the names people give things: their
// own name, accounts, sites, devices, staff. A name is mapped and checked
// with the PRECIS Nickname profile (RFC 8266): width and compatibility
// forms folded (NFKC), spaces trimmed and collapsed, and anything a reader
// cannot see refused: control characters, bidirectional overrides and
// isolates, zero-width characters, soft hyphens. So a name cannot
// impersonate another that looks the same, reorder the text around it, or
// hide what it says.
//
// names never accepts a string it cannot show as it will be stored.
package names

import (
	"unicode/utf8"

	"golang.org/x/text/secure/precis"

	"github.com/vigil-cloud/vigil/internal/errs"
)

// Clean returns the normalised form of a name given for field, or
// errs.Invalid saying what is wrong. The name must have min to max
// characters once normalised.
func Clean(field, s string, min, max int) (string, error) {
	if !utf8.ValidString(s) || len(s) > 4*max+64 {
		return "", errs.E(errs.Invalid, "%s must be %d to %d characters of text", field, min, max)
	}
	if s == "" && min == 0 {
		return "", nil
	}
	out, err := precis.Nickname.String(s)
	if err != nil {
		return "", errs.E(errs.Invalid, "%s holds a character that cannot be shown (a control, invisible or text-direction character)", field)
	}
	if n := utf8.RuneCountInString(out); n < min || n > max {
		return "", errs.E(errs.Invalid, "%s must be %d to %d characters of text", field, min, max)
	}
	return out, nil
}
