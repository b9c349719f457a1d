// Package server is Kiln's HTTP API: FHIR R4 REST under /fhir/{tenant}/,
// health endpoints, request ids, structured logs and the translation of
// every failure into an OperationOutcome. It holds no FHIR rules of its own
// (those live in fhir/engine) and never touches SQL.
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"runtime/debug"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kiln-health/kiln/auth"
	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/engine"
	"github.com/kiln-health/kiln/fhir/store"
)

// Config configures the HTTP API.
type Config struct {
	// MaxBodyBytes bounds request bodies; larger ones get 413.
	MaxBodyBytes int64
	// BaseURL, when set, is the public URL prefix of the server (e.g.
	// https://kiln.example.org) used in Bundle links and fullUrls; otherwise
	// it is derived from each request's Host.
	BaseURL string
	// Version is the software version reported in the CapabilityStatement.
	Version string
	// Operations are the instance-level operations ($name → operation)
	// other components provide, such as the pipeline's $reidentify.
	Operations map[string]Operation
	// TypeOperations are the type-level operations ("Type/name" → the
	// operation and the action it amounts to for access decisions).
	TypeOperations map[string]TypeOperation
	// SupportedProfiles are the profiles Kiln validates, by resource type
	// (listed in the CapabilityStatement).
	SupportedProfiles map[string][]string
	// Blobs, if set, serves presigned blob URLs under /blob/.
	Blobs http.Handler
	// Auth authenticates requests and decides access. Nil disables
	// authorization: every request may do everything (development only;
	// kiln serve refuses it in production).
	Auth *auth.Service
}

// Operation is an instance-level operation and the action it amounts to
// (besides reading the resource) for access decisions.
type Operation struct {
	Action engine.Action
	// Run answers with a FHIR JSON body (200). Call, when set, is used
	// instead: it sees the request and shapes the response.
	Run  engine.Operation
	Call func(ctx context.Context, tenant string, r store.Resource, req OperationRequest) (OperationResponse, error)
	// Types are the resource types the operation is on.
	Types []string
	// Definition is the OperationDefinition's canonical URL (default:
	// Kiln's https://kiln.health/fhir/OperationDefinition/{Type}-{name}).
	Definition string
	// HTML marks an operation that can answer text/html (_format=html or
	// an Accept that names text/html); OperationRequest.HTML tells it to.
	HTML bool
}

func (o Operation) defined() bool { return o.Run != nil || o.Call != nil }

// OperationRequest is what an operation's Call sees of the request.
type OperationRequest struct {
	Method  string
	Body    []byte // nil for GET
	Params  url.Values
	IfMatch string
	// Async is set when the client sent Prefer: respond-async.
	Async bool
	// HTML is set when the client asked for text/html (operations with HTML only).
	HTML bool
	// Base is the tenant's FHIR base URL.
	Base string
}

// OperationResponse is an operation's answer.
type OperationResponse struct {
	Status int // 200 when zero
	Body   []byte
	// ContentType overrides the negotiated FHIR media type (text/html).
	ContentType string
	// Location, if set, becomes Content-Location (202 Accepted: the Task to poll).
	Location string
	// Version, if set, is the resource version the answer is (ETag).
	Version *store.Resource
}

// TypeOperation is a type-level operation and what it amounts to.
type TypeOperation struct {
	Action engine.Action
	Run    engine.TypeOperation
}

// DefaultMaxBodyBytes is the request body limit when Config leaves it zero.
const DefaultMaxBodyBytes = 32 << 20

// Server serves the API.
type Server struct {
	engine *engine.Engine
	auth   *auth.Service
	log    *slog.Logger
	cfg    Config
	router *gin.Engine
	// started dates the CapabilityStatement: what the server supports
	// changes only when a new binary starts.
	started time.Time
}

