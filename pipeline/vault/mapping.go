package vault

import (
	"context"
	"crypto/cipher"
	"errors"
	"fmt"
	"sync"

	"github.com/kiln-health/kiln/fhir/store"
)

// invalidToken replaces an original whose category cannot make a token:
// the text is still redacted, just not re-identifiably.
const invalidToken = "[REDACTED]"

// maxNumber is the largest token number (tokenPattern allows 9 digits).
const maxNumber = 999_999_999

// Mapping is one patient's tokens as one document sees them. Its Token
// method fits phi.Redact's tokens function. A Mapping is safe for
// concurrent use, and any number of Mappings of one patient may be used
// at once, in this process or others: they agree on every token.
type Mapping struct {
	v               *Vault
	tenant, patient string
	dekID           string
	aead            cipher.AEAD
	indexKey        []byte
	// ctx is the context of Tokens, kept because Token must have
	// phi.Redact's signature, which has no context.
	ctx context.Context

	mu    sync.Mutex
	known map[string]string // blind index → token
	next  map[string]int    // category → lowest number that may be free
	err   error             // first error met by Token
}

// Tokens returns the token mapping of one patient, making the tenant's
// keys on first use. The context is the one Token's store calls use.
func (v *Vault) Tokens(ctx context.Context, tenant, patient string) (*Mapping, error) {
	if err := checkSubject(tenant, patient); err != nil {
		return nil, err
	}
	dekID, dek, err := v.currentDEK(ctx, tenant)
	if err != nil {
		return nil, err
	}
	aead, err := newGCM(dek)
	if err != nil {
		return nil, fmt.Errorf("vault: tenant %s: data key %s: %w", tenant, dekID, err)
	}
	secret, err := v.tenantSecret(ctx, tenant)
	if err != nil {
		return nil, err
	}
	ik, err := derive(secret, indexInfo)
	if err != nil {
		return nil, err
	}
	return &Mapping{
		v: v, tenant: tenant, patient: patient,
		dekID: dekID, aead: aead, indexKey: ik, ctx: ctx,
		known: map[string]string{}, next: map[string]int{},
	}, nil
}

// Token returns the patient's token for original in category ("NAME" →
// "[NAME_1]"): the same token for every original with the same
// normalised form (case and white space ignored) in every Mapping of the
// patient, a new one numbered after the category's existing tokens
// otherwise.
//
// A new token is stored, with its original encrypted, before Token
// returns it: a token written into a document must already belong to its
// original, or two documents redacted at once could give one token to two
// people. When the store fails, Token returns an unnumbered "[NAME]" (or
// "[REDACTED]" for a category that cannot make a token), which still hides
// the original, and Save reports the error.
func (m *Mapping) Token(category, original string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := checkCategory(category); err != nil {
		m.fail(err)
		return invalidToken
	}
	h := blindIndex(m.indexKey, m.tenant, m.patient, category, normalise(original))
	if t, ok := m.known[h]; ok {
		return t
	}
	t, err := m.claim(category, original, h)
	if err != nil {
		m.fail(err)
		return "[" + category + "]"
	}
	m.known[h] = t
	return t
}

// Save reports whether every token this Mapping handed out is stored with
// its original. Token stores them as it goes (see Token), so Save writes
// nothing; it returns the first error Token met. A document redacted with
// a Mapping whose Save fails holds unnumbered placeholders and must be
// redacted again rather than kept.
func (m *Mapping) Save(_ context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.err
}

func (m *Mapping) fail(err error) {
	if m.err == nil {
		m.err = err
	}
}

