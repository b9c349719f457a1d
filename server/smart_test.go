package server_test

// End-to-end tests of Kiln's SMART on FHIR surface over HTTP: the Backend
// Services token endpoint, introspection, the SMART configuration and
// CapabilityStatement security, 401 challenges, API keys and their rate
// limit, IP allowlists behind trusted proxies, and the admin policy API,
// with the AuditEvents that refusals leave.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/kiln-health/kiln/auth"
	"github.com/kiln-health/kiln/auth/apikey"
	"github.com/kiln-health/kiln/auth/backend"
	"github.com/kiln-health/kiln/auth/netguard"
)

// rsa3072 is one RS384 client key shared by every test that needs one:
// generating RSA keys is slow.
var rsa3072 = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 3072)
	if err != nil {
		panic(err)
	}
	return k
})

// clientCredentials is a Backend Services token request.
func clientCredentials(assertion, scope string) url.Values {
	return url.Values{
		"grant_type":            {"client_credentials"},
		"client_assertion_type": {backend.ClientAssertionType},
		"client_assertion":      {assertion},
		"scope":                 {scope},
	}
}

// oauthError checks an RFC 6749 §5.2 error answer: status, error code, a
// non-empty description, and the no-cache headers.
func oauthError(t *testing.T, r response, status int, code string) {
	t.Helper()
	expect(t, r, status)
	m := r.json(t)
	if m["error"] != code {
		t.Errorf("error = %v, want %s: %s", m["error"], code, r.body)
	}
	if d, _ := m["error_description"].(string); strings.TrimSpace(d) == "" {
		t.Errorf("no error_description: %s", r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	if cc := r.header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
}

// searchBundle decodes a searchset Bundle.
type searchBundle struct {
	ResourceType string `json:"resourceType"`
	Total        *int   `json:"total"`
	Entry        []struct {
		Resource map[string]any `json:"resource"`
	} `json:"entry"`
}

func (h *harness) search(path string, headers ...string) searchBundle {
	h.t.Helper()
	r := h.do("GET", path, "", headers...)
	expect(h.t, r, http.StatusOK)
	var b searchBundle
	if err := json.Unmarshal(r.body, &b); err != nil || b.ResourceType != "Bundle" {
		h.t.Fatalf("%s: not a Bundle (%v): %s", path, err, r.body)
	}
	return b
}

// auditEvents searches the tenant's AuditEvents with an admin credential.
func (h *harness) auditEvents(admin, query string, headers ...string) []map[string]any {
	h.t.Helper()
	b := h.search("AuditEvent?_count=500&"+query, append(bearer(admin), headers...)...)
	out := make([]map[string]any, len(b.Entry))
	for i, e := range b.Entry {
		out[i] = e.Resource
	}
	return out
}

// auditCount counts the tenant's AuditEvents matching query.
func (h *harness) auditCount(admin, query string, headers ...string) int {
	h.t.Helper()
	b := h.search("AuditEvent?_summary=count&"+query, append(bearer(admin), headers...)...)
	if b.Total == nil {
		h.t.Fatalf("AuditEvent?%s: no total", query)
	}
	return *b.Total
}

// agentAddress is an AuditEvent's agent[0].network.address.
func agentAddress(ev map[string]any) string {
	agents, _ := ev["agent"].([]any)
	if len(agents) == 0 {
		return ""
	}
	a, _ := agents[0].(map[string]any)
	return str(a, "network", "address")
}

// entityText joins an AuditEvent's entity references and queries (the
// queries decoded: entity.query is base64Binary).
func entityText(ev map[string]any) string {
	var parts []string
	ents, _ := ev["entity"].([]any)
	for _, e := range ents {
		m, _ := e.(map[string]any)
		parts = append(parts, str(m, "what", "reference"))
		if q := str(m, "query"); q != "" {
			b, err := base64.StdEncoding.DecodeString(q)
			if err != nil {
				b = []byte("(not base64: " + q + ")")
			}
			parts = append(parts, string(b))
		}
	}
	return strings.Join(parts, " ")
}

// createPatient creates a Patient with cred and returns its id.
func (h *harness) createPatient(cred string, headers ...string) string {
	h.t.Helper()
	r := h.do("POST", "Patient", fmt.Sprintf(patient, "smart"), append(bearer(cred), headers...)...)
	expect(h.t, r, http.StatusCreated)
	id := str(r.json(h.t), "id")
	if id == "" {
		h.t.Fatalf("created Patient has no id: %s", r.body)
	}
	return id
}

func TestBackendServicesEndToEnd(t *testing.T) {
	eachAuthBackend(t, func(t *testing.T, h *harness) {
		c := h.registerClient("default", "integration", "system/*.cruds")
		r := h.tokenRequest("default", clientCredentials(h.assertion(c, nil), "system/*.cruds"))
		expect(t, r, http.StatusOK)
		for name, want := range map[string]string{"Cache-Control": "no-store", "Pragma": "no-cache"} {
			if got := r.header.Get(name); got != want {
				t.Errorf("token response %s = %q, want %q", name, got, want)
			}
		}
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("token response Content-Type %q", ct)
		}
		m := r.json(t)
		if tt, _ := m["token_type"].(string); !strings.EqualFold(tt, "bearer") {
			t.Errorf("token_type = %v, want bearer", m["token_type"])
		}
		exp, err := m["expires_in"].(json.Number).Int64()
		if err != nil || exp <= 0 || exp > 300 {
			t.Errorf("expires_in = %v, want 1..300", m["expires_in"])
		}
		if m["scope"] != "system/*.cruds" {
			t.Errorf("scope = %v, want system/*.cruds", m["scope"])
		}
		if _, ok := m["refresh_token"]; ok {
			t.Errorf("a Backend Services token response has a refresh_token: %s", r.body)
		}
		tok, _ := m["access_token"].(string)
		if tok == "" {
			t.Fatalf("no access_token: %s", r.body)
		}

		// The token works on the FHIR API.
		id := h.createPatient(tok)
		r = h.do("GET", "Patient/"+id, "", bearer(tok)...)
		expect(t, r, http.StatusOK)
		if str(r.json(t), "id") != id {
			t.Fatalf("read Patient/%s: %s", id, r.body)
		}

		// The token is a JWT that anyone can verify with Kiln's JWKS.
		r = h.do("GET", "/auth/default/jwks", "")
		expect(t, r, http.StatusOK)
		var ks jose.JSONWebKeySet
		if err := json.Unmarshal(r.body, &ks); err != nil || len(ks.Keys) == 0 {
			t.Fatalf("JWKS (%v): %s", err, r.body)
		}
		for _, k := range ks.Keys {
			if !k.IsPublic() {
				t.Fatalf("the JWKS publishes a private key %q", k.KeyID)
			}
		}
		parsed, err := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.ES256, jose.ES384, jose.ES512, jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.EdDSA})
		if err != nil {
			t.Fatalf("access token is not a JWS: %v", err)
		}
		if typ, _ := parsed.Headers[0].ExtraHeaders[jose.HeaderType].(string); !strings.EqualFold(typ, "at+jwt") {
			t.Errorf("access token typ %q, want at+jwt", typ)
		}
		var std jwt.Claims
		var extra struct {
			ClientID string `json:"client_id"`
			Scope    string `json:"scope"`
		}
		if err := parsed.Claims(&ks, &std, &extra); err != nil {
			t.Fatalf("access token does not verify with /auth/default/jwks: %v", err)
		}
		base := h.srv.URL + "/fhir/default"
		if err := std.ValidateWithLeeway(jwt.Expected{
			Issuer: h.srv.URL + "/auth/default", AnyAudience: jwt.Audience{base}, Time: h.clock.Now(),
		}, 0); err != nil {
			t.Errorf("access token claims: %v (%+v)", err, std)
		}
		if len(std.Audience) != 1 || std.Audience[0] != base {
			t.Errorf("access token aud = %v, want [%s]", std.Audience, base)
		}
		if extra.ClientID != c.id || extra.Scope != "system/*.cruds" {
			t.Errorf("access token client_id %q scope %q", extra.ClientID, extra.Scope)
		}
		if life := std.Expiry.Time().Sub(h.clock.Now()); life > 5*time.Minute+time.Second {
			t.Errorf("access token lives %v, more than 5 minutes", life)
		}

		// The OIDC discovery document names the same issuer and JWKS.
		r = h.do("GET", "/auth/default/.well-known/openid-configuration", "")
		expect(t, r, http.StatusOK)
		if d := r.json(t); d["issuer"] != h.srv.URL+"/auth/default" || d["jwks_uri"] != h.srv.URL+"/auth/default/jwks" {
			t.Errorf("openid-configuration: %s", r.body)
		}
	})
}

