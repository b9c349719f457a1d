package token

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/kiln-health/kiln/fhir/store"
)

// Defaults and limits of IssuerOptions.
const (
	DefaultRotateEvery = 24 * time.Hour
	// MinRotateEvery keeps rotation slower than relying parties' JWKS
	// caches can plausibly follow.
	MinRotateEvery = time.Minute
	// MaxTokenTTL is both the default and the longest lifetime of an
	// access token Kiln mints: Kiln has no revocation, so a stolen token
	// must die soon.
	MaxTokenTTL = 5 * time.Minute
)

// IssuerOptions configures an Issuer. Zero values take the defaults.
type IssuerOptions struct {
	// Now is the clock; time.Now when nil. Tests pass a fake clock.
	Now func() time.Time
	// RotateEvery is how old the newest signing key may get before Mint
	// makes a new one. Default DefaultRotateEvery, at least MinRotateEvery.
	RotateEvery time.Duration
	// TokenTTL is the lifetime of minted tokens; default and maximum
	// MaxTokenTTL.
	TokenTTL time.Duration
}

// AccessClaims is what a minted access token says.
type AccessClaims struct {
	Issuer   string // {root}/auth/{tenant}
	Subject  string // for SMART Backend Services, the client id
	Audience string // the tenant's FHIR base URL
	ClientID string
	Scope    string // space-separated SMART scopes
	Tenant   string
	Patient  string   // optional launch context
	FHIRUser string   // optional, e.g. "Practitioner/123"
	Roles    []string // optional Kiln role names
}

// kilnClaims is the JWT payload of a Kiln access token (RFC 9068 plus
// Kiln's and SMART's claims).
type kilnClaims struct {
	jwt.Claims
	ClientID string   `json:"client_id"`
	Scope    string   `json:"scope"`
	Tenant   string   `json:"tenant"`
	Patient  string   `json:"patient,omitempty"`
	FHIRUser string   `json:"fhirUser,omitempty"`
	Roles    []string `json:"roles,omitempty"`
}

// typAccessToken is the JOSE typ of RFC 9068 access tokens. Verifying it
// keeps any other JWT a Kiln key might ever sign from passing as an access
// token.
const typAccessToken = "at+jwt"

// Issuer mints Kiln's access tokens and keeps the ring of signing keys
// they are signed with. The keys are store records, shared by every Kiln
// process on the same database; an Issuer caches them and goes back to
// the store when its newest key is due for rotation or a token names a
// key it has not seen. It is safe for concurrent use.
type Issuer struct {
	records     store.Records
	now         func() time.Time
	rotateEvery time.Duration
	ttl         time.Duration

	mu       sync.Mutex
	current  *signingKey            // the key Mint signs with
	keys     map[string]*signingKey // by kid: every live key seen
	loadedAt time.Time              // of the last reload; zero before the first
}

// keyCacheTTL bounds how long an Issuer trusts its cached view of the
// ring: a key an operator deleted from the store (say, after a leak) stops
// signing and verifying in every process within this time.
const keyCacheTTL = time.Minute

// NewIssuer returns an Issuer over records, making the first signing key
// if the store has none, so the JWKS is never empty.
func NewIssuer(ctx context.Context, records store.Records, opts IssuerOptions) (*Issuer, error) {
	if records == nil {
		return nil, errors.New("token: NewIssuer: nil records")
	}
	is := &Issuer{
		records:     records,
		now:         opts.Now,
		rotateEvery: opts.RotateEvery,
		ttl:         opts.TokenTTL,
		keys:        make(map[string]*signingKey),
	}
	if is.now == nil {
		is.now = time.Now
	}
	if is.rotateEvery == 0 {
		is.rotateEvery = DefaultRotateEvery
	}
	if is.rotateEvery < MinRotateEvery {
		return nil, fmt.Errorf("token: RotateEvery %v is shorter than %v", is.rotateEvery, MinRotateEvery)
	}
	if is.ttl == 0 {
		is.ttl = MaxTokenTTL
	}
	if is.ttl < time.Second || is.ttl > MaxTokenTTL {
		return nil, fmt.Errorf("token: TokenTTL %v is not between 1s and %v", is.ttl, MaxTokenTTL)
	}
	if _, err := is.signingKey(ctx); err != nil {
		return nil, err
	}
	return is, nil
}

