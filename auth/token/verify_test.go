package token

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/internal/oidctest"
)

const (
	tenantA = "a"
	tenantB = "b"
	fhirA   = "http://kiln.test/fhir/a"
	fhirB   = "http://kiln.test/fhir/b"
	ownA    = "http://kiln.test/auth/a"
	ownB    = "http://kiln.test/auth/b"
)

// extEnv is a tenant "a" that trusts a real OpenID provider, and a tenant
// "b" that trusts nothing.
type extEnv struct {
	op    *oidctest.Provider
	st    store.Records
	clock *fakeClock
	v     *Verifier
}

func newExtEnv(t *testing.T) *extEnv {
	t.Helper()
	st := openStore(t)
	o := oidctest.Start(t)
	if err := TrustIssuer(t.Context(), st, tenantA, Trust{
		Issuer:       o.Issuer(),
		Audiences:    []string{"kiln-api"},
		RolesClaim:   "kiln_roles",
		PatientClaim: "pat",
	}); err != nil {
		t.Fatal(err)
	}
	clock := newClock(time.Now())
	return &extEnv{op: o, st: st, clock: clock, v: NewVerifier(nil, st, VerifierOptions{Now: clock.Now})}
}

// The OP's service clients: svc's tokens are for tenant a's FHIR base and
// carry roles, a patient, a fhirUser and scopes, spelt as tenant a's Trust
// and the scp convention say; svc-api's are for the API name tenant a's
// Trust also accepts; svc-elsewhere's for another server.
var (
	svc = oidctest.TokenRequest{Client: "svc", Audience: []string{fhirA}, FHIRUser: "Practitioner/9", Claims: map[string]any{
		"kiln_roles": []string{"reader", "writer"},
		"pat":        "123",
		"scp":        []string{"system/Patient.rs", "system/Observation.rs"},
	}}
	svcAPI       = oidctest.TokenRequest{Client: "svc-api", Audience: []string{"kiln-api"}}
	svcElsewhere = oidctest.TokenRequest{Client: "svc-elsewhere", Audience: []string{"https://elsewhere.example/fhir"}}
)

func (e *extEnv) verify(t *testing.T, tenant, raw string) (Claims, error) {
	t.Helper()
	fhir, own := fhirA, ownA
	if tenant == tenantB {
		fhir, own = fhirB, ownB
	}
	return e.v.Verify(t.Context(), tenant, []string{fhir}, own, raw)
}

func TestExternalTokenAccepted(t *testing.T) {
	e := newExtEnv(t)
	raw := e.op.Token(t, svc)
	c, err := e.verify(t, tenantA, raw)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if c.Issuer != e.op.Issuer() || c.Subject != "svc" || c.ClientID != "svc" || c.Tenant != tenantA || c.Kiln {
		t.Errorf("claims = %+v", c)
	}
	if !slices.Equal(c.Audience, []string{fhirA}) {
		t.Errorf("audience = %q", c.Audience)
	}
	if c.Scope != "system/Patient.rs system/Observation.rs" {
		t.Errorf("scope = %q", c.Scope)
	}
	if !slices.Equal(c.Roles, []string{"reader", "writer"}) {
		t.Errorf("roles = %q", c.Roles)
	}
	if c.Patient != "123" || c.FHIRUser != "Practitioner/9" {
		t.Errorf("patient %q, fhirUser %q", c.Patient, c.FHIRUser)
	}
	if c.JTI == "" || c.IssuedAt.IsZero() || !c.Expiry.After(time.Now()) {
		t.Errorf("jti %q, iat %v, exp %v", c.JTI, c.IssuedAt, c.Expiry)
	}

	// The scope claim, when there is one, wins over scp.
	withScope := svc
	withScope.Scopes = []string{"system/Patient.rs"}
	c, err = e.verify(t, tenantA, e.op.Token(t, withScope))
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if c.Scope != "system/Patient.rs" {
		t.Errorf("scope = %q", c.Scope)
	}
}

