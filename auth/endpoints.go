package auth

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/kiln-health/kiln/auth/backend"
	"github.com/kiln-health/kiln/auth/token"
)

// rootKey carries the request's public root URL to the minter, which
// names Kiln's issuer and the token's audience from it.
type rootKey struct{}

// minter lets the Backend Services endpoint mint Kiln access tokens.
type minter struct{ s *Service }

func (m minter) Mint(ctx context.Context, g backend.Grant) (string, time.Duration, error) {
	root, _ := ctx.Value(rootKey{}).(string)
	if root == "" {
		return "", 0, errors.New("auth: mint: no root URL in context")
	}
	var roles []string
	if g.Role != "" {
		roles = []string{g.Role}
	}
	return m.s.issuer.Mint(ctx, token.AccessClaims{
		Issuer:   IssuerURL(root, g.Tenant),
		Subject:  g.ClientID,
		Audience: FHIRBase(root, g.Tenant),
		ClientID: g.ClientID,
		Scope:    g.Scope,
		Tenant:   g.Tenant,
		Roles:    roles,
	})
}

// TokenURL is the tenant's token endpoint, the audience of client assertions.
func TokenURL(root, tenant string) string { return IssuerURL(root, tenant) + "/token" }

// Token answers a request to the tenant's token endpoint
// (client_credentials with a private_key_jwt assertion).
func (s *Service) Token(ctx context.Context, root, tenant string, form url.Values) (backend.TokenResponse, *backend.Error) {
	ctx = context.WithValue(ctx, rootKey{}, root)
	return s.endpoint.Token(ctx, tenant, TokenURL(root, tenant), form)
}

// AssertedClient is the client a token request's assertion claims to
// come from (its unverified "iss"), to name the requester in the audit
// trail of refused requests; "" if the assertion is unreadable.
func AssertedClient(form url.Values) string {
	tok, err := jwt.ParseSigned(form.Get("client_assertion"), []jose.SignatureAlgorithm{jose.RS384, jose.ES384, jose.RS256, jose.ES256, jose.PS384})
	if err != nil {
		return ""
	}
	var c jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&c); err != nil || len(c.Issuer) > 200 {
		return ""
	}
	return c.Issuer
}

// Introspect answers RFC 7662 token introspection for one of the tenant's
// tokens: its claims when active, and {"active": false} alone otherwise.
func (s *Service) Introspect(ctx context.Context, root, tenant, raw string) map[string]any {
	inactive := map[string]any{"active": false}
	if raw == "" || strings.HasPrefix(raw, "kiln_") {
		return inactive
	}
	c, err := s.verifier.Verify(ctx, tenant, []string{FHIRBase(root, tenant)}, IssuerURL(root, tenant), raw)
	if err != nil {
		return inactive
	}
	out := map[string]any{
		"active":     true,
		"iss":        c.Issuer,
		"sub":        c.Subject,
		"aud":        c.Audience,
		"exp":        c.Expiry.Unix(),
		"scope":      c.Scope,
		"token_type": "Bearer",
	}
	if !c.IssuedAt.IsZero() {
		out["iat"] = c.IssuedAt.Unix()
	}
	for k, v := range map[string]string{"client_id": c.ClientID, "patient": c.Patient, "fhirUser": c.FHIRUser, "jti": c.JTI} {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

// JWKS is the public key set of Kiln's issuer.
func (s *Service) JWKS(ctx context.Context) (jose.JSONWebKeySet, error) {
	ks, err := s.issuer.JWKS(ctx)
	if err != nil {
		return ks, fmt.Errorf("auth: jwks: %w", err)
	}
	return ks, nil
}

// Capabilities are what Kiln's authorization supports, advertised in
// .well-known/smart-configuration and the CapabilityStatement.
var Capabilities = []string{"client-confidential-asymmetric", "permission-v1", "permission-v2"}

// SupportedScopes lists the scope patterns Kiln understands.
var SupportedScopes = []string{
	"system/*.cruds", "system/*.rs", "system/*.read", "system/*.write", "system/*.*",
	"user/*.cruds", "user/*.rs", "user/*.read", "user/*.write", "user/*.*",
	"patient/*.cruds", "patient/*.rs", "patient/*.read", "patient/*.write", "patient/*.*",
}

// SmartConfiguration is the tenant's .well-known/smart-configuration: what
// Kiln supports and nothing more. Kiln is a resource server with a
// Backend Services token endpoint; it has no authorization endpoint of
// its own (SMART App Launch tokens come from the tenant's trusted issuers).
func (s *Service) SmartConfiguration(root, tenant string) map[string]any {
	iss := IssuerURL(root, tenant)
	return map[string]any{
		"issuer":                                iss,
		"jwks_uri":                              iss + "/jwks",
		"token_endpoint":                        TokenURL(root, tenant),
		"token_endpoint_auth_methods_supported": []string{"private_key_jwt"},
		"token_endpoint_auth_signing_alg_values_supported": []string{"RS384", "ES384"},
		"grant_types_supported":                            []string{"client_credentials"},
		"introspection_endpoint":                           iss + "/introspect",
		"scopes_supported":                                 SupportedScopes,
		"response_types_supported":                         []string{},
		"capabilities":                                     Capabilities,
		"code_challenge_methods_supported":                 []string{},
	}
}

// OpenIDConfiguration is the discovery document of Kiln's issuer, so that
// other services can verify Kiln's tokens with any OIDC library.
func (s *Service) OpenIDConfiguration(root, tenant string) map[string]any {
	iss := IssuerURL(root, tenant)
	return map[string]any{
		"issuer":                                iss,
		"jwks_uri":                              iss + "/jwks",
		"token_endpoint":                        TokenURL(root, tenant),
		"introspection_endpoint":                iss + "/introspect",
		"grant_types_supported":                 []string{"client_credentials"},
		"token_endpoint_auth_methods_supported": []string{"private_key_jwt"},
		"token_endpoint_auth_signing_alg_values_supported": []string{"RS384", "ES384"},
		"id_token_signing_alg_values_supported":            []string{"ES256"},
		"response_types_supported":                         []string{"token"},
		"subject_types_supported":                          []string{"public"},
	}
}
