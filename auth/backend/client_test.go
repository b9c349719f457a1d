package backend_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"slices"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/kiln-health/kiln/auth/backend"
	"github.com/kiln-health/kiln/fhir/store"
)

func TestRegisterRefuses(t *testing.T) {
	keys := testKeys()
	records := openStore(t)
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	set := func(ks ...jose.JSONWebKey) *jose.JSONWebKeySet { return &jose.JSONWebKeySet{Keys: ks} }
	good := func() backend.Client {
		return backend.Client{
			Tenant: tenant, Role: "integration", Scopes: []string{"system/Patient.rs"},
			JWKS: set(publicJWK(keys.rsa, "k1")),
		}
	}
	cases := []struct {
		name string
		edit func(c *backend.Client)
	}{
		{"no tenant", func(c *backend.Client) { c.Tenant = "" }},
		{"no role", func(c *backend.Client) { c.Role = "" }},
		{"space in id", func(c *backend.Client) { c.ID = "a b" }},
		{"no scopes", func(c *backend.Client) { c.Scopes = nil }},
		{"user/ scope", func(c *backend.Client) { c.Scopes = []string{"system/Patient.rs", "user/Patient.rs"} }},
		{"non-resource scope", func(c *backend.Client) { c.Scopes = []string{"openid"} }},
		{"malformed scope", func(c *backend.Client) { c.Scopes = []string{"system/Patient.xyz"} }},
		{"neither jwks nor jwks_url", func(c *backend.Client) { c.JWKS = nil }},
		{"both jwks and jwks_url", func(c *backend.Client) { c.JWKSURL = "https://client.example/jwks" }},
		{"empty key set", func(c *backend.Client) { c.JWKS = set() }},
		{"private RSA key", func(c *backend.Client) { c.JWKS = set(jose.JSONWebKey{Key: keys.rsa, KeyID: "k1"}) }},
		{"private EC key", func(c *backend.Client) { c.JWKS = set(jose.JSONWebKey{Key: keys.ec, KeyID: "k1"}) }},
		{"symmetric key", func(c *backend.Client) {
			c.JWKS = set(jose.JSONWebKey{Key: []byte("0123456789abcdef0123456789abcdef"), KeyID: "k1"})
		}},
		{"RSA under 2048 bits", func(c *backend.Client) { c.JWKS = set(jose.JSONWebKey{Key: small.Public(), KeyID: "k1"}) }},
		{"P-256 key", func(c *backend.Client) { c.JWKS = set(jose.JSONWebKey{Key: p256.Public(), KeyID: "k1"}) }},
		{"no kid", func(c *backend.Client) { c.JWKS = set(publicJWK(keys.rsa, "")) }},
		{"repeated kid", func(c *backend.Client) { c.JWKS = set(publicJWK(keys.rsa, "k1"), publicJWK(keys.ec, "k1")) }},
		{"RSA key declaring RS256", func(c *backend.Client) {
			k := publicJWK(keys.rsa, "k1")
			k.Algorithm = string(jose.RS256)
			c.JWKS = set(k)
		}},
		{"encryption key", func(c *backend.Client) {
			k := publicJWK(keys.ec, "k1")
			k.Use = "enc"
			c.JWKS = set(k)
		}},
		{"jwks_url over http", func(c *backend.Client) { c.JWKS, c.JWKSURL = nil, "http://client.example/jwks" }},
		{"relative jwks_url", func(c *backend.Client) { c.JWKS, c.JWKSURL = nil, "/jwks" }},
		{"jwks_url with credentials", func(c *backend.Client) { c.JWKS, c.JWKSURL = nil, "https://u:p@client.example/jwks" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := good()
			tc.edit(&c)
			_, err := backend.Register(t.Context(), records, c)
			if !errors.Is(err, backend.ErrInvalidRegistration) {
				t.Fatalf("Register: %v, want ErrInvalidRegistration", err)
			}
			t.Log(err)
		})
	}
	if list, err := backend.ListClients(t.Context(), records, tenant); err != nil || len(list) != 0 {
		t.Errorf("after refusals: %v, %v; want no clients", list, err)
	}
}

