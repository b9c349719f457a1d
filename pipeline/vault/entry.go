package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// entryVersion is the first byte of an entry's value, so the format can
// change without guessing.
const entryVersion = 1

// padBlock is the granularity plaintexts are padded to, so a ciphertext's
// length tells little about the length of its original.
const padBlock = 32

// Labels separating the uses of keys and the additional data of entries
// from anything else.
const (
	entryAADLabel = "kiln-vault-entry/v1"
	indexInfo     = "kiln-vault blind index v1"
	shiftInfo     = "kiln-vault date shift v1"
)

// errCorrupt is returned for entries that do not decrypt; deliberately
// without detail.
var errCorrupt = errors.New("entry does not decrypt: tampered with, moved from another patient or token, or corrupt")

// normalise is the form two originals must share to get one token: lower
// case, runs of white space as one space, no leading or trailing space
// (the same rule as phi.NewTokens).
func normalise(original string) string {
	return strings.ToLower(strings.Join(strings.Fields(original), " "))
}

// newGCM returns AES-256-GCM with random 96-bit nonces prepended to the
// ciphertext.
func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCMWithRandomNonce(block)
}

// entryAAD binds an entry to where it is stored and to the DEK named in it.
func entryAAD(tenant, patient, token, dekID string) []byte {
	b := appendLP(nil, entryAADLabel)
	b = appendLP(b, tenant)
	b = appendLP(b, patient)
	b = appendLP(b, token)
	return appendLP(b, dekID)
}

// sealEntry encrypts original as the value of the entry record of token:
// version, DEK id length and DEK id, then nonce and ciphertext.
func sealEntry(aead cipher.AEAD, dekID, tenant, patient, token, original string) []byte {
	// Plaintext: original's length, original, zero padding to padBlock.
	pt := binary.AppendUvarint(nil, uint64(len(original)))
	pt = append(pt, original...)
	pt = append(pt, make([]byte, (padBlock-len(pt)%padBlock)%padBlock)...)

	v := []byte{entryVersion, byte(len(dekID))}
	v = append(v, dekID...)
	return aead.Seal(v, nil, pt, entryAAD(tenant, patient, token, dekID))
}

// entryDEK returns the id of the DEK an entry value was sealed with and the
// sealed part.
func entryDEK(value []byte) (string, []byte, error) {
	if len(value) < 2 || value[0] != entryVersion || len(value) < 2+int(value[1]) {
		return "", nil, errCorrupt
	}
	n := int(value[1])
	return string(value[2 : 2+n]), value[2+n:], nil
}

// openEntry decrypts the sealed part of an entry value.
func openEntry(aead cipher.AEAD, sealed []byte, dekID, tenant, patient, token string) (string, error) {
	pt, err := aead.Open(nil, nil, sealed, entryAAD(tenant, patient, token, dekID))
	if err != nil {
		return "", errCorrupt
	}
	n, k := binary.Uvarint(pt)
	if k <= 0 || uint64(len(pt)-k) < n {
		return "", errCorrupt
	}
	return string(pt[k : k+int(n)]), nil
}

// derive derives a purpose-specific key from the tenant secret.
func derive(secret []byte, info string) ([]byte, error) {
	key, err := hkdf.Key(sha256.New, secret, nil, info, keySize)
	if err != nil {
		return nil, fmt.Errorf("vault: derive key: %w", err)
	}
	return key, nil
}

// blindIndex is the key of the index record of a normalised original: an
// HMAC that patient and category are part of, so equal names of two
// patients give unrelated index keys.
func blindIndex(indexKey []byte, tenant, patient, category, norm string) string {
	m := hmac.New(sha256.New, indexKey)
	b := appendLP(nil, tenant)
	b = appendLP(b, patient)
	b = appendLP(b, category)
	b = appendLP(b, norm)
	m.Write(b)
	return hex.EncodeToString(m.Sum(nil))
}

func entryKey(patient, token string) string { return patient + "/" + token }
func indexKey(patient, hmac string) string  { return patient + "/" + hmac }
