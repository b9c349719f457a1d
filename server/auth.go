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

// publicPaths are the parts of a tenant's FHIR API anyone may read: the
// CapabilityStatement and the SMART configuration (SMART App Launch and
// ONC (g)(10) require both without authorization). They hold no data.
func publicPath(c *gin.Context) bool {
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
	ctx, tenant := c.Request.Context(), c.Param("tenant")
	p, err := s.auth.Authenticate(ctx, auth.Request{HTTP: c.Request, Tenant: tenant, Root: s.root(c)})
	if err != nil {
		var f *auth.Failure
		if !errors.As(err, &f) {
			s.fail(c, err)
			c.Abort()
			return
		}
		fe := fhir.Errorf(f.Status, fhir.IssueSecurity, "%s", f.Description)
		switch f.Status {
		case http.StatusUnauthorized:
			fe = fhir.Errorf(f.Status, fhir.IssueLogin, "%s", f.Description)
			c.Header("WWW-Authenticate", f.WWWAuthenticate())
		case http.StatusForbidden:
			fe = fhir.Errorf(f.Status, fhir.IssueForbidden, "%s", f.Description)
		case http.StatusTooManyRequests:
			fe = fhir.Errorf(f.Status, fhir.IssueThrottled, "%s", f.Description)
			c.Header("Retry-After", strconv.Itoa(int(f.RetryAfter.Seconds()+0.999)))
		}
		agent := audit.Agent{Who: "unauthenticated"}
		if addr := s.auth.ClientAddress(c.Request); addr.IsValid() {
			agent.Address = addr.String()
		}
		interaction, entity := describe(c)
		if aerr := s.engine.Record(ctx, tenant, agent, interaction, fe, entity...); aerr != nil {
			s.fail(c, aerr)
			c.Abort()
			return
		}
		s.fail(c, fe)
		c.Abort()
		return
	}
	caller := s.auth.Caller(ctx, p, s.base(c))
	c.Request = c.Request.WithContext(engine.WithCaller(ctx, caller))
	c.Next()
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
	resp, oerr := s.auth.Token(c.Request.Context(), s.root(c), c.Param("tenant"), c.Request.PostForm)
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
	if _, err := s.auth.Authenticate(c.Request.Context(), auth.Request{HTTP: c.Request, Tenant: c.Param("tenant"), Root: s.root(c)}); err != nil {
		var f *auth.Failure
		if errors.As(err, &f) && f.Status == http.StatusUnauthorized {
			c.Header("WWW-Authenticate", f.WWWAuthenticate())
			writeOAuthError(c, http.StatusUnauthorized, "invalid_client", "introspection needs the caller's own bearer token or API key")
			return
		}
		writeOAuthError(c, http.StatusForbidden, "access_denied", "introspection is not allowed for this caller")
		return
	}
	if err := c.Request.ParseForm(); err != nil {
		writeOAuthError(c, http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded")
		return
	}
	c.JSON(http.StatusOK, s.auth.Introspect(c.Request.Context(), s.root(c), c.Param("tenant"), c.Request.PostForm.Get("token")))
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
