package netguard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/kiln-health/kiln/fhir/store"
)

// An allowlist is one record per tenant: JSON list of canonical CIDRs.
const allowlistKind = "ip-allowlist"

// SetAllowlist sets the address ranges (CIDRs or bare addresses, see
// ParseCIDRs) from which tenant may be reached. An empty list allows every
// address. Servers notice the change within their Allowlists' TTL.
func SetAllowlist(ctx context.Context, records store.Records, tenant string, cidrs []string) error {
	if tenant == "" {
		return errors.New("netguard: set allowlist: tenant is required")
	}
	prefixes, err := ParseCIDRs(cidrs)
	if err != nil {
		return fmt.Errorf("netguard: set allowlist of %q: %w", tenant, err)
	}
	canon := make([]string, len(prefixes))
	for i, p := range prefixes {
		canon[i] = p.String()
	}
	value, err := json.Marshal(canon)
	if err != nil {
		return fmt.Errorf("netguard: set allowlist of %q: %w", tenant, err)
	}
	if err := records.PutRecord(ctx, store.Record{Tenant: tenant, Kind: allowlistKind, Value: value}); err != nil {
		return fmt.Errorf("netguard: set allowlist of %q: %w", tenant, err)
	}
	return nil
}

// Allowlist returns tenant's allowed ranges; none (nil) means every
// address is allowed.
func Allowlist(ctx context.Context, records store.Records, tenant string) ([]netip.Prefix, error) {
	r, err := records.GetRecord(ctx, tenant, allowlistKind, "")
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("netguard: allowlist of %q: %w", tenant, err)
	}
	var cidrs []string
	if err := json.Unmarshal(r.Value, &cidrs); err != nil {
		return nil, fmt.Errorf("netguard: allowlist of %q: %w", tenant, err)
	}
	prefixes, err := ParseCIDRs(cidrs)
	if err != nil {
		return nil, fmt.Errorf("netguard: allowlist of %q: %w", tenant, err)
	}
	if len(prefixes) == 0 {
		return nil, nil
	}
	return prefixes, nil
}

// DefaultTTL is how long Allowlists trusts what it read when given no TTL.
const DefaultTTL = 5 * time.Second

// Allowlists answers allowlist checks from a per-tenant cache, so requests
// do not each read the database; changes made on any server take effect
// within the TTL.
type Allowlists struct {
	records store.Records
	ttl     time.Duration
	now     func() time.Time // tests replace it

	mu        sync.Mutex
	cache     map[string]cached
	nextSweep time.Time
	// gen counts Invalidate calls, so a load that raced one is not cached.
	gen uint64
}

type cached struct {
	prefixes []netip.Prefix
	expires  time.Time
}

// NewAllowlists returns a cache over records holding each tenant's
// allowlist for ttl (DefaultTTL when ≤ 0).
func NewAllowlists(records store.Records, ttl time.Duration) *Allowlists {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	return &Allowlists{records: records, ttl: ttl, now: time.Now, cache: make(map[string]cached)}
}

// Allowed reports whether addr may reach tenant. Addresses that are not
// valid (see Proxies.ClientIP) are refused by any non-empty allowlist. An
// error means the allowlist could not be read; callers should refuse the
// request (fail closed) rather than allow it.
func (a *Allowlists) Allowed(ctx context.Context, tenant string, addr netip.Addr) (bool, error) {
	prefixes, err := a.get(ctx, tenant)
	if err != nil {
		return false, err
	}
	if len(prefixes) == 0 {
		return true, nil
	}
	return contains(prefixes, addr.WithZone("").Unmap()), nil
}

// Invalidate drops tenant's cached allowlist, so a change made through this
// server applies to its next request.
func (a *Allowlists) Invalidate(tenant string) {
	a.mu.Lock()
	delete(a.cache, tenant)
	a.gen++
	a.mu.Unlock()
}

// get returns tenant's allowlist from the cache or the records. Loads run
// outside the lock: concurrent misses may both read, which is harmless.
func (a *Allowlists) get(ctx context.Context, tenant string) ([]netip.Prefix, error) {
	now := a.now()
	a.mu.Lock()
	c, ok := a.cache[tenant]
	gen := a.gen
	a.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.prefixes, nil
	}
	prefixes, err := Allowlist(ctx, a.records, tenant)
	if err != nil {
		return nil, err // not cached: the next request retries
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	// Expired entries of tenants no longer asked about are dropped, so the
	// cache holds at most the tenants seen within about two TTLs.
	if !now.Before(a.nextSweep) {
		for t, c := range a.cache {
			if !now.Before(c.expires) {
				delete(a.cache, t)
			}
		}
		a.nextSweep = now.Add(a.ttl)
	}
	if gen == a.gen {
		a.cache[tenant] = cached{prefixes: prefixes, expires: now.Add(a.ttl)}
	}
	return prefixes, nil
}