func TestBackendServicesRS384(t *testing.T) {
	key := rsa3072()
	eachAuthBackend(t, func(t *testing.T, h *harness) {
		c := h.registerRSAClient(key, "default", "integration", "system/*.cruds")
		r := h.tokenRequest("default", clientCredentials(h.assertion(c, nil), "system/Patient.rs system/Patient.c"))
		expect(t, r, http.StatusOK)
		m := r.json(t)
		if m["scope"] != "system/Patient.rs system/Patient.c" {
			t.Errorf("scope = %v", m["scope"])
		}
		tok, _ := m["access_token"].(string)
		h.createPatient(tok)
		expect(t, h.do("GET", "Patient", "", bearer(tok)...), http.StatusOK)
		// The narrower scope holds: no Observations.
		expect(t, h.do("GET", "Observation", "", bearer(tok)...), http.StatusForbidden)

		// An RS384 assertion with a key the client did not register fails.
		other, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		forged := *c
		forged.key = other
		oauthError(t, h.tokenRequest("default", clientCredentials(h.assertion(&forged, nil), "system/*.cruds")), http.StatusUnauthorized, "invalid_client")
	})
}

func TestBackendServicesBadAssertions(t *testing.T) {
	eachAuthBackend(t, func(t *testing.T, h *harness) {
		c := h.registerClient("default", "integration", "system/*.cruds")
		narrow := h.registerClient("default", "integration", "system/Patient.rs")
		otherKey, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name   string
			form   func(t *testing.T) url.Values
			status int
			code   string
		}{
			{"wrong signature (other key, same kid)", func(t *testing.T) url.Values {
				forged := *c
				forged.key = otherKey
				return clientCredentials(h.assertion(&forged, nil), "system/*.cruds")
			}, 401, "invalid_client"},
			{"unknown kid", func(t *testing.T) url.Values {
				unknown := *c
				unknown.kid = "no-such-kid"
				return clientCredentials(h.assertion(&unknown, nil), "system/*.cruds")
			}, 401, "invalid_client"},
			{"iss differs from sub", func(t *testing.T) url.Values {
				return clientCredentials(h.assertion(c, func(cl *jwt.Claims) { cl.Subject = "someone-else" }), "system/*.cruds")
			}, 401, "invalid_client"},
			{"wrong aud", func(t *testing.T) url.Values {
				return clientCredentials(h.assertion(c, func(cl *jwt.Claims) { cl.Audience = jwt.Audience{h.tokenURL("other")} }), "system/*.cruds")
			}, 401, "invalid_client"},
			{"aud is the FHIR base", func(t *testing.T) url.Values {
				return clientCredentials(h.assertion(c, func(cl *jwt.Claims) { cl.Audience = jwt.Audience{h.srv.URL + "/fhir/default"} }), "system/*.cruds")
			}, 401, "invalid_client"},
			{"exp more than 5 minutes ahead", func(t *testing.T) url.Values {
				return clientCredentials(h.assertion(c, func(cl *jwt.Claims) {
					cl.Expiry = jwt.NewNumericDate(h.clock.Now().Add(10 * time.Minute))
				}), "system/*.cruds")
			}, 401, "invalid_client"},
			{"expired", func(t *testing.T) url.Values {
				return clientCredentials(h.assertion(c, func(cl *jwt.Claims) {
					cl.Expiry = jwt.NewNumericDate(h.clock.Now().Add(-5 * time.Minute))
					cl.IssuedAt = jwt.NewNumericDate(h.clock.Now().Add(-10 * time.Minute))
				}), "system/*.cruds")
			}, 401, "invalid_client"},
			{"replayed jti", func(t *testing.T) url.Values {
				form := clientCredentials(h.assertion(c, nil), "system/*.cruds")
				expect(t, h.tokenRequest("default", form), http.StatusOK) // first use
				return form
			}, 401, "invalid_client"},
			{"same jti, new assertion", func(t *testing.T) url.Values {
				jti := "reused-" + strconv.FormatInt(time.Now().UnixNano(), 10)
				first := clientCredentials(h.assertion(c, func(cl *jwt.Claims) { cl.ID = jti }), "system/*.cruds")
				expect(t, h.tokenRequest("default", first), http.StatusOK)
				return clientCredentials(h.assertion(c, func(cl *jwt.Claims) {
					cl.ID = jti
					cl.IssuedAt = jwt.NewNumericDate(h.clock.Now().Add(time.Second))
				}), "system/*.cruds")
			}, 401, "invalid_client"},
			{"wrong grant_type", func(t *testing.T) url.Values {
				form := clientCredentials(h.assertion(c, nil), "system/*.cruds")
				form.Set("grant_type", "password")
				return form
			}, 400, "unsupported_grant_type"},
			{"no grant_type", func(t *testing.T) url.Values {
				form := clientCredentials(h.assertion(c, nil), "system/*.cruds")
				form.Del("grant_type")
				return form
			}, 400, "invalid_request"},
			{"wrong client_assertion_type", func(t *testing.T) url.Values {
				form := clientCredentials(h.assertion(c, nil), "system/*.cruds")
				form.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:saml2-bearer")
				return form
			}, 401, "invalid_client"},
			{"no client_assertion", func(t *testing.T) url.Values {
				form := clientCredentials("", "system/*.cruds")
				return form
			}, 401, "invalid_client"},
			{"client_secret", func(t *testing.T) url.Values {
				form := clientCredentials(h.assertion(c, nil), "system/*.cruds")
				form.Set("client_secret", "hunter2")
				return form
			}, 400, "invalid_request"},
			{"scope not registered", func(t *testing.T) url.Values {
				return clientCredentials(h.assertion(narrow, nil), "system/Observation.rs")
			}, 400, "invalid_scope"},
			{"scope wider than registered", func(t *testing.T) url.Values {
				return clientCredentials(h.assertion(narrow, nil), "system/Patient.cruds")
			}, 400, "invalid_scope"},
			{"user/ scope", func(t *testing.T) url.Values {
				return clientCredentials(h.assertion(c, nil), "user/Patient.rs")
			}, 400, "invalid_scope"},
			{"patient/ scope", func(t *testing.T) url.Values {
				return clientCredentials(h.assertion(c, nil), "patient/*.rs")
			}, 400, "invalid_scope"},
			{"no scope", func(t *testing.T) url.Values {
				return clientCredentials(h.assertion(c, nil), "")
			}, 400, "invalid_scope"},
			{"client of another tenant", func(t *testing.T) url.Values {
				o := h.registerClient("other", "integration", "system/*.cruds")
				// Signed for this tenant's endpoint, but registered in "other".
				return clientCredentials(h.assertion(o, func(cl *jwt.Claims) { cl.Audience = jwt.Audience{h.tokenURL("default")} }), "system/*.cruds")
			}, 401, "invalid_client"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				oauthError(t, h.tokenRequest("default", tc.form(t)), tc.status, tc.code)
			})
		}

		// A request that failed on its aud did not burn the jti: the
		// genuine assertion with that jti still works once.
		jti := "kept-" + strconv.FormatInt(time.Now().UnixNano(), 10)
		bad := clientCredentials(h.assertion(c, func(cl *jwt.Claims) { cl.ID = jti; cl.Audience = jwt.Audience{"https://elsewhere.example/token"} }), "system/*.cruds")
		oauthError(t, h.tokenRequest("default", bad), http.StatusUnauthorized, "invalid_client")
		expect(t, h.tokenRequest("default", clientCredentials(h.assertion(c, func(cl *jwt.Claims) { cl.ID = jti }), "system/*.cruds")), http.StatusOK)

		// Unknown tenant: 404 with a JSON error, before any client lookup.
		r := h.tokenRequest("nosuch", clientCredentials(h.assertion(c, nil), "system/*.cruds"))
		expect(t, r, http.StatusNotFound)
		if m := r.json(t); m["error"] == nil {
			t.Errorf("unknown tenant: %s", r.body)
		}
		// Not a form body.
		r = h.do("POST", "/auth/default/token", `{"grant_type":"client_credentials"}`, "Content-Type", "application/json")
		if r.status != http.StatusBadRequest {
			t.Errorf("JSON token request: %d %s", r.status, r.body)
		}
		// The token endpoint takes POST only.
		if r := h.do("GET", "/auth/default/token?grant_type=client_credentials", ""); r.status == http.StatusOK {
			t.Errorf("GET token endpoint answered 200: %s", r.body)
		}
	})
}

