// Package oidctest runs a real OpenID provider for tests: zitadel/oidc's
// op package on an httptest server, serving its own discovery document,
// JWKS and token endpoint. Tests get access tokens from it with the
// client_credentials grant (through golang.org/x/oauth2, after discovery)
// and choose only what goes in them: subject, audience, scopes, the SMART
// patient and fhirUser, roles, any other claim, and the lifetime. The
// tokens are RS256 JWTs that op itself builds and signs; RotateKey changes
// the signing key the JWKS publishes.
//
// The forging helpers (Unsigned, Resign, Payload, Header) turn a valid
// token into the invalid ones a verifier must refuse.
package oidctest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/example/server/storage"
	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/oauth2/clientcredentials"
)

// DefaultLifetime is the lifetime of a token whose TokenRequest names none.
const DefaultLifetime = 5 * time.Minute

// DefaultClient is the client id of a TokenRequest that names none.
const DefaultClient = "oidctest-client"

// Provider is a running OpenID provider. It is safe for concurrent use.
type Provider struct {
	srv *httptest.Server
	st  *opStorage

	// tokenMu serializes Token: the op storage reads the request of the
	// client being served from st.pending.
	tokenMu  sync.Mutex
	tokenURL string // from discovery, on first use
}

// Start starts a provider whose issuer is its httptest server's URL (a
// loopback http URL); it stops when tb ends.
func Start(tb testing.TB) *Provider {
	tb.Helper()
	var handler http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler.ServeHTTP(w, r)
	}))
	tb.Cleanup(srv.Close)

	st := &opStorage{
		// The example storage provides every op.Storage method the
		// client_credentials grant does not touch.
		Storage: storage.NewStorage(storage.NewUserStore(srv.URL)),
		pending: map[string]TokenRequest{},
		secret:  rand.Text(),
	}
	if _, err := st.rotate(false); err != nil {
		tb.Fatalf("oidctest: signing key: %v", err)
	}
	key := sha256.Sum256([]byte(rand.Text()))
	provider, err := op.NewProvider(&op.Config{CryptoKey: key, CryptoKeyId: "oidctest"}, st,
		op.StaticIssuer(srv.URL), op.WithAllowInsecure())
	if err != nil {
		tb.Fatalf("oidctest: zitadel op: %v", err)
	}
	handler = provider
	return &Provider{srv: srv, st: st}
}

// Issuer is the provider's issuer URL, the iss of its tokens.
func (p *Provider) Issuer() string { return p.srv.URL }

// TokenRequest says what an access token holds.
type TokenRequest struct {
	// Client is the OAuth client that asks for the token (its client_id
	// claim); DefaultClient if empty.
	Client string
	// Subject is the sub claim; the client id if empty.
	Subject string
	// Audience is the aud claim; op puts the client id there if empty.
	Audience []string
	// Scopes are requested in the grant and granted in the scope claim
	// (space-separated), which is left out if there are none.
	Scopes []string
	// Patient is the SMART patient claim, FHIRUser the fhirUser claim;
	// each is left out if empty.
	Patient  string
	FHIRUser string
	// Roles is the roles claim (an array), left out if nil.
	Roles []string
	// Claims are further private claims; they replace the claims above of
	// the same name. Registered claims (iss, sub, aud, exp, iat, nbf,
	// jti, client_id) are op's and cannot be set here.
	Claims map[string]any
	// Lifetime is how long the token is valid from now; DefaultLifetime if
	// zero or negative.
	Lifetime time.Duration
}

func (r TokenRequest) client() string {
	if r.Client == "" {
		return DefaultClient
	}
	return r.Client
}

func (r TokenRequest) lifetime() time.Duration {
	if r.Lifetime <= 0 {
		return DefaultLifetime
	}
	return r.Lifetime
}

// privateClaims are the token's claims besides the registered ones.
func (r TokenRequest) privateClaims() map[string]any {
	claims := map[string]any{}
	if len(r.Scopes) > 0 {
		claims["scope"] = strings.Join(r.Scopes, " ")
	}
	if r.Patient != "" {
		claims["patient"] = r.Patient
	}
	if r.FHIRUser != "" {
		claims["fhirUser"] = r.FHIRUser
	}
	if r.Roles != nil {
		claims["roles"] = r.Roles
	}
	for k, v := range r.Claims {
		claims[k] = v
	}
	return claims
}

// Token gets an access token from the provider's token endpoint, found by
// discovery, with the client_credentials grant.
func (p *Provider) Token(tb testing.TB, r TokenRequest) string {
	tb.Helper()
	raw, err := p.token(tb.Context(), r)
	if err != nil {
		tb.Fatalf("oidctest: %v", err)
	}
	return raw
}