// claim finds or makes the token of the original whose blind index is h.
// A new token's number is claimed by inserting its entry; the original is
// then claimed by inserting its index record. Losing the second race means
// another process gave the original a token first: the entry is deleted
// (no document has its token) and the winner's token is used.
func (m *Mapping) claim(category, original, h string) (string, error) {
	for range 3 {
		t, err := m.lookup(category, h)
		if !errors.Is(err, store.ErrNotFound) {
			return t, err
		}
		t, n, err := m.claimNumber(category, original)
		if err != nil {
			return "", err
		}
		err = m.v.records.InsertRecord(m.ctx, store.Record{
			Tenant: m.tenant, Kind: kindIndex, Key: indexKey(m.patient, h), Value: []byte(t),
		})
		if err == nil {
			return t, nil
		}
		if !errors.Is(err, store.ErrConflict) {
			// The insert may have happened all the same: keep the entry.
			return "", fmt.Errorf("vault: patient %s: index %s: %w", m.patient, t, err)
		}
		// Best effort: a stray entry only leaves a gap in the numbering.
		_ = m.v.records.DeleteRecord(m.ctx, m.tenant, kindEntry, entryKey(m.patient, t))
		m.next[category] = n
		// The index record exists; loop to read it (or, if it was deleted
		// in between, to claim again).
	}
	return "", fmt.Errorf("vault: patient %s: %s token: the index keeps changing", m.patient, category)
}

// lookup reads the token of the original whose blind index is h; the
// error wraps store.ErrNotFound when it has none yet.
func (m *Mapping) lookup(category, h string) (string, error) {
	r, err := m.v.records.GetRecord(m.ctx, m.tenant, kindIndex, indexKey(m.patient, h))
	if err != nil {
		return "", fmt.Errorf("vault: patient %s: %s index: %w", m.patient, category, err)
	}
	t := string(r.Value)
	if !isToken(t) || tokenCategory(t) != category {
		return "", fmt.Errorf("vault: patient %s: %s index record is corrupt", m.patient, category)
	}
	return t, nil
}

// claimNumber stores original under the first free token number of its
// category and returns the token and its number. InsertRecord settles
// races: on conflict it tries the next free number.
func (m *Mapping) claimNumber(category, original string) (string, int, error) {
	n := max(m.next[category], 1)
	for range 64 {
		var err error
		if n, err = m.firstFree(category, n); err != nil {
			return "", 0, err
		}
		t := formatToken(category, n)
		err = m.v.records.InsertRecord(m.ctx, store.Record{
			Tenant: m.tenant, Kind: kindEntry, Key: entryKey(m.patient, t),
			Value: sealEntry(m.aead, m.dekID, m.tenant, m.patient, t, original),
		})
		if err == nil {
			m.next[category] = n + 1
			return t, n, nil
		}
		if !errors.Is(err, store.ErrConflict) {
			return "", 0, fmt.Errorf("vault: patient %s: store entry %s: %w", m.patient, t, err)
		}
		n++ // another process took it since firstFree looked
	}
	return "", 0, fmt.Errorf("vault: patient %s: %s token: too many concurrent claims", m.patient, category)
}

// firstFree returns a number >= from whose entry does not exist, in
// O(log n) reads: doubling steps past the taken numbers, then bisection.
// Numbers are dense apart from the gaps lost races leave, so this is
// nearly always the lowest free one, and a gap is as good.
func (m *Mapping) firstFree(category string, from int) (int, error) {
	taken, err := m.taken(category, from)
	if err != nil || !taken {
		return from, err
	}
	lo, hi := from, from+1 // lo is taken; hi not yet known
	for step := 1; ; step *= 2 {
		hi = from + step
		if hi > maxNumber {
			return 0, fmt.Errorf("vault: patient %s: %s tokens exhausted", m.patient, category)
		}
		if taken, err = m.taken(category, hi); err != nil {
			return 0, err
		}
		if !taken {
			break
		}
		lo = hi
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if taken, err = m.taken(category, mid); err != nil {
			return 0, err
		}
		if taken {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi, nil
}

// taken reports whether the n-th token of category has an entry.
func (m *Mapping) taken(category string, n int) (bool, error) {
	t := formatToken(category, n)
	_, err := m.v.records.GetRecord(m.ctx, m.tenant, kindEntry, entryKey(m.patient, t))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, store.ErrNotFound):
		return false, nil
	default:
		return false, fmt.Errorf("vault: patient %s: read entry %s: %w", m.patient, t, err)
	}
}
