package backend_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/kiln-health/kiln/auth/backend"
	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/fhir/store/sqlite"
)

const (
	tenant   = "clinic-a"
	tokenURL = "https://kiln.example/auth/clinic-a/token"
)

// Key generation is slow (RSA-3072 especially), so every test shares one
// set of keys; each test still gets its own store, server and clients.
var testKeys = sync.OnceValue(func() (k struct {
	rsa, rsaOther      *rsa.PrivateKey
	ec, ecOther, ecURL *ecdsa.PrivateKey
	minter             *ecdsa.PrivateKey
}) {
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	var err error
	k.rsa, err = rsa.GenerateKey(rand.Reader, 3072)
	must(err)
	k.rsaOther, err = rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	for _, p := range []**ecdsa.PrivateKey{&k.ec, &k.ecOther, &k.ecURL} {
		*p, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		must(err)
	}
	k.minter, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	return k
})

// clock is a settable clock. It starts at the real time because the
// store expires records by the real clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// esMinter is a real Minter for tests: it signs an ES256 JWT carrying the
// grant, so tests can check what the endpoint asked for.
type esMinter struct {
	key *ecdsa.PrivateKey
	// ttl, when set, is what Mint claims instead of the grant's TTL.
	ttl time.Duration
}

func (m *esMinter) Mint(ctx context.Context, g backend.Grant) (string, time.Duration, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: m.key}, nil)
	if err != nil {
		return "", 0, err
	}
	ttl := g.TTL
	if m.ttl != 0 {
		ttl = m.ttl
	}
	now := time.Now()
	tok, err := jwt.Signed(signer).Claims(map[string]any{
		"iss": "kiln", "sub": g.ClientID, "tenant": g.Tenant, "role": g.Role, "scope": g.Scope,
		"iat": now.Unix(), "exp": now.Add(ttl).Unix(),
	}).Serialize()
	return tok, ttl, err
}

// jwksServer publishes a key set over TLS and counts fetches.
type jwksServer struct {
	*httptest.Server
	fetches      atomic.Int32
	mu           sync.Mutex
	body         []byte
	cacheControl string
	status       int
	redirect     string // when set, answer a redirect there
}

func newJWKSServer(t *testing.T, keys ...jose.JSONWebKey) *jwksServer {
	t.Helper()
	s := &jwksServer{cacheControl: "max-age=600", status: http.StatusOK}
	s.setKeys(t, keys...)
	s.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.redirect != "" {
			http.Redirect(w, r, s.redirect, http.StatusFound)
			return
		}
		w.Header().Set("Content-Type", "application/jwk-set+json")
		if s.cacheControl != "" {
			w.Header().Set("Cache-Control", s.cacheControl)
		}
		w.WriteHeader(s.status)
		_, _ = w.Write(s.body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) setKeys(t *testing.T, keys ...jose.JSONWebKey) {
	t.Helper()
	body, err := json.Marshal(jose.JSONWebKeySet{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	s.setBody(body)
}

func (s *jwksServer) setBody(body []byte) {
	s.set(func() { s.body = body })
}

// set changes what the server answers, under its lock.
func (s *jwksServer) set(change func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	change()
}

func (s *jwksServer) url() string { return s.URL + "/.well-known/jwks.json" }

// fixture is a real SQLite store with three registered clients: RSA and
// EC keys registered inline, and an EC key published at a JWKS URL.
type fixture struct {
	records store.Records
	clock   *clock
	jwks    *jwksServer
	minter  *esMinter
	ep      *backend.Endpoint
	rsa     backend.Client
	ec      backend.Client
	byURL   backend.Client
}

func openStore(t *testing.T) store.Records {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "kiln.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func publicJWK(key any, kid string) jose.JSONWebKey {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return jose.JSONWebKey{Key: k.Public(), KeyID: kid, Algorithm: string(jose.RS384), Use: "sig"}
	case *ecdsa.PrivateKey:
		return jose.JSONWebKey{Key: k.Public(), KeyID: kid, Algorithm: string(jose.ES384), Use: "sig"}
	}
	panic("unexpected key type")
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	keys := testKeys()
	ctx := t.Context()
	fx := &fixture{records: openStore(t), clock: newClock(), minter: &esMinter{key: keys.minter}}
	fx.jwks = newJWKSServer(t, publicJWK(keys.ecURL, "url-1"))
	register := func(c backend.Client) backend.Client {
		t.Helper()
		c.Tenant = tenant
		c.Role = "integration"
		got, err := backend.Register(ctx, fx.records, c)
		if err != nil {
			t.Fatalf("register %s: %v", c.ID, err)
		}
		return got
	}
	fx.rsa = register(backend.Client{
		ID: "rsa-client", Name: "RSA inline",
		Scopes: []string{"system/Patient.rs", "system/Observation.rs"},
		JWKS:   &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{publicJWK(keys.rsa, "rsa-1")}},
	})
	fx.ec = register(backend.Client{
		ID: "ec-client", Name: "EC inline",
		Scopes: []string{"system/*.rs"},
		JWKS:   &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{publicJWK(keys.ec, "ec-1")}},
	})
	fx.byURL = register(backend.Client{
		ID: "url-client", Name: "EC at a JWKS URL",
		Scopes:  []string{"system/Observation.cruds"},
		JWKSURL: fx.jwks.url(),
	})
	fx.ep = backend.NewEndpoint(fx.records, fx.minter, backend.Options{
		Now:        fx.clock.Now,
		HTTPClient: fx.jwks.Client(),
	})
	return fx
}

