package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/kiln-health/kiln/auth"
	"github.com/kiln-health/kiln/auth/backend"
	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/audit"
	"github.com/kiln-health/kiln/fhir/engine"
)

// root is the server's public URL: Config.BaseURL, or the request's scheme and Host.
func (s *Server) root(c *gin.Context) string {
	if root := strings.TrimSuffix(s.cfg.BaseURL, "/"); root != "" {
		return root
	}
	scheme := "http"
	if c.Request.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host
}

// publicPath reports whether the request reads a part of a tenant's FHIR
// API anyone may read: the CapabilityStatement and the SMART
// configuration (SMART App Launch and ONC (g)(10) require both without
// authorization). They hold no data. Any other method on them must
// authenticate like every request.
func publicPath(c *gin.Context) bool {
	if m := c.Request.Method; m != http.MethodGet && m != http.MethodHead {
		return false
	}
	p := strings.Trim(c.Param("path"), "/")
	return p == "metadata" || p == ".well-known/smart-configuration"
}

// authorize establishes who is calling and what they may do, and hands
// that to the engine with the request's context. Without an auth service
// (development with auth disabled, and tests of other concerns) every
// caller may do everything.
func (s *Server) authorize(c *gin.Context) {
	if s.auth == nil {
		caller := engine.Caller{Access: engine.Unrestricted, Agent: audit.Agent{Who: "anonymous", Address: c.ClientIP()}}
		c.Request = c.Request.WithContext(engine.WithCaller(c.Request.Context(), caller))
		c.Next()
		return
	}
	if publicPath(c) {
		c.Next() // no caller: anything that reaches the engine is refused
		return
	}
	ctx := c.Request.Context()
	p, ok := s.authenticate(c, describe, s.fail)
	if !ok {
		return
	}
	caller := s.auth.Caller(ctx, p, s.base(c))
	c.Request = c.Request.WithContext(engine.WithCaller(ctx, caller))
	c.Next()
}

// authenticate establishes the request's principal. When it cannot, it
// records the refusal as an AuditEvent named by describe, answers with
// answer (401 with a challenge, 403, 429 with Retry-After, or 500),
// aborts and returns false.
func (s *Server) authenticate(c *gin.Context, describe func(*gin.Context) (string, []audit.Entity), answer func(*gin.Context, error)) (auth.Principal, bool) {
	ctx, tenant := c.Request.Context(), c.Param("tenant")
	p, err := s.auth.Authenticate(ctx, auth.Request{HTTP: c.Request, Tenant: tenant, Root: s.root(c)})
	if err == nil {
		return p, true
	}
	var f *auth.Failure
	if !errors.As(err, &f) {
		answer(c, err)
		c.Abort()
		return p, false
	}
	fe := refusal(c, f)
	agent := audit.Agent{Who: "unauthenticated"}
	if f.Principal != "" {
		agent.Who = f.Principal
	}
	if addr := s.auth.ClientAddress(c.Request); addr.IsValid() {
		agent.Address = addr.String()
	}
	interaction, entity := describe(c)
	if aerr := s.engine.Record(ctx, tenant, agent, interaction, fe, entity...); aerr != nil {
		answer(c, aerr)
		c.Abort()
		return p, false
	}
	answer(c, fe)
	c.Abort()
	return p, false
}

// refusal is the OperationOutcome of a refused authentication, with the
// headers its status calls for.
func refusal(c *gin.Context, f *auth.Failure) *fhir.Error {
	switch f.Status {
	case http.StatusUnauthorized:
		c.Header("WWW-Authenticate", f.WWWAuthenticate())
		return fhir.Errorf(f.Status, fhir.IssueLogin, "%s", f.Description)
	case http.StatusForbidden:
		return fhir.Errorf(f.Status, fhir.IssueForbidden, "%s", f.Description)
	case http.StatusTooManyRequests:
		c.Header("Retry-After", strconv.Itoa(int(f.RetryAfter.Seconds()+0.999)))
		return fhir.Errorf(f.Status, fhir.IssueThrottled, "%s", f.Description)
	}
	return fhir.Errorf(f.Status, fhir.IssueSecurity, "%s", f.Description)
}