func TestIntrospect(t *testing.T) {
	eachAuthBackend(t, func(t *testing.T, h *harness) {
		caller := h.apiKey("default", "integration", "system/*.rs")
		c := h.registerClient("default", "integration", "system/*.cruds")
		tok := h.token(c, "system/*.rs")
		introspect := func(tenant, token string, headers ...string) response {
			t.Helper()
			return h.do("POST", "/auth/"+tenant+"/introspect", url.Values{"token": {token}}.Encode(),
				append([]string{"Content-Type", "application/x-www-form-urlencoded"}, headers...)...)
		}
		inactive := func(what string, r response) {
			t.Helper()
			expect(t, r, http.StatusOK)
			var m map[string]any
			if err := json.Unmarshal(r.body, &m); err != nil || !reflect.DeepEqual(m, map[string]any{"active": false}) {
				t.Errorf("%s: introspection = %s, want exactly {\"active\":false}", what, r.body)
			}
		}

		r := introspect("default", tok, bearer(caller)...)
		expect(t, r, http.StatusOK)
		if cc := r.header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Errorf("introspection Cache-Control %q", cc)
		}
		m := r.json(t)
		if m["active"] != true || m["scope"] != "system/*.rs" || m["client_id"] != c.id {
			t.Fatalf("active token: %s", r.body)
		}
		exp, err := m["exp"].(json.Number).Int64()
		if err != nil || exp <= h.clock.Now().Unix() || exp > h.clock.Now().Add(5*time.Minute+time.Second).Unix() {
			t.Errorf("exp = %v", m["exp"])
		}
		// A resource server holding a token of the tenant may introspect too.
		expect(t, introspect("default", tok, bearer(h.token(c, "system/Patient.rs"))...), http.StatusOK)

		inactive("garbage", introspect("default", "not.a.token", bearer(caller)...))
		inactive("empty", introspect("default", "", bearer(caller)...))
		inactive("an API key", introspect("default", caller, bearer(caller)...))
		o := h.registerClient("other", "integration", "system/*.cruds")
		inactive("another tenant's token", introspect("default", h.token(o, "system/*.rs"), bearer(caller)...))

		// Without credentials, or with another tenant's: 401.
		r = introspect("default", tok)
		oauthError(t, r, http.StatusUnauthorized, "invalid_client")
		if r.header.Get("WWW-Authenticate") == "" {
			t.Error("introspection 401 without WWW-Authenticate")
		}
		oauthError(t, introspect("default", tok, bearer(h.apiKey("other", "admin", "system/*.cruds"))...), http.StatusUnauthorized, "invalid_client")

		h.clock.Advance(10 * time.Minute)
		inactive("expired", introspect("default", tok, bearer(caller)...))
	})
}

