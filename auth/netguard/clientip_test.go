package netguard

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientIP(t *testing.T) {
	proxies := Proxies(mustPrefixes(t, "10.0.0.0/8", "192.168.1.1", "2001:db8:1::/48"))
	for _, tc := range []struct {
		name   string
		remote string
		xff    []string // header lines
		want   string   // "" for the zero Addr
	}{
		{name: "direct client", remote: "203.0.113.9:5000", want: "203.0.113.9"},
		{name: "spoofed XFF from an untrusted peer", remote: "203.0.113.9:5000", xff: []string{"10.1.1.1"}, want: "203.0.113.9"},
		{name: "spoofed XFF chain from an untrusted peer", remote: "203.0.113.9:5000", xff: []string{"198.51.100.1, 10.0.0.2"}, want: "203.0.113.9"},
		{name: "trusted proxy, no XFF", remote: "10.0.0.1:443", want: "10.0.0.1"},
		{name: "one trusted proxy", remote: "10.0.0.1:443", xff: []string{"198.51.100.1"}, want: "198.51.100.1"},
		{name: "two trusted proxies", remote: "10.0.0.1:443", xff: []string{"198.51.100.1, 192.168.1.1"}, want: "198.51.100.1"},
		{name: "client forges entries left of its own", remote: "10.0.0.1:443", xff: []string{"10.9.9.9, 6.6.6.6, 198.51.100.1, 10.0.0.2"}, want: "198.51.100.1"},
		{name: "several header lines", remote: "10.0.0.1:443", xff: []string{"6.6.6.6", "198.51.100.1", "10.0.0.2, 10.0.0.3"}, want: "198.51.100.1"},
		{name: "all trusted: leftmost", remote: "10.0.0.1:443", xff: []string{"10.0.0.5, 192.168.1.1"}, want: "10.0.0.5"},
		{name: "spaces and no spaces", remote: "10.0.0.1:443", xff: []string{" 198.51.100.1 ,10.0.0.2 "}, want: "198.51.100.1"},
		{name: "malformed rightmost entry: peer", remote: "10.0.0.1:443", xff: []string{"198.51.100.1, unknown"}, want: "10.0.0.1"},
		{name: "malformed entry behind a trusted one", remote: "10.0.0.1:443", xff: []string{"198.51.100.1, 1.2.3.999, 10.0.0.2"}, want: "10.0.0.2"},
		{name: "malformed entry left of the client", remote: "10.0.0.1:443", xff: []string{"garbage, 198.51.100.1"}, want: "198.51.100.1"},
		{name: "empty entry", remote: "10.0.0.1:443", xff: []string{"198.51.100.1,,10.0.0.2"}, want: "10.0.0.2"},
		{name: "empty header", remote: "10.0.0.1:443", xff: []string{""}, want: "10.0.0.1"},
		{name: "entry with port", remote: "10.0.0.1:443", xff: []string{"198.51.100.1:4711"}, want: "198.51.100.1"},
		{name: "IPv6 client via IPv6 proxy", remote: "[2001:db8:1::5]:443", xff: []string{"2001:db8:ffff::1"}, want: "2001:db8:ffff::1"},
		{name: "IPv6 client with port", remote: "[2001:db8:1::5]:443", xff: []string{"[2001:db8:ffff::1]:4711"}, want: "2001:db8:ffff::1"},
		{name: "IPv6 untrusted peer", remote: "[2001:db8:2::5]:443", xff: []string{"198.51.100.1"}, want: "2001:db8:2::5"},
		{name: "IPv6 chain through an IPv4 proxy", remote: "10.0.0.1:443", xff: []string{"2001:db8:ffff::1, 2001:db8:1::9"}, want: "2001:db8:ffff::1"},
		{name: "IPv4-mapped peer is IPv4", remote: "[::ffff:10.0.0.1]:443", xff: []string{"::ffff:198.51.100.1"}, want: "198.51.100.1"},
		{name: "zoned peer", remote: "[fe80::1%eth0]:443", want: "fe80::1"},
		{name: "remote without port", remote: "10.0.0.1", xff: []string{"198.51.100.1"}, want: "198.51.100.1"},
		{name: "Unix socket peer", remote: "@", xff: []string{"198.51.100.1"}, want: ""},
		{name: "empty remote", remote: "", want: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/fhir/acme/Patient", nil)
			r.RemoteAddr = tc.remote
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			got := proxies.ClientIP(r)
			if tc.want == "" {
				if got.IsValid() {
					t.Errorf("ClientIP = %v; want the zero Addr", got)
				}
				return
			}
			if want := netip.MustParseAddr(tc.want); got != want {
				t.Errorf("ClientIP = %v; want %v", got, want)
			}
		})
	}
}

func TestClientIPNoProxies(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.0.0.1:443"
	r.Header.Set("X-Forwarded-For", "198.51.100.1")
	if got := Proxies(nil).ClientIP(r); got != netip.MustParseAddr("10.0.0.1") {
		t.Errorf("ClientIP with no trusted proxies = %v; want the peer", got)
	}
}
