package server

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/engine"
	"github.com/kiln-health/kiln/fhir/store/sqlite"
)

// TestPanicBecomesOperationOutcome mounts a handler that panics with
// resource content behind the real middleware chain: the client gets a 500
// OperationOutcome with the request id, and the log has the stack but not
// the panic value.
func TestPanicBecomesOperationOutcome(t *testing.T) {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "kiln.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	v, err := fhir.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	s := New(engine.New(st, v, engine.Options{}), slog.New(slog.NewJSONHandler(&logs, nil)), Config{})
	s.router.GET("/boom", func(*gin.Context) { panic("Patient name Zqxjvbnmw") })

	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/boom", nil)
	req.Header.Set("X-Request-Id", "boom-1")
	s.ServeHTTP(rec, req)

	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d", rec.Code)
	}
	body := rec.Body.String()
	if !strings.Contains(body, `"resourceType":"OperationOutcome"`) || !strings.Contains(body, "boom-1") || strings.Contains(body, "Zqxjvbnmw") {
		t.Fatalf("response: %s", body)
	}
	if l := logs.String(); strings.Contains(l, "Zqxjvbnmw") || !strings.Contains(l, "recover_test.go") || !strings.Contains(l, `"status":500`) {
		t.Fatalf("log:\n%s", l)
	}
}
