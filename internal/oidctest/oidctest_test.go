package oidctest_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/kiln-health/kiln/internal/oidctest"
)

// verifier checks tokens against p's discovered JWKS, as a relying party
// would.
func verifier(t *testing.T, p *oidctest.Provider) *oidc.IDTokenVerifier {
	t.Helper()
	d, err := oidc.NewProvider(t.Context(), p.Issuer())
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	return d.Verifier(&oidc.Config{SkipClientIDCheck: true})
}

func TestToken(t *testing.T) {
	p := oidctest.Start(t)
	v := verifier(t, p)
	raw := p.Token(t, oidctest.TokenRequest{
		Client:   "app",
		Subject:  "user-1",
		Audience: []string{"https://fhir.example/fhir/default"},
		Scopes:   []string{"patient/*.rs", "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory"},
		Patient:  "p1",
		FHIRUser: "Practitioner/9",
		Roles:    []string{"clinician"},
		Claims:   map[string]any{"extra": "x", "patient": "p2"},
		Lifetime: 2 * time.Minute,
	})
	if _, err := v.Verify(context.Background(), raw); err != nil {
		t.Fatalf("token does not verify against the provider's JWKS: %v", err)
	}
	c := oidctest.Payload(t, raw)
	for name, want := range map[string]any{
		"iss": p.Issuer(), "sub": "user-1", "client_id": "app", "fhirUser": "Practitioner/9", "extra": "x",
		"patient": "p2", // Claims win
		"scope":   "patient/*.rs patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory",
	} {
		if c[name] != want {
			t.Errorf("%s = %v, want %v", name, c[name], want)
		}
	}
	if aud, _ := c["aud"].([]any); len(aud) != 1 || aud[0] != "https://fhir.example/fhir/default" {
		t.Errorf("aud = %v", c["aud"])
	}
	if roles, _ := c["roles"].([]any); len(roles) != 1 || roles[0] != "clinician" {
		t.Errorf("roles = %v", c["roles"])
	}
	exp, iat := c["exp"].(float64), c["iat"].(float64)
	if d := exp - iat; math.Abs(d-120) > 2 {
		t.Errorf("lifetime %v s, want 120", d)
	}
	if h := oidctest.Header(t, raw); h["alg"] != "RS256" || h["kid"] == "" {
		t.Errorf("header %v", h)
	}

	// Defaults.
	c = oidctest.Payload(t, p.Token(t, oidctest.TokenRequest{}))
	if c["sub"] != oidctest.DefaultClient || c["client_id"] != oidctest.DefaultClient {
		t.Errorf("default client: %v", c)
	}
	for _, name := range []string{"scope", "patient", "fhirUser", "roles"} {
		if _, ok := c[name]; ok {
			t.Errorf("claim %s present without being asked for", name)
		}
	}
	if d := c["exp"].(float64) - c["iat"].(float64); math.Abs(d-oidctest.DefaultLifetime.Seconds()) > 2 {
		t.Errorf("default lifetime %v s", d)
	}
}

func TestRotateAndForge(t *testing.T) {
	p := oidctest.Start(t)
	v := verifier(t, p)
	first := p.Token(t, oidctest.TokenRequest{})
	kid := p.RotateKey(t, false)
	second := p.Token(t, oidctest.TokenRequest{})
	if got := oidctest.Header(t, second)["kid"]; got != kid {
		t.Fatalf("signed with %v, want the new key %s", got, kid)
	}
	if k, _ := p.SigningKey(); k != kid {
		t.Errorf("SigningKey is %s, want %s", k, kid)
	}
	for _, raw := range []string{first, second} {
		if _, err := v.Verify(context.Background(), raw); err != nil {
			t.Errorf("verify after rotation: %v", err)
		}
	}

	forged := oidctest.Resign(t, second)
	if oidctest.Header(t, forged)["kid"] != kid {
		t.Errorf("forgery changed the kid")
	}
	if oidctest.Payload(t, forged)["jti"] != oidctest.Payload(t, second)["jti"] {
		t.Errorf("forgery changed the claims")
	}
	if _, err := v.Verify(context.Background(), forged); err == nil {
		t.Error("re-signed token verified")
	}
	if _, err := v.Verify(context.Background(), oidctest.Unsigned(t, oidctest.Payload(t, second))); err == nil {
		t.Error("unsigned token verified")
	}
}
