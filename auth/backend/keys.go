package backend

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
)

// SMART Backend Services requires servers to support RS384 and ES384 and
// nothing else is accepted here: a short list keeps the verifier free of
// algorithm-confusion surprises (none, HS256 with a public key as secret,
// RS256 with its weaker hash).
var assertionAlgorithms = []jose.SignatureAlgorithm{jose.RS384, jose.ES384}

// minRSABits is the smallest RSA modulus Kiln accepts (NIST SP 800-131A).
const minRSABits = 2048

// privateJWKMembers are the JWK members that carry private or secret key
// material (RFC 7518 §6.2.2, §6.3.2, §6.4.1; "priv" is ML-DSA's).
var privateJWKMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k", "priv"}

// keyAlgorithm is the one signature algorithm a usable key verifies.
func keyAlgorithm(k *jose.JSONWebKey) jose.SignatureAlgorithm {
	switch k.Key.(type) {
	case *rsa.PublicKey:
		return jose.RS384
	case *ecdsa.PublicKey:
		return jose.ES384
	}
	return ""
}

// checkKey returns why k cannot verify a client assertion, or nil: it must
// be a public RSA key of at least 2048 bits or a public P-384 key, with a
// kid (assertions name their key by kid), and any alg or use it declares
// must agree with that.
func checkKey(k *jose.JSONWebKey) error {
	if k.KeyID == "" {
		return errors.New("key has no kid")
	}
	if !k.IsPublic() {
		return fmt.Errorf("key %q holds private or symmetric key material: register public keys only", k.KeyID)
	}
	if !k.Valid() {
		return fmt.Errorf("key %q is malformed", k.KeyID)
	}
	switch pub := k.Key.(type) {
	case *rsa.PublicKey:
		if bits := pub.N.BitLen(); bits < minRSABits {
			return fmt.Errorf("RSA key %q has %d bits, fewer than %d", k.KeyID, bits, minRSABits)
		}
	case *ecdsa.PublicKey:
		if pub.Curve != elliptic.P384() {
			return fmt.Errorf("EC key %q is on %s, not P-384", k.KeyID, pub.Curve.Params().Name)
		}
	default:
		return fmt.Errorf("key %q is of type %T, not RSA or EC P-384", k.KeyID, k.Key)
	}
	if alg := keyAlgorithm(k); k.Algorithm != "" && k.Algorithm != string(alg) {
		return fmt.Errorf("key %q declares alg %q where only %s fits", k.KeyID, k.Algorithm, alg)
	}
	if k.Use != "" && k.Use != "sig" {
		return fmt.Errorf("key %q declares use %q, not sig", k.KeyID, k.Use)
	}
	return nil
}

// checkKeySet validates a key set registered inline: every key must be
// usable (an unusable key in a registration is a mistake worth reporting)
// and kids must be distinct so that a kid names exactly one key.
func checkKeySet(set *jose.JSONWebKeySet) error {
	if len(set.Keys) == 0 {
		return errors.New("key set has no keys")
	}
	seen := make(map[string]bool, len(set.Keys))
	for i := range set.Keys {
		k := &set.Keys[i]
		if err := checkKey(k); err != nil {
			return err
		}
		if seen[k.KeyID] {
			return fmt.Errorf("kid %q is used by more than one key", k.KeyID)
		}
		seen[k.KeyID] = true
	}
	return nil
}

// parseRemoteKeySet parses a JWKS fetched from a client's URL. Unlike an
// inline registration, a published set may hold keys for other purposes
// (encryption, other algorithms): those are skipped, not fatal. A set that
// publishes private key material is refused whole, because anyone could
// then sign as the client. Errors are *jwksError.
func parseRemoteKeySet(data []byte) ([]jose.JSONWebKey, error) {
	var doc struct {
		Keys []map[string]json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, &jwksError{msg: "it is not a JSON key set", err: err}
	}
	var keys []jose.JSONWebKey
	for _, members := range doc.Keys {
		for _, m := range privateJWKMembers {
			if _, ok := members[m]; ok {
				return nil, &jwksError{msg: "it publishes private key material"}
			}
		}
		raw, err := json.Marshal(members)
		if err != nil {
			return nil, fmt.Errorf("re-encoding JWK: %w", err)
		}
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(raw); err != nil {
			continue // a key type go-jose does not know: not one of ours
		}
		if checkKey(&k) != nil {
			continue
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, &jwksError{msg: "it has no RSA (2048 bits or more) or P-384 signing key with a kid"}
	}
	return keys, nil
}