func TestSmartConfiguration(t *testing.T) {
	eachAuthBackend(t, func(t *testing.T, h *harness) {
		var conf map[string]any
		for _, accept := range []string{"text/html", "application/fhir+json", ""} {
			var hdr []string
			if accept != "" {
				hdr = []string{"Accept", accept}
			}
			r := h.do("GET", ".well-known/smart-configuration", "", hdr...)
			expect(t, r, http.StatusOK)
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Accept %q: Content-Type %q, want application/json", accept, ct)
			}
			if got := r.header.Get("Access-Control-Allow-Origin"); got != "*" {
				t.Errorf("Accept %q: Access-Control-Allow-Origin %q", accept, got)
			}
			conf = r.json(t)
		}
		issuer := h.srv.URL + "/auth/default"
		for key, want := range map[string]string{
			"issuer":                 issuer,
			"token_endpoint":         issuer + "/token",
			"jwks_uri":               issuer + "/jwks",
			"introspection_endpoint": issuer + "/introspect",
		} {
			got, _ := conf[key].(string)
			if got != want {
				t.Errorf("%s = %q, want %q", key, got, want)
			}
			if u, err := url.Parse(got); err != nil || !u.IsAbs() {
				t.Errorf("%s %q is not absolute", key, got)
			}
		}
		strs := func(key string) []string {
			var out []string
			list, _ := conf[key].([]any)
			for _, v := range list {
				s, _ := v.(string)
				out = append(out, s)
			}
			return out
		}
		if got := strs("token_endpoint_auth_methods_supported"); !reflect.DeepEqual(got, []string{"private_key_jwt"}) {
			t.Errorf("token_endpoint_auth_methods_supported = %v", got)
		}
		if got := strs("token_endpoint_auth_signing_alg_values_supported"); !slices.Contains(got, "RS384") || !slices.Contains(got, "ES384") {
			t.Errorf("token_endpoint_auth_signing_alg_values_supported = %v", got)
		}
		if got := strs("capabilities"); !slices.Contains(got, "client-confidential-asymmetric") {
			t.Errorf("capabilities = %v", got)
		}
		if got := strs("grant_types_supported"); !slices.Contains(got, "client_credentials") {
			t.Errorf("grant_types_supported = %v", got)
		}
		// The endpoints it names are live.
		expect(t, h.do("GET", strings.TrimPrefix(conf["jwks_uri"].(string), h.srv.URL), ""), http.StatusOK)

		// CORS preflight.
		r := h.do("OPTIONS", ".well-known/smart-configuration", "", "Origin", "https://app.example", "Access-Control-Request-Method", "GET")
		if r.status >= 300 || r.header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("preflight: %d %v", r.status, r.header)
		}

		// Unknown tenant.
		r = h.do("GET", "/fhir/nosuch/.well-known/smart-configuration", "")
		expect(t, r, http.StatusNotFound)

		// The CapabilityStatement is public and points at the same token endpoint.
		r = h.do("GET", "metadata", "")
		expect(t, r, http.StatusOK)
		var cs struct {
			ResourceType string `json:"resourceType"`
			Rest         []struct {
				Security struct {
					Service []struct {
						Coding []struct{ System, Code string }
					}
					Extension []struct {
						URL       string `json:"url"`
						Extension []struct {
							URL      string `json:"url"`
							ValueURI string `json:"valueUri"`
						}
					}
				}
			}
		}
		if err := json.Unmarshal(r.body, &cs); err != nil || cs.ResourceType != "CapabilityStatement" || len(cs.Rest) == 0 {
			t.Fatalf("metadata (%v): %.300s", err, r.body)
		}
		sec := cs.Rest[0].Security
		if len(sec.Service) == 0 || len(sec.Service[0].Coding) == 0 || sec.Service[0].Coding[0].Code != "SMART-on-FHIR" {
			t.Errorf("rest[0].security.service = %+v", sec.Service)
		}
		var tokenURI string
		for _, ext := range sec.Extension {
			if ext.URL != "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris" {
				continue
			}
			for _, e := range ext.Extension {
				if e.URL == "token" {
					tokenURI = e.ValueURI
				}
			}
		}
		if tokenURI != conf["token_endpoint"] {
			t.Errorf("CapabilityStatement oauth-uris token = %q, SMART configuration says %q", tokenURI, conf["token_endpoint"])
		}
	})
}

