package token

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/kiln-health/kiln/fhir/store"
)

// kindSigningKey is the store.Record kind of Kiln's signing keys. They
// belong to no tenant: one key ring signs for every tenant, the tenant
// being named inside each token (iss and the tenant claim).
const kindSigningKey = "signing-key"

// signingAlg is the only algorithm Kiln signs with. ES256 keys are small,
// quick to generate (rotation happens inside a request) and supported by
// every JOSE library a relying party is likely to use.
const signingAlg = jose.ES256

// kidLayout formats key ids from the second a key was made in (see
// newKID). Fixed width, so ordering by record key is ordering by age.
const kidLayout = "20060102T150405Z"

// signingKey is one of Kiln's key pairs. It holds private key material, so
// it formats and logs as its kid only.
type signingKey struct {
	kid     string
	created time.Time
	// expires is when the key stops being published and accepted; zero
	// while it is the newest key.
	expires time.Time
	private *ecdsa.PrivateKey
}

// storedKey is the JSON kept in a signing-key record's Value.
type storedKey struct {
	// Key is the private JWK (it includes the public part).
	Key     jose.JSONWebKey `json:"key"`
	Created time.Time       `json:"created"`
}

// newSigningKey generates a P-256 key pair.
func newSigningKey(kid string, created time.Time) (*signingKey, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("token: generate signing key: %w", err)
	}
	return &signingKey{kid: kid, created: created.UTC(), private: priv}, nil
}

// newKID names the key made at now after the second it was made in.
// Processes that find the newest key due for rotation at the same moment
// compute the same kid, so the store's InsertRecord lets exactly one of
// them add a key and the others use it. (Racers that straddle a second
// boundary both add one; two fresh keys are harmless.) A kid is never
// reused, even for a key made after an operator deleted the ring, since
// time does not repeat; a reused kid would make relying parties that
// cached the old JWKS check tokens against the wrong key.
func newKID(now time.Time) string {
	return now.UTC().Format(kidLayout)
}

// record encodes k as a store record.
func (k *signingKey) record() (store.Record, error) {
	v, err := json.Marshal(storedKey{
		Key:     jose.JSONWebKey{Key: k.private, KeyID: k.kid, Algorithm: string(signingAlg), Use: "sig"},
		Created: k.created,
	})
	if err != nil {
		return store.Record{}, fmt.Errorf("token: encode signing key %s: %w", k.kid, err)
	}
	return store.Record{Kind: kindSigningKey, Key: k.kid, Value: v, Expires: k.expires}, nil
}

// decodeKey reads a signing-key record. It refuses anything but a private
// P-256 key, so a tampered record cannot downgrade the algorithm.
func decodeKey(r store.Record) (*signingKey, error) {
	var sk storedKey
	if err := json.Unmarshal(r.Value, &sk); err != nil {
		return nil, fmt.Errorf("token: decode signing key %s: %w", r.Key, err)
	}
	priv, ok := sk.Key.Key.(*ecdsa.PrivateKey)
	if !ok || priv.Curve != elliptic.P256() {
		return nil, fmt.Errorf("token: signing key %s is not a private P-256 key", r.Key)
	}
	return &signingKey{kid: r.Key, created: sk.Created.UTC(), expires: r.Expires, private: priv}, nil
}

// public is the key as published in the JWKS.
func (k *signingKey) public() jose.JSONWebKey {
	return jose.JSONWebKey{Key: &k.private.PublicKey, KeyID: k.kid, Algorithm: string(signingAlg), Use: "sig"}
}

// liveAt reports whether the key is still published and accepted at t.
func (k *signingKey) liveAt(t time.Time) bool {
	return k.expires.IsZero() || t.Before(k.expires)
}

// String, GoString, Format and LogValue print the kid only, so a key that
// ends up in a log line or an error message leaks nothing.
func (k *signingKey) String() string {
	if k == nil {
		return "signing-key(nil)"
	}
	return "signing-key(" + k.kid + ")"
}

func (k *signingKey) GoString() string { return k.String() }

func (k *signingKey) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(k.String())) }

func (k *signingKey) LogValue() slog.Value { return slog.StringValue(k.String()) }
