package backend

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

const (
	// defaultJWKSLifetime applies when a JWKS response says nothing
	// about caching.
	defaultJWKSLifetime = 5 * time.Minute
	// maxJWKSLifetime caps what a response may ask for, so a removed
	// (compromised) key stops working within a day whatever the headers
	// said.
	maxJWKSLifetime = 24 * time.Hour
	// minRefetchInterval limits refetches triggered by unknown kids:
	// anyone can send assertions naming made-up kids, and each must not
	// cost the client's key server a request.
	minRefetchInterval = 30 * time.Second
	// maxJWKSBytes bounds a fetched key set; real ones are a few KiB.
	maxJWKSBytes = 1 << 20
	// jwksFetchTimeout bounds one fetch, whatever HTTPClient's own timeout.
	jwksFetchTimeout = 10 * time.Second
	maxRedirects     = 5
)

// jwksError is a failure to get a client's keys from its URL. msg is
// safe to show the client; err, if any, is the cause for logs.
type jwksError struct {
	msg string
	err error
}

func (e *jwksError) Error() string {
	if e.err == nil {
		return e.msg
	}
	return e.msg + ": " + e.err.Error()
}

func (e *jwksError) Unwrap() error { return e.err }

// jwksCache fetches and caches the key sets that clients publish at their
// JWKS URLs. Keys are cached as long as the response's Cache-Control
// max-age (or Expires) allows, and refetched early, at most every 30 s,
// when an assertion names a kid the cached set lacks: that is how a
// client rotating its keys is picked up without waiting for expiry.
type jwksCache struct {
	client *http.Client
	now    func() time.Time

	mu      sync.Mutex
	entries map[string]*jwksEntry
}

type jwksEntry struct {
	// mu is held across a fetch so that concurrent token requests of one
	// client wait for a single fetch rather than each starting one.
	mu        sync.Mutex
	keys      []jose.JSONWebKey
	attempted time.Time // last fetch, successful or not; zero: never
	expires   time.Time // when keys go stale
}

func newJWKSCache(client *http.Client, now func() time.Time) *jwksCache {
	return &jwksCache{client: client, now: now, entries: make(map[string]*jwksEntry)}
}

// keys returns the usable keys of the set at url whose kid is kid. It
// returns no keys and no error when the (fresh) set has no such kid.
func (c *jwksCache) keys(ctx context.Context, url, kid string) ([]jose.JSONWebKey, error) {
	e := c.entry(url)
	e.mu.Lock()
	defer e.mu.Unlock()
	now := c.now()
	if e.attempted.IsZero() || !now.Before(e.expires) {
		if err := c.refresh(ctx, url, e, now); err != nil {
			return nil, err
		}
	}
	keys := keysWithID(e.keys, kid)
	if len(keys) == 0 && now.Sub(e.attempted) >= minRefetchInterval {
		if err := c.refresh(ctx, url, e, now); err != nil {
			return nil, err
		}
		keys = keysWithID(e.keys, kid)
	}
	return keys, nil
}

func (c *jwksCache) entry(url string) *jwksEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[url]
	if !ok {
		e = &jwksEntry{}
		c.entries[url] = e
	}
	return e
}

// refresh fetches the set into e. On failure e keeps its old keys (and
// expiry), so a fresh set stays usable while the client's server is
// briefly down.
func (c *jwksCache) refresh(ctx context.Context, url string, e *jwksEntry, now time.Time) error {
	e.attempted = now
	keys, lifetime, err := c.fetch(ctx, url, now)
	if err != nil {
		return err
	}
	e.keys, e.expires = keys, now.Add(lifetime)
	return nil
}

func (c *jwksCache) fetch(ctx context.Context, url string, now time.Time) ([]jose.JSONWebKey, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, jwksFetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, 0, &jwksError{msg: "the registered jwks_url is not a valid URL", err: err}
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, 0, &jwksError{msg: "the registered jwks_url could not be fetched", err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, 0, &jwksError{msg: fmt.Sprintf("the registered jwks_url answered HTTP %d", resp.StatusCode)}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, 0, &jwksError{msg: "reading the key set from the registered jwks_url failed", err: err}
	}
	if len(body) > maxJWKSBytes {
		return nil, 0, &jwksError{msg: fmt.Sprintf("the key set at the registered jwks_url exceeds %d bytes", maxJWKSBytes)}
	}
	keys, err := parseRemoteKeySet(body)
	if err != nil {
		msg := "the key set at the registered jwks_url is unusable"
		if je, ok := errors.AsType[*jwksError](err); ok {
			msg += ": " + je.msg
		}
		return nil, 0, &jwksError{msg: msg, err: err}
	}
	return keys, cacheLifetime(resp.Header, now), nil
}

func keysWithID(keys []jose.JSONWebKey, kid string) []jose.JSONWebKey {
	var out []jose.JSONWebKey
	for _, k := range keys {
		if k.KeyID == kid {
			out = append(out, k)
		}
	}
	return out
}

// cacheLifetime is how long a response may be used (RFC 9111 §4.2.1):
// Cache-Control max-age wins over Expires (measured from the response's
// Date, so the two servers' clocks need not agree); no-store and
// no-cache mean not at all; neither header means defaultJWKSLifetime.
func cacheLifetime(h http.Header, now time.Time) time.Duration {
	maxAge, found := -1, false
	for _, line := range h.Values("Cache-Control") {
		for _, directive := range strings.Split(line, ",") {
			name, value, _ := strings.Cut(strings.TrimSpace(directive), "=")
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "no-store", "no-cache":
				return 0
			case "max-age":
				n, err := strconv.Atoi(strings.Trim(strings.TrimSpace(value), `"`))
				if err == nil && n >= 0 && !found {
					maxAge, found = n, true
				}
			}
		}
	}
	if found {
		return clampLifetime(time.Duration(maxAge) * time.Second)
	}
	if exp := h.Get("Expires"); exp != "" {
		t, err := http.ParseTime(exp)
		if err != nil {
			return 0 // RFC 9111 §5.3: an invalid Expires means already expired
		}
		base := now
		if d, err := http.ParseTime(h.Get("Date")); err == nil {
			base = d
		}
		return clampLifetime(t.Sub(base))
	}
	return defaultJWKSLifetime
}

func clampLifetime(d time.Duration) time.Duration {
	return min(max(d, 0), maxJWKSLifetime)
}

// withSafeRedirects returns a copy of client that follows only redirects
// a jwks_url could be registered with (https, or http on loopback), so a
// redirect cannot downgrade the fetch of a client's keys to plain http.
func withSafeRedirects(client *http.Client) *http.Client {
	c := *client
	next := client.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return errors.New("too many redirects")
		}
		if err := checkJWKSURL(req.URL.String()); err != nil {
			return fmt.Errorf("refusing redirect: %w", err)
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
	return &c
}
