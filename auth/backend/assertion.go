package backend

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/kiln-health/kiln/fhir/store"
)

const (
	// maxAssertionBytes bounds the work an unauthenticated request can
	// cause; a real assertion is under 2 KiB.
	maxAssertionBytes = 16 << 10
	// maxJTIBytes bounds the replay record keys clients can make us store.
	maxJTIBytes = 255
)

// authenticate checks the client's assertion (SMART Backend Services
// "Authenticating to the token endpoint", RFC 7523 §3) and returns the
// client it proves the request comes from.
//
// Every failure here is invalid_client (401), a replayed jti included.
// RFC 7523 §3.1 would answer invalid_grant, but that section is about a
// JWT used as an authorization grant (grant_type jwt-bearer), which Kiln
// does not offer. Here the JWT authenticates the client (§2.2, §3.2), and
// §3.2 says a client JWT that is not valid MUST be answered with
// invalid_client; a replayed assertion is simply not valid. Answering the
// same code for every failure also tells an attacker probing with stolen
// or forged assertions nothing beyond the description.
func (e *Endpoint) authenticate(ctx context.Context, tenant, tokenURL string, form url.Values) (Client, *Error) {
	if t := form.Get("client_assertion_type"); t != ClientAssertionType {
		return Client{}, clientError("client_assertion_type must be "+ClientAssertionType, nil)
	}
	raw := form.Get("client_assertion")
	switch {
	case raw == "":
		return Client{}, clientError("client_assertion is required", nil)
	case len(raw) > maxAssertionBytes:
		return Client{}, clientError(fmt.Sprintf("client_assertion exceeds %d bytes", maxAssertionBytes), nil)
	}
	tok, err := jwt.ParseSigned(raw, assertionAlgorithms)
	if err != nil {
		return Client{}, clientError("client_assertion is not a compact JWS signed with RS384 or ES384", err)
	}
	if len(tok.Headers) != 1 {
		return Client{}, clientError("client_assertion must carry exactly one signature", nil)
	}
	header := tok.Headers[0]

	// The claims are read before the signature is checked only to learn
	// which client claims to have signed, and so which keys to check with.
	var claimed jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&claimed); err != nil {
		return Client{}, clientError("the client_assertion claims are malformed", err)
	}
	if claimed.Issuer == "" || claimed.Subject != claimed.Issuer {
		return Client{}, clientError("the client_assertion's iss and sub must both be the client_id", nil)
	}
	if id := form.Get("client_id"); id != "" && id != claimed.Issuer {
		return Client{}, clientError("client_id differs from the client_assertion's iss", nil)
	}
	c, err := GetClient(ctx, e.records, tenant, claimed.Issuer)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return Client{}, clientError(fmt.Sprintf("client %s is not registered in this tenant", quote(claimed.Issuer)), err)
	case err != nil:
		return Client{}, serverError("the client registration could not be read", err)
	}

	claims, aerr := e.verify(ctx, c, tok, header)
	if aerr != nil {
		return Client{}, aerr
	}
	if aerr := e.checkClaims(claims, tokenURL); aerr != nil {
		return Client{}, aerr
	}
	// Last, once everything else holds: a request that fails any other
	// check must not burn the jti of a genuine assertion.
	if aerr := e.recordReplay(ctx, tenant, c.ID, claims.ID, claims.Expiry.Time()); aerr != nil {
		return Client{}, aerr
	}
	return c, nil
}

// verify finds the client's key that header names and returns the claims
// of tok verified with it.
func (e *Endpoint) verify(ctx context.Context, c Client, tok *jwt.JSONWebToken, header jose.Header) (jwt.Claims, *Error) {
	if header.KeyID == "" {
		return jwt.Claims{}, clientError("the client_assertion header has no kid", nil)
	}
	if jku, ok := header.ExtraHeaders["jku"]; ok {
		if s, _ := jku.(string); c.JWKSURL == "" || s != c.JWKSURL {
			return jwt.Claims{}, clientError("the client_assertion header's jku is not the client's registered jwks_url", nil)
		}
	}
	var keys []jose.JSONWebKey
	if c.JWKS != nil {
		keys = c.JWKS.Key(header.KeyID)
	} else {
		var err error
		keys, err = e.jwks.keys(ctx, c.JWKSURL, header.KeyID)
		if err != nil {
			desc := "the client's keys could not be fetched"
			if je, ok := errors.AsType[*jwksError](err); ok {
				desc = je.msg
			}
			return jwt.Claims{}, clientError(desc, fmt.Errorf("client %q of tenant %q: %w", c.ID, c.Tenant, err))
		}
	}
	if len(keys) == 0 {
		return jwt.Claims{}, clientError(fmt.Sprintf("the client has no usable key with kid %s", quote(header.KeyID)), nil)
	}
	// Kids should be unique but RFC 7517 §4.5 allows repeats: any key
	// with the kid and the header's algorithm may have signed.
	tried := false
	for _, k := range keys {
		if string(keyAlgorithm(&k)) != header.Algorithm {
			continue
		}
		tried = true
		var claims jwt.Claims
		if err := tok.Claims(k.Key, &claims); err == nil {
			return claims, nil
		}
	}
	if !tried {
		return jwt.Claims{}, clientError(fmt.Sprintf("the client's key %s is not a %s key", quote(header.KeyID), header.Algorithm), nil)
	}
	return jwt.Claims{}, clientError(fmt.Sprintf("the client_assertion signature does not verify with the client's %s key %s", header.Algorithm, quote(header.KeyID)), nil)
}

// checkClaims checks the verified claims other than iss, sub and the
// jti's novelty (SMART Backend Services, RFC 7523 §3).
func (e *Endpoint) checkClaims(claims jwt.Claims, tokenURL string) *Error {
	now := e.now()
	switch {
	case len(claims.Audience) != 1 || claims.Audience[0] != tokenURL:
		return clientError(fmt.Sprintf("the client_assertion's aud must be this token endpoint, %s", tokenURL), nil)
	case claims.Expiry == nil:
		return clientError("the client_assertion has no exp", nil)
	case now.After(claims.Expiry.Time().Add(e.skew)):
		return clientError("the client_assertion has expired", nil)
	case claims.Expiry.Time().After(now.Add(e.maxLifetime + e.skew)):
		return clientError(fmt.Sprintf("the client_assertion's exp is more than %v ahead", e.maxLifetime), nil)
	case inFuture(claims.IssuedAt, now.Add(e.skew)):
		return clientError("the client_assertion's iat is in the future", nil)
	case inFuture(claims.NotBefore, now.Add(e.skew)):
		return clientError("the client_assertion's nbf is in the future", nil)
	case claims.ID == "":
		return clientError("the client_assertion has no jti", nil)
	case len(claims.ID) > maxJTIBytes:
		return clientError(fmt.Sprintf("the client_assertion's jti exceeds %d bytes", maxJTIBytes), nil)
	}
	return nil
}

func inFuture(d *jwt.NumericDate, limit time.Time) bool {
	return d != nil && d.Time().After(limit)
}
