// Package safedial connects only to the public internet. Addresses people
// give vigil (webhooks, push services, an exporter's key URL) must not
// become a way into vigil's own networks: every connection is checked at
// dial time, on the address actually dialled (after DNS, so a name that
// resolves, or re-resolves, to an inside address is refused), against the
// special-purpose ranges of the IANA IPv4 and IPv6 registries, multicast
// and the reserved space; and redirects are not followed.
//
// safedial never lets a connection reach a special-purpose address, except
// loopback when its caller allows it (tests and demos).
package safedial

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// blocked are the IANA special-purpose ranges (RFC 6890 and the registries
// that follow it), multicast and reserved space. IPv4-mapped IPv6
// addresses are checked as the IPv4 address they carry.
var blocked = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		// IPv4 special-purpose address registry.
		"0.0.0.0/8",          // "this network"
		"10.0.0.0/8",         // private
		"100.64.0.0/10",      // shared address space (carrier-grade NAT)
		"127.0.0.0/8",        // loopback
		"169.254.0.0/16",     // link local (cloud metadata services)
		"172.16.0.0/12",      // private
		"192.0.0.0/24",       // IETF protocol assignments
		"192.0.2.0/24",       // documentation (TEST-NET-1)
		"192.31.196.0/24",    // AS112-v4
		"192.52.193.0/24",    // AMT
		"192.88.99.0/24",     // deprecated 6to4 relay anycast
		"192.168.0.0/16",     // private
		"192.175.48.0/24",    // direct delegation AS112
		"198.18.0.0/15",      // benchmarking
		"198.51.100.0/24",    // documentation (TEST-NET-2)
		"203.0.113.0/24",     // documentation (TEST-NET-3)
		"224.0.0.0/4",        // multicast
		"240.0.0.0/4",        // reserved
		"255.255.255.255/32", // limited broadcast
		// IPv6 special-purpose address registry.
		"::/96",          // unspecified, loopback, deprecated IPv4-compatible
		"64:ff9b::/96",   // IPv4/IPv6 translation (NAT64): reaches IPv4 inside
		"64:ff9b:1::/48", // local-use IPv4/IPv6 translation
		"100::/64",       // discard-only
		"2001::/23",      // IETF protocol assignments (Teredo, benchmarking, ORCHID...)
		"2001:db8::/32",  // documentation
		"2002::/16",      // 6to4: reaches IPv4 inside
		"3fff::/20",      // documentation
		"5f00::/16",      // segment routing SIDs
		"fc00::/7",       // unique local
		"fe80::/10",      // link local
		"fec0::/10",      // deprecated site local
		"ff00::/8",       // multicast
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// ErrBlocked is returned for an address vigil does not connect to.
var ErrBlocked = errors.New("refusing a connection to a special-purpose (non-public) address")

// Allowed reports whether a is a public address vigil may connect to;
// loopback too when allowLoopback.
func Allowed(a netip.Addr, allowLoopback bool) bool {
	if !a.IsValid() {
		return false
	}
	a = a.Unmap().WithZone("")
	if allowLoopback {
		for _, p := range loopback {
			if p.Contains(a) {
				return true
			}
		}
	}
	for _, p := range blocked {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// Control is a net.Dialer Control that refuses every address Allowed
// refuses.
func Control(allowLoopback bool) func(network, address string, c syscall.RawConn) error {
	return func(_, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return err
		}
		a, err := netip.ParseAddr(host)
		if err != nil {
			return errors.New("not an IP address")
		}
		if !Allowed(a, allowLoopback) {
			return ErrBlocked
		}
		return nil
	}
}

// Client returns an HTTP client that dials public addresses only (and
// loopback when allowed), uses no proxy and follows no redirect.
func Client(allowLoopback bool, timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, Control: Control(allowLoopback)}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	tr.DialContext = d.DialContext
	// Pushes and webhooks go to few hosts, many at once: keep enough idle
	// connections per host that each send does not dial (and handshake)
	// again (the default keeps 2).
	tr.MaxIdleConnsPerHost = 64
	return &http.Client{Timeout: timeout, Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}
