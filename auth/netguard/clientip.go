package netguard

import (
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the reverse proxies (load balancers, ingress) whose
// X-Forwarded-For headers are believed.
type Proxies []netip.Prefix

func (p Proxies) trusted(a netip.Addr) bool { return contains(p, a) }

// ClientIP returns the address of the client that made r.
//
// It starts from the TCP peer (r.RemoteAddr). Only when the peer is a
// trusted proxy does it read X-Forwarded-For (every header line, in order,
// comma-separated), walking from the right, the entry the nearest proxy
// appended, past trusted proxies to the first untrusted address: entries
// further left were written by the client and may be forged. If every
// entry is trusted it returns the leftmost. A malformed entry ends the walk
// and the last good address is returned, which is then a trusted proxy's.
// Entries with a port ("192.0.2.1:4711", "[2001:db8::1]:4711") are
// accepted, as some load balancers write them.
//
// The zero Addr is returned when RemoteAddr holds no IP address (a Unix
// socket); it matches no allowlist.
func (p Proxies) ClientIP(r *http.Request) netip.Addr {
	addr := parseHost(r.RemoteAddr)
	if !addr.IsValid() || !p.trusted(addr) {
		return addr
	}
	hops := forwardedFor(r.Header)
	for i := len(hops) - 1; i >= 0; i-- {
		hop := parseHost(strings.TrimSpace(hops[i]))
		if !hop.IsValid() {
			break
		}
		addr = hop
		if !p.trusted(addr) {
			break
		}
	}
	return addr
}

// forwardedFor returns the X-Forwarded-For entries of all header lines,
// left to right: several lines mean the same as one joined by commas.
func forwardedFor(h http.Header) []string {
	var hops []string
	for _, line := range h.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(line, ",")...)
	}
	return hops
}

// parseHost parses "addr", "ipv4:port" or "[ipv6]:port" into an unzoned
// address with IPv4-mapped IPv6 unmapped; the zero Addr if it is none.
func parseHost(s string) netip.Addr {
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, err := netip.ParseAddrPort(s)
		if err != nil {
			return netip.Addr{}
		}
		a = ap.Addr()
	}
	return a.WithZone("").Unmap()
}
