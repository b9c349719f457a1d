package backend_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/kiln-health/kiln/auth/backend"
	"github.com/kiln-health/kiln/fhir/store"
)

func TestTokenSuccess(t *testing.T) {
	fx := newFixture(t)
	cases := []struct {
		name   string
		client backend.Client
		edit   func(a *assertion, form url.Values)
		scope  string // requested
		want   string // granted
	}{
		{name: "RS384 inline key", client: fx.rsa,
			scope: "system/Patient.rs", want: "system/Patient.rs"},
		{name: "ES384 inline key, v1 and narrower v2 scopes", client: fx.ec,
			scope: "system/Observation.read system/Patient.r", want: "system/Observation.read system/Patient.r"},
		{name: "ES384 key at JWKS URL", client: fx.byURL,
			scope: "system/Observation.cruds", want: "system/Observation.cruds"},
		{name: "jku equal to the registered URL", client: fx.byURL,
			edit:  func(a *assertion, _ url.Values) { a.headers["jku"] = fx.jwks.url() },
			scope: "system/Observation.rs", want: "system/Observation.rs"},
		{name: "non-resource scopes dropped, repeats once", client: fx.rsa,
			scope: "openid fhirUser system/Patient.rs offline_access system/Patient.rs launch/patient", want: "system/Patient.rs"},
		{name: "client_id agreeing with iss", client: fx.rsa,
			edit:  func(_ *assertion, f url.Values) { f.Set("client_id", fx.rsa.ID) },
			scope: "system/Observation.rs", want: "system/Observation.rs"},
		{name: "aud as a one-element array", client: fx.ec,
			edit:  func(a *assertion, _ url.Values) { a.claims["aud"] = []string{tokenURL} },
			scope: "system/Patient.rs", want: "system/Patient.rs"},
		{name: "exp 5 minutes ahead plus less than the skew", client: fx.ec,
			edit: func(a *assertion, _ url.Values) {
				a.claims["exp"] = fx.clock.Now().Add(5*time.Minute + 50*time.Second).Unix()
			},
			scope: "system/Patient.rs", want: "system/Patient.rs"},
		{name: "iat and nbf slightly ahead, within the skew", client: fx.ec,
			edit: func(a *assertion, _ url.Values) {
				a.claims["iat"] = fx.clock.Now().Add(30 * time.Second).Unix()
				a.claims["nbf"] = fx.clock.Now().Add(30 * time.Second).Unix()
			},
			scope: "system/Patient.rs", want: "system/Patient.rs"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := fx.assertionFor(tc.client)
			form := tokenForm("", tc.scope)
			if tc.edit != nil {
				tc.edit(a, form)
			}
			form.Set("client_assertion", a.sign(t))
			resp, terr := fx.ep.Token(t.Context(), tenant, tokenURL, form)
			if terr != nil {
				t.Fatalf("Token: %v", terr)
			}
			if resp.TokenType != "bearer" || resp.ExpiresIn != 300 || resp.Scope != tc.want {
				t.Errorf("response = %+v, want bearer, 300 s, scope %q", resp, tc.want)
			}
			claims := verifyMinted(t, fx, resp.AccessToken)
			if claims["sub"] != tc.client.ID || claims["tenant"] != tenant || claims["role"] != "integration" || claims["scope"] != tc.want {
				t.Errorf("minted claims = %v", claims)
			}
		})
	}
}

// verifyMinted checks the test Minter's signature and returns the claims.
func verifyMinted(t *testing.T, fx *fixture, token string) map[string]any {
	t.Helper()
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatalf("parse minted token: %v", err)
	}
	var claims map[string]any
	if err := tok.Claims(fx.minter.key.Public(), &claims); err != nil {
		t.Fatalf("minted token does not verify: %v", err)
	}
	return claims
}

