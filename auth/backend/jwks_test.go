package backend_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/kiln-health/kiln/auth/backend"
)

// urlToken requests a token for the JWKS URL client with an assertion
// signed by key under kid.
func urlToken(t *testing.T, fx *fixture, kid string, key any) *backend.Error {
	t.Helper()
	a := fx.assertionFor(fx.byURL)
	a.headers["kid"], a.key = kid, key
	_, terr := fx.ep.Token(t.Context(), tenant, tokenURL, tokenForm(a.sign(t), "system/Observation.rs"))
	return terr
}

func TestJWKSURLCache(t *testing.T) {
	fx := newFixture(t)
	keys := testKeys()
	step := func(name string, kid string, key any, wantOK bool, wantFetches int32) {
		t.Helper()
		terr := urlToken(t, fx, kid, key)
		switch {
		case wantOK && terr != nil:
			t.Errorf("%s: %v", name, terr)
		case !wantOK && (terr == nil || terr.Code != backend.CodeInvalidClient || terr.Description == ""):
			t.Errorf("%s: got %v, want invalid_client", name, terr)
		}
		if got := fx.jwks.fetches.Load(); got != wantFetches {
			t.Errorf("%s: %d fetches in all, want %d", name, got, wantFetches)
		}
	}

	step("first token fetches", "url-1", keys.ecURL, true, 1)
	step("second token within max-age uses the cache", "url-1", keys.ecURL, true, 1)
	step("unknown kid right after a fetch does not refetch", "url-2", keys.ecOther, false, 1)

	// The client rotates in a second key.
	fx.jwks.setKeys(t, publicJWK(keys.ecURL, "url-1"), publicJWK(keys.ecOther, "url-2"))
	fx.clock.Advance(31 * time.Second)
	step("unknown kid refetches once", "url-2", keys.ecOther, true, 2)
	step("new key now cached", "url-2", keys.ecOther, true, 2)
	step("another unknown kid within 30 s does not refetch", "url-3", keys.ecOther, false, 2)
	fx.clock.Advance(31 * time.Second)
	step("unknown kid 30 s later refetches once", "url-3", keys.ecOther, false, 3)

	// A fresh set outlives an outage of the client's key server.
	fx.jwks.set(func() { fx.jwks.status = http.StatusServiceUnavailable })
	step("cached keys served while the server is down", "url-1", keys.ecURL, true, 3)

	fx.clock.Advance(10 * time.Minute)
	step("stale set with the server down fails", "url-1", keys.ecURL, false, 4)
	fx.jwks.set(func() { fx.jwks.status = http.StatusOK })
	step("stale set refetched", "url-1", keys.ecURL, true, 5)
}

func TestJWKSURLNoStore(t *testing.T) {
	fx := newFixture(t)
	fx.jwks.set(func() { fx.jwks.cacheControl = "no-store" })
	for i := range 3 {
		if terr := urlToken(t, fx, "url-1", testKeys().ecURL); terr != nil {
			t.Fatal(terr)
		}
		if got := fx.jwks.fetches.Load(); got != int32(i+1) {
			t.Errorf("token %d: %d fetches, want %d", i+1, got, i+1)
		}
	}
}

func TestJWKSURLFailures(t *testing.T) {
	keys := testKeys()
	privateSet := func() []byte {
		b, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: keys.ecURL, KeyID: "url-1"}}})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}()
	cases := []struct {
		name  string
		setup func(t *testing.T, s *jwksServer)
		cause string // in the logged cause, if set
	}{
		{"HTTP 500", func(t *testing.T, s *jwksServer) { s.set(func() { s.status = http.StatusInternalServerError }) }, "HTTP 500"},
		{"not JSON", func(t *testing.T, s *jwksServer) { s.setBody([]byte("<html>hello</html>")) }, "invalid character"},
		{"private key published", func(t *testing.T, s *jwksServer) { s.setBody(privateSet) }, "private key"},
		{"only unusable keys", func(t *testing.T, s *jwksServer) {
			s.setKeys(t, jose.JSONWebKey{Key: keys.minter.Public(), KeyID: "url-1"}) // P-256
		}, "no RSA"},
		{"server gone", func(t *testing.T, s *jwksServer) { s.Close() }, "connect"},
		{"redirect to plain http", func(t *testing.T, s *jwksServer) {
			s.set(func() { s.redirect = "http://jwks.invalid/keys" })
		}, "refusing redirect"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fx := newFixture(t)
			tc.setup(t, fx.jwks)
			terr := urlToken(t, fx, "url-1", keys.ecURL)
			if terr == nil || terr.Status != 401 || terr.Code != backend.CodeInvalidClient || terr.Description == "" {
				t.Fatalf("got %v, want 401 invalid_client with a description", terr)
			}
			if cause := errors.Unwrap(terr); cause == nil || !strings.Contains(cause.Error(), tc.cause) {
				t.Errorf("cause %v, want one mentioning %q", cause, tc.cause)
			}
		})
	}
}

func TestJWKSURLSkipsForeignKeys(t *testing.T) {
	fx := newFixture(t)
	keys := testKeys()
	// A published set may hold keys for other uses; they do not spoil it.
	body, err := json.Marshal(map[string]any{"keys": []any{
		map[string]any{"kty": "OKP", "crv": "X25519", "kid": "enc-1", "x": "hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo", "use": "enc"},
		publicJWK(keys.minter, "p256"),
		publicJWK(keys.ecURL, "url-1"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	fx.jwks.setBody(body)
	if terr := urlToken(t, fx, "url-1", keys.ecURL); terr != nil {
		t.Fatal(terr)
	}
}
