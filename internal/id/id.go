// Package id makes vigil's random identifiers: a short type prefix and 128
// random bits ("usr_..."). Identifiers are unguessable, so they reveal
// nothing and cannot be enumerated; they must never be derived from
// anything about a person.
package id

import (
	"crypto/rand"
	"encoding/base32"
	"regexp"
	"strings"
)

// New returns a random identifier with a type prefix, e.g. "usr_...".
func New(prefix string) string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error()) // the OS random source never fails on supported systems
	}
	return prefix + "_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

var pattern = regexp.MustCompile(`^[a-z]{2,5}_[a-z2-7]{26}$`)

// Valid reports whether s has the shape New gives.
func Valid(s string) bool { return pattern.MatchString(s) }
