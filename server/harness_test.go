package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/kiln-health/kiln/auth"
	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/engine"
	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/internal/testbackends"
	"github.com/kiln-health/kiln/server"
)

// validator is shared: creating one loads the R4 configuration.
var validator = sync.OnceValue(func() *fhir.Validator {
	v, err := fhir.NewValidator()
	if err != nil {
		panic(err)
	}
	return v
})

// harness is a real Kiln HTTP server over a real store.
type harness struct {
	t     *testing.T
	srv   *httptest.Server
	store store.Store
	logs  *syncBuffer
	// auth and clock are set by eachAuthBackend.
	auth  *auth.Service
	clock *clock
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type options struct {
	limits  engine.Limits
	maxBody int64
	// auth turns authorization and AuditEvents on, as kiln serve runs.
	auth bool
	// authOptions configure the auth service (its clock is the harness's).
	authOptions auth.Options
}

// eachBackend runs fn against a fresh server on SQLite and on PostgreSQL,
// with tenants "default" and "other".
func eachBackend(t *testing.T, fn func(t *testing.T, h *harness)) {
	eachBackendWith(t, options{}, fn)
}

func eachBackendWith(t *testing.T, opts options, fn func(t *testing.T, h *harness)) {
	for _, b := range testbackends.All() {
		t.Run(b.Name, func(t *testing.T) {
			st := b.Open(t)
			for _, tenant := range []string{"default", "other"} {
				if err := st.CreateTenant(context.Background(), tenant); err != nil {
					t.Fatal(err)
				}
			}
			logs := &syncBuffer{}
			log := slog.New(slog.NewJSONHandler(logs, nil))
			h := &harness{t: t, store: st, logs: logs, clock: newClock()}
			cfg := server.Config{MaxBodyBytes: opts.maxBody, Version: "test"}
			if opts.auth {
				ao := opts.authOptions
				ao.Now = h.clock.Now
				svc, err := auth.New(t.Context(), st, ao)
				if err != nil {
					t.Fatal(err)
				}
				h.auth, cfg.Auth = svc, svc
			}
			eng := engine.New(st, validator(), engine.Options{Limits: opts.limits, Audit: opts.auth, Now: h.clock.Now})
			h.srv = httptest.NewServer(server.New(eng, log, cfg))
			t.Cleanup(h.srv.Close)
			fn(t, h)
		})
	}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a generic map (numbers as json.Number).
func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("response is not JSON (%d): %v\n%s", r.status, err, r.body)
	}
	return m
}

// do sends a request to the tenant base path (path relative to /fhir/default/
// unless it starts with "/"). headers are name, value pairs.
func (h *harness) do(method, path, body string, headers ...string) response {
	h.t.Helper()
	url := h.srv.URL + "/fhir/default/" + path
	if strings.HasPrefix(path, "/") {
		url = h.srv.URL + path
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/fhir+json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// expect fails the test unless r has the status; on failure it shows the body.
func expect(t *testing.T, r response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body: %s", r.status, status, r.body)
	}
}

// expectOutcome checks an error answer: status, an OperationOutcome, and
// diagnostics containing want.
func expectOutcome(t *testing.T, r response, status int, want string) {
	t.Helper()
	expect(t, r, status)
	m := r.json(t)
	if m["resourceType"] != "OperationOutcome" {
		t.Fatalf("want an OperationOutcome, got %s", r.body)
	}
	if !strings.Contains(string(r.body), want) {
		t.Fatalf("OperationOutcome does not mention %q: %s", want, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/fhir+json") {
		t.Fatalf("Content-Type %q, want application/fhir+json", ct)
	}
}

func str(m map[string]any, path ...string) string {
	var v any = m
	for _, p := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = mm[p]
	}
	s, _ := v.(string)
	return s
}
