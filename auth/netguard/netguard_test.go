package netguard

import (
	"net/netip"
	"slices"
	"testing"
)

func TestParseCIDRs(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want []string // canonical; nil when an error is expected
	}{
		{in: []string{}, want: []string{}},
		{in: []string{"10.0.0.0/8", "192.0.2.7", " 2001:db8::/32 ", "2001:db8::1"},
			want: []string{"10.0.0.0/8", "192.0.2.7/32", "2001:db8::/32", "2001:db8::1/128"}},
		{in: []string{"10.1.2.3/8"}, want: []string{"10.0.0.0/8"}},          // host bits cleared
		{in: []string{"::ffff:192.0.2.7"}, want: []string{"192.0.2.7/32"}},  // mapped → IPv4
		{in: []string{"::ffff:10.0.0.0/104"}, want: []string{"10.0.0.0/8"}}, // mapped prefix
		{in: []string{"0.0.0.0/0", "::/0"}, want: []string{"0.0.0.0/0", "::/0"}},
		{in: []string{""}},
		{in: []string{"10.0.0.0/33"}},
		{in: []string{"10.0.0.256"}},
		{in: []string{"example.org"}},
		{in: []string{"10.0.0.0/8", "nope"}},
		{in: []string{"fe80::1%eth0"}},
		{in: []string{"::ffff:0:0/95"}},
		{in: []string{"10.0.0.0/8/8"}},
	} {
		got, err := ParseCIDRs(tc.in)
		if tc.want == nil {
			if err == nil {
				t.Errorf("ParseCIDRs(%q) = %v; want an error", tc.in, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseCIDRs(%q): %v", tc.in, err)
			continue
		}
		var s []string
		for _, p := range got {
			s = append(s, p.String())
		}
		if !slices.Equal(s, tc.want) && !(len(s) == 0 && len(tc.want) == 0) {
			t.Errorf("ParseCIDRs(%q) = %q; want %q", tc.in, s, tc.want)
		}
	}
}

func mustPrefixes(t *testing.T, cidrs ...string) []netip.Prefix {
	t.Helper()
	p, err := ParseCIDRs(cidrs)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
