package vault

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// LocalKEK wraps keys with AES-256-GCM under key-encryption keys from
// configuration. It holds several KEK versions so that a KEK can be
// rotated: keys wrapped under an older version still unwrap until
// RewrapAll has moved them to the current one and the old version is
// removed from configuration.
type LocalKEK struct {
	keys    map[string]cipher.AEAD // by KEK id
	current string
}

// kekIDPattern keeps KEK ids printable and free of the separators ParseKEKs uses.
var kekIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// localAADLabel separates LocalKEK's additional data from any other use of the same key.
const localAADLabel = "kiln-vault-kek/v1"

// NewLocalKEK returns a wrapper with the given KEK versions (id → 32-byte
// key) that wraps under current.
func NewLocalKEK(keys map[string][]byte, current string) (*LocalKEK, error) {
	if _, ok := keys[current]; !ok {
		return nil, fmt.Errorf("%w: current KEK %q is not among the configured KEKs", ErrInvalid, current)
	}
	k := &LocalKEK{keys: make(map[string]cipher.AEAD, len(keys)), current: current}
	for id, key := range keys {
		if !kekIDPattern.MatchString(id) {
			return nil, fmt.Errorf("%w: KEK id %q: use 1-64 letters, digits, '.', '_' or '-'", ErrInvalid, id)
		}
		if len(key) != 32 {
			return nil, fmt.Errorf("%w: KEK %q has %d bytes, want 32 (AES-256)", ErrInvalid, id, len(key))
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("vault: KEK %q: %w", id, err)
		}
		aead, err := cipher.NewGCMWithRandomNonce(block)
		if err != nil {
			return nil, fmt.Errorf("vault: KEK %q: %w", id, err)
		}
		k.keys[id] = aead
	}
	return k, nil
}

// ParseKEKs parses KEKs as an environment variable holds them:
// "id:base64,id:base64", each key 32 bytes in standard base64 (padded or
// not). The last one listed is current, so rotating means appending a new
// version, running RewrapAll, then dropping the old one from the front.
func ParseKEKs(s string) (*LocalKEK, error) {
	keys := map[string][]byte{}
	var current string
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		id, b64, ok := strings.Cut(item, ":")
		if !ok {
			// Never echo item: it may be a key without its id.
			return nil, fmt.Errorf("%w: KEK list entry %d is not id:base64", ErrInvalid, len(keys)+1)
		}
		id = strings.TrimSpace(id)
		if _, dup := keys[id]; dup {
			return nil, fmt.Errorf("%w: KEK %q listed twice", ErrInvalid, id)
		}
		key, err := decodeBase64(strings.TrimSpace(b64))
		if err != nil {
			return nil, fmt.Errorf("%w: KEK %q is not valid base64", ErrInvalid, id)
		}
		keys[id] = key
		current = id
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: no KEK configured", ErrInvalid)
	}
	return NewLocalKEK(keys, current)
}

func decodeBase64(s string) ([]byte, error) {
	if strings.HasSuffix(s, "=") {
		return base64.StdEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// Name is "local".
func (k *LocalKEK) Name() string { return "local" }

// Current is the id of the KEK that Wrap uses.
func (k *LocalKEK) Current() string { return k.current }

// String lists the KEK ids, never the keys, so a LocalKEK is safe to log.
func (k *LocalKEK) String() string {
	return fmt.Sprintf("LocalKEK(%s; current %s)", strings.Join(slices.Sorted(maps.Keys(k.keys)), ","), k.current)
}

// Wrap encrypts plaintextKey under the current KEK; the result is nonce
// and ciphertext.
func (k *LocalKEK) Wrap(_ context.Context, plaintextKey []byte, ec EncryptionContext) ([]byte, string, error) {
	return k.keys[k.current].Seal(nil, nil, plaintextKey, localAAD(k.current, ec)), k.current, nil
}

// Unwrap decrypts a key wrapped under KEK kekID, which must still be configured.
func (k *LocalKEK) Unwrap(_ context.Context, wrapped []byte, kekID string, ec EncryptionContext) ([]byte, error) {
	aead, ok := k.keys[kekID]
	if !ok {
		return nil, fmt.Errorf("vault: key is wrapped under KEK %q, which is not configured", kekID)
	}
	key, err := aead.Open(nil, nil, wrapped, localAAD(kekID, ec))
	if err != nil {
		return nil, fmt.Errorf("vault: unwrap under KEK %q: wrong KEK, wrong context or corrupt key", kekID)
	}
	return key, nil
}

// localAAD binds a wrapped key to its KEK id and encryption context.
func localAAD(kekID string, ec EncryptionContext) []byte {
	b := appendLP(nil, localAADLabel)
	b = appendLP(b, kekID)
	return append(b, ec.aad()...)
}
