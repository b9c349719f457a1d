package vault

import (
	"context"
	"encoding/binary"
	"maps"
	"slices"
)

// KeyWrapper wraps (encrypts) and unwraps the vault's keys under a
// key-encryption key (KEK) kept outside the database, so that the records
// alone never yield a key.
type KeyWrapper interface {
	// Name identifies the wrapper in stored key records ("local",
	// "aws-kms"), so a vault that knows several (Options.OldWrappers) can
	// pick the one that wrapped a key.
	Name() string
	// Wrap encrypts plaintextKey under the current KEK and returns the
	// ciphertext and the id of the KEK used, which Unwrap gets back.
	Wrap(ctx context.Context, plaintextKey []byte, ec EncryptionContext) (wrapped []byte, kekID string, err error)
	// Unwrap decrypts a key Wrap returned. It fails if ec differs from
	// the one given to Wrap.
	Unwrap(ctx context.Context, wrapped []byte, kekID string, ec EncryptionContext) ([]byte, error)
}

// EncryptionContext is non-secret data bound to a wrapped key, as in AWS
// KMS: unwrapping with a different context fails. The vault binds each key
// to its tenant and key name, so a wrapped key copied into another
// tenant's records is useless there. KMS writes it to CloudTrail in clear,
// so it must never carry secrets.
type EncryptionContext map[string]string

// Encryption context entries the vault sets.
const (
	ecTenant = "kiln:tenant"
	ecKey    = "kiln:vault-key"
)

// keyContext is the encryption context of the tenant's key name.
func keyContext(tenant, name string) EncryptionContext {
	return EncryptionContext{ecTenant: tenant, ecKey: name}
}

// aad encodes ec canonically (keys sorted, every string length-prefixed)
// as AEAD additional data.
func (ec EncryptionContext) aad() []byte {
	var b []byte
	for _, k := range slices.Sorted(maps.Keys(ec)) {
		b = appendLP(b, k)
		b = appendLP(b, ec[k])
	}
	return b
}

// appendLP appends s with its length in front, so concatenations of
// several strings are unambiguous ("ab"+"c" differs from "a"+"bc").
func appendLP(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}
