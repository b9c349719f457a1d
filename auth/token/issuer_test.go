package token

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/kiln-health/kiln/fhir/store"
)

// kilnEnv is an Issuer and a Verifier sharing a store and a fake clock.
type kilnEnv struct {
	st    store.Records
	clock *fakeClock
	is    *Issuer
	v     *Verifier
}

func newKilnEnv(t *testing.T, opts IssuerOptions) *kilnEnv {
	t.Helper()
	st := openStore(t)
	// The store expires records by the real clock, so the fake one starts
	// at real time and only moves forward.
	clock := newClock(time.Now())
	opts.Now = clock.Now
	is, err := NewIssuer(t.Context(), st, opts)
	if err != nil {
		t.Fatalf("NewIssuer: %v", err)
	}
	return &kilnEnv{st: st, clock: clock, is: is, v: NewVerifier(is, st, VerifierOptions{Now: clock.Now})}
}

func accessClaims() AccessClaims {
	return AccessClaims{
		Issuer:   ownA,
		Subject:  "backend-1",
		Audience: fhirA,
		ClientID: "backend-1",
		Scope:    "system/Patient.rs system/Observation.rs",
		Tenant:   tenantA,
		Patient:  "123",
		FHIRUser: "Device/7",
		Roles:    []string{"reader"},
	}
}

func (e *kilnEnv) mint(t *testing.T) string {
	t.Helper()
	raw, _, err := e.is.Mint(t.Context(), accessClaims())
	if err != nil {
		t.Fatalf("mint: %v", err)
	}
	return raw
}

func (e *kilnEnv) verify(t *testing.T, raw string) (Claims, error) {
	t.Helper()
	return e.v.Verify(t.Context(), tenantA, []string{fhirA}, ownA, raw)
}

func TestKilnTokenMintedAndVerified(t *testing.T) {
	e := newKilnEnv(t, IssuerOptions{})
	raw, expiresIn, err := e.is.Mint(t.Context(), accessClaims())
	if err != nil {
		t.Fatal(err)
	}
	if expiresIn != MaxTokenTTL {
		t.Errorf("expiresIn = %v, want %v", expiresIn, MaxTokenTTL)
	}

	h := header(t, raw)
	if h["typ"] != "at+jwt" || h["alg"] != "ES256" || h["kid"] == "" {
		t.Errorf("header = %v", h)
	}
	p := payload(t, raw)
	for _, name := range []string{"iss", "sub", "aud", "exp", "iat", "nbf", "jti", "client_id", "scope", "tenant", "patient", "fhirUser", "roles"} {
		if _, ok := p[name]; !ok {
			t.Errorf("token has no %s claim", name)
		}
	}
	now := e.clock.Now().Unix()
	if p["exp"].(float64) != float64(now+300) || p["iat"].(float64) != float64(now) {
		t.Errorf("exp %v, iat %v, now %d", p["exp"], p["iat"], now)
	}

	c, err := e.verify(t, raw)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	want := accessClaims()
	if !c.Kiln || c.Issuer != want.Issuer || c.Subject != want.Subject || c.ClientID != want.ClientID ||
		c.Scope != want.Scope || c.Tenant != want.Tenant || c.Patient != want.Patient || c.FHIRUser != want.FHIRUser ||
		!slices.Equal(c.Roles, want.Roles) || !slices.Equal(c.Audience, []string{fhirA}) || c.JTI != p["jti"] {
		t.Errorf("claims = %+v", c)
	}

	// Every token has its own jti.
	if other := payload(t, e.mint(t))["jti"]; other == p["jti"] {
		t.Errorf("two tokens share jti %v", other)
	}
}