// New returns the API handler.
func New(eng *engine.Engine, log *slog.Logger, cfg Config) *Server {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	gin.SetMode(gin.ReleaseMode)
	s := &Server{engine: eng, auth: cfg.Auth, log: log, cfg: cfg, router: gin.New(), started: time.Now()}
	r := s.router
	r.HandleMethodNotAllowed = true
	r.Use(s.requestID, s.accessLog, s.recover)
	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	fhirRoutes := r.Group("/fhir/:tenant", s.limitBody, s.smartConfiguration, s.tenant, s.authorize, s.negotiate)
	fhirRoutes.Any("", s.dispatch)
	fhirRoutes.Any("/*path", s.dispatch)
	s.oauthRoutes(r)
	if cfg.Blobs != nil {
		// Presigned URLs carry their own authorisation (an HMAC over the
		// key, method and expiry); the handler checks it.
		r.Any("/blob/*key", gin.WrapH(cfg.Blobs))
	}
	s.adminRoutes(r)
	r.NoRoute(func(c *gin.Context) {
		s.fail(c, fhir.Errorf(http.StatusNotFound, fhir.IssueNotFound, "no route for %s; the FHIR API lives under /fhir/{tenant}/", c.Request.URL.Path))
	})
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

const requestIDHeader = "X-Request-Id"

var clientRequestID = regexp.MustCompile(`^[A-Za-z0-9._:\-]{1,128}$`)

// requestID takes a well-formed X-Request-Id from the client (so traces
// join up across an integration engine and Kiln) or makes one, and returns it.
func (s *Server) requestID(c *gin.Context) {
	id := c.GetHeader(requestIDHeader)
	if !clientRequestID.MatchString(id) {
		var b [12]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	c.Set(requestIDHeader, id)
	c.Header(requestIDHeader, id)
	c.Next()
}

// accessLog logs one line per request. It logs the path but never the query
// string, headers or bodies: those carry identifiers and clinical content.
func (s *Server) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	level := slog.LevelInfo
	if c.Writer.Status() >= 500 {
		level = slog.LevelError
	}
	attrs := []slog.Attr{
		slog.String("request_id", c.GetString(requestIDHeader)),
		slog.String("method", c.Request.Method),
		slog.String("path", c.Request.URL.Path),
		slog.Int("status", c.Writer.Status()),
		slog.Int("bytes", c.Writer.Size()),
		slog.Duration("duration", time.Since(start)),
	}
	if err, ok := c.Get(errorKey); ok {
		attrs = append(attrs, slog.String("error", err.(error).Error()))
	}
	s.log.LogAttrs(c.Request.Context(), level, "request", attrs...)
}

// recover turns a panic into a 500 OperationOutcome. The log keeps the
// stack but not the panic value, which may hold resource content.
func (s *Server) recover(c *gin.Context) {
	defer func() {
		rec := recover()
		if rec == nil {
			return
		}
		if rec == http.ErrAbortHandler {
			panic(rec)
		}
		s.log.Error("panic", "request_id", c.GetString(requestIDHeader), "stack", string(debug.Stack()))
		if !c.Writer.Written() {
			c.Abort()
			s.fail(c, fhir.Errorf(http.StatusInternalServerError, fhir.IssueException, "internal server error (request %s)", c.GetString(requestIDHeader)))
		}
	}()
	c.Next()
}

// limitBody bounds the request body.
func (s *Server) limitBody(c *gin.Context) {
	if c.Request.ContentLength > s.cfg.MaxBodyBytes {
		s.fail(c, tooLarge(s.cfg.MaxBodyBytes))
		c.Abort()
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.MaxBodyBytes)
	c.Next()
}

func tooLarge(limit int64) *fhir.Error {
	return fhir.Errorf(http.StatusRequestEntityTooLarge, fhir.IssueTooCostly, "the request body exceeds this server's limit of %d bytes", limit)
}

// tenant answers 404 for tenants that do not exist.
func (s *Server) tenant(c *gin.Context) {
	if err := s.engine.CheckTenant(c.Request.Context(), c.Param("tenant")); err != nil {
		s.fail(c, err)
		c.Abort()
		return
	}
	c.Next()
}

func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
	defer cancel()
	if err := s.engine.Store().Ready(ctx); err != nil {
		s.log.Warn("not ready", "error", err.Error())
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "backend": s.engine.Store().Backend()})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready", "backend": s.engine.Store().Backend()})
}

const errorKey = "kiln.error"

// fail answers with err as an OperationOutcome. Internal errors are logged
// with their cause; clients see only a generic message and the request id.
func (s *Server) fail(c *gin.Context, err error) {
	fe := fhir.AsError(err)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		fe = tooLarge(mbe.Limit)
	}
	if fe.Status >= 500 {
		c.Set(errorKey, err)
		if fe.Unwrap() != nil {
			fe = fhir.Errorf(fe.Status, fhir.IssueException, "internal server error (request %s)", c.GetString(requestIDHeader))
		}
	}
	s.writeJSON(c, fe.Status, fe.Outcome())
}
