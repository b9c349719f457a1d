// Package netguard decides where a request comes from and whether that
// address may reach a tenant: it finds the client address behind trusted
// reverse proxies and checks it against per-tenant IP allowlists.
package netguard

import (
	"fmt"
	"net/netip"
	"strings"
)

// ParseCIDRs parses address ranges given as CIDRs ("10.0.0.0/8",
// "2001:db8::/32") or bare addresses (one host). Host bits are cleared
// ("10.1.2.3/8" is 10.0.0.0/8) and IPv4-mapped IPv6 forms become IPv4, so
// a range matches however the address was written. Errors quote the
// offending entry.
func ParseCIDRs(cidrs []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(cidrs))
	for i, s := range cidrs {
		p, err := parsePrefix(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("netguard: entry %d %q: %w", i+1, s, err)
		}
		out = append(out, p)
	}
	return out, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		if a.Zone() != "" {
			return netip.Prefix{}, fmt.Errorf("zoned address not allowed")
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	if a := p.Addr(); a.Is4In6() {
		if p.Bits() < 96 {
			return netip.Prefix{}, fmt.Errorf("IPv4-mapped prefix shorter than /96")
		}
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}

// contains reports whether any prefix holds a.
func contains(prefixes []netip.Prefix, a netip.Addr) bool {
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