func TestKilnTokenOptionalClaimsOmitted(t *testing.T) {
	e := newKilnEnv(t, IssuerOptions{})
	raw, _, err := e.is.Mint(t.Context(), AccessClaims{Issuer: ownA, Subject: "c", Audience: fhirA, ClientID: "c", Scope: "system/*.rs", Tenant: tenantA})
	if err != nil {
		t.Fatal(err)
	}
	p := payload(t, raw)
	for _, name := range []string{"patient", "fhirUser", "roles"} {
		if _, ok := p[name]; ok {
			t.Errorf("token has empty optional claim %s", name)
		}
	}
}

func TestKilnTokenExpiry(t *testing.T) {
	e := newKilnEnv(t, IssuerOptions{TokenTTL: time.Minute})
	raw := e.mint(t)
	e.clock.Advance(time.Minute + 30*time.Second) // within the skew
	if _, err := e.verify(t, raw); err != nil {
		t.Fatalf("within clock skew: %v", err)
	}
	e.clock.Advance(31 * time.Second)
	_, err := e.verify(t, raw)
	wantInvalid(t, err, raw, "expired")
}

func TestKilnTokenOtherTenant(t *testing.T) {
	e := newKilnEnv(t, IssuerOptions{})
	raw := e.mint(t)

	// Tenant b's own issuer is {root}/auth/b, so a's token is from an
	// issuer b does not trust.
	_, err := e.v.Verify(t.Context(), tenantB, []string{fhirB}, ownB, raw)
	wantInvalid(t, err, raw, "not trusted")

	// Even if the caller got the issuer and audience wrong, the tenant
	// claim still decides.
	_, err = e.v.Verify(t.Context(), tenantB, []string{fhirA}, ownA, raw)
	wantInvalid(t, err, raw, `tenant "a", not "b"`)
}

func TestKilnTokenWrongAudience(t *testing.T) {
	e := newKilnEnv(t, IssuerOptions{})
	raw := e.mint(t)
	_, err := e.v.Verify(t.Context(), tenantA, []string{"http://kiln.test/fhir/other"}, ownA, raw)
	wantInvalid(t, err, raw, "aud")
}