func TestExternalTrustAudiences(t *testing.T) {
	e := newExtEnv(t)
	// aud is "kiln-api", accepted only because the Trust lists it.
	if _, err := e.verify(t, tenantA, e.op.Token(t, svcAPI)); err != nil {
		t.Fatalf("verify: %v", err)
	}
}

func TestExternalExpiry(t *testing.T) {
	e := newExtEnv(t)
	raw := e.op.Token(t, svc)
	exp := time.Unix(int64(payload(t, raw)["exp"].(float64)), 0)

	e.clock.Set(exp.Add(30 * time.Second)) // within the default skew
	if _, err := e.verify(t, tenantA, raw); err != nil {
		t.Fatalf("within clock skew: %v", err)
	}
	e.clock.Set(exp.Add(DefaultClockSkew + time.Second))
	_, err := e.verify(t, tenantA, raw)
	wantInvalid(t, err, raw, "expired")
}

func TestExternalNotYetValid(t *testing.T) {
	e := newExtEnv(t)
	raw := e.op.Token(t, svc)
	nbf := time.Unix(int64(payload(t, raw)["nbf"].(float64)), 0)

	e.clock.Set(nbf.Add(-30 * time.Second)) // within the default skew
	if _, err := e.verify(t, tenantA, raw); err != nil {
		t.Fatalf("within clock skew: %v", err)
	}
	e.clock.Set(nbf.Add(-2 * time.Minute))
	_, err := e.verify(t, tenantA, raw)
	wantInvalid(t, err, raw, "not valid before")
}

func TestExternalWrongAudience(t *testing.T) {
	e := newExtEnv(t)
	raw := e.op.Token(t, svcElsewhere)
	_, err := e.verify(t, tenantA, raw)
	wantInvalid(t, err, raw, "aud")
}

func TestExternalUntrustedIssuer(t *testing.T) {
	e := newExtEnv(t)
	other := oidctest.Start(t)
	raw := other.Token(t, oidctest.TokenRequest{Client: "svc", Audience: []string{fhirA}})
	_, err := e.verify(t, tenantA, raw)
	wantInvalid(t, err, raw, "not trusted")
}

func TestExternalIssuerTrustedByAnotherTenant(t *testing.T) {
	e := newExtEnv(t)
	raw := e.op.Token(t, svc)
	// Even with tenant a's audience, tenant b does not trust the issuer.
	_, err := e.v.Verify(t.Context(), tenantB, []string{fhirA}, ownB, raw)
	wantInvalid(t, err, raw, `not trusted by tenant "b"`)
}

func TestExternalUntrustTakesEffect(t *testing.T) {
	e := newExtEnv(t)
	raw := e.op.Token(t, svc)
	if _, err := e.verify(t, tenantA, raw); err != nil {
		t.Fatal(err)
	}
	if err := UntrustIssuer(t.Context(), e.st, tenantA, e.op.Issuer()); err != nil {
		t.Fatal(err)
	}
	_, err := e.verify(t, tenantA, raw)
	wantInvalid(t, err, raw, "not trusted")
}

func TestExternalUnsigned(t *testing.T) {
	e := newExtEnv(t)
	raw := unsigned(t, payload(t, e.op.Token(t, svc)))
	_, err := e.verify(t, tenantA, raw)
	wantInvalid(t, err, raw, `"none"`)
}

// TestExternalKeyConfusion signs a token with HS256, using the OP's
// public key as the HMAC secret: a verifier that let the token's alg pick
// how to use the key would accept it.
func TestExternalKeyConfusion(t *testing.T) {
	e := newExtEnv(t)
	claims := payload(t, e.op.Token(t, svc))
	kid, key := e.op.SigningKey()
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	for name, secret := range map[string][]byte{
		"pem": pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}),
		"der": der,
	} {
		t.Run(name, func(t *testing.T) {
			raw := sign(t, jose.HS256, secret, kid, "JWT", claims)
			_, err := e.verify(t, tenantA, raw)
			wantInvalid(t, err, raw, "HS256")
		})
	}
}

