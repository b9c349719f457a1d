package vault

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kiln-health/kiln/fhir/store"
)

// Record kinds of the vault.
const (
	kindKey   = "vault-key"
	kindEntry = "vault-entry"
	kindIndex = "vault-index"
)

// Names of the vault-key records that are not DEKs. DEK ids start with
// "dek-", so they never collide with these.
const (
	keyCurrent = "current"
	keySecret  = "secret"
)

// What a wrapped key is for; stored so that a DEK record can never be
// taken for the tenant secret or the other way round.
const (
	purposeData   = "data"
	purposeSecret = "secret"
)

// keySize is the size of every vault key: AES-256, HMAC-SHA-256.
const keySize = 32

// storedKey is the JSON value of a wrapped key's record.
type storedKey struct {
	Purpose string    `json:"purpose"`
	Wrapper string    `json:"wrapper"` // KeyWrapper.Name
	KEK     string    `json:"kek"`     // the KEK id Wrap returned
	Wrapped []byte    `json:"wrapped"`
	Created time.Time `json:"created"`
}

// currentPointer is the JSON value of the "current" record.
type currentPointer struct {
	DEK string `json:"dek"`
}

// currentDEK returns the id and key of the tenant's current DEK, making the
// tenant's first DEK if it has none yet.
func (v *Vault) currentDEK(ctx context.Context, tenant string) (string, []byte, error) {
	id, err := v.currentID(ctx, tenant)
	if errors.Is(err, store.ErrNotFound) {
		id, err = v.firstDEK(ctx, tenant)
	}
	if err != nil {
		return "", nil, err
	}
	key, err := v.loadKey(ctx, tenant, id, purposeData)
	return id, key, err
}

// currentID reads the tenant's current DEK id; the error wraps
// store.ErrNotFound when the tenant has none.
func (v *Vault) currentID(ctx context.Context, tenant string) (string, error) {
	r, err := v.records.GetRecord(ctx, tenant, kindKey, keyCurrent)
	if err != nil {
		return "", fmt.Errorf("vault: tenant %s: current data key: %w", tenant, err)
	}
	var p currentPointer
	if err := json.Unmarshal(r.Value, &p); err != nil || p.DEK == "" {
		return "", fmt.Errorf("vault: tenant %s: current data key pointer is corrupt", tenant)
	}
	return p.DEK, nil
}

// firstDEK makes a tenant's first DEK. Processes that race to do it all
// end up with the DEK whose pointer was inserted first; the losers delete
// their own, which nothing has used.
func (v *Vault) firstDEK(ctx context.Context, tenant string) (string, error) {
	id := v.newDEKID()
	if _, err := v.newKey(ctx, tenant, id, purposeData); err != nil {
		return "", err
	}
	err := v.records.InsertRecord(ctx, pointerRecord(tenant, id))
	switch {
	case err == nil:
		return id, nil
	case errors.Is(err, store.ErrConflict):
		// Best effort: an unused wrapped key left behind is harmless.
		_ = v.records.DeleteRecord(ctx, tenant, kindKey, id)
		return v.currentID(ctx, tenant)
	default:
		return "", fmt.Errorf("vault: tenant %s: set current data key: %w", tenant, err)
	}
}

// Rotate gives the tenant a new current DEK and returns its id. New
// entries are encrypted with it; entries encrypted with older DEKs keep
// theirs, which stay stored so those entries still decrypt. Processes
// that read the current DEK before the rotation may go on using the old
// one for the document they are redacting.
func (v *Vault) Rotate(ctx context.Context, tenant string) (string, error) {
	if tenant == "" {
		return "", fmt.Errorf("%w: empty tenant", ErrInvalid)
	}
	id := v.newDEKID()
	if _, err := v.newKey(ctx, tenant, id, purposeData); err != nil {
		return "", err
	}
	if err := v.records.PutRecord(ctx, pointerRecord(tenant, id)); err != nil {
		return "", fmt.Errorf("vault: tenant %s: set current data key: %w", tenant, err)
	}
	return id, nil
}

