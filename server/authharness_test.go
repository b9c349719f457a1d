package server_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"

	"github.com/kiln-health/kiln/auth/apikey"
	"github.com/kiln-health/kiln/auth/backend"
)

// clock is the harness's adjustable time: the engine, the auth service and
// the token checks all read it, so a test can let a token expire. It
// starts at the real time, because stores judge record expiry (used token
// ids) by the real clock.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func newClock() *clock { return &clock{} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Advance moves the clock by d (negative to go back).
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// eachAuthBackend runs fn on each backend with authorization and
// AuditEvents on, as kiln serve runs, and tenants "default" and "other".
func eachAuthBackend(t *testing.T, fn func(t *testing.T, h *harness)) {
	eachBackendWith(t, options{auth: true}, fn)
}

// apiKey creates an API key in tenant with a role and SMART scopes.
func (h *harness) apiKey(tenant, role string, scopes ...string) string {
	h.t.Helper()
	plain, _, err := h.auth.APIKeys().Create(h.t.Context(), apikey.Key{Tenant: tenant, Name: "test", Role: role, Scopes: scopes})
	if err != nil {
		h.t.Fatal(err)
	}
	return plain
}

// backendClient is a registered SMART Backend Services client, its
// private key and the algorithm it signs assertions with.
type backendClient struct {
	id     string
	tenant string
	key    crypto.Signer
	alg    jose.SignatureAlgorithm
	kid    string
}

// registerClient registers a Backend Services client (ES384, inline JWKS)
// in tenant with a role and the system/ scopes it may request.
func (h *harness) registerClient(tenant, role string, scopes ...string) *backendClient {
	h.t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		h.t.Fatal(err)
	}
	return h.registerKey(key, jose.ES384, tenant, role, scopes...)
}

// registerRSAClient registers a client that signs with RS384. Generating
// RSA keys is slow, so callers pass one in and may share it between stores.
func (h *harness) registerRSAClient(key *rsa.PrivateKey, tenant, role string, scopes ...string) *backendClient {
	h.t.Helper()
	return h.registerKey(key, jose.RS384, tenant, role, scopes...)
}

// registerKey registers a client whose inline JWKS holds key's public half.
func (h *harness) registerKey(key crypto.Signer, alg jose.SignatureAlgorithm, tenant, role string, scopes ...string) *backendClient {
	h.t.Helper()
	c := &backendClient{tenant: tenant, key: key, alg: alg, kid: uuid.NewString()}
	jwks := &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key.Public(), KeyID: c.kid, Algorithm: string(alg), Use: "sig"}}}
	reg, err := backend.Register(h.t.Context(), h.store, backend.Client{Tenant: tenant, Name: "test client", Role: role, Scopes: scopes, JWKS: jwks})
	if err != nil {
		h.t.Fatal(err)
	}
	c.id = reg.ID
	return c
}

// tokenURL is the tenant's token endpoint on the harness server.
func (h *harness) tokenURL(tenant string) string { return h.srv.URL + "/auth/" + tenant + "/token" }

// assertion is a client assertion for the token endpoint; edit changes
// its claims before signing (to make bad ones).
func (h *harness) assertion(c *backendClient, edit func(*jwt.Claims)) string {
	h.t.Helper()
	now := h.clock.Now()
	cl := jwt.Claims{
		Issuer: c.id, Subject: c.id, Audience: jwt.Audience{h.tokenURL(c.tenant)},
		Expiry: jwt.NewNumericDate(now.Add(4 * time.Minute)), IssuedAt: jwt.NewNumericDate(now), ID: uuid.NewString(),
	}
	if edit != nil {
		edit(&cl)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: c.alg, Key: c.key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", c.kid))
	if err != nil {
		h.t.Fatal(err)
	}
	raw, err := jwt.Signed(signer).Claims(cl).Serialize()
	if err != nil {
		h.t.Fatal(err)
	}
	return raw
}

// tokenRequest posts a client_credentials request to the tenant's token
// endpoint.
func (h *harness) tokenRequest(tenant string, form url.Values) response {
	h.t.Helper()
	return h.do("POST", "/auth/"+tenant+"/token", form.Encode(), "Content-Type", "application/x-www-form-urlencoded")
}

// token gets an access token for c through the Backend Services flow.
func (h *harness) token(c *backendClient, scope string) string {
	h.t.Helper()
	r := h.tokenRequest(c.tenant, url.Values{
		"grant_type":            {"client_credentials"},
		"client_assertion_type": {backend.ClientAssertionType},
		"client_assertion":      {h.assertion(c, nil)},
		"scope":                 {scope},
	})
	if r.status != 200 {
		h.t.Fatalf("token request: %d %s", r.status, r.body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(r.body, &tok); err != nil || tok.AccessToken == "" {
		h.t.Fatalf("token response %s: %v", r.body, err)
	}
	return tok.AccessToken
}

// bearer is the Authorization header pair for a token or API key.
func bearer(credential string) []string {
	return []string{"Authorization", "Bearer " + strings.TrimSpace(credential)}
}