func TestKilnTokenForgeries(t *testing.T) {
	e := newKilnEnv(t, IssuerOptions{})
	genuine := e.mint(t)
	claims := payload(t, genuine)
	kid := header(t, genuine)["kid"].(string)
	signer := e.is.current.private

	pub, err := x509.MarshalPKIXPublicKey(&signer.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	jwks, err := e.is.JWKS(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	jwkJSON, err := json.Marshal(jwks.Keys[0])
	if err != nil {
		t.Fatal(err)
	}
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	noTenant := maps.Clone(claims)
	delete(noTenant, "tenant")

	for _, tc := range []struct {
		name, raw, want string
	}{
		{"unsigned", unsigned(t, claims), `"none"`},
		{"HS256 with public key DER", sign(t, jose.HS256, pub, kid, "at+jwt", claims), "HS256"},
		{"HS256 with JWKS JSON", sign(t, jose.HS256, jwkJSON, kid, "at+jwt", claims), "HS256"},
		{"other key, same kid", sign(t, jose.ES256, other, kid, "at+jwt", claims), "signature"},
		{"unknown kid", sign(t, jose.ES256, other, "20000101T000000Z", "at+jwt", claims), "unknown signing key"},
		{"not an access token", sign(t, jose.ES256, signer, kid, "JWT", claims), "typ"},
		{"no tenant", sign(t, jose.ES256, signer, kid, "at+jwt", noTenant), "tenant"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.verify(t, tc.raw)
			wantInvalid(t, err, tc.raw, tc.want)
		})
	}
}

// TestKilnKeyRotation moves the clock past RotateEvery: Mint makes a new
// key, tokens signed with the old one verify until they expire, and the
// JWKS publishes both keys until the old one is retired.
func TestKilnKeyRotation(t *testing.T) {
	const every = time.Hour
	e := newKilnEnv(t, IssuerOptions{RotateEvery: every})

	e.clock.Advance(every - time.Minute)
	old := e.mint(t)
	oldKID := header(t, old)["kid"].(string)

	e.clock.Advance(time.Minute)
	fresh := e.mint(t)
	newKID := header(t, fresh)["kid"].(string)
	if newKID == oldKID {
		t.Fatalf("no rotation: both tokens signed with %s", oldKID)
	}
	rotatedAt := e.clock.Now()

	for name, raw := range map[string]string{"old": old, "new": fresh} {
		if _, err := e.verify(t, raw); err != nil {
			t.Errorf("%s token: %v", name, err)
		}
	}
	// Another process on the same store verifies both as well.
	is2, err := NewIssuer(t.Context(), e.st, IssuerOptions{Now: e.clock.Now, RotateEvery: every})
	if err != nil {
		t.Fatal(err)
	}
	v2 := NewVerifier(is2, e.st, VerifierOptions{Now: e.clock.Now})
	for name, raw := range map[string]string{"old": old, "new": fresh} {
		if _, err := v2.Verify(t.Context(), tenantA, []string{fhirA}, ownA, raw); err != nil {
			t.Errorf("%s token in another process: %v", name, err)
		}
	}
	if got := jwksKIDs(t, e.is); !slices.Equal(got, []string{oldKID, newKID}) {
		t.Errorf("JWKS kids = %q, want %q", got, []string{oldKID, newKID})
	}

	// The old token runs out; the new key keeps signing.
	e.clock.Advance(MaxTokenTTL + DefaultClockSkew)
	_, err = e.verify(t, old)
	wantInvalid(t, err, old, "expired")
	if kid := header(t, e.mint(t))["kid"]; kid != newKID {
		t.Errorf("signed with %v after rotation, want %s", kid, newKID)
	}

	// Still published until RotateEvery+TokenTTL after its successor.
	e.clock.Set(rotatedAt.Add(every + MaxTokenTTL - time.Second))
	if got := jwksKIDs(t, e.is); !slices.Equal(got, []string{oldKID, newKID}) {
		t.Errorf("JWKS kids before retirement = %q", got)
	}
	e.clock.Set(rotatedAt.Add(every + MaxTokenTTL))
	if got := jwksKIDs(t, e.is); !slices.Equal(got, []string{newKID}) {
		t.Errorf("JWKS kids after retirement = %q, want only %s", got, newKID)
	}
	if _, err := e.st.GetRecord(t.Context(), "", kindSigningKey, oldKID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("retired key record: err = %v, want ErrNotFound", err)
	}
}

// TestKilnConcurrentRotation has several processes (Issuers on one store)
// find the key due for rotation at the same moment: exactly one new key
// results and all of them sign with it.
func TestKilnConcurrentRotation(t *testing.T) {
	const every = time.Hour
	e := newKilnEnv(t, IssuerOptions{RotateEvery: every})
	issuers := []*Issuer{e.is}
	for range 4 {
		is, err := NewIssuer(t.Context(), e.st, IssuerOptions{Now: e.clock.Now, RotateEvery: every})
		if err != nil {
			t.Fatal(err)
		}
		issuers = append(issuers, is)
	}
	e.clock.Advance(every)

	kids := make([]string, len(issuers))
	var wg sync.WaitGroup
	for i, is := range issuers {
		wg.Go(func() {
			raw, _, err := is.Mint(t.Context(), accessClaims())
			if err != nil {
				t.Errorf("issuer %d: %v", i, err)
				return
			}
			kids[i] = header(t, raw)["kid"].(string)
		})
	}
	wg.Wait()

	rs, err := e.st.ListRecords(t.Context(), "", kindSigningKey)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 {
		t.Fatalf("%d signing keys after concurrent rotation, want 2", len(rs))
	}
	newest := rs[1].Key
	for i, kid := range kids {
		if kid != newest {
			t.Errorf("issuer %d signed with %s, want %s", i, kid, newest)
		}
	}
}

// TestDeletedKeyStopsWithinCacheTTL deletes the signing key from the
// store, as an operator would after a leak: within keyCacheTTL its tokens
// are refused and Mint signs with a new key of a new kid.
func TestDeletedKeyStopsWithinCacheTTL(t *testing.T) {
	e := newKilnEnv(t, IssuerOptions{})
	leaked := e.mint(t)
	kid := header(t, leaked)["kid"].(string)
	if err := e.st.DeleteRecord(t.Context(), "", kindSigningKey, kid); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(keyCacheTTL)
	_, err := e.verify(t, leaked)
	wantInvalid(t, err, leaked, "unknown signing key")

	fresh := e.mint(t)
	if k := header(t, fresh)["kid"]; k == kid {
		t.Fatalf("new key reuses kid %s", kid)
	}
	if _, err := e.verify(t, fresh); err != nil {
		t.Fatalf("token from the new key: %v", err)
	}
}

func TestJWKSIsPublic(t *testing.T) {
	e := newKilnEnv(t, IssuerOptions{})
	set, err := e.is.JWKS(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != 1 {
		t.Fatalf("%d keys, want 1", len(set.Keys))
	}
	k := set.Keys[0]
	if !k.IsPublic() || k.Algorithm != "ES256" || k.Use != "sig" || k.KeyID == "" {
		t.Errorf("JWK = %+v", k)
	}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte(`"d"`)) {
		t.Errorf("JWKS has private key material: %s", b)
	}
}

// TestIssuerNeverPrintsKeys formats and logs an Issuer and its keys every
// usual way and looks for the private scalar.
func TestIssuerNeverPrintsKeys(t *testing.T) {
	e := newKilnEnv(t, IssuerOptions{})
	r, err := e.st.GetRecord(t.Context(), "", kindSigningKey, e.is.current.kid)
	if err != nil {
		t.Fatal(err)
	}
	var stored struct {
		Key struct {
			D string `json:"d"`
		} `json:"key"`
	}
	if err := json.Unmarshal(r.Value, &stored); err != nil || stored.Key.D == "" {
		t.Fatalf("stored key has no d: %v", err)
	}

	var out bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&out, nil))
	log.Info("issuer", "issuer", e.is, "key", e.is.current, "keys", e.is.keys)
	fmt.Fprintf(&out, "%v %+v %#v %s %v %+v %#v", e.is, e.is, e.is, e.is, e.is.current, e.is.keys, e.is.keys)
	if strings.Contains(out.String(), stored.Key.D) {
		t.Fatalf("private key printed: %s", out.String())
	}
	for _, s := range []string{"D:", "private"} {
		if strings.Contains(out.String(), s) {
			t.Errorf("output mentions %q: %s", s, out.String())
		}
	}
}

