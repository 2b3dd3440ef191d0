// Package netaddr shortens IP addresses to their network, which is what
// vigil keeps once the retention of a full address ends.
package netaddr

import "net/netip"

// Prefix returns the network part of an address: /24 for IPv4 (and
// IPv4-mapped IPv6), /48 for IPv6; "" for something that is not an address.
func Prefix(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ""
	}
	a = a.Unmap()
	bits := 48
	if a.Is4() {
		bits = 24
	}
	p, _ := a.Prefix(bits)
	return p.String()
}