func TestUnauthorized(t *testing.T) {
	eachAuthBackend(t, func(t *testing.T, h *harness) {
		admin := h.apiKey("default", "admin", "system/*.cruds")
		before := h.auditCount(admin, "outcome=4")

		r := h.do("GET", "Patient", "")
		expectOutcome(t, r, http.StatusUnauthorized, "")
		challenge := r.header.Get("WWW-Authenticate")
		if !strings.HasPrefix(challenge, `Bearer realm=`) || strings.Contains(challenge, "error=") {
			t.Errorf("no credentials: WWW-Authenticate %q, want a bare Bearer realm challenge", challenge)
		}

		r = h.do("GET", "Patient", "", bearer("not-a-token")...)
		expectOutcome(t, r, http.StatusUnauthorized, "")
		if challenge := r.header.Get("WWW-Authenticate"); !strings.HasPrefix(challenge, "Bearer realm=") || !strings.Contains(challenge, `error="invalid_token"`) {
			t.Errorf("bad token: WWW-Authenticate %q", challenge)
		}

		r = h.do("GET", "Patient", "", "Authorization", "Basic YWRtaW46YWRtaW4=")
		expectOutcome(t, r, http.StatusUnauthorized, "")
		if r.header.Get("WWW-Authenticate") == "" {
			t.Error("Basic: no WWW-Authenticate")
		}

		// A token of another tenant, and an expired token.
		o := h.registerClient("other", "integration", "system/*.cruds")
		expectOutcome(t, h.do("GET", "Patient", "", bearer(h.token(o, "system/*.rs"))...), http.StatusUnauthorized, "")
		c := h.registerClient("default", "integration", "system/*.cruds")
		tok := h.token(c, "system/*.rs")
		expect(t, h.do("GET", "Patient", "", bearer(tok)...), http.StatusOK)
		h.clock.Advance(10 * time.Minute)
		r = h.do("GET", "Patient", "", bearer(tok)...)
		expectOutcome(t, r, http.StatusUnauthorized, "")
		if !strings.Contains(r.header.Get("WWW-Authenticate"), `error="invalid_token"`) {
			t.Errorf("expired token: WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
		}
		// Writes and the system level are refused alike.
		expectOutcome(t, h.do("POST", "Patient", fmt.Sprintf(patient, "x")), http.StatusUnauthorized, "")
		expectOutcome(t, h.do("GET", "", ""), http.StatusUnauthorized, "")

		// Every refusal left an AuditEvent with outcome 4.
		const refused = 7
		if after := h.auditCount(admin, "outcome=4"); after < before+refused {
			t.Errorf("AuditEvents with outcome 4: %d before, %d after %d refusals", before, after, refused)
		}
		evs := h.auditEvents(admin, "outcome=4")
		var unauth int
		for _, ev := range evs {
			if strings.Contains(str(ev, "outcomeDesc"), "Unauthorized") {
				unauth++
			}
		}
		if unauth < refused {
			t.Errorf("%d AuditEvents say Unauthorized, want ≥ %d", unauth, refused)
		}
	})
}

func TestAPIKeys(t *testing.T) {
	eachAuthBackend(t, func(t *testing.T, h *harness) {
		ctx := t.Context()
		admin := h.apiKey("default", "admin", "system/*.cruds")
		key := h.apiKey("default", "clinician", "user/*.cruds")
		expect(t, h.do("GET", "Patient", "", bearer(key)...), http.StatusOK)
		expect(t, h.do("GET", "Patient", "", "X-API-Key", key), http.StatusOK)

		before := h.auditCount(admin, "outcome=4")
		// A key of tenant "other" on "default".
		otherKey := h.apiKey("other", "admin", "system/*.cruds")
		expect(t, h.do("GET", "/fhir/other/Patient", "", bearer(otherKey)...), http.StatusOK)
		r := h.do("GET", "Patient", "", bearer(otherKey)...)
		expectOutcome(t, r, http.StatusUnauthorized, "")
		if !strings.Contains(r.header.Get("WWW-Authenticate"), `error="invalid_token"`) {
			t.Errorf("other tenant's key: WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
		}
		expectOutcome(t, h.do("GET", "Patient", "", "X-API-Key", otherKey), http.StatusUnauthorized, "")
		// A malformed key, and a well-formed key with a wrong secret.
		expectOutcome(t, h.do("GET", "Patient", "", bearer("kiln_nonsense")...), http.StatusUnauthorized, "")
		// (The last base64url character carries 4 bits; A and E both
		// decode strictly.)
		tampered := key[:len(key)-1] + "A"
		if tampered == key {
			tampered = key[:len(key)-1] + "E"
		}
		expectOutcome(t, h.do("GET", "Patient", "", bearer(tampered)...), http.StatusUnauthorized, "")

		// A revoked key.
		plain, k, err := h.auth.APIKeys().Create(ctx, apikey.Key{Tenant: "default", Name: "to revoke", Role: "clinician", Scopes: []string{"user/*.rs"}})
		if err != nil {
			t.Fatal(err)
		}
		expect(t, h.do("GET", "Patient", "", bearer(plain)...), http.StatusOK)
		if err := h.auth.APIKeys().Revoke(ctx, "default", k.ID); err != nil {
			t.Fatal(err)
		}
		expectOutcome(t, h.do("GET", "Patient", "", bearer(plain)...), http.StatusUnauthorized, "")
		expectOutcome(t, h.do("GET", "Patient", "", "X-API-Key", plain), http.StatusUnauthorized, "")

		const refused = 6
		if after := h.auditCount(admin, "outcome=4"); after < before+refused {
			t.Errorf("AuditEvents with outcome 4: %d before, %d after %d refusals", before, after, refused)
		}
	})
}

func TestAPIKeyRateLimit(t *testing.T) {
	eachAuthBackend(t, func(t *testing.T, h *harness) {
		admin := h.apiKey("default", "admin", "system/*.cruds")
		plain, _, err := h.auth.APIKeys().Create(t.Context(), apikey.Key{Tenant: "default", Name: "slow", Role: "clinician", Scopes: []string{"user/*.rs"}, RatePerMinute: 6})
		if err != nil {
			t.Fatal(err)
		}
		before := h.auditCount(admin, "outcome=4")
		var r response
		ok := 0
		for range 20 {
			r = h.do("GET", "Patient", "", bearer(plain)...)
			if r.status != http.StatusOK {
				break
			}
			ok++
		}
		if ok == 0 {
			t.Fatalf("the first request was refused: %d %s", r.status, r.body)
		}
		expectOutcome(t, r, http.StatusTooManyRequests, "rate limit")
		retry, err := strconv.Atoi(r.header.Get("Retry-After"))
		if err != nil || retry < 1 || retry > 60 {
			t.Errorf("Retry-After %q, want whole seconds from 1 to 60", r.header.Get("Retry-After"))
		}
		// The limit is per key: another key is unaffected.
		expect(t, h.do("GET", "Patient", "", bearer(admin)...), http.StatusOK)
		// X-API-Key shares the bucket.
		expect(t, h.do("GET", "Patient", "", "X-API-Key", plain), http.StatusTooManyRequests)
		if after := h.auditCount(admin, "outcome=4"); after < before+2 {
			t.Errorf("AuditEvents with outcome 4: %d before, %d after two 429s", before, after)
		}

		h.clock.Advance(time.Minute)
		expect(t, h.do("GET", "Patient", "", bearer(plain)...), http.StatusOK)
	})
}

func TestAllowlistTrustedProxies(t *testing.T) {
	eachBackendWith(t, options{auth: true, authOptions: auth.Options{TrustedProxies: []string{"127.0.0.1"}}}, func(t *testing.T, h *harness) {
		if err := netguard.SetAllowlist(t.Context(), h.store, "default", []string{"203.0.113.0/24"}); err != nil {
			t.Fatal(err)
		}
		admin := h.apiKey("default", "admin", "system/*.cruds")
		from := func(addr string) []string { return append(bearer(admin), "X-Forwarded-For", addr) }

		id := h.createPatient(admin, "X-Forwarded-For", "203.0.113.7")
		expect(t, h.do("GET", "Patient/"+id, "", from("203.0.113.7")...), http.StatusOK)
		// The proxy appends the address it saw: entries to the left were
		// written by the client and are not believed.
		expect(t, h.do("GET", "Patient/"+id, "", from("198.51.100.1, 203.0.113.7")...), http.StatusOK)
		expectOutcome(t, h.do("GET", "Patient/"+id, "", from("203.0.113.7, 198.51.100.1")...), http.StatusForbidden, "network address")
		expectOutcome(t, h.do("GET", "Patient/"+id, "", from("198.51.100.1")...), http.StatusForbidden, "network address")
		// The proxy itself is not in the allowlist.
		expectOutcome(t, h.do("GET", "Patient/"+id, "", bearer(admin)...), http.StatusForbidden, "network address")
		// A tenant without an allowlist is reachable from anywhere.
		expect(t, h.do("GET", "/fhir/other/Patient", "", append(bearer(h.apiKey("other", "admin", "system/*.cruds")), "X-Forwarded-For", "198.51.100.1")...), http.StatusOK)

		// The AuditEvent of the allowed read names the forwarded address.
		var found bool
		for _, ev := range h.auditEvents(admin, "entity=Patient/"+id, "X-Forwarded-For", "203.0.113.7") {
			if str(ev, "outcome") == "0" && strings.Contains(entityText(ev), "Patient/"+id) {
				found = true
				if got := agentAddress(ev); got != "203.0.113.7" {
					t.Errorf("AuditEvent of an allowed request: agent[0].network.address = %q, want 203.0.113.7", got)
				}
			}
		}
		if !found {
			t.Error("no AuditEvent of the allowed read")
		}
		// The refusals are audited with the address they came from.
		var refused []string
		for _, ev := range h.auditEvents(admin, "outcome=4", "X-Forwarded-For", "203.0.113.9") {
			refused = append(refused, agentAddress(ev))
		}
		slices.Sort(refused)
		if want := []string{"127.0.0.1", "198.51.100.1", "198.51.100.1"}; !reflect.DeepEqual(refused, want) {
			t.Errorf("refused requests' AuditEvent addresses = %v, want %v", refused, want)
		}
	})
}

func TestAllowlistUntrustedForwardedFor(t *testing.T) {
	eachAuthBackend(t, func(t *testing.T, h *harness) {
		if err := netguard.SetAllowlist(t.Context(), h.store, "default", []string{"203.0.113.0/24"}); err != nil {
			t.Fatal(err)
		}
		admin := h.apiKey("default", "admin", "system/*.cruds")
		// No trusted proxies: the loopback peer's X-Forwarded-For is a
		// claim of the client, and loopback is not allowed.
		expectOutcome(t, h.do("GET", "Patient", "", append(bearer(admin), "X-Forwarded-For", "203.0.113.7")...), http.StatusForbidden, "network address")
		expectOutcome(t, h.do("GET", "Patient", "", append(bearer(admin), "X-Real-IP", "203.0.113.7", "Forwarded", "for=203.0.113.7")...), http.StatusForbidden, "network address")
		// Before authentication: no credentials get 403, not 401.
		expect(t, h.do("GET", "Patient", ""), http.StatusForbidden)
		// The admin API is behind the allowlist too.
		expect(t, h.do("GET", "/admin/default/policy", "", append(bearer(admin), "X-Forwarded-For", "203.0.113.7")...), http.StatusForbidden)
	})
}

// policyList is the admin API's view of the policy.
type policyList struct {
	Rules []struct{ Subject, Tenant, Type, Action, Label, Effect string }
	Roles []struct{ Subject, Role, Tenant string }
}

// decodePolicy decodes GET /admin/{tenant}/policy, requiring the same
// lower-case member names the POST and DELETE bodies use (Go's decoder
// would accept any case; JavaScript clients would not).
func decodePolicy(t *testing.T, r response) policyList {
	t.Helper()
	var raw struct {
		Rules []map[string]string `json:"rules"`
		Roles []map[string]string `json:"roles"`
	}
	if err := json.Unmarshal(r.body, &raw); err != nil {
		t.Fatalf("policy: %v: %.300s", err, r.body)
	}
	var pl policyList
	for _, m := range raw.Rules {
		for _, k := range []string{"subject", "tenant", "type", "action", "label", "effect"} {
			if _, ok := m[k]; !ok {
				t.Fatalf("a rule lacks the member %q: %v", k, m)
			}
		}
		pl.Rules = append(pl.Rules, struct{ Subject, Tenant, Type, Action, Label, Effect string }{
			m["subject"], m["tenant"], m["type"], m["action"], m["label"], m["effect"]})
	}
	for _, m := range raw.Roles {
		for _, k := range []string{"subject", "role", "tenant"} {
			if _, ok := m[k]; !ok {
				t.Fatalf("a role assignment lacks the member %q: %v", k, m)
			}
		}
		pl.Roles = append(pl.Roles, struct{ Subject, Role, Tenant string }{m["subject"], m["role"], m["tenant"]})
	}
	return pl
}

func TestAdminPolicyAPI(t *testing.T) {
	eachAuthBackend(t, func(t *testing.T, h *harness) {
		admin := h.apiKey("default", "admin", "system/*.cruds")
		clinician := h.apiKey("default", "clinician", "user/*.cruds")
		otherClinician := h.apiKey("other", "clinician", "user/*.cruds")
		denyRule := `{"subject":"clinician","type":"Observation","action":"search","effect":"deny"}`
		before := h.auditCount(admin, "outcome=4")

		// Only admins.
		expectOutcome(t, h.do("GET", "/admin/default/policy", "", bearer(clinician)...), http.StatusForbidden, "admin")
		expectOutcome(t, h.do("POST", "/admin/default/policy/rules", denyRule, bearer(clinician)...), http.StatusForbidden, "admin")
		r := h.do("GET", "/admin/default/policy", "")
		expectOutcome(t, r, http.StatusUnauthorized, "")
		if r.header.Get("WWW-Authenticate") == "" {
			t.Error("admin API 401 without WWW-Authenticate")
		}
		// An admin of another tenant is no admin here.
		expect(t, h.do("GET", "/admin/default/policy", "", bearer(h.apiKey("other", "admin", "system/*.cruds"))...), http.StatusUnauthorized)
		expect(t, h.do("GET", "/admin/nosuch/policy", "", bearer(admin)...), http.StatusNotFound)
		if after := h.auditCount(admin, "outcome=4"); after < before+4 {
			t.Errorf("AuditEvents with outcome 4: %d before, %d after 4 refused admin calls", before, after)
		}

		// The default rules.
		r = h.do("GET", "/admin/default/policy", "", bearer(admin)...)
		expect(t, r, http.StatusOK)
		pl := decodePolicy(t, r)
		hasRule := func(pl policyList, subject, tenant, typ, action, effect string) bool {
			for _, ru := range pl.Rules {
				if ru.Subject == subject && ru.Tenant == tenant && ru.Type == typ && ru.Action == action && ru.Effect == effect {
					return true
				}
			}
			return false
		}
		if !hasRule(pl, "admin", "*", "*", "*", "allow") || !hasRule(pl, "clinician", "*", "clinical", "search", "allow") {
			t.Errorf("GET policy lacks the default rules: %.500s", r.body)
		}

		expect(t, h.do("GET", "Observation", "", bearer(clinician)...), http.StatusOK)
		expect(t, h.do("POST", "/admin/default/policy/rules", denyRule, bearer(admin)...), http.StatusNoContent)
		expectOutcome(t, h.do("GET", "Observation", "", bearer(clinician)...), http.StatusForbidden, "Observation")
		expect(t, h.do("GET", "Observation?code=1234-5", "", bearer(clinician)...), http.StatusForbidden)
		expect(t, h.do("GET", "Patient", "", bearer(clinician)...), http.StatusOK)
		// The rule is the tenant's own.
		expect(t, h.do("GET", "/fhir/other/Observation", "", bearer(otherClinician)...), http.StatusOK)
		r = h.do("GET", "/admin/default/policy", "", bearer(admin)...)
		expect(t, r, http.StatusOK)
		if !hasRule(decodePolicy(t, r), "clinician", "default", "Observation", "search", "deny") {
			t.Errorf("GET policy does not list the new rule: %.500s", r.body)
		}

		expect(t, h.do("DELETE", "/admin/default/policy/rules", denyRule, bearer(admin)...), http.StatusNoContent)
		expect(t, h.do("GET", "Observation", "", bearer(clinician)...), http.StatusOK)
		expect(t, h.do("DELETE", "/admin/default/policy/rules", denyRule, bearer(admin)...), http.StatusNotFound)

		expectOutcome(t, h.do("POST", "/admin/default/policy/rules", `{"subject":"clinician","type":"Observation","action":"frobnicate","effect":"deny"}`, bearer(admin)...), http.StatusBadRequest, "frobnicate")
		expectOutcome(t, h.do("POST", "/admin/default/policy/rules", `{"subject":"clinician","type":"Observation","action":"search","effect":"maybe"}`, bearer(admin)...), http.StatusBadRequest, "maybe")
		expectOutcome(t, h.do("POST", "/admin/default/policy/rules", `not json`, bearer(admin)...), http.StatusBadRequest, "")

		// Role assignments: the clinician's key made admin, and back.
		cplain, ck, err := h.auth.APIKeys().Create(t.Context(), apikey.Key{Tenant: "default", Name: "promoted", Role: "clinician", Scopes: []string{"system/*.cruds"}})
		if err != nil {
			t.Fatal(err)
		}
		assignment := fmt.Sprintf(`{"subject":"apikey:%s","role":"admin"}`, ck.ID)
		expect(t, h.do("GET", "/admin/default/policy", "", bearer(cplain)...), http.StatusForbidden)
		expect(t, h.do("POST", "/admin/default/policy/roles", assignment, bearer(admin)...), http.StatusNoContent)
		expect(t, h.do("GET", "/admin/default/policy", "", bearer(cplain)...), http.StatusOK)
		r = h.do("GET", "/admin/default/policy", "", bearer(admin)...)
		expect(t, r, http.StatusOK)
		if roles := decodePolicy(t, r).Roles; len(roles) != 1 || roles[0].Subject != "apikey:"+ck.ID || roles[0].Role != "admin" || roles[0].Tenant != "default" {
			t.Errorf("roles after assigning admin: %+v", roles)
		}
		expect(t, h.do("DELETE", "/admin/default/policy/roles", assignment, bearer(admin)...), http.StatusNoContent)
		expect(t, h.do("GET", "/admin/default/policy", "", bearer(cplain)...), http.StatusForbidden)
		expect(t, h.do("POST", "/admin/default/policy/roles", `{"subject":"*","role":"admin"}`, bearer(admin)...), http.StatusBadRequest)

		// Every admin call, refused or not, left an AuditEvent (subtype operation).
		var queries []string
		type event struct{ query, outcome string }
		var events []event
		for _, ev := range h.auditEvents(admin, "subtype=operation") {
			q := entityText(ev)
			queries = append(queries, q)
			events = append(events, event{q, str(ev, "outcome")})
		}
		for _, want := range []struct{ query, outcome string }{
			{"GET policy", "0"},
			{"add p, clinician, default, Observation, search, *, deny", "0"},
			{"remove p, clinician, default, Observation, search, *, deny", "0"},
			{"remove p, clinician, default, Observation, search, *, deny", "4"}, // the second, 404
			{"frobnicate", "4"},
			{"GET /admin/default/policy", "4"},
			{"POST /admin/default/policy/rules", "4"},
		} {
			var hit bool
			for _, ev := range events {
				if strings.Contains(ev.query, want.query) && ev.outcome == want.outcome {
					hit = true
				}
			}
			if !hit {
				t.Errorf("no operation AuditEvent for %q with outcome %s; have %q", want.query, want.outcome, queries)
			}
		}
	})
}

// TestUnauthorizedOnPublicPaths: the CapabilityStatement and the SMART
// configuration are public for reading only. Any other method on those
// paths is an ordinary FHIR request and needs credentials like the rest.
func TestUnauthorizedOnPublicPaths(t *testing.T) {
	eachAuthBackend(t, func(t *testing.T, h *harness) {
		expect(t, h.do("GET", "metadata", ""), http.StatusOK)
		expect(t, h.do("HEAD", "metadata", ""), http.StatusOK)
		for _, tc := range []struct{ method, path, body string }{
			{"POST", "metadata", `{"resourceType":"Patient"}`},
			{"PUT", "metadata", `{"resourceType":"Patient"}`},
			{"PUT", "metadata?identifier=x", `{"resourceType":"Patient"}`},
			{"PATCH", "metadata?identifier=x", `[]`},
			{"DELETE", "metadata", ""},
			{"DELETE", "metadata?identifier=x", ""},
		} {
			r := h.do(tc.method, tc.path, tc.body)
			if r.status != http.StatusUnauthorized || !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s %s without credentials: %d (WWW-Authenticate %q), want 401: %s",
					tc.method, tc.path, r.status, r.header.Get("WWW-Authenticate"), r.body)
			}
		}
	})
}

