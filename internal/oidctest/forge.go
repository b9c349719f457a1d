package oidctest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// Payload decodes a compact JWS's claims without verifying them.
func Payload(tb testing.TB, raw string) map[string]any {
	tb.Helper()
	return decodePart(tb, raw, 1)
}

// Header decodes a compact JWS's protected header.
func Header(tb testing.TB, raw string) map[string]any {
	tb.Helper()
	return decodePart(tb, raw, 0)
}

func decodePart(tb testing.TB, raw string, i int) map[string]any {
	tb.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		tb.Fatalf("oidctest: not a compact JWS: %d parts", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		tb.Fatalf("oidctest: JWS part %d: %v", i, err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatalf("oidctest: JWS part %d: %v", i, err)
	}
	return m
}

// Unsigned builds an alg "none" JWT with the given claims and no
// signature.
func Unsigned(tb testing.TB, claims map[string]any) string {
	tb.Helper()
	h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	b, err := json.Marshal(claims)
	if err != nil {
		tb.Fatalf("oidctest: %v", err)
	}
	return h + "." + base64.RawURLEncoding.EncodeToString(b) + "."
}

// Resign signs raw's payload, byte for byte, again with a freshly made key
// of the same kind and algorithm, under the same kid and typ: a forgery
// that only the signature check can catch.
func Resign(tb testing.TB, raw string) string {
	tb.Helper()
	h := Header(tb, raw)
	alg, _ := h["alg"].(string)
	var key any
	var err error
	switch jose.SignatureAlgorithm(alg) {
	case jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512:
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	case jose.ES256:
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case jose.ES384:
		key, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case jose.ES512:
		key, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	default:
		tb.Fatalf("oidctest: cannot re-sign a token signed with %q", alg)
	}
	if err != nil {
		tb.Fatalf("oidctest: %v", err)
	}
	opts := &jose.SignerOptions{}
	for name, v := range h {
		if name != "alg" {
			opts = opts.WithHeader(jose.HeaderKey(name), v)
		}
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg), Key: key}, opts)
	if err != nil {
		tb.Fatalf("oidctest: %v", err)
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[1])
	if err != nil {
		tb.Fatalf("oidctest: %v", err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		tb.Fatalf("oidctest: %v", err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		tb.Fatalf("oidctest: %v", err)
	}
	return out
}
