package safedial_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/safedial"
)

// Every special-purpose range of the IANA registries is refused, at both
// ends and inside, in IPv4, in IPv4-mapped IPv6 and in IPv6; public
// addresses next to them are allowed.
// proves: P6
func TestSpecialPurposeRangesRefused(t *testing.T) {
	refused := []string{
		"0.0.0.0", "0.255.255.255", "10.0.0.1", "10.255.255.255", "100.64.0.0", "100.100.100.200", "100.127.255.255",
		"127.0.0.1", "127.255.255.254", "169.254.169.254", "172.16.0.1", "172.31.255.255", "192.0.0.1", "192.0.0.170",
		"192.0.2.1", "192.31.196.1", "192.52.193.1", "192.88.99.1", "192.168.1.1", "192.175.48.1", "198.18.0.1",
		"198.19.255.255", "198.51.100.7", "203.0.113.9", "224.0.0.1", "239.255.255.250", "240.0.0.1", "250.1.2.3",
		"255.255.255.255",
		"::ffff:10.0.0.1", "::ffff:169.254.169.254", "::ffff:100.64.0.1", "::ffff:198.18.0.1",
		"::", "::1", "::10.0.0.1", "64:ff9b::a00:1", "64:ff9b::808:808", "64:ff9b:1::1", "100::1", "2001::1",
		"2001:0:4136:e378::1", "2001:2::1", "2001:10::1", "2001:20::1", "2001:db8::1", "2002:a00:1::1", "2002:808:808::1",
		"3fff::1", "5f00::1", "fc00::1", "fd12:3456::1", "fe80::1", "fe80::1%eth0", "febf::1", "fec0::1", "feff::1",
		"ff02::1", "ff0e::1",
	}
	allowed := []string{
		"1.1.1.1", "8.8.8.8", "9.255.255.255", "11.0.0.1", "100.63.255.255", "100.128.0.0", "172.15.255.255",
		"172.32.0.0", "192.0.1.0", "192.167.255.255", "192.169.0.0", "198.17.255.255", "198.20.0.0", "223.255.255.255",
		"::ffff:8.8.8.8", "2001:4860:4860::8888", "2606:4700:4700::1111", "2a00:1450:4001::1", "2001:200::1",
	}
	for _, s := range refused {
		if safedial.Allowed(netip.MustParseAddr(s), false) {
			t.Errorf("%s allowed", s)
		}
	}
	for _, s := range allowed {
		if !safedial.Allowed(netip.MustParseAddr(s), false) {
			t.Errorf("%s refused", s)
		}
	}
	for _, s := range []string{"127.0.0.1", "::1", "::ffff:127.0.0.1"} {
		if !safedial.Allowed(netip.MustParseAddr(s), true) {
			t.Errorf("loopback %s refused when allowed", s)
		}
	}
	if safedial.Allowed(netip.MustParseAddr("10.0.0.1"), true) {
		t.Error("allowing loopback allowed a private address")
	}
}

// The check is made at dial time, on the address dialled: a name that
// resolves to an inside address is refused even though the URL names no
// address; and a redirect is not followed.
// proves: P6
func TestCheckedAtDialTime(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	// "localhost" resolves to loopback: refused unless loopback is allowed.
	c := safedial.Client(false, 5*time.Second)
	_, err := c.Get("http://localhost:" + port + "/")
	if err == nil || !errors.Is(err, safedial.ErrBlocked) {
		t.Fatalf("a name resolving to loopback: %v", err)
	}
	res, err := safedial.Client(true, 5*time.Second).Get("http://localhost:" + port + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		t.Errorf("the redirect was followed: %d", res.StatusCode)
	}
	// A direct dial of a metadata address fails at once, before any packet.
	d := &net.Dialer{Control: safedial.Control(false), Timeout: time.Second}
	if _, err := d.DialContext(context.Background(), "tcp", "169.254.169.254:80"); err == nil || !errors.Is(err, safedial.ErrBlocked) {
		t.Errorf("dial of the metadata address: %v", err)
	}
}