func (p *Provider) token(ctx context.Context, r TokenRequest) (string, error) {
	p.tokenMu.Lock()
	defer p.tokenMu.Unlock()
	if p.tokenURL == "" {
		d, err := oidc.NewProvider(ctx, p.Issuer())
		if err != nil {
			return "", errors.New("discover the provider: " + err.Error())
		}
		p.tokenURL = d.Endpoint().TokenURL
	}
	client := r.client()
	p.st.mu.Lock()
	p.st.pending[client] = r
	p.st.mu.Unlock()
	defer func() {
		p.st.mu.Lock()
		delete(p.st.pending, client)
		p.st.mu.Unlock()
	}()
	cc := clientcredentials.Config{ClientID: client, ClientSecret: p.st.secret, TokenURL: p.tokenURL, Scopes: r.Scopes}
	tok, err := cc.Token(ctx)
	if err != nil {
		return "", errors.New("client_credentials token for " + client + ": " + err.Error())
	}
	if strings.Count(tok.AccessToken, ".") != 2 {
		return "", errors.New("the provider issued an opaque token, want a JWT")
	}
	return tok.AccessToken, nil
}

// RotateKey makes a new signing key, which signs from now on, and returns
// its key id. The old keys stay in the JWKS unless dropOld.
func (p *Provider) RotateKey(tb testing.TB, dropOld bool) string {
	tb.Helper()
	k, err := p.st.rotate(dropOld)
	if err != nil {
		tb.Fatalf("oidctest: rotate key: %v", err)
	}
	return k.id
}

// SigningKey is the key that signs new tokens, and its key id: for tests
// that forge tokens with the provider's own key.
func (p *Provider) SigningKey() (kid string, key *rsa.PrivateKey) {
	k := p.st.newest()
	return k.id, k.key
}

// opStorage is op.Storage over the zitadel example storage: its service
// clients are the pending token requests, which get JWT access tokens
// with their own claims and lifetime, and its signing keys rotate on
// demand.
type opStorage struct {
	*storage.Storage

	secret string // every client's: only Provider.Token knows it

	mu      sync.Mutex
	pending map[string]TokenRequest // by client id
	keys    []*opKey                // newest last; the newest signs
}

var (
	_ op.ClientCredentialsStorage       = (*opStorage)(nil)
	_ op.CanGetPrivateClaimsFromRequest = (*opStorage)(nil)
)

func (s *opStorage) rotate(dropOld bool) (*opKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	k := &opKey{id: rand.Text(), key: priv}
	s.mu.Lock()
	defer s.mu.Unlock()
	if dropOld {
		s.keys = nil
	}
	s.keys = append(s.keys, k)
	return k, nil
}

func (s *opStorage) newest() *opKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[len(s.keys)-1]
}

func (s *opStorage) request(clientID string) (TokenRequest, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.pending[clientID]
	return r, ok
}

func (s *opStorage) SigningKey(context.Context) (op.SigningKey, error) {
	return s.newest(), nil
}

func (s *opStorage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *opStorage) KeySet(context.Context) ([]op.Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]op.Key, len(s.keys))
	for i, k := range s.keys {
		out[i] = opPublicKey{k}
	}
	return out, nil
}

// ClientCredentials authenticates a client: one that Token is asking a
// token for, presenting the provider's secret.
func (s *opStorage) ClientCredentials(_ context.Context, clientID, clientSecret string) (op.Client, error) {
	if _, ok := s.request(clientID); !ok || clientSecret != s.secret {
		return nil, errors.New("wrong client id or secret")
	}
	return serviceClient{storage.WebClient(clientID, clientSecret)}, nil
}

func (s *opStorage) ClientCredentialsTokenRequest(_ context.Context, clientID string, scopes []string) (op.TokenRequest, error) {
	r, ok := s.request(clientID)
	if !ok {
		return nil, errors.New("unknown client")
	}
	sub := r.Subject
	if sub == "" {
		sub = clientID
	}
	return &tokenRequest{
		JWTTokenRequest: zoidc.JWTTokenRequest{Subject: sub, Audience: r.Audience, Scopes: scopes},
		lifetime:        r.lifetime(),
		claims:          r.privateClaims(),
	}, nil
}

// CreateAccessToken gives the token its id and the requested lifetime.
func (s *opStorage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	if tr, ok := req.(*tokenRequest); ok {
		return rand.Text(), time.Now().Add(tr.lifetime), nil
	}
	return s.Storage.CreateAccessToken(ctx, req)
}

func (s *opStorage) GetPrivateClaimsFromRequest(_ context.Context, req op.TokenRequest, _ []string) (map[string]any, error) {
	if tr, ok := req.(*tokenRequest); ok {
		return tr.claims, nil
	}
	return nil, nil
}

// tokenRequest is a client_credentials request with what its token holds.
type tokenRequest struct {
	zoidc.JWTTokenRequest
	lifetime time.Duration
	claims   map[string]any
}

// serviceClient is the example web client turned into a
// client_credentials client that gets JWT access tokens.
type serviceClient struct{ op.Client }

func (serviceClient) GrantTypes() []zoidc.GrantType {
	return []zoidc.GrantType{zoidc.GrantTypeClientCredentials}
}

func (serviceClient) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeJWT }

// opKey is one RS256 key of the provider.
type opKey struct {
	id  string
	key *rsa.PrivateKey
}

func (k *opKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k *opKey) Key() any                                    { return k.key }
func (k *opKey) ID() string                                  { return k.id }

type opPublicKey struct{ k *opKey }

func (p opPublicKey) ID() string                         { return p.k.id }
func (p opPublicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (p opPublicKey) Use() string                        { return "sig" }
func (p opPublicKey) Key() any                           { return &p.k.key.PublicKey }