// TokenTTL is the lifetime of the tokens Mint makes.
func (is *Issuer) TokenTTL() time.Duration { return is.ttl }

// Mint signs an access token for c, valid from now for TokenTTL, and
// returns it with its lifetime (the token response's expires_in).
func (is *Issuer) Mint(ctx context.Context, c AccessClaims) (token string, expiresIn time.Duration, err error) {
	switch {
	case c.Issuer == "":
		return "", 0, errors.New("token: mint: no issuer")
	case c.Subject == "":
		return "", 0, errors.New("token: mint: no subject")
	case c.Audience == "":
		return "", 0, errors.New("token: mint: no audience")
	case c.Tenant == "":
		return "", 0, errors.New("token: mint: no tenant")
	}
	k, err := is.signingKey(ctx)
	if err != nil {
		return "", 0, err
	}
	jti, err := randomID()
	if err != nil {
		return "", 0, err
	}
	now := is.now()
	claims := kilnClaims{
		Claims: jwt.Claims{
			Issuer:    c.Issuer,
			Subject:   c.Subject,
			Audience:  jwt.Audience{c.Audience},
			Expiry:    jwt.NewNumericDate(now.Add(is.ttl)),
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ID:        jti,
		},
		ClientID: c.ClientID,
		Scope:    c.Scope,
		Tenant:   c.Tenant,
		Patient:  c.Patient,
		FHIRUser: c.FHIRUser,
		Roles:    c.Roles,
	}
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: signingAlg, Key: jose.JSONWebKey{Key: k.private, KeyID: k.kid}},
		(&jose.SignerOptions{}).WithType(typAccessToken),
	)
	if err != nil {
		return "", 0, fmt.Errorf("token: mint: signer for key %s: %w", k.kid, err)
	}
	token, err = jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		return "", 0, fmt.Errorf("token: mint: sign with key %s: %w", k.kid, err)
	}
	return token, is.ttl, nil
}

// JWKS returns the public halves of every live signing key, newest last,
// as served at the issuer's jwks_uri. It reads the store, so keys another
// process made are included.
func (is *Issuer) JWKS(ctx context.Context) (jose.JSONWebKeySet, error) {
	is.mu.Lock()
	keys, err := is.reload(ctx)
	is.mu.Unlock()
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	set := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, 0, len(keys))}
	for _, k := range keys {
		set.Keys = append(set.Keys, k.public())
	}
	return set, nil
}

// signingKey returns the key to sign with, rotating when the newest key
// is RotateEvery old.
func (is *Issuer) signingKey(ctx context.Context) (*signingKey, error) {
	is.mu.Lock()
	defer is.mu.Unlock()
	now := is.now()
	if k := is.current; k != nil && is.fresh(now) && now.Before(k.created.Add(is.rotateEvery)) {
		return k, nil
	}
	// Another process may have rotated already.
	keys, err := is.reload(ctx)
	if err != nil {
		return nil, err
	}
	if len(keys) > 0 && now.Before(keys[len(keys)-1].created.Add(is.rotateEvery)) {
		return is.current, nil
	}
	k, err := newSigningKey(newKID(now), now)
	if err != nil {
		return nil, err
	}
	rec, err := k.record()
	if err != nil {
		return nil, err
	}
	err = is.records.InsertRecord(ctx, rec)
	if err != nil && !errors.Is(err, store.ErrConflict) {
		return nil, fmt.Errorf("token: store signing key %s: %w", k.kid, err)
	}
	// On a conflict another process made this second's key first: use
	// theirs. Either way reloading also sets the previous key's expiry.
	if _, err := is.reload(ctx); err != nil {
		return nil, err
	}
	if is.current == nil {
		return nil, fmt.Errorf("token: signing key %s vanished after it was stored", k.kid)
	}
	return is.current, nil
}