// assertion describes a client assertion to sign.
type assertion struct {
	alg     jose.SignatureAlgorithm
	key     any // private key, or []byte for HMAC
	headers map[jose.HeaderKey]any
	claims  map[string]any
}

// assertionFor returns a valid assertion of client c signed with its key.
func (fx *fixture) assertionFor(c backend.Client) *assertion {
	keys := testKeys()
	a := &assertion{headers: map[jose.HeaderKey]any{}}
	kid := "url-1" // the key fx.jwks publishes
	if c.JWKS != nil {
		kid = c.JWKS.Keys[0].KeyID
	}
	a.headers["kid"] = kid
	switch kid {
	case "rsa-1":
		a.alg, a.key = jose.RS384, keys.rsa
	case "ec-1":
		a.alg, a.key = jose.ES384, keys.ec
	case "url-1":
		a.alg, a.key = jose.ES384, keys.ecURL
	default:
		panic("no private key for kid " + kid)
	}
	now := fx.clock.Now()
	a.claims = map[string]any{
		"iss": c.ID,
		"sub": c.ID,
		"aud": tokenURL,
		"exp": now.Add(4 * time.Minute).Unix(),
		"iat": now.Unix(),
		"jti": rand.Text(),
	}
	return a
}

func (a *assertion) sign(t *testing.T) string {
	t.Helper()
	opts := &jose.SignerOptions{}
	for k, v := range a.headers {
		opts.WithHeader(k, v)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: a.alg, Key: a.key}, opts.WithType("JWT"))
	if err != nil {
		t.Fatalf("signer: %v", err)
	}
	raw, err := jwt.Signed(signer).Claims(a.claims).Serialize()
	if err != nil {
		t.Fatalf("sign assertion: %v", err)
	}
	return raw
}

// unsigned returns the assertion with alg "none" and an empty signature,
// which go-jose refuses to produce.
func (a *assertion) unsigned(t *testing.T) string {
	t.Helper()
	header := map[string]any{"alg": "none", "typ": "JWT"}
	for k, v := range a.headers {
		header[string(k)] = v
	}
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(header) + "." + enc(a.claims) + "."
}

func tokenForm(assertion, scope string) url.Values {
	return url.Values{
		"grant_type":            {"client_credentials"},
		"client_assertion_type": {backend.ClientAssertionType},
		"client_assertion":      {assertion},
		"scope":                 {scope},
	}
}
