package token

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/kiln-health/kiln/fhir/store"
)

// ErrInvalidToken is wrapped by every refusal of a token: the caller
// answers 401. Other errors from Verify (the store failing) are the
// server's fault.
var ErrInvalidToken = errors.New("invalid token")

// DefaultClockSkew is how far exp and nbf may be off by default.
const DefaultClockSkew = 60 * time.Second

// asymmetricAlgs are the only JWS algorithms accepted. Symmetric ones
// (HS*) are refused because a verifier holding only public keys could be
// tricked into using a public key as an HMAC secret; "none" is refused by
// not being listed.
var asymmetricAlgs = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512,
	jose.ES256, jose.ES384, jose.ES512,
	jose.PS256, jose.PS384, jose.PS512,
}

// VerifierOptions configures a Verifier. Zero values take the defaults.
type VerifierOptions struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// ClockSkew is the tolerance on exp and nbf; default DefaultClockSkew.
	ClockSkew time.Duration
	// HTTPClient fetches external issuers' discovery documents and keys;
	// default a client with a 10 s timeout.
	HTTPClient *http.Client
}

// Claims is what a verified token says about its bearer.
type Claims struct {
	Issuer   string
	Subject  string
	Audience []string
	Expiry   time.Time
	IssuedAt time.Time
	JTI      string
	ClientID string
	Scope    string // space-separated
	Tenant   string // the tenant the token was verified for
	Patient  string
	FHIRUser string
	Roles    []string
	Kiln     bool // issued by Kiln's own Issuer
}

// Verifier checks bearer tokens from Kiln's own Issuer and from the
// external issuers each tenant trusts. It caches one OpenID provider (its
// discovery document and JWKS) per external issuer; go-oidc refetches the
// JWKS when a token names a key it has not seen, so an IdP's key rotation
// is followed without a restart. Trust itself is read from the store on
// every call, so UntrustIssuer takes effect at once. It is safe for
// concurrent use.
type Verifier struct {
	issuer  *Issuer
	records store.Records
	now     func() time.Time
	skew    time.Duration
	client  *http.Client

	mu        sync.Mutex
	providers map[string]*remoteIssuer // by issuer URL
}

// remoteIssuer is one external issuer's discovered provider. Its own
// mutex makes concurrent first requests share one discovery.
type remoteIssuer struct {
	mu         sync.Mutex
	verifier   *oidc.IDTokenVerifier // nil until discovery succeeds
	discovered time.Time
}

// providerTTL is how long a discovered provider is used before it is
// discovered afresh. go-oidc refetches an issuer's JWKS only for an
// unknown kid, so without this a key the issuer withdrew (say, after a
// leak) would verify for as long as the process runs.
const providerTTL = time.Hour

// NewVerifier returns a Verifier of tokens from issuer (which may be nil
// when Kiln mints no tokens) and from the external issuers that records
// say each tenant trusts.
func NewVerifier(issuer *Issuer, records store.Records, opts VerifierOptions) *Verifier {
	v := &Verifier{
		issuer:    issuer,
		records:   records,
		now:       opts.Now,
		skew:      opts.ClockSkew,
		client:    opts.HTTPClient,
		providers: make(map[string]*remoteIssuer),
	}
	if v.now == nil {
		v.now = time.Now
	}
	if v.skew <= 0 {
		v.skew = DefaultClockSkew
	}
	if v.client == nil {
		v.client = &http.Client{Timeout: 10 * time.Second}
	}
	return v
}