// describe names a refused request's interaction and target for its
// AuditEvent, from the method and path alone.
func describe(c *gin.Context) (string, []audit.Entity) {
	path := strings.Trim(c.Param("path"), "/")
	var parts []string
	if path != "" {
		parts = strings.Split(path, "/")
	}
	m := c.Request.Method
	switch {
	case len(parts) == 0 && m == http.MethodPost:
		return "transaction", nil
	case len(parts) == 0:
		return "search-system", []audit.Entity{{Query: "?" + c.Request.URL.RawQuery}}
	case strings.HasPrefix(parts[len(parts)-1], "$"):
		return "operation", []audit.Entity{{Query: path}}
	case parts[len(parts)-1] == "_history":
		return map[int]string{1: "history-system", 2: "history-type", 3: "history-instance"}[len(parts)], nil
	case len(parts) == 1 || (len(parts) == 2 && parts[1] == "_search"):
		switch m {
		case http.MethodPost:
			if len(parts) == 1 {
				return "create", nil
			}
		case http.MethodPut:
			return "update", []audit.Entity{{Query: parts[0] + "?" + c.Request.URL.RawQuery}}
		case http.MethodDelete:
			return "delete", []audit.Entity{{Query: parts[0] + "?" + c.Request.URL.RawQuery}}
		case http.MethodPatch:
			return "patch", []audit.Entity{{Query: parts[0] + "?" + c.Request.URL.RawQuery}}
		}
		return "search-type", []audit.Entity{{Query: parts[0] + "?" + c.Request.URL.RawQuery}}
	}
	target := []audit.Entity{{Reference: strings.Join(parts, "/")}}
	switch m {
	case http.MethodPut:
		return "update", target
	case http.MethodPatch:
		return "patch", target
	case http.MethodDelete:
		return "delete", target
	}
	if len(parts) == 4 {
		return "vread", target
	}
	return "read", target
}

// smartConfiguration answers /fhir/{tenant}/.well-known/smart-configuration:
// JSON whatever the Accept header, with CORS so browser apps can read it.
func (s *Server) smartConfiguration(c *gin.Context) {
	if strings.Trim(c.Param("path"), "/") != ".well-known/smart-configuration" {
		c.Next()
		return
	}
	c.Abort()
	c.Header("Access-Control-Allow-Origin", "*")
	c.Header("Access-Control-Allow-Methods", "GET, OPTIONS")
	switch c.Request.Method {
	case http.MethodOptions:
		c.Status(http.StatusNoContent)
		return
	case http.MethodGet, http.MethodHead:
	default:
		s.fail(c, fhir.Errorf(http.StatusMethodNotAllowed, fhir.IssueNotSupported, "%s is not supported on the SMART configuration", c.Request.Method))
		return
	}
	if err := s.engine.CheckTenant(c.Request.Context(), c.Param("tenant")); err != nil {
		s.fail(c, err)
		return
	}
	if s.auth == nil {
		s.fail(c, fhir.Errorf(http.StatusNotFound, fhir.IssueNotFound, "authorization is disabled on this server"))
		return
	}
	c.JSON(http.StatusOK, s.auth.SmartConfiguration(s.root(c), c.Param("tenant")))
}

// oauthRoutes are Kiln's issuer for each tenant: the Backend Services
// token endpoint, its JWKS, introspection and OIDC discovery.
func (s *Server) oauthRoutes(r *gin.Engine) {
	g := r.Group("/auth/:tenant", s.limitBody, func(c *gin.Context) {
		if s.auth == nil {
			c.AbortWithStatusJSON(http.StatusNotFound, gin.H{"error": "not_found", "error_description": "authorization is disabled on this server"})
			return
		}
		if err := s.engine.CheckTenant(c.Request.Context(), c.Param("tenant")); err != nil {
			c.AbortWithStatusJSON(http.StatusNotFound, gin.H{"error": "not_found", "error_description": "unknown tenant"})
			return
		}
		c.Next()
	})
	g.POST("/token", s.token)
	g.GET("/jwks", s.jwks)
	g.POST("/introspect", s.introspect)
	g.GET("/.well-known/openid-configuration", func(c *gin.Context) {
		c.Header("Access-Control-Allow-Origin", "*")
		c.JSON(http.StatusOK, s.auth.OpenIDConfiguration(s.root(c), c.Param("tenant")))
	})
}