// RewrapAll re-wraps every key of the tenant (its DEKs and its secret)
// with the vault's wrapper under its current KEK and returns how many it
// rewrote. Entries are untouched: the keys themselves do not change. Run
// it for every tenant after adding a new current KEK (or moving to a new
// wrapper, the old one in Options.OldWrappers); the old KEK can be removed
// once it has succeeded everywhere. Running it twice, or beside other
// vault users, is safe.
func (v *Vault) RewrapAll(ctx context.Context, tenant string) (int, error) {
	if tenant == "" {
		return 0, fmt.Errorf("%w: empty tenant", ErrInvalid)
	}
	rs, err := v.records.ListRecords(ctx, tenant, kindKey)
	if err != nil {
		return 0, fmt.Errorf("vault: tenant %s: list keys: %w", tenant, err)
	}
	n := 0
	for _, r := range rs {
		if r.Key == keyCurrent {
			continue
		}
		sk, err := decodeKey(tenant, r)
		if err != nil {
			return n, err
		}
		key, err := v.unwrap(ctx, tenant, r.Key, sk)
		if err != nil {
			return n, err
		}
		if sk.Wrapped, sk.KEK, err = v.wrapper.Wrap(ctx, key, keyContext(tenant, r.Key)); err != nil {
			return n, fmt.Errorf("vault: tenant %s: rewrap key %s: %w", tenant, r.Key, err)
		}
		sk.Wrapper = v.wrapper.Name()
		if err := v.putKey(ctx, tenant, r.Key, sk, false); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// tenantSecret returns the tenant's secret, making it on first use. It is
// never rotated: the blind index and the date shifts depend on it.
func (v *Vault) tenantSecret(ctx context.Context, tenant string) ([]byte, error) {
	key, err := v.loadKey(ctx, tenant, keySecret, purposeSecret)
	if !errors.Is(err, store.ErrNotFound) {
		return key, err
	}
	key, err = v.newKey(ctx, tenant, keySecret, purposeSecret)
	if errors.Is(err, store.ErrConflict) {
		// Another process made it first: use theirs.
		return v.loadKey(ctx, tenant, keySecret, purposeSecret)
	}
	return key, err
}

// newKey makes a random key, stores it wrapped under name (InsertRecord:
// the error wraps store.ErrConflict if the name is taken) and caches it.
func (v *Vault) newKey(ctx context.Context, tenant, name, purpose string) ([]byte, error) {
	key := make([]byte, keySize)
	rand.Read(key)
	wrapped, kek, err := v.wrapper.Wrap(ctx, key, keyContext(tenant, name))
	if err != nil {
		return nil, fmt.Errorf("vault: tenant %s: wrap new key %s: %w", tenant, name, err)
	}
	sk := storedKey{Purpose: purpose, Wrapper: v.wrapper.Name(), KEK: kek, Wrapped: wrapped, Created: v.now().UTC()}
	if err := v.putKey(ctx, tenant, name, sk, true); err != nil {
		return nil, err
	}
	v.cache(tenant, name, key)
	return key, nil
}

// putKey stores a wrapped key, with InsertRecord when insert is set.
func (v *Vault) putKey(ctx context.Context, tenant, name string, sk storedKey, insert bool) error {
	value, err := json.Marshal(sk)
	if err != nil {
		return fmt.Errorf("vault: tenant %s: encode key %s: %w", tenant, name, err)
	}
	r := store.Record{Tenant: tenant, Kind: kindKey, Key: name, Value: value}
	if insert {
		err = v.records.InsertRecord(ctx, r)
	} else {
		err = v.records.PutRecord(ctx, r)
	}
	if err != nil {
		return fmt.Errorf("vault: tenant %s: store key %s: %w", tenant, name, err)
	}
	return nil
}

// loadKey returns a key of the tenant, unwrapping it on first use; the
// error wraps store.ErrNotFound when there is no such key.
func (v *Vault) loadKey(ctx context.Context, tenant, name, purpose string) ([]byte, error) {
	v.mu.Lock()
	key, ok := v.keys[cacheKey{tenant, name}]
	v.mu.Unlock()
	if ok {
		return key, nil
	}
	r, err := v.records.GetRecord(ctx, tenant, kindKey, name)
	if err != nil {
		return nil, fmt.Errorf("vault: tenant %s: load key %s: %w", tenant, name, err)
	}
	sk, err := decodeKey(tenant, r)
	if err != nil {
		return nil, err
	}
	if sk.Purpose != purpose {
		return nil, fmt.Errorf("vault: tenant %s: key %s is a %s key, not a %s key", tenant, name, sk.Purpose, purpose)
	}
	if key, err = v.unwrap(ctx, tenant, name, sk); err != nil {
		return nil, err
	}
	v.cache(tenant, name, key)
	return key, nil
}

// unwrap unwraps a stored key with the wrapper that wrapped it.
func (v *Vault) unwrap(ctx context.Context, tenant, name string, sk storedKey) ([]byte, error) {
	w, ok := v.wrappers[sk.Wrapper]
	if !ok {
		return nil, fmt.Errorf("vault: tenant %s: key %s is wrapped by %q, which this vault is not configured with", tenant, name, sk.Wrapper)
	}
	key, err := w.Unwrap(ctx, sk.Wrapped, sk.KEK, keyContext(tenant, name))
	if err != nil {
		return nil, fmt.Errorf("vault: tenant %s: unwrap key %s: %w", tenant, name, err)
	}
	if len(key) != keySize {
		return nil, fmt.Errorf("vault: tenant %s: key %s unwraps to %d bytes, want %d", tenant, name, len(key), keySize)
	}
	return key, nil
}

func (v *Vault) cache(tenant, name string, key []byte) {
	v.mu.Lock()
	v.keys[cacheKey{tenant, name}] = key
	v.mu.Unlock()
}

func decodeKey(tenant string, r store.Record) (storedKey, error) {
	var sk storedKey
	if err := json.Unmarshal(r.Value, &sk); err != nil {
		return sk, fmt.Errorf("vault: tenant %s: key %s is corrupt: %w", tenant, r.Key, err)
	}
	return sk, nil
}

// newDEKID names a new DEK after its creation time (ids sort by age) and
// random bits (processes creating one in the same second differ).
func (v *Vault) newDEKID() string {
	b := make([]byte, 4)
	rand.Read(b)
	return "dek-" + v.now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}

func pointerRecord(tenant, dekID string) store.Record {
	value, _ := json.Marshal(currentPointer{DEK: dekID}) // cannot fail
	return store.Record{Tenant: tenant, Kind: kindKey, Key: keyCurrent, Value: value}
}
