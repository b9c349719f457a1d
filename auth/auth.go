// Package auth decides who is calling Kiln and what they may do. It joins
// its parts into what the HTTP server needs:
//
//   - token: Kiln's own issuer (signing keys, access tokens, JWKS) and the
//     verifier of bearer tokens from Kiln and from each tenant's trusted
//     OIDC issuers;
//   - backend: SMART Backend Services clients and the client_credentials
//     token endpoint;
//   - apikey: API keys for integrations that cannot do OAuth, with rate
//     limits;
//   - scope: SMART scopes (v1, v2, granular) as search restrictions;
//   - policy: Casbin rules per tenant (roles, type groups, security labels);
//   - netguard: client addresses behind trusted proxies, IP allowlists.
//
// A request's access is Casbin ∧ SMART scopes ∧ patient compartment,
// expressed as one store filter per resource type and action that the
// engine applies inside every query (engine.Access); any error denies.
package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/kiln-health/kiln/auth/apikey"
	"github.com/kiln-health/kiln/auth/backend"
	"github.com/kiln-health/kiln/auth/netguard"
	"github.com/kiln-health/kiln/auth/policy"
	"github.com/kiln-health/kiln/auth/scope"
	"github.com/kiln-health/kiln/auth/token"
	"github.com/kiln-health/kiln/fhir/store"
)

// Options configure a Service.
type Options struct {
	// TrustedProxies are the addresses (IPs or CIDRs) whose
	// X-Forwarded-For is believed.
	TrustedProxies []string
	// APIKeyPepper keys the HMAC of stored API keys; when empty a random
	// pepper is generated once and kept in the store.
	APIKeyPepper []byte
	// Now is the clock (time.Now if nil).
	Now func() time.Time
	// HTTPClient fetches OIDC discovery documents and client JWKS URLs.
	HTTPClient *http.Client
	// PolicyRefresh is how often rules changed by another process are
	// picked up (policy.DefaultRefreshEvery if zero).
	PolicyRefresh time.Duration
}

// Service authenticates requests and builds their access decisions. It is
// safe for concurrent use.
type Service struct {
	records  store.Records
	issuer   *token.Issuer
	verifier *token.Verifier
	policy   *policy.Engine
	keys     *apikey.Manager
	limiter  *apikey.Limiter
	proxies  netguard.Proxies
	allow    *netguard.Allowlists
	endpoint *backend.Endpoint
	now      func() time.Time
}

// New returns a Service keeping its state in records. It seeds the
// default policy rules into a store that has none.
func New(ctx context.Context, records store.Records, opts Options) (*Service, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	proxies, err := netguard.ParseCIDRs(opts.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("auth: trusted proxies: %w", err)
	}
	s := &Service{records: records, proxies: proxies, now: now, limiter: apikey.NewLimiter(now)}
	if s.issuer, err = token.NewIssuer(ctx, records, token.IssuerOptions{Now: now}); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	s.verifier = token.NewVerifier(s.issuer, records, token.VerifierOptions{Now: now, HTTPClient: opts.HTTPClient})
	if s.policy, err = policy.New(ctx, records, policy.Options{Now: now, RefreshEvery: opts.PolicyRefresh}); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	if err := s.policy.SeedDefaults(ctx); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	pepper, err := apikey.LoadPepper(ctx, records, opts.APIKeyPepper)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	if s.keys, err = apikey.NewManager(records, pepper, apikey.Options{Now: now}); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	s.allow = netguard.NewAllowlists(records, netguard.DefaultTTL)
	s.endpoint = backend.NewEndpoint(records, minter{s}, backend.Options{Now: now, HTTPClient: opts.HTTPClient})
	return s, nil
}

// Policy returns the policy engine (the admin API edits rules through it).
func (s *Service) Policy() *policy.Engine { return s.policy }

// APIKeys returns the API key manager.
func (s *Service) APIKeys() *apikey.Manager { return s.keys }

// Kind is the sort of credential a principal presented.
type Kind string

// Kinds of principal.
const (
	KindUser   Kind = "user"   // a token from a trusted OIDC issuer
	KindClient Kind = "client" // a Backend Services client, by Kiln's token
	KindAPIKey Kind = "apikey"
)

// Principal is an authenticated caller.
type Principal struct {
	Tenant string
	Kind   Kind
	// ID is the principal's stable name in policies: "user:<iss>|<sub>",
	// "client:<id>", "apikey:<id>".
	ID       string
	ClientID string
	FHIRUser string
	// Patient is the patient in context, which patient/ scopes confine to.
	Patient string
	Scopes  scope.Set
	// Roles are the roles the credential asserts (a client's or key's
	// registered role, a trusted issuer's roles claim); policies may grant
	// more through role assignments.
	Roles   []string
	Address netip.Addr
	// Expires is when the credential stops being valid (zero for API keys).
	Expires time.Time
}

// subjects are the names the policy judges: the principal and its roles.
func (p Principal) subjects() []string {
	return append([]string{p.ID}, p.Roles...)
}

// Failure is a refused authentication: the HTTP status, the OAuth error
// code for WWW-Authenticate, and a description safe to show the caller.
type Failure struct {
	Status      int
	Code        string // invalid_token, invalid_request, or "" (no credentials)
	Description string
	RetryAfter  time.Duration // 429
	// Principal names the caller when its credential was genuine but
	// refused (an API key over its rate or used on another tenant), for
	// the AuditEvent.
	Principal string
}

func (f *Failure) Error() string { return fmt.Sprintf("%d %s: %s", f.Status, f.Code, f.Description) }

