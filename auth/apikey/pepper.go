package apikey

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"github.com/kiln-health/kiln/fhir/store"
)

// The generated pepper's record: hex text, outside any tenant.
const (
	pepperKind = "secret"
	pepperKey  = "apikey-pepper"
)

// LoadPepper returns the pepper to hash key secrets with. A configured
// pepper (at least MinPepperLen bytes) wins: operators who keep it outside
// the database get hashes that a database dump alone cannot attack.
// Otherwise LoadPepper returns the pepper kept in records, generating and
// storing a random one on first use; InsertRecord makes that safe when
// several servers start at once, all of them ending up with the same one.
//
// Switching between the two invalidates every existing key.
func LoadPepper(ctx context.Context, records store.Records, configured []byte) ([]byte, error) {
	if len(configured) > 0 {
		if len(configured) < MinPepperLen {
			return nil, fmt.Errorf("apikey: configured pepper has %d bytes, need at least %d", len(configured), MinPepperLen)
		}
		return slices.Clone(configured), nil
	}
	if p, err := storedPepper(ctx, records); !errors.Is(err, store.ErrNotFound) {
		return p, err
	}
	fresh := make([]byte, MinPepperLen)
	rand.Read(fresh)
	err := records.InsertRecord(ctx, store.Record{Kind: pepperKind, Key: pepperKey, Value: []byte(hex.EncodeToString(fresh))})
	switch {
	case err == nil:
		return fresh, nil
	case errors.Is(err, store.ErrConflict):
		// Another server stored one first: use theirs.
		return storedPepper(ctx, records)
	default:
		return nil, fmt.Errorf("apikey: store pepper: %w", err)
	}
}

// storedPepper reads the pepper record; the error wraps store.ErrNotFound
// when there is none.
func storedPepper(ctx context.Context, records store.Records) ([]byte, error) {
	r, err := records.GetRecord(ctx, "", pepperKind, pepperKey)
	if err != nil {
		return nil, fmt.Errorf("apikey: load pepper: %w", err)
	}
	p, err := hex.DecodeString(string(r.Value))
	if err != nil || len(p) < MinPepperLen {
		return nil, errors.New("apikey: load pepper: stored pepper is corrupt")
	}
	return p, nil
}