// reload reads every signing key from the store, replaces the cache and
// returns the live keys oldest first. It also does the ring's upkeep: a
// key that has a successor expires RotateEvery+TokenTTL after that
// successor was made (long enough for relying parties that cached the
// JWKS to see the successor, and for tokens signed with it to run out),
// and expired keys are deleted. Every process computes the same expiry, so
// the upkeep is idempotent and a process that died mid-rotation leaves
// nothing for another to repair. Callers hold is.mu.
func (is *Issuer) reload(ctx context.Context) ([]*signingKey, error) {
	rs, err := is.records.ListRecords(ctx, "", kindSigningKey)
	if err != nil {
		return nil, fmt.Errorf("token: list signing keys: %w", err)
	}
	keys := make([]*signingKey, 0, len(rs))
	for _, r := range rs {
		k, err := decodeKey(r)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b *signingKey) int {
		if c := a.created.Compare(b.created); c != 0 {
			return c
		}
		return cmp.Compare(a.kid, b.kid)
	})

	now := is.now()
	live := keys[:0]
	for i, k := range keys {
		if i < len(keys)-1 && k.expires.IsZero() {
			k.expires = keys[i+1].created.Add(is.rotateEvery + is.ttl)
			if k.liveAt(now) {
				rec, err := k.record()
				if err != nil {
					return nil, err
				}
				if err := is.records.PutRecord(ctx, rec); err != nil {
					return nil, fmt.Errorf("token: set expiry of signing key %s: %w", k.kid, err)
				}
			}
		}
		if !k.liveAt(now) {
			// The store's clock may not have caught up with ours; delete
			// rather than wait for it to purge.
			if err := is.records.DeleteRecord(ctx, "", kindSigningKey, k.kid); err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, fmt.Errorf("token: delete expired signing key %s: %w", k.kid, err)
			}
			continue
		}
		live = append(live, k)
	}

	clear(is.keys)
	for _, k := range live {
		is.keys[k.kid] = k
	}
	is.current = nil
	if len(live) > 0 {
		is.current = live[len(live)-1]
	}
	is.loadedAt = now
	return live, nil
}

// fresh reports whether the cached ring is recent enough to use at now.
// Callers hold is.mu.
func (is *Issuer) fresh(now time.Time) bool {
	return !is.loadedAt.IsZero() && now.Sub(is.loadedAt) < keyCacheTTL && !now.Before(is.loadedAt)
}

// verificationKey returns the live key named kid, from the cache (reloaded
// when older than keyCacheTTL) or else from the store: a key another
// process made since the last reload. That is a single point read, so
// tokens with made-up kids cost little.
func (is *Issuer) verificationKey(ctx context.Context, kid string) (*signingKey, error) {
	now := is.now()
	is.mu.Lock()
	if !is.fresh(now) {
		if _, err := is.reload(ctx); err != nil {
			is.mu.Unlock()
			return nil, err
		}
	}
	k, ok := is.keys[kid]
	is.mu.Unlock()
	if ok {
		if !k.liveAt(now) {
			return nil, fmt.Errorf("%w: signing key %q has expired", ErrInvalidToken, clip(kid))
		}
		return k, nil
	}
	r, err := is.records.GetRecord(ctx, "", kindSigningKey, kid)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: unknown signing key %q", ErrInvalidToken, clip(kid))
	}
	if err != nil {
		return nil, fmt.Errorf("token: read signing key %q: %w", clip(kid), err)
	}
	k, err = decodeKey(r)
	if err != nil {
		return nil, err
	}
	if !k.liveAt(now) {
		return nil, fmt.Errorf("%w: signing key %q has expired", ErrInvalidToken, clip(kid))
	}
	is.mu.Lock()
	is.keys[kid] = k
	is.mu.Unlock()
	return k, nil
}

// String, GoString, Format and LogValue keep the keys out of logs: an
// Issuer prints as its settings only.
func (is *Issuer) String() string {
	return fmt.Sprintf("token.Issuer{RotateEvery: %v, TokenTTL: %v}", is.rotateEvery, is.ttl)
}

func (is *Issuer) GoString() string { return is.String() }

func (is *Issuer) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(is.String())) }

func (is *Issuer) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Duration("rotate_every", is.rotateEvery),
		slog.Duration("token_ttl", is.ttl),
	)
}

// randomID returns 128 random bits, base64url: a jti.
func randomID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("token: random id: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