// WWWAuthenticate is the challenge of a 401 (RFC 6750 §3).
func (f *Failure) WWWAuthenticate() string {
	if f.Code == "" {
		return `Bearer realm="kiln"`
	}
	return `Bearer realm="kiln", error="` + f.Code + `", error_description="` + challengeText(f.Description) + `"`
}

// challengeText keeps what RFC 6750 allows in error_description: printable
// ASCII without '"' and '\'.
func challengeText(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '"' || r == '\\':
			return '\''
		case r < 0x20 || r > 0x7e:
			return -1
		}
		return r
	}, s)
}

// Request is what authentication looks at in an HTTP request.
type Request struct {
	HTTP   *http.Request
	Tenant string
	// Root is the public URL of the server ("https://kiln.example.org"):
	// the tenant's FHIR base and Kiln's issuer are below it.
	Root string
}

// FHIRBase is the tenant's FHIR base URL, the audience of its tokens.
func FHIRBase(root, tenant string) string { return strings.TrimSuffix(root, "/") + "/fhir/" + tenant }

// IssuerURL is Kiln's own issuer for a tenant.
func IssuerURL(root, tenant string) string { return strings.TrimSuffix(root, "/") + "/auth/" + tenant }

// ClientAddress is the address the request came from, through trusted
// proxies.
func (s *Service) ClientAddress(r *http.Request) netip.Addr { return s.proxies.ClientIP(r) }

// Authenticate establishes the principal of a request to a tenant's data:
// the client address must be allowed, and the request must carry a valid
// bearer token or API key for the tenant. Failures are *Failure; other
// errors are internal.
func (s *Service) Authenticate(ctx context.Context, req Request) (Principal, error) {
	addr := s.ClientAddress(req.HTTP)
	ok, err := s.allow.Allowed(ctx, req.Tenant, addr)
	if err != nil {
		return Principal{}, fmt.Errorf("auth: allowlist: %w", err)
	}
	if !ok {
		return Principal{}, &Failure{Status: http.StatusForbidden, Description: "requests from this network address are not allowed for this tenant"}
	}
	raw, isKey := credential(req.HTTP)
	if raw == "" {
		return Principal{}, &Failure{Status: http.StatusUnauthorized, Description: "this request needs a bearer token or an API key"}
	}
	var p Principal
	if isKey {
		p, err = s.apiKey(ctx, req.Tenant, raw)
	} else {
		p, err = s.bearer(ctx, req, raw)
	}
	if err != nil {
		return Principal{}, err
	}
	p.Address = addr
	return p, nil
}

// credential finds the credential: "Authorization: Bearer …" (a token, or
// an API key, which starts with "kiln_") or "X-API-Key: …".
func credential(r *http.Request) (raw string, isKey bool) {
	if k := strings.TrimSpace(r.Header.Get("X-API-Key")); k != "" {
		return k, true
	}
	h := r.Header.Get("Authorization")
	scheme, rest, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		if h != "" {
			return "-", false // present but not a bearer credential: invalid
		}
		return "", false
	}
	rest = strings.TrimSpace(rest)
	return rest, strings.HasPrefix(rest, "kiln_")
}

func invalidToken(format string, args ...any) *Failure {
	return &Failure{Status: http.StatusUnauthorized, Code: "invalid_token", Description: fmt.Sprintf(format, args...)}
}

func (s *Service) apiKey(ctx context.Context, tenant, raw string) (Principal, error) {
	k, err := s.keys.Verify(ctx, raw)
	switch {
	case errors.Is(err, apikey.ErrInvalidKey):
		return Principal{}, invalidToken("the API key is not valid")
	case err != nil:
		return Principal{}, fmt.Errorf("auth: verify API key: %w", err)
	case k.Tenant != tenant:
		f := invalidToken("the API key is not valid for this tenant")
		f.Principal = "apikey:" + k.ID
		return Principal{}, f
	}
	if ok, wait := s.limiter.Allow(k.ID, k.Rate()); !ok {
		return Principal{}, &Failure{Status: http.StatusTooManyRequests, Description: "this API key's rate limit is exceeded", RetryAfter: wait, Principal: "apikey:" + k.ID}
	}
	scopes, err := scope.ParseSet(strings.Join(k.Scopes, " "))
	if err != nil {
		return Principal{}, fmt.Errorf("auth: API key %s scopes: %w", k.ID, err)
	}
	return Principal{Tenant: tenant, Kind: KindAPIKey, ID: "apikey:" + k.ID, ClientID: k.ID, FHIRUser: k.FHIRUser, Scopes: scopes, Roles: []string{k.Role}}, nil
}

func (s *Service) bearer(ctx context.Context, req Request, raw string) (Principal, error) {
	own := IssuerURL(req.Root, req.Tenant)
	c, err := s.verifier.Verify(ctx, req.Tenant, []string{FHIRBase(req.Root, req.Tenant)}, own, raw)
	if errors.Is(err, token.ErrInvalidToken) {
		return Principal{}, invalidToken("%s", strings.TrimPrefix(err.Error(), "token: "))
	}
	if err != nil {
		return Principal{}, fmt.Errorf("auth: verify token: %w", err)
	}
	scopes, err := scope.ParseSet(c.Scope)
	if err != nil {
		return Principal{}, invalidToken("the token's scope is malformed: %v", err)
	}
	p := Principal{Tenant: req.Tenant, ClientID: c.ClientID, FHIRUser: c.FHIRUser, Patient: c.Patient,
		Scopes: scopes, Roles: slices.Clone(c.Roles), Expires: c.Expiry}
	if c.Kiln {
		p.Kind, p.ID = KindClient, "client:"+c.ClientID
	} else {
		p.Kind, p.ID = KindUser, "user:"+c.Issuer+"|"+c.Subject
	}
	return p, nil
}
