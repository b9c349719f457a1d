package token

import (
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kiln-health/kiln/fhir/store/sqlite"
	"github.com/kiln-health/kiln/internal/oidctest"
)

// fakeClock is a settable clock shared by an Issuer and a Verifier.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *fakeClock { return &fakeClock{t: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// openStore opens a real SQLite store in the test's temporary directory.
func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "kiln.db"))
	if err != nil {
		t.Fatalf("open sqlite store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// wantInvalid fails unless err is an ErrInvalidToken whose message
// contains want and not the token itself.
func wantInvalid(t *testing.T, err error, raw, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("token accepted, want refusal mentioning %q", want)
	}
	if !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("error %v is not ErrInvalidToken", err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not mention %q", err, want)
	}
	if raw != "" && strings.Contains(err.Error(), raw) {
		t.Fatalf("error message contains the token")
	}
	t.Logf("refused: %v", err)
}

// payload decodes a JWT's claims without verifying it.
func payload(t *testing.T, raw string) map[string]any { return oidctest.Payload(t, raw) }

// header decodes a JWT's protected header.
func header(t *testing.T, raw string) map[string]any { return oidctest.Header(t, raw) }

// unsigned builds an alg "none" JWT with the given claims.
func unsigned(t *testing.T, claims map[string]any) string { return oidctest.Unsigned(t, claims) }