// Verify checks raw, a bearer token presented to tenant, and returns its
// claims. audiences are the values aud may hold (the tenant's FHIR base
// URL); ownIssuer is Kiln's issuer URL for the tenant. A token whose iss
// is ownIssuer is checked against Kiln's signing keys without any network
// traffic; one from an issuer the tenant trusts is checked against that
// issuer's published keys; any other is refused.
func (v *Verifier) Verify(ctx context.Context, tenant string, audiences []string, ownIssuer string, raw string) (Claims, error) {
	if raw == "" {
		return Claims{}, invalid("empty token")
	}
	tok, err := jwt.ParseSigned(raw, asymmetricAlgs)
	if err != nil {
		// go-jose's message names the refused algorithm, e.g. HS256 or none.
		return Claims{}, invalid("not a JWS signed with an accepted algorithm: %v", err)
	}
	if len(tok.Headers) != 1 {
		return Claims{}, invalid("token has %d signatures, want 1", len(tok.Headers))
	}
	// Only to choose how to verify; nothing unverified is trusted.
	var peek struct {
		Issuer string `json:"iss"`
	}
	if err := tok.UnsafeClaimsWithoutVerification(&peek); err != nil {
		return Claims{}, invalid("unreadable claims: %v", err)
	}
	switch {
	case peek.Issuer == "":
		return Claims{}, invalid("token has no iss")
	case ownIssuer != "" && peek.Issuer == ownIssuer:
		return v.verifyKiln(ctx, tenant, audiences, ownIssuer, tok)
	default:
		return v.verifyExternal(ctx, tenant, audiences, peek.Issuer, raw)
	}
}

// verifyKiln checks a token that claims to be Kiln's own.
func (v *Verifier) verifyKiln(ctx context.Context, tenant string, audiences []string, ownIssuer string, tok *jwt.JSONWebToken) (Claims, error) {
	if v.issuer == nil {
		return Claims{}, invalid("kiln issues no tokens here")
	}
	h := tok.Headers[0]
	if h.Algorithm != string(signingAlg) {
		return Claims{}, invalid("kiln token signed with %s, want %s", h.Algorithm, signingAlg)
	}
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); !isAccessTokenType(typ) {
		return Claims{}, invalid("kiln token has typ %q, want %q", clip(typ), typAccessToken)
	}
	if h.KeyID == "" {
		return Claims{}, invalid("kiln token has no kid")
	}
	k, err := v.issuer.verificationKey(ctx, h.KeyID)
	if err != nil {
		return Claims{}, err
	}
	var c kilnClaims
	if err := tok.Claims(&k.private.PublicKey, &c); err != nil {
		return Claims{}, invalid("bad signature: %v", err)
	}
	if c.Issuer != ownIssuer {
		return Claims{}, invalid("iss %q is not %q", clip(c.Issuer), ownIssuer)
	}
	if err := checkAudience(c.Audience, audiences); err != nil {
		return Claims{}, err
	}
	if err := v.checkTimes(numericTime(c.Expiry), numericTime(c.NotBefore)); err != nil {
		return Claims{}, err
	}
	switch c.Tenant {
	case tenant:
	case "":
		return Claims{}, invalid("kiln token has no tenant claim")
	default:
		return Claims{}, invalid("token is for tenant %q, not %q", clip(c.Tenant), tenant)
	}
	return Claims{
		Issuer:   c.Issuer,
		Subject:  c.Subject,
		Audience: []string(c.Audience),
		Expiry:   numericTime(c.Expiry),
		IssuedAt: numericTime(c.IssuedAt),
		JTI:      c.ID,
		ClientID: c.ClientID,
		Scope:    c.Scope,
		Tenant:   c.Tenant,
		Patient:  c.Patient,
		FHIRUser: c.FHIRUser,
		Roles:    c.Roles,
		Kiln:     true,
	}, nil
}

// verifyExternal checks a token from an issuer other than Kiln.
func (v *Verifier) verifyExternal(ctx context.Context, tenant string, audiences []string, iss, raw string) (Claims, error) {
	trust, err := trustOf(ctx, v.records, tenant, iss)
	if errors.Is(err, store.ErrNotFound) {
		return Claims{}, invalid("issuer %q is not trusted by tenant %q", clip(iss), tenant)
	}
	if err != nil {
		return Claims{}, err
	}
	verifier, err := v.remote(ctx, iss)
	if err != nil {
		return Claims{}, err
	}
	// go-oidc checks the signature against the issuer's JWKS (refetching
	// it for an unknown kid), the algorithm and iss. It skips aud (we
	// accept a set, it takes one) and exp, whose fixed nbf leeway of five
	// minutes would override ClockSkew; checkTimes does both.
	idt, err := verifier.Verify(ctx, raw)
	if err != nil {
		return Claims{}, invalid("issuer %q: %v", clip(iss), err)
	}
	var raws map[string]any
	if err := idt.Claims(&raws); err != nil {
		return Claims{}, invalid("unreadable claims: %v", err)
	}
	if err := checkAudience(idt.Audience, slices.Concat(audiences, trust.Audiences)); err != nil {
		return Claims{}, err
	}
	nbf, err := timeClaim(raws, "nbf")
	if err != nil {
		return Claims{}, err
	}
	if err := v.checkTimes(idt.Expiry, nbf); err != nil {
		return Claims{}, err
	}
	c := Claims{
		Issuer:   idt.Issuer,
		Subject:  idt.Subject,
		Audience: idt.Audience,
		Expiry:   idt.Expiry,
		IssuedAt: idt.IssuedAt,
		JTI:      stringClaim(raws, "jti"),
		ClientID: firstNonEmpty(stringClaim(raws, "client_id"), stringClaim(raws, "azp")),
		Scope:    scopeClaim(raws),
		Tenant:   tenant,
		Patient:  stringClaim(raws, trust.patientClaim()),
		FHIRUser: stringClaim(raws, "fhirUser"),
	}
	if trust.RolesClaim != "" {
		c.Roles = namesClaim(raws[trust.RolesClaim])
	}
	return c, nil
}

