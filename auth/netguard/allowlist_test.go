package netguard

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/internal/testbackends"
)

func eachBackend(t *testing.T, fn func(t *testing.T, s store.Store)) {
	for _, b := range testbackends.All() {
		t.Run(b.Name, func(t *testing.T) { fn(t, b.Open(t)) })
	}
}

func TestAllowlistPersistence(t *testing.T) {
	eachBackend(t, func(t *testing.T, s store.Store) {
		ctx := t.Context()
		if p, err := Allowlist(ctx, s, "acme"); err != nil || p != nil {
			t.Errorf("Allowlist of a tenant without one = %v, %v; want none", p, err)
		}
		if err := SetAllowlist(ctx, s, "acme", []string{"10.1.2.3/8", "2001:db8::1"}); err != nil {
			t.Fatalf("SetAllowlist: %v", err)
		}
		got, err := Allowlist(ctx, s, "acme")
		if err != nil || len(got) != 2 || got[0].String() != "10.0.0.0/8" || got[1].String() != "2001:db8::1/128" {
			t.Errorf("Allowlist = %v, %v; want [10.0.0.0/8 2001:db8::1/128]", got, err)
		}
		if p, err := Allowlist(ctx, s, "beta"); err != nil || p != nil {
			t.Errorf("another tenant's Allowlist = %v, %v; want none", p, err)
		}

		// An invalid list is refused and leaves the old one in place.
		if err := SetAllowlist(ctx, s, "acme", []string{"10.0.0.0/8", "not-an-ip"}); err == nil {
			t.Error("SetAllowlist accepted not-an-ip")
		}
		if err := SetAllowlist(ctx, s, "", []string{"10.0.0.0/8"}); err == nil {
			t.Error("SetAllowlist accepted an empty tenant")
		}
		if got, _ := Allowlist(ctx, s, "acme"); len(got) != 2 {
			t.Errorf("Allowlist after a refused change = %v; want the old two entries", got)
		}

		if err := SetAllowlist(ctx, s, "acme", nil); err != nil {
			t.Fatalf("SetAllowlist(empty): %v", err)
		}
		if p, err := Allowlist(ctx, s, "acme"); err != nil || p != nil {
			t.Errorf("Allowlist after clearing = %v, %v; want none", p, err)
		}

		// Corrupt stored data is an error, not "allow all".
		if err := s.PutRecord(ctx, store.Record{Tenant: "bad", Kind: allowlistKind, Value: []byte(`["10.0.0.0/99"]`)}); err != nil {
			t.Fatal(err)
		}
		if _, err := NewAllowlists(s, 0).Allowed(ctx, "bad", netip.MustParseAddr("10.0.0.1")); err == nil {
			t.Error("Allowed with a corrupt allowlist: no error")
		}
	})
}

func TestAllowed(t *testing.T) {
	eachBackend(t, func(t *testing.T, s store.Store) {
		ctx := t.Context()
		if err := SetAllowlist(ctx, s, "acme", []string{"10.0.0.0/8", "198.51.100.7", "2001:db8::/32"}); err != nil {
			t.Fatal(err)
		}
		if err := SetAllowlist(ctx, s, "open", []string{}); err != nil {
			t.Fatal(err)
		}
		a := NewAllowlists(s, time.Minute)
		for _, tc := range []struct {
			tenant string
			addr   string // "" for the zero Addr
			want   bool
		}{
			{"acme", "10.20.30.40", true},
			{"acme", "198.51.100.7", true},
			{"acme", "198.51.100.8", false},
			{"acme", "11.0.0.1", false},
			{"acme", "2001:db8:5::1", true},
			{"acme", "2001:db9::1", false},
			{"acme", "::ffff:10.0.0.1", true}, // IPv4-mapped
			{"acme", "fe80::1%eth0", false},
			{"acme", "", false},
			{"open", "203.0.113.1", true}, // empty list
			{"open", "", true},
			{"none", "203.0.113.1", true}, // no list at all
		} {
			var addr netip.Addr
			if tc.addr != "" {
				addr = netip.MustParseAddr(tc.addr)
			}
			got, err := a.Allowed(ctx, tc.tenant, addr)
			if err != nil || got != tc.want {
				t.Errorf("Allowed(%s, %s) = %v, %v; want %v", tc.tenant, tc.addr, got, err, tc.want)
			}
		}
	})
}

func TestAllowlistsCacheTTL(t *testing.T) {
	eachBackend(t, func(t *testing.T, s store.Store) {
		ctx := t.Context()
		now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		a := NewAllowlists(s, 0)
		a.now = func() time.Time { return now }
		client := netip.MustParseAddr("203.0.113.5")
		allowed := func(want bool, when string) {
			t.Helper()
			if got, err := a.Allowed(ctx, "acme", client); err != nil || got != want {
				t.Errorf("%s: Allowed = %v, %v; want %v", when, got, err, want)
			}
		}

		allowed(true, "no allowlist yet")
		if err := SetAllowlist(ctx, s, "acme", []string{"10.0.0.0/8"}); err != nil {
			t.Fatal(err)
		}
		now = now.Add(DefaultTTL - time.Millisecond)
		allowed(true, "allowlist set, cache not yet expired")
		now = now.Add(time.Millisecond)
		allowed(false, "cache expired after DefaultTTL")

		// A new cache (another server, a restart) reads the stored list.
		if got, err := NewAllowlists(s, time.Second).Allowed(ctx, "acme", client); err != nil || got {
			t.Errorf("fresh Allowlists: Allowed = %v, %v; want false", got, err)
		}

		if err := SetAllowlist(ctx, s, "acme", []string{"203.0.113.0/24"}); err != nil {
			t.Fatal(err)
		}
		allowed(false, "changed, still cached")
		a.Invalidate("acme")
		allowed(true, "after Invalidate")
	})
}

func TestAllowlistsSweepsExpired(t *testing.T) {
	eachBackend(t, func(t *testing.T, s store.Store) {
		now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		a := NewAllowlists(s, time.Second)
		a.now = func() time.Time { return now }
		for _, tenant := range []string{"a", "b", "c"} {
			if _, err := a.Allowed(t.Context(), tenant, netip.MustParseAddr("10.0.0.1")); err != nil {
				t.Fatal(err)
			}
		}
		now = now.Add(3 * time.Second)
		if _, err := a.Allowed(t.Context(), "d", netip.MustParseAddr("10.0.0.1")); err != nil {
			t.Fatal(err)
		}
		if len(a.cache) != 1 {
			t.Errorf("cache holds %d tenants after their entries expired; want 1", len(a.cache))
		}
	})
}

func TestAllowedStoreError(t *testing.T) {
	s := testbackends.All()[0].Open(t)
	a := NewAllowlists(s, time.Second)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ok, err := a.Allowed(t.Context(), "acme", netip.MustParseAddr("10.0.0.1"))
	if err == nil || ok || errors.Is(err, store.ErrNotFound) {
		t.Errorf("Allowed on a closed store = %v, %v; want false and an error", ok, err)
	}
}
