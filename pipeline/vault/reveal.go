package vault

import (
	"context"
	"errors"
	"fmt"

	"github.com/kiln-health/kiln/fhir/store"
)

// Reveal returns the originals of a patient's tokens, keyed by token.
// Strings that are not tokens, and tokens the patient has no entry for,
// are left out of the result; an entry that does not decrypt (tampered
// with, or copied from another patient or token) is an error.
//
// Reveal does no authorisation and no audit: the caller ($reidentify) must
// check that the requester's role may re-identify, and audit the request,
// before calling it, and must not log what it returns.
func (v *Vault) Reveal(ctx context.Context, tenant, patient string, tokens []string) (map[string]string, error) {
	if err := checkSubject(tenant, patient); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(tokens))
	for _, t := range tokens {
		if _, done := out[t]; done || !isToken(t) {
			continue
		}
		original, err := v.reveal(ctx, tenant, patient, t)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("vault: tenant %s: reveal %s of patient %s: %w", tenant, t, patient, err)
		}
		out[t] = original
	}
	return out, nil
}

// reveal decrypts one entry; the error wraps store.ErrNotFound when the
// token has none.
func (v *Vault) reveal(ctx context.Context, tenant, patient, token string) (string, error) {
	r, err := v.records.GetRecord(ctx, tenant, kindEntry, entryKey(patient, token))
	if err != nil {
		return "", err
	}
	dekID, sealed, err := entryDEK(r.Value)
	if err != nil {
		return "", err
	}
	key, err := v.loadKey(ctx, tenant, dekID, purposeData)
	if errors.Is(err, store.ErrNotFound) {
		// The entry names a DEK that does not exist: not "no such token".
		return "", errCorrupt
	}
	if err != nil {
		return "", err
	}
	aead, err := newGCM(key)
	if err != nil {
		return "", err
	}
	return openEntry(aead, sealed, dekID, tenant, patient, token)
}