func (s *Server) token(c *gin.Context) {
	if err := c.Request.ParseForm(); err != nil {
		writeOAuthError(c, http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded")
		return
	}
	ctx, tenant := c.Request.Context(), c.Param("tenant")
	resp, oerr := s.auth.Token(ctx, s.root(c), tenant, c.Request.PostForm)
	// Every token request is audited: who asked (the assertion's client,
	// as claimed), for what, and whether it was granted.
	agent := audit.Agent{Who: "unauthenticated", System: true}
	if id := auth.AssertedClient(c.Request.PostForm); id != "" {
		agent.Who, agent.ClientID = "client:"+id, id
	}
	if addr := s.auth.ClientAddress(c.Request); addr.IsValid() {
		agent.Address = addr.String()
	}
	var aerr error
	if oerr != nil {
		aerr = fhir.Errorf(oerr.Status, fhir.IssueLogin, "%s: %s", oerr.Code, oerr.Description)
	}
	if err := s.engine.Record(ctx, tenant, agent, "operation", aerr, audit.Entity{Query: "token scope=" + c.Request.PostForm.Get("scope")}); err != nil {
		oerr = &backend.Error{Status: http.StatusInternalServerError, Code: backend.CodeServerError, Description: "the request could not be audited"}
		c.Set(errorKey, err)
	}
	s.writeTokenResponse(c, resp, oerr)
}

func (s *Server) jwks(c *gin.Context) {
	ks, err := s.auth.JWKS(c.Request.Context())
	if err != nil {
		c.Set(errorKey, err)
		c.JSON(http.StatusInternalServerError, gin.H{"error": "server_error"})
		return
	}
	c.Header("Cache-Control", "public, max-age=300")
	c.Header("Access-Control-Allow-Origin", "*")
	c.JSON(http.StatusOK, ks)
}

// introspect is RFC 7662 token introspection. The caller must itself hold
// a valid credential of the tenant (a resource server or an admin).
func (s *Server) introspect(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	p, ok := s.authenticate(c, func(*gin.Context) (string, []audit.Entity) {
		return "operation", []audit.Entity{{Query: "introspect"}}
	}, s.oauthFail)
	if !ok {
		return
	}
	if err := c.Request.ParseForm(); err != nil {
		writeOAuthError(c, http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded")
		return
	}
	resp := s.auth.Introspect(c.Request.Context(), s.root(c), c.Param("tenant"), c.Request.PostForm.Get("token"))
	if err := s.engine.Record(c.Request.Context(), c.Param("tenant"), p.Agent(), "operation", nil, audit.Entity{Query: "introspect"}); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, resp)
}

// oauthFail answers a refused call to an OAuth endpoint in OAuth's JSON
// error form rather than as an OperationOutcome.
func (s *Server) oauthFail(c *gin.Context, err error) {
	fe := fhir.AsError(err)
	desc := "internal server error"
	if fe.Status < 500 && len(fe.Issues) > 0 {
		desc = fe.Issues[0].Diagnostics
	} else {
		c.Set(errorKey, err)
	}
	code := map[int]string{http.StatusUnauthorized: "invalid_client", http.StatusForbidden: "access_denied",
		http.StatusTooManyRequests: "slow_down"}[fe.Status]
	if code == "" {
		code = "server_error"
	}
	writeOAuthError(c, fe.Status, code, desc)
}

func writeOAuthError(c *gin.Context, status int, code, desc string) {
	c.Header("Cache-Control", "no-store")
	c.Header("Pragma", "no-cache")
	c.JSON(status, gin.H{"error": code, "error_description": desc})
}

func (s *Server) writeTokenResponse(c *gin.Context, resp backend.TokenResponse, oerr *backend.Error) {
	if oerr != nil {
		c.Set(errorKey, oerr) // the log line says why (never the assertion)
	}
	backend.WriteHTTP(c.Writer, resp, oerr)
}