func TestIssuerOptionsAndMintChecks(t *testing.T) {
	st := openStore(t)
	for name, opts := range map[string]IssuerOptions{
		"ttl too long":         {TokenTTL: 6 * time.Minute},
		"rotation too fast":    {RotateEvery: time.Second},
		"negative ttl":         {TokenTTL: -time.Minute},
		"negative rotate time": {RotateEvery: -time.Hour},
	} {
		if _, err := NewIssuer(t.Context(), st, opts); err == nil {
			t.Errorf("%s: NewIssuer accepted %+v", name, opts)
		}
	}

	e := newKilnEnv(t, IssuerOptions{})
	for _, blank := range []func(*AccessClaims){
		func(c *AccessClaims) { c.Issuer = "" },
		func(c *AccessClaims) { c.Subject = "" },
		func(c *AccessClaims) { c.Audience = "" },
		func(c *AccessClaims) { c.Tenant = "" },
	} {
		c := accessClaims()
		blank(&c)
		if _, _, err := e.is.Mint(t.Context(), c); err == nil {
			t.Errorf("Mint accepted %+v", c)
		}
	}
}

func jwksKIDs(t *testing.T, is *Issuer) []string {
	t.Helper()
	set, err := is.JWKS(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.KeyID)
	}
	return kids
}