func TestTokenFailures(t *testing.T) {
	fx := newFixture(t)
	keys := testKeys()
	ctx := t.Context()
	other, err := backend.Register(ctx, fx.records, backend.Client{
		ID: "other-tenant-client", Tenant: "clinic-b", Role: "integration",
		Scopes: []string{"system/*.rs"},
		JWKS:   &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{publicJWK(keys.ec, "ec-1")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	now := fx.clock.Now()

	// signed returns a form whose assertion for c, edited by edit, is
	// signed; scope is the requested scope.
	signed := func(c backend.Client, scope string, edit func(*assertion)) func(t *testing.T) url.Values {
		return func(t *testing.T) url.Values {
			a := fx.assertionFor(c)
			if edit != nil {
				edit(a)
			}
			return tokenForm(a.sign(t), scope)
		}
	}
	// valid is a good RSA client request, edited by edit.
	valid := func(edit func(url.Values)) func(t *testing.T) url.Values {
		return func(t *testing.T) url.Values {
			f := tokenForm(fx.assertionFor(fx.rsa).sign(t), "system/Patient.rs")
			edit(f)
			return f
		}
	}
	const (
		scope         = "system/Patient.rs"
		invalidClient = backend.CodeInvalidClient
		invalidScope  = backend.CodeInvalidScope
	)
	cases := []struct {
		name   string
		form   func(t *testing.T) url.Values
		status int
		code   string
	}{
		// The request.
		{"wrong grant_type", valid(func(f url.Values) { f.Set("grant_type", "password") }),
			400, backend.CodeUnsupportedGrantType},
		{"missing grant_type", valid(func(f url.Values) { f.Del("grant_type") }),
			400, backend.CodeInvalidRequest},
		{"repeated scope", valid(func(f url.Values) { f.Add("scope", "system/Observation.rs") }),
			400, backend.CodeInvalidRequest},
		{"client_secret beside the assertion", valid(func(f url.Values) { f.Set("client_secret", "hunter2") }),
			400, backend.CodeInvalidRequest},

		// Client authentication.
		{"wrong client_assertion_type", valid(func(f url.Values) {
			f.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:saml2-bearer")
		}), 401, invalidClient},
		{"missing client_assertion_type", valid(func(f url.Values) { f.Del("client_assertion_type") }),
			401, invalidClient},
		{"missing client_assertion", valid(func(f url.Values) { f.Del("client_assertion") }),
			401, invalidClient},
		{"assertion not a JWT", valid(func(f url.Values) { f.Set("client_assertion", "not.a.jwt") }),
			401, invalidClient},
		{"wrong RSA signature (other key, same kid)", signed(fx.rsa, scope, func(a *assertion) { a.key = keys.rsaOther }),
			401, invalidClient},
		{"wrong EC signature (other key, same kid)", signed(fx.ec, scope, func(a *assertion) { a.key = keys.ecOther }),
			401, invalidClient},
		{"wrong signature at JWKS URL", signed(fx.byURL, "system/Observation.rs", func(a *assertion) { a.key = keys.ecOther }),
			401, invalidClient},
		{"unknown kid", signed(fx.rsa, scope, func(a *assertion) { a.headers["kid"] = "rsa-2" }),
			401, invalidClient},
		{"no kid", signed(fx.rsa, scope, func(a *assertion) { delete(a.headers, "kid") }),
			401, invalidClient},
		{"kid of another client", signed(fx.rsa, scope, func(a *assertion) { a.headers["kid"] = "ec-1" }),
			401, invalidClient},
		{"iss differs from sub", signed(fx.rsa, scope, func(a *assertion) { a.claims["sub"] = fx.ec.ID }),
			401, invalidClient},
		{"no iss", signed(fx.rsa, scope, func(a *assertion) { delete(a.claims, "iss"); delete(a.claims, "sub") }),
			401, invalidClient},
		{"unknown client", signed(fx.rsa, scope, func(a *assertion) { a.claims["iss"], a.claims["sub"] = "nobody", "nobody" }),
			401, invalidClient},
		{"client of another tenant", signed(other, scope, nil),
			401, invalidClient},
		{"client_id differs from iss", func(t *testing.T) url.Values {
			f := signed(fx.rsa, scope, nil)(t)
			f.Set("client_id", fx.ec.ID)
			return f
		}, 401, invalidClient},
		{"wrong aud", signed(fx.rsa, scope, func(a *assertion) { a.claims["aud"] = "https://kiln.example/auth/clinic-b/token" }),
			401, invalidClient},
		{"aud with a second audience", signed(fx.rsa, scope, func(a *assertion) { a.claims["aud"] = []string{tokenURL, "https://other.example"} }),
			401, invalidClient},
		{"no aud", signed(fx.rsa, scope, func(a *assertion) { delete(a.claims, "aud") }),
			401, invalidClient},
		{"exp more than 5 minutes ahead", signed(fx.rsa, scope, func(a *assertion) { a.claims["exp"] = now.Add(7 * time.Minute).Unix() }),
			401, invalidClient},
		{"expired", signed(fx.rsa, scope, func(a *assertion) { a.claims["exp"] = now.Add(-2 * time.Minute).Unix() }),
			401, invalidClient},
		{"no exp", signed(fx.rsa, scope, func(a *assertion) { delete(a.claims, "exp") }),
			401, invalidClient},
		{"iat in the future", signed(fx.rsa, scope, func(a *assertion) { a.claims["iat"] = now.Add(3 * time.Minute).Unix() }),
			401, invalidClient},
		{"nbf in the future", signed(fx.rsa, scope, func(a *assertion) { a.claims["nbf"] = now.Add(3 * time.Minute).Unix() }),
			401, invalidClient},
		{"no jti", signed(fx.rsa, scope, func(a *assertion) { delete(a.claims, "jti") }),
			401, invalidClient},
		{"replayed jti", func(t *testing.T) url.Values {
			f := signed(fx.rsa, scope, nil)(t)
			if _, terr := fx.ep.Token(t.Context(), tenant, tokenURL, f); terr != nil {
				t.Fatalf("first use refused: %v", terr)
			}
			return f
		}, 401, invalidClient},
		{"replayed jti in a new assertion", func(t *testing.T) url.Values {
			a := fx.assertionFor(fx.rsa)
			if _, terr := fx.ep.Token(t.Context(), tenant, tokenURL, tokenForm(a.sign(t), scope)); terr != nil {
				t.Fatalf("first use refused: %v", terr)
			}
			a.claims["exp"] = now.Add(3 * time.Minute).Unix()
			return tokenForm(a.sign(t), scope)
		}, 401, invalidClient},
		{"RS256", signed(fx.rsa, scope, func(a *assertion) { a.alg = jose.RS256 }),
			401, invalidClient},
		{"PS384", signed(fx.rsa, scope, func(a *assertion) { a.alg = jose.PS384 }),
			401, invalidClient},
		{"ES384 signature naming an RSA kid", signed(fx.rsa, scope, func(a *assertion) { a.alg, a.key = jose.ES384, keys.ec }),
			401, invalidClient},
		{"HS256", signed(fx.rsa, scope, func(a *assertion) { a.alg, a.key = jose.HS256, []byte(strings.Repeat("k", 32)) }),
			401, invalidClient},
		{"HS384 with the public key as secret", func(t *testing.T) url.Values {
			return tokenForm(hmacWithPublicKey(t, fx.assertionFor(fx.rsa)), scope)
		}, 401, invalidClient},
		{"alg none", func(t *testing.T) url.Values {
			return tokenForm(fx.assertionFor(fx.rsa).unsigned(t), scope)
		}, 401, invalidClient},
		{"jku on an inline-key client", signed(fx.rsa, scope, func(a *assertion) { a.headers["jku"] = fx.jwks.url() }),
			401, invalidClient},
		{"jku other than the registered URL", signed(fx.byURL, "system/Observation.rs", func(a *assertion) { a.headers["jku"] = fx.jwks.URL + "/evil.json" }),
			401, invalidClient},

		// Scope.
		{"scope not registered", signed(fx.rsa, "system/Patient.rs system/Condition.rs", nil),
			400, invalidScope},
		{"more permissions than registered", signed(fx.rsa, "system/Patient.cruds", nil),
			400, invalidScope},
		{"user/ scope", signed(fx.ec, "user/Patient.rs", nil),
			400, invalidScope},
		{"patient/ scope beside a good one", signed(fx.ec, "system/Patient.rs patient/Observation.rs", nil),
			400, invalidScope},
		{"malformed scope", signed(fx.ec, "system/Nonsense.rs", nil),
			400, invalidScope},
		{"only non-resource scopes", signed(fx.ec, "openid fhirUser", nil),
			400, invalidScope},
		{"no scope", signed(fx.ec, "", nil),
			400, invalidScope},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			form := tc.form(t)
			resp, terr := fx.ep.Token(t.Context(), tenant, tokenURL, form)
			if terr == nil {
				t.Fatalf("Token succeeded: %+v", resp)
			}
			if terr.Status != tc.status || terr.Code != tc.code {
				t.Errorf("error = %d %q (%s), want %d %q", terr.Status, terr.Code, terr.Description, tc.status, tc.code)
			}
			if terr.Description == "" {
				t.Error("empty error_description")
			}
			t.Logf("%d %s: %s", terr.Status, terr.Code, terr.Description)
			if raw := form.Get("client_assertion"); raw != "" {
				for _, part := range strings.Split(raw, ".") {
					if len(part) > 8 && strings.Contains(terr.Description, part) {
						t.Errorf("description %q quotes the assertion", terr.Description)
					}
				}
			}
			if resp != (backend.TokenResponse{}) {
				t.Errorf("response beside an error: %+v", resp)
			}
		})
	}
}

// hmacWithPublicKey signs a with HS384 using the client's public key as the
// secret: the classic algorithm-confusion attack.
func hmacWithPublicKey(t *testing.T, a *assertion) string {
	t.Helper()
	pub, err := json.Marshal(publicJWK(testKeys().rsa, "rsa-1"))
	if err != nil {
		t.Fatal(err)
	}
	a.alg, a.key = jose.HS384, pub
	return a.sign(t)
}

func TestFailedAssertionDoesNotBurnJTI(t *testing.T) {
	fx := newFixture(t)
	a := fx.assertionFor(fx.rsa)
	a.claims["aud"] = "https://elsewhere.example/token"
	if _, terr := fx.ep.Token(t.Context(), tenant, tokenURL, tokenForm(a.sign(t), "system/Patient.rs")); terr == nil || terr.Code != backend.CodeInvalidClient {
		t.Fatalf("wrong aud: got %v, want invalid_client", terr)
	}
	a.claims["aud"] = tokenURL
	if _, terr := fx.ep.Token(t.Context(), tenant, tokenURL, tokenForm(a.sign(t), "system/Patient.rs")); terr != nil {
		t.Fatalf("same jti after a failed attempt: %v", terr)
	}
}

func TestReplayIsPerClient(t *testing.T) {
	fx := newFixture(t)
	jti := rand.Text()
	for _, c := range []backend.Client{fx.rsa, fx.ec} {
		a := fx.assertionFor(c)
		a.claims["jti"] = jti
		if _, terr := fx.ep.Token(t.Context(), tenant, tokenURL, tokenForm(a.sign(t), "system/Patient.rs")); terr != nil {
			t.Fatalf("%s with a jti another client used: %v", c.ID, terr)
		}
	}
}

func TestTokenTTL(t *testing.T) {
	fx := newFixture(t)
	request := func(ep *backend.Endpoint) (backend.TokenResponse, *backend.Error) {
		return ep.Token(t.Context(), tenant, tokenURL, tokenForm(fx.assertionFor(fx.ec).sign(t), "system/Patient.rs"))
	}

	short := backend.NewEndpoint(fx.records, fx.minter, backend.Options{Now: fx.clock.Now, TokenTTL: 90 * time.Second})
	if resp, terr := request(short); terr != nil || resp.ExpiresIn != 90 {
		t.Errorf("TokenTTL 90s: %+v, %v; want expires_in 90", resp, terr)
	}
	long := backend.NewEndpoint(fx.records, fx.minter, backend.Options{Now: fx.clock.Now, TokenTTL: time.Hour})
	if resp, terr := request(long); terr != nil || resp.ExpiresIn != 300 {
		t.Errorf("TokenTTL 1h: %+v, %v; want expires_in capped at 300", resp, terr)
	}
	greedy := backend.NewEndpoint(fx.records, &esMinter{key: fx.minter.key, ttl: time.Hour}, backend.Options{Now: fx.clock.Now})
	if _, terr := request(greedy); terr == nil || terr.Status != 500 || terr.Code != backend.CodeServerError {
		t.Errorf("minter exceeding the TTL: %v, want 500 server_error", terr)
	}
}

type failingMinter struct{}

func (failingMinter) Mint(context.Context, backend.Grant) (string, time.Duration, error) {
	return "", 0, errors.New("signing key unavailable")
}

func TestMinterFailure(t *testing.T) {
	fx := newFixture(t)
	ep := backend.NewEndpoint(fx.records, failingMinter{}, backend.Options{Now: fx.clock.Now})
	_, terr := ep.Token(t.Context(), tenant, tokenURL, tokenForm(fx.assertionFor(fx.ec).sign(t), "system/Patient.rs"))
	if terr == nil || terr.Status != 500 || terr.Code != backend.CodeServerError {
		t.Fatalf("got %v, want 500 server_error", terr)
	}
	if strings.Contains(terr.Description, "signing key") {
		t.Errorf("description %q leaks the internal error", terr.Description)
	}
	if !strings.Contains(errors.Unwrap(terr).Error(), "signing key unavailable") {
		t.Errorf("cause %v lost", errors.Unwrap(terr))
	}
}

func TestStoreFailureIsServerError(t *testing.T) {
	fx := newFixture(t)
	ep := backend.NewEndpoint(brokenRecords{fx.records}, fx.minter, backend.Options{Now: fx.clock.Now})
	_, terr := ep.Token(t.Context(), tenant, tokenURL, tokenForm(fx.assertionFor(fx.ec).sign(t), "system/Patient.rs"))
	if terr == nil || terr.Status != 500 || terr.Code != backend.CodeServerError {
		t.Fatalf("got %v, want 500 server_error", terr)
	}
}

// brokenRecords is the real store whose replay records cannot be written,
// as when the database is read-only or gone mid-request.
type brokenRecords struct{ store.Records }

func (brokenRecords) InsertRecord(context.Context, store.Record) error {
	return errors.New("disk I/O error")
}

func TestWriteHTTP(t *testing.T) {
	check := func(t *testing.T, rec *httptest.ResponseRecorder, status int, want map[string]any) {
		t.Helper()
		if rec.Code != status {
			t.Errorf("status = %d, want %d", rec.Code, status)
		}
		for h, v := range map[string]string{"Cache-Control": "no-store", "Pragma": "no-cache", "Content-Type": "application/json;charset=UTF-8"} {
			if got := rec.Header().Get(h); got != v {
				t.Errorf("%s = %q, want %q", h, got, v)
			}
		}
		var got map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatalf("body %q: %v", rec.Body, err)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s = %v, want %v", k, got[k], v)
			}
		}
		if _, ok := got["refresh_token"]; ok {
			t.Error("refresh_token in the response")
		}
	}
	t.Run("success", func(t *testing.T) {
		rec := httptest.NewRecorder()
		backend.WriteHTTP(rec, backend.TokenResponse{AccessToken: "tok", TokenType: "bearer", ExpiresIn: 300, Scope: "system/Patient.rs"}, nil)
		check(t, rec, http.StatusOK, map[string]any{"access_token": "tok", "token_type": "bearer", "expires_in": 300.0, "scope": "system/Patient.rs"})
	})
	t.Run("error", func(t *testing.T) {
		fx := newFixture(t)
		_, terr := fx.ep.Token(t.Context(), tenant, tokenURL, tokenForm("", "system/Patient.rs"))
		rec := httptest.NewRecorder()
		backend.WriteHTTP(rec, backend.TokenResponse{}, terr)
		check(t, rec, http.StatusUnauthorized, map[string]any{"error": "invalid_client", "error_description": "client_assertion is required"})
	})
}

// Guard the test helper that forges alg none: it must produce what a
// hand-made attack would.
func TestUnsignedHelper(t *testing.T) {
	fx := newFixture(t)
	raw := fx.assertionFor(fx.rsa).unsigned(t)
	header, _, _ := strings.Cut(raw, ".")
	b, err := base64.RawURLEncoding.DecodeString(header)
	if err != nil || !strings.Contains(string(b), `"alg":"none"`) || !strings.HasSuffix(raw, ".") {
		t.Fatalf("unsigned assertion %q", raw)
	}
}

func TestConcurrentReplay(t *testing.T) {
	fx := newFixture(t)
	form := tokenForm(fx.assertionFor(fx.ec).sign(t), "system/Patient.rs")
	const n = 8
	errs := make(chan *backend.Error, n)
	for range n {
		go func() {
			_, terr := fx.ep.Token(t.Context(), tenant, tokenURL, form)
			errs <- terr
		}()
	}
	ok := 0
	for range n {
		switch terr := <-errs; {
		case terr == nil:
			ok++
		case terr.Code != backend.CodeInvalidClient:
			t.Errorf("concurrent replay: %v, want invalid_client", terr)
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d concurrent uses of one assertion succeeded, want 1", ok, n)
	}
}
