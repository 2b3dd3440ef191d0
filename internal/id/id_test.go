package id_test

import (
	"strings"
	"testing"

	"github.com/vigil-cloud/vigil/internal/id"
)

func TestNewIsValidAndUnique(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		s := id.New("usr")
		if !strings.HasPrefix(s, "usr_") || !id.Valid(s) {
			t.Fatalf("%q is not a valid identifier", s)
		}
		if seen[s] {
			t.Fatalf("%q made twice", s)
		}
		seen[s] = true
	}
	for _, bad := range []string{"", "usr", "usr_short", "USR_aaaaaaaaaaaaaaaaaaaaaaaaaa", "toolong_aaaaaaaaaaaaaaaaaaaaaaaaaa"} {
		if id.Valid(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}