func TestExternalResignedWithOtherKey(t *testing.T) {
	e := newExtEnv(t)
	genuine := e.op.Token(t, svc)
	raw := oidctest.Resign(t, genuine)
	if h := header(t, raw); h["kid"] != header(t, genuine)["kid"] || h["alg"] != "RS256" {
		t.Fatalf("forgery header %v", h)
	}
	_, err := e.verify(t, tenantA, raw)
	wantInvalid(t, err, raw, "signature")
}

// TestExternalKeyRotation rotates the OP's signing key under a verifier
// that has already cached the old JWKS.
func TestExternalKeyRotation(t *testing.T) {
	e := newExtEnv(t)
	first := e.op.Token(t, svc)
	if _, err := e.verify(t, tenantA, first); err != nil {
		t.Fatal(err)
	}

	// A new key, the old one still published.
	k2 := e.op.RotateKey(t, false)
	second := e.op.Token(t, svc)
	if kid := header(t, second)["kid"]; kid != k2 {
		t.Fatalf("OP signed with kid %v, want the new %s", kid, k2)
	}
	if _, err := e.verify(t, tenantA, second); err != nil {
		t.Fatalf("token signed with the new key: %v", err)
	}
	if _, err := e.verify(t, tenantA, first); err != nil {
		t.Fatalf("token signed with the old, still published key: %v", err)
	}

	// A third key, and the OP withdraws the others.
	e.op.RotateKey(t, true)
	if _, err := e.verify(t, tenantA, e.op.Token(t, svc)); err != nil {
		t.Fatalf("token signed with the third key: %v", err)
	}
	// go-oidc hands refetched keys to the waiting verification a moment
	// before it caches them, so the withdrawal may take a moment to show.
	var err error
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, err = e.verify(t, tenantA, first); err != nil || time.Now().After(deadline) {
			break
		}
	}
	wantInvalid(t, err, first, "signature")
}

// TestExternalRediscovery: a cached provider is rediscovered after
// providerTTL, which refetches the JWKS, so a key the OP withdrew stops
// verifying even when no token with a new kid comes along.
func TestExternalRediscovery(t *testing.T) {
	e := newExtEnv(t)
	first := e.op.Token(t, svc)
	if _, err := e.verify(t, tenantA, first); err != nil {
		t.Fatal(err)
	}
	e.op.RotateKey(t, true)
	if _, err := e.verify(t, tenantA, first); err != nil {
		t.Fatalf("withdrawn key dropped before the cache aged: %v", err)
	}
	// The token has expired by then too, but the signature is checked
	// first: "signature", not "expired", shows the JWKS was refetched.
	e.clock.Advance(providerTTL)
	_, err := e.verify(t, tenantA, first)
	wantInvalid(t, err, first, "signature")
}

func TestExternalDiscoveryFails(t *testing.T) {
	e := newExtEnv(t)
	dead := httptest.NewServer(nil)
	dead.Close()
	if err := TrustIssuer(t.Context(), e.st, tenantA, Trust{Issuer: dead.URL}); err != nil {
		t.Fatal(err)
	}
	claims := payload(t, e.op.Token(t, svc))
	claims["iss"] = dead.URL
	forger, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	raw := sign(t, jose.RS256, forger, "k", "JWT", claims)
	_, err = e.verify(t, tenantA, raw)
	wantInvalid(t, err, raw, "cannot discover")
}

func TestMalformedTokens(t *testing.T) {
	e := newExtEnv(t)
	opKID, opKey := e.op.SigningKey()
	for name, raw := range map[string]string{
		"empty":      "",
		"garbage":    "not-a-jwt",
		"two parts":  "eyJhbGciOiJSUzI1NiJ9.e30",
		"no issuer":  sign(t, jose.RS256, opKey, opKID, "JWT", map[string]any{"sub": "x"}),
		"bad base64": "!!!.!!!.!!!",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := e.verify(t, tenantA, raw)
			if !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("err = %v, want ErrInvalidToken", err)
			}
		})
	}
}

// sign makes a JWS over claims with key, naming kid and typ in the header.
func sign(t *testing.T, alg jose.SignatureAlgorithm, key any, kid, typ string, claims any) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: kid}},
		(&jose.SignerOptions{}).WithType(jose.ContentType(typ)))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jwt.Signed(s).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
