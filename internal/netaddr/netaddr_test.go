package netaddr

import "testing"

func TestPrefix(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.77":              "203.0.113.0/24",
		"::ffff:198.51.100.9":       "198.51.100.0/24",
		"2001:db8:1234:5678::1":     "2001:db8:1234::/48",
		"not an address":            "",
		"2001:db8:1234:5678::1%en0": "2001:db8:1234::/48",
	} {
		if got := Prefix(in); got != want {
			t.Errorf("Prefix(%q) = %q, want %q", in, got, want)
		}
	}
}
