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

func TestLimitKey(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.77":            "203.0.113.77",
		"::ffff:198.51.100.9":     "198.51.100.9",
		"2001:db8:1:2::1":         "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff:1:2:3": "2001:db8:1:2::/64",
		"2001:db8:1:3::1":         "2001:db8:1:3::/64",
		"not an address":          "not an address",
	} {
		if got := LimitKey(in); got != want {
			t.Errorf("LimitKey(%q) = %q, want %q", in, got, want)
		}
	}
}