// TestUnauthorizedChallengeSyntax: RFC 6750 §3 allows only %x20-21,
// %x23-5B and %x5D-7E in error_description, so no quote or backslash may
// appear inside it, escaped or not.
func TestUnauthorizedChallengeSyntax(t *testing.T) {
	eachAuthBackend(t, func(t *testing.T, h *harness) {
		o := h.registerClient("other", "integration", "system/*.cruds")
		for name, hdr := range map[string][]string{
			"another tenant's token": bearer(h.token(o, "system/*.rs")),
			"alg none":               bearer("eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0."),
			"not a JWT":              bearer("not-a-token"),
		} {
			r := h.do("GET", "Patient", "", hdr...)
			expect(t, r, http.StatusUnauthorized)
			challenge := r.header.Get("WWW-Authenticate")
			_, desc, ok := strings.Cut(challenge, `error_description="`)
			if !ok {
				t.Errorf("%s: no error_description in %q", name, challenge)
				continue
			}
			desc = strings.TrimSuffix(desc, `"`)
			for _, ch := range desc {
				if ch < 0x20 || ch > 0x7e || ch == '"' || ch == '\\' {
					t.Errorf("%s: error_description holds %q, which RFC 6750 §3 forbids: %s", name, ch, challenge)
					break
				}
			}
		}
	})
}

