package token

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

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/example/server/storage"
	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/oauth2/clientcredentials"
)

// testOP is a real OpenID provider, zitadel/oidc's op package, serving
// discovery, a JWKS and a token endpoint on an httptest server. Tokens come
// from its client_credentials grant as RS256 JWT access tokens signed by
// op itself; the tests only choose what goes in them (audience, private
// claims) and when the signing key rotates.
type testOP struct {
	URL string
	st  *opStorage
}

// opClient is a service client of the test OP.
type opClient struct {
	secret   string
	audience []string
	claims   map[string]any // private claims added to its access tokens
}

// newTestOP starts an OP whose clients are the given ones, by client id.
func newTestOP(t *testing.T, clients map[string]opClient) *testOP {
	t.Helper()
	var handler http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)

	st := &opStorage{
		// The example storage provides every op.Storage method the
		// client_credentials grant does not touch.
		Storage: storage.NewStorage(storage.NewUserStore(srv.URL)),
		clients: clients,
	}
	st.rotate(t, false)

	key := sha256.Sum256([]byte(t.Name()))
	provider, err := op.NewProvider(&op.Config{CryptoKey: key, CryptoKeyId: "test"}, st,
		op.StaticIssuer(srv.URL), op.WithAllowInsecure())
	if err != nil {
		t.Fatalf("zitadel op: %v", err)
	}
	handler = provider
	return &testOP{URL: srv.URL, st: st}
}

// token gets an access token from the OP's token endpoint, found by
// discovery, with the client_credentials grant.
func (o *testOP) token(t *testing.T, clientID string, scopes ...string) string {
	t.Helper()
	ctx := t.Context()
	p, err := oidc.NewProvider(ctx, o.URL)
	if err != nil {
		t.Fatalf("discover test OP: %v", err)
	}
	cc := clientcredentials.Config{
		ClientID:     clientID,
		ClientSecret: o.st.clients[clientID].secret,
		TokenURL:     p.Endpoint().TokenURL,
		Scopes:       scopes,
	}
	tok, err := cc.Token(ctx)
	if err != nil {
		t.Fatalf("client_credentials token for %s: %v", clientID, err)
	}
	if strings.Count(tok.AccessToken, ".") != 2 {
		t.Fatalf("test OP issued an opaque token, want a JWT")
	}
	return tok.AccessToken
}

// opStorage is op.Storage over the zitadel example storage, with service
// clients that get JWT access tokens, and signing keys the test rotates.
type opStorage struct {
	*storage.Storage

	clients map[string]opClient

	mu   sync.Mutex
	keys []*opKey // newest last; the newest signs
}

var _ op.ClientCredentialsStorage = (*opStorage)(nil)

// rotate makes a new signing key; with dropOld the old keys also leave
// the JWKS.
func (s *opStorage) rotate(t *testing.T, dropOld bool) *opKey {
	t.Helper()
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	k := &opKey{id: rand.Text(), key: priv}
	s.mu.Lock()
	defer s.mu.Unlock()
	if dropOld {
		s.keys = nil
	}
	s.keys = append(s.keys, k)
	return k
}

func (s *opStorage) newest() *opKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[len(s.keys)-1]
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

func (s *opStorage) ClientCredentials(_ context.Context, clientID, clientSecret string) (op.Client, error) {
	c, ok := s.clients[clientID]
	if !ok || c.secret != clientSecret {
		return nil, errors.New("wrong client id or secret")
	}
	return serviceClient{storage.WebClient(clientID, clientSecret)}, nil
}

func (s *opStorage) ClientCredentialsTokenRequest(_ context.Context, clientID string, scopes []string) (op.TokenRequest, error) {
	c, ok := s.clients[clientID]
	if !ok {
		return nil, errors.New("unknown client")
	}
	return &zoidc.JWTTokenRequest{Subject: clientID, Audience: c.audience, Scopes: scopes}, nil
}

func (s *opStorage) GetPrivateClaimsFromScopes(_ context.Context, _, clientID string, _ []string) (map[string]any, error) {
	return s.clients[clientID].claims, nil
}

// serviceClient is the example web client turned into a
// client_credentials client that gets JWT access tokens.
type serviceClient struct{ op.Client }

func (serviceClient) GrantTypes() []zoidc.GrantType {
	return []zoidc.GrantType{zoidc.GrantTypeClientCredentials}
}

func (serviceClient) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeJWT }

// opKey is one RS256 key of the test OP.
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
