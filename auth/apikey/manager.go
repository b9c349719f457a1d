package apikey

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kiln-health/kiln/fhir/store"
)

// MinPepperLen is the shortest pepper accepted: as long as the HMAC-SHA-256
// output, so the pepper is never the weak link.
const MinPepperLen = 32

// Options configures a Manager.
type Options struct {
	// Now is the clock for Created; time.Now when nil.
	Now func() time.Time
}

// Manager creates, verifies, lists and revokes API keys.
type Manager struct {
	records store.Records
	pepper  []byte
	now     func() time.Time
}

// NewManager returns a Manager that keeps keys in records and hashes
// secrets with pepper (see LoadPepper), which must be at least
// MinPepperLen bytes.
func NewManager(records store.Records, pepper []byte, opts Options) (*Manager, error) {
	if len(pepper) < MinPepperLen {
		return nil, fmt.Errorf("apikey: pepper has %d bytes, need at least %d", len(pepper), MinPepperLen)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return &Manager{records: records, pepper: slices.Clone(pepper), now: now}, nil
}

// stored is the JSON value of a key record. ID and Tenant are the record's
// own Key and Tenant.
type stored struct {
	Name          string    `json:"name,omitempty"`
	Role          string    `json:"role"`
	FHIRUser      string    `json:"fhirUser,omitempty"`
	Scopes        []string  `json:"scopes,omitempty"`
	RatePerMinute int       `json:"ratePerMinute,omitempty"`
	Created       time.Time `json:"created"`
	Revoked       bool      `json:"revoked,omitempty"`
	Dev           bool      `json:"dev,omitempty"`
	// Hash is hex HMAC-SHA-256(pepper, secret bytes).
	Hash string `json:"hash"`
}

func (s stored) key(tenant, id string) Key {
	return Key{
		ID: id, Tenant: tenant, Name: s.Name, Role: s.Role, FHIRUser: s.FHIRUser, Scopes: s.Scopes,
		RatePerMinute: s.RatePerMinute, Created: s.Created, Revoked: s.Revoked, Dev: s.Dev,
	}
}

func (m *Manager) hash(secret []byte) []byte {
	h := hmac.New(sha256.New, m.pepper)
	h.Write(secret)
	return h.Sum(nil)
}

// createAttempts bounds retries on id collisions, which at 60 random bits
// should never need a second attempt.
const createAttempts = 3

// Create makes a new key from k's Tenant, Name, Role, Scopes,
// RatePerMinute and Dev (ID and Created are assigned, Revoked is ignored).
// It returns the plaintext key, which exists nowhere else: show it once.
func (m *Manager) Create(ctx context.Context, k Key) (plaintext string, created Key, err error) {
	switch {
	case k.Tenant == "":
		return "", Key{}, errors.New("apikey: create: tenant is required")
	case k.Role == "":
		return "", Key{}, errors.New("apikey: create: role is required")
	case k.RatePerMinute < 0:
		return "", Key{}, fmt.Errorf("apikey: create: negative rate %d", k.RatePerMinute)
	}
	secret := newSecret()
	s := stored{
		Name: k.Name, Role: k.Role, FHIRUser: k.FHIRUser, Scopes: slices.Clone(k.Scopes), RatePerMinute: k.RatePerMinute,
		Created: m.now().UTC().Truncate(time.Millisecond), Dev: k.Dev,
		Hash: hex.EncodeToString(m.hash(secret)),
	}
	value, err := json.Marshal(s)
	if err != nil {
		return "", Key{}, fmt.Errorf("apikey: create: %w", err)
	}

	// The tenant-less index record claims the id across all tenants; it
	// goes first so a collision is caught before anything else is written.
	var id string
	for attempt := 1; ; attempt++ {
		id = newID()
		err := m.records.InsertRecord(ctx, store.Record{Kind: kindTenant, Key: id, Value: []byte(k.Tenant)})
		if err == nil {
			break
		}
		if !errors.Is(err, store.ErrConflict) || attempt == createAttempts {
			return "", Key{}, fmt.Errorf("apikey: create: %w", err)
		}
	}
	if err := m.records.InsertRecord(ctx, store.Record{Tenant: k.Tenant, Kind: kindKey, Key: id, Value: value}); err != nil {
		// Best effort: a leftover index record only makes Verify fail.
		_ = m.records.DeleteRecord(context.WithoutCancel(ctx), "", kindTenant, id)
		return "", Key{}, fmt.Errorf("apikey: create %s: %w", id, err)
	}
	return format(id, secret), s.key(k.Tenant, id), nil
}

// Verify returns the key that plaintext presents. Keys that must be refused
// give an error wrapping ErrInvalidKey; other errors (the database is down)
// do not, so callers can answer 503 rather than 401. Error messages name at
// most the key's public id, never the secret. Ids are public, so Verify
// does not hide (by timing) whether one exists; only secrets are compared
// in constant time.
//
// The caller must still check that Key.Tenant is the tenant being accessed.
func (m *Manager) Verify(ctx context.Context, plaintext string) (Key, error) {
	id, secret, err := parse(plaintext)
	if err != nil {
		return Key{}, fmt.Errorf("apikey: %w: %w", ErrInvalidKey, err)
	}
	idx, err := m.records.GetRecord(ctx, "", kindTenant, id)
	if errors.Is(err, store.ErrNotFound) {
		return Key{}, fmt.Errorf("apikey: %w: unknown id %s", ErrInvalidKey, id)
	}
	if err != nil {
		return Key{}, fmt.Errorf("apikey: verify %s: %w", id, err)
	}
	tenant := string(idx.Value)
	s, err := m.get(ctx, tenant, id)
	if errors.Is(err, store.ErrNotFound) {
		return Key{}, fmt.Errorf("apikey: %w: unknown id %s", ErrInvalidKey, id)
	}
	if err != nil {
		return Key{}, fmt.Errorf("apikey: verify: %w", err)
	}
	want, err := hex.DecodeString(s.Hash)
	if err != nil {
		return Key{}, fmt.Errorf("apikey: verify: key %s has a corrupt hash", id)
	}
	if !hmac.Equal(m.hash(secret), want) {
		return Key{}, fmt.Errorf("apikey: %w: wrong secret for %s", ErrInvalidKey, id)
	}
	if s.Revoked {
		return Key{}, fmt.Errorf("apikey: %w: %s is revoked", ErrInvalidKey, id)
	}
	return s.key(tenant, id), nil
}

// get reads and decodes one key record.
func (m *Manager) get(ctx context.Context, tenant, id string) (stored, error) {
	r, err := m.records.GetRecord(ctx, tenant, kindKey, id)
	if err != nil {
		return stored{}, err
	}
	var s stored
	if err := json.Unmarshal(r.Value, &s); err != nil {
		return stored{}, fmt.Errorf("key %s: %w", id, err)
	}
	return s, nil
}

// Revoke marks a key revoked, so it no longer verifies but stays listed,
// and drops its index record. Revoking a revoked key is not an error; an
// unknown one is (wrapping store.ErrNotFound).
func (m *Manager) Revoke(ctx context.Context, tenant, id string) error {
	if !validID(id) {
		return fmt.Errorf("apikey: revoke: malformed id: %w", store.ErrNotFound)
	}
	s, err := m.get(ctx, tenant, id)
	if err != nil {
		return fmt.Errorf("apikey: revoke %s: %w", id, err)
	}
	if !s.Revoked {
		s.Revoked = true
		value, err := json.Marshal(s)
		if err != nil {
			return fmt.Errorf("apikey: revoke %s: %w", id, err)
		}
		if err := m.records.PutRecord(ctx, store.Record{Tenant: tenant, Kind: kindKey, Key: id, Value: value}); err != nil {
			return fmt.Errorf("apikey: revoke %s: %w", id, err)
		}
	}
	// The key record already refuses; the index record is only tidied.
	if err := m.records.DeleteRecord(ctx, "", kindTenant, id); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("apikey: revoke %s: %w", id, err)
	}
	return nil
}

// List returns a tenant's keys, revoked ones included, ordered by id.
func (m *Manager) List(ctx context.Context, tenant string) ([]Key, error) {
	rs, err := m.records.ListRecords(ctx, tenant, kindKey)
	if err != nil {
		return nil, fmt.Errorf("apikey: list %q: %w", tenant, err)
	}
	keys := make([]Key, 0, len(rs))
	for _, r := range rs {
		var s stored
		if err := json.Unmarshal(r.Value, &s); err != nil {
			return nil, fmt.Errorf("apikey: list %q: key %s: %w", tenant, r.Key, err)
		}
		keys = append(keys, s.key(tenant, r.Key))
	}
	return keys, nil
}

// HasDevKeys reports whether any of the tenants holds an unrevoked
// development key. Production startup refuses to serve when it does: a
// development key's secret may sit in a shell history or a README.
func (m *Manager) HasDevKeys(ctx context.Context, tenants []string) (bool, error) {
	for _, t := range tenants {
		keys, err := m.List(ctx, t)
		if err != nil {
			return false, err
		}
		for _, k := range keys {
			if k.Dev && !k.Revoked {
				return true, nil
			}
		}
	}
	return false, nil
}