func TestClientRegistry(t *testing.T) {
	keys := testKeys()
	records := openStore(t)
	ctx := t.Context()

	a, err := backend.Register(ctx, records, backend.Client{
		Tenant: tenant, Name: "Lab feed", Role: "integration",
		Scopes: []string{"system/Observation.cruds", "system/Patient.read"},
		JWKS:   &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{publicJWK(keys.rsa, "r1"), publicJWK(keys.ec, "e1")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if a.ID == "" || a.Created.IsZero() {
		t.Errorf("registered client %+v lacks a generated ID or Created", a)
	}
	b, err := backend.Register(ctx, records, backend.Client{
		ID: "b-reporting", Tenant: tenant, Role: "reporting",
		Scopes: []string{"system/*.rs"}, JWKSURL: "http://127.0.0.1:9/jwks.json",
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := backend.Register(ctx, records, backend.Client{
		ID: "elsewhere", Tenant: "clinic-b", Role: "integration",
		Scopes: []string{"system/*.rs"}, JWKSURL: "https://client.example/jwks",
	}); err != nil {
		t.Fatal(err)
	}

	got, err := backend.GetClient(ctx, records, tenant, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != a.Name || got.Role != a.Role || !slices.Equal(got.Scopes, a.Scopes) || !got.Created.Equal(a.Created) {
		t.Errorf("GetClient = %+v, want %+v", got, a)
	}
	if got.JWKS == nil || len(got.JWKS.Keys) != 2 || got.JWKS.Keys[0].KeyID != "r1" || !got.JWKS.Keys[0].IsPublic() {
		t.Errorf("stored key set = %+v", got.JWKS)
	}
	if pub, ok := got.JWKS.Keys[1].Key.(*ecdsa.PublicKey); !ok || !pub.Equal(keys.ec.Public()) {
		t.Errorf("EC key did not round-trip: %T", got.JWKS.Keys[1].Key)
	}

	list, err := backend.ListClients(ctx, records, tenant)
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{a.ID, b.ID}
	slices.Sort(ids)
	if len(list) != 2 || list[0].ID != ids[0] || list[1].ID != ids[1] {
		t.Errorf("ListClients = %+v, want %v", list, ids)
	}

	if _, err := backend.Register(ctx, records, backend.Client{
		ID: b.ID, Tenant: tenant, Role: "integration",
		Scopes: []string{"system/*.rs"}, JWKSURL: "https://attacker.example/jwks",
	}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("re-registering %s: %v, want ErrConflict", b.ID, err)
	}
	if got, _ := backend.GetClient(ctx, records, tenant, b.ID); got.JWKSURL != b.JWKSURL {
		t.Errorf("re-registration replaced the jwks_url with %q", got.JWKSURL)
	}

	if err := backend.DeleteClient(ctx, records, tenant, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := backend.GetClient(ctx, records, tenant, b.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetClient after delete: %v, want ErrNotFound", err)
	}
	if err := backend.DeleteClient(ctx, records, tenant, b.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second DeleteClient: %v, want ErrNotFound", err)
	}
	if _, err := backend.GetClient(ctx, records, tenant, "elsewhere"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("client of clinic-b read through clinic-a: %v", err)
	}
}

func TestDeletedClientCannotAuthenticate(t *testing.T) {
	fx := newFixture(t)
	if err := backend.DeleteClient(t.Context(), fx.records, tenant, fx.rsa.ID); err != nil {
		t.Fatal(err)
	}
	_, terr := fx.ep.Token(t.Context(), tenant, tokenURL, tokenForm(fx.assertionFor(fx.rsa).sign(t), "system/Patient.rs"))
	if terr == nil || terr.Code != backend.CodeInvalidClient {
		t.Fatalf("got %v, want invalid_client", terr)
	}
}
