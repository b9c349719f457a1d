package backend

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/kiln-health/kiln/fhir/store"
)

// ClientAssertionType is the only client_assertion_type accepted
// (RFC 7523 §2.2).
const ClientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// Limits from SMART Backend Services: an assertion's exp is at most five
// minutes ahead, and access tokens live at most five minutes.
const (
	DefaultMaxAssertionLifetime = 5 * time.Minute
	DefaultClockSkew            = 60 * time.Second
	MaxTokenTTL                 = 5 * time.Minute
)

// Options tune an Endpoint; the zero value gives SMART's defaults.
type Options struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// HTTPClient fetches clients' JWKS URLs; nil means a client with a
	// 10 s timeout. Redirects are followed only to https (or loopback
	// http) URLs.
	HTTPClient *http.Client
	// MaxAssertionLifetime is how far ahead of now an assertion's exp may
	// be (plus ClockSkew); zero means 5 minutes.
	MaxAssertionLifetime time.Duration
	// ClockSkew is the tolerance between the client's clock and Kiln's;
	// zero means 60 s.
	ClockSkew time.Duration
	// TokenTTL is the longest lifetime of an access token; zero means
	// 5 minutes, and longer values are cut to 5 minutes.
	TokenTTL time.Duration
}

// Grant is what a successful token request earns.
type Grant struct {
	Tenant   string
	ClientID string
	Role     string
	// Scope holds the granted scopes, space-separated.
	Scope string
	// TTL is the longest lifetime the token may have; Endpoint refuses a
	// Minter's token that claims to live longer.
	TTL time.Duration
}

// Minter turns a Grant into an access token that lives expiresIn.
type Minter interface {
	Mint(ctx context.Context, g Grant) (token string, expiresIn time.Duration, err error)
}

// TokenResponse is a successful token response (RFC 6749 §5.1). There is
// never a refresh token: a backend client signs a new assertion instead.
type TokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	Scope       string `json:"scope"`
}

// Endpoint decides token requests of backend clients. It is safe for
// concurrent use; it caches the key sets of clients registered with a
// JWKS URL, so one Endpoint should serve every request.
type Endpoint struct {
	records     store.Records
	minter      Minter
	now         func() time.Time
	maxLifetime time.Duration
	skew        time.Duration
	ttl         time.Duration
	jwks        *jwksCache
}

// NewEndpoint returns an Endpoint reading clients from records and
// recording used assertion ids there, with minter issuing tokens.
func NewEndpoint(records store.Records, minter Minter, opts Options) *Endpoint {
	e := &Endpoint{
		records:     records,
		minter:      minter,
		now:         opts.Now,
		maxLifetime: opts.MaxAssertionLifetime,
		skew:        opts.ClockSkew,
		ttl:         opts.TokenTTL,
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.maxLifetime <= 0 {
		e.maxLifetime = DefaultMaxAssertionLifetime
	}
	if e.skew <= 0 {
		e.skew = DefaultClockSkew
	}
	if e.ttl <= 0 || e.ttl > MaxTokenTTL {
		e.ttl = MaxTokenTTL
	}
	client := opts.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: jwksFetchTimeout}
	}
	e.jwks = newJWKSCache(withSafeRedirects(client), e.now)
	return e
}

// Token decides one token request of tenant: form is the request's
// application/x-www-form-urlencoded body and tokenURL the endpoint's own
// absolute URL, which assertions must name as their aud. The request as
// a whole is checked first, then the client's authentication
// (invalid_client, 401), and the scope last, so that only an
// authenticated client learns anything about its registered scopes.
func (e *Endpoint) Token(ctx context.Context, tenant, tokenURL string, form url.Values) (TokenResponse, *Error) {
	if err := checkForm(form); err != nil {
		return TokenResponse{}, err
	}
	c, err := e.authenticate(ctx, tenant, tokenURL, form)
	if err != nil {
		return TokenResponse{}, err
	}
	granted, err := grantScope(c, form.Get("scope"))
	if err != nil {
		return TokenResponse{}, err
	}
	g := Grant{Tenant: tenant, ClientID: c.ID, Role: c.Role, Scope: granted, TTL: e.ttl}
	token, expiresIn, merr := e.minter.Mint(ctx, g)
	if merr != nil {
		return TokenResponse{}, serverError("the access token could not be issued", fmt.Errorf("minting a token for client %q of tenant %q: %w", c.ID, tenant, merr))
	}
	if expiresIn < time.Second || expiresIn > e.ttl {
		return TokenResponse{}, serverError("the access token could not be issued", fmt.Errorf("minter returned a token living %v, want 1s to %v", expiresIn, e.ttl))
	}
	return TokenResponse{
		AccessToken: token,
		TokenType:   "bearer",
		ExpiresIn:   int(expiresIn / time.Second),
		Scope:       granted,
	}, nil
}

// checkForm checks the request as a whole: its grant type, and that no
// parameter comes twice (RFC 6749 §3.2) or with a second authentication
// method (§2.3).
func checkForm(form url.Values) *Error {
	for _, p := range []string{"grant_type", "scope", "client_id", "client_assertion_type", "client_assertion"} {
		if len(form[p]) > 1 {
			return requestError(p + " must not be repeated")
		}
	}
	if form.Has("client_secret") {
		return requestError("client_secret must not be sent: backend clients authenticate with client_assertion only")
	}
	switch gt := form.Get("grant_type"); gt {
	case "client_credentials":
		return nil
	case "":
		return requestError("grant_type is required")
	default:
		return newError(http.StatusBadRequest, CodeUnsupportedGrantType,
			fmt.Sprintf("grant_type %s is not supported: use client_credentials", quote(gt)), nil)
	}
}

// recordReplay records the assertion's jti until the assertion expires
// and fails if it was already recorded: an assertion is good for one
// token only, so a captured one cannot be replayed.
func (e *Endpoint) recordReplay(ctx context.Context, tenant, clientID, jti string, exp time.Time) *Error {
	r := store.Record{Tenant: tenant, Kind: "jti", Key: clientID + " " + jti, Expires: exp.Add(e.skew)}
	err := e.records.InsertRecord(ctx, r)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrConflict):
		return clientError(fmt.Sprintf("jti %s was already used: sign a new assertion for every token request", quote(jti)), nil)
	default:
		return serverError("the assertion could not be recorded", fmt.Errorf("recording jti of client %q of tenant %q: %w", clientID, tenant, err))
	}
}

// quote quotes a client-supplied value for an error description, cut
// short so a description stays readable and small whatever was sent.
func quote(s string) string {
	const limit = 64
	if len(s) > limit {
		return fmt.Sprintf("%q…", s[:limit])
	}
	return fmt.Sprintf("%q", s)
}
