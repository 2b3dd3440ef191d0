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

// LimitKey is what per-address limits count under: an IPv4 address
// itself, an IPv6 address's /64, since one subscriber holds a whole /64 and
// can pick a fresh address in it for every attempt. Anything else is
// returned as given.
func LimitKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}