// TestAPIKeyRateLimitOutsideFHIR: a throttled key is told so, with
// Retry-After, on the admin API and the introspection endpoint too, not
// refused as if it lacked permission.
func TestAPIKeyRateLimitOutsideFHIR(t *testing.T) {
	eachAuthBackend(t, func(t *testing.T, h *harness) {
		plain, _, err := h.auth.APIKeys().Create(t.Context(), apikey.Key{Tenant: "default", Name: "slow admin", Role: "admin", Scopes: []string{"system/*.cruds"}, RatePerMinute: 6})
		if err != nil {
			t.Fatal(err)
		}
		// The burst of a 6/minute key is one request.
		expect(t, h.do("GET", "/admin/default/policy", "", bearer(plain)...), http.StatusOK)
		r := h.do("GET", "/admin/default/policy", "", bearer(plain)...)
		expectOutcome(t, r, http.StatusTooManyRequests, "rate limit")
		if !strings.Contains(string(r.body), `"throttled"`) {
			t.Errorf("admin API 429: issue code is not throttled: %s", r.body)
		}
		if n, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || n < 1 {
			t.Errorf("admin API 429: Retry-After %q, want whole seconds ≥ 1", r.header.Get("Retry-After"))
		}

		r = h.do("POST", "/auth/default/introspect", url.Values{"token": {"x"}}.Encode(),
			append(bearer(plain), "Content-Type", "application/x-www-form-urlencoded")...)
		if r.status != http.StatusTooManyRequests {
			t.Errorf("introspection with a throttled key: %d, want 429: %s", r.status, r.body)
		}
		if n, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || n < 1 {
			t.Errorf("introspection 429: Retry-After %q, want whole seconds ≥ 1", r.header.Get("Retry-After"))
		}
	})
}