// remote returns the cached token verifier of issuer iss, discovering it
// on first use and again once it is providerTTL old. A failed discovery
// is not cached: the next token retries; meanwhile a stale verifier, if
// any, goes on being used, so an IdP's outage does not lock out tokens it
// already signed.
func (v *Verifier) remote(ctx context.Context, iss string) (*oidc.IDTokenVerifier, error) {
	v.mu.Lock()
	ri, ok := v.providers[iss]
	if !ok {
		ri = &remoteIssuer{}
		v.providers[iss] = ri
	}
	v.mu.Unlock()

	ri.mu.Lock()
	defer ri.mu.Unlock()
	now := v.now()
	if ri.verifier != nil && now.Sub(ri.discovered) < providerTTL && !now.Before(ri.discovered) {
		return ri.verifier, nil
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, v.client), iss)
	if err != nil {
		if ri.verifier != nil {
			return ri.verifier, nil
		}
		return nil, fmt.Errorf("%w: cannot discover trusted issuer %q: %w", ErrInvalidToken, iss, err)
	}
	algs := make([]string, len(asymmetricAlgs))
	for i, a := range asymmetricAlgs {
		algs[i] = string(a)
	}
	ri.verifier = p.Verifier(&oidc.Config{
		SkipClientIDCheck:    true,
		SkipExpiryCheck:      true,
		SupportedSigningAlgs: algs,
	})
	ri.discovered = now
	return ri.verifier, nil
}

// checkTimes checks exp (required) and nbf (optional) against the clock,
// each with ClockSkew of tolerance.
func (v *Verifier) checkTimes(exp, nbf time.Time) error {
	now := v.now()
	if exp.IsZero() {
		return invalid("token has no exp")
	}
	if !now.Add(-v.skew).Before(exp) {
		return invalid("token expired at %s", exp.UTC().Format(time.RFC3339))
	}
	if !nbf.IsZero() && now.Add(v.skew).Before(nbf) {
		return invalid("token not valid before %s", nbf.UTC().Format(time.RFC3339))
	}
	return nil
}

// checkAudience requires aud to name at least one accepted audience.
func checkAudience(aud, accepted []string) error {
	for _, a := range aud {
		if a != "" && slices.Contains(accepted, a) {
			return nil
		}
	}
	shown := make([]string, 0, min(len(aud), 5))
	for _, a := range aud[:min(len(aud), 5)] {
		shown = append(shown, clip(a))
	}
	return invalid("aud %q names none of %q", shown, accepted)
}

func isAccessTokenType(typ string) bool {
	typ = strings.ToLower(typ)
	return typ == typAccessToken || typ == "application/"+typAccessToken
}

// invalid returns an ErrInvalidToken saying what was wrong. Messages name
// claims and headers, never the token.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidToken, fmt.Sprintf(format, args...))
}

// clip shortens a value taken from an unverified token before it goes
// into an error message, so a caller cannot make Kiln log megabytes.
func clip(s string) string {
	const max = 100
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}

func numericTime(d *jwt.NumericDate) time.Time {
	if d == nil {
		return time.Time{}
	}
	return d.Time()
}
