package policy

import (
	"sync"
	"testing"
	"time"

	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/internal/testbackends"
)

// onBackends runs fn on a fresh store of every backend.
func onBackends(t *testing.T, fn func(t *testing.T, s store.Store)) {
	t.Helper()
	for _, b := range testbackends.All() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, b.Open(t))
		})
	}
}

// clock is a fake Options.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// newEngine opens an Engine on s with a fake clock and a long refresh
// interval, so only the test decides when it looks for changes.
func newEngine(t *testing.T, s store.Records, c *clock) *Engine {
	t.Helper()
	if c == nil {
		c = newClock()
	}
	e, err := New(t.Context(), s, Options{Now: c.Now, RefreshEvery: time.Minute})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return e
}

// seeded opens an Engine on s with the defaults stored.
func seeded(t *testing.T, s store.Records) *Engine {
	t.Helper()
	e := newEngine(t, s, nil)
	if err := e.SeedDefaults(t.Context()); err != nil {
		t.Fatalf("SeedDefaults: %v", err)
	}
	return e
}

// decide is Decide that fails the test on error.
func decide(t *testing.T, e *Engine, tenant string, subjects []string, typ, action string) Labels {
	t.Helper()
	l, err := e.Decide(t.Context(), tenant, subjects, typ, action)
	if err != nil {
		t.Fatalf("Decide(%s, %q, %s, %s): %v", tenant, subjects, typ, action, err)
	}
	return l
}

func mustAdd(t *testing.T, e *Engine, r Rule) {
	t.Helper()
	if err := e.AddRule(t.Context(), r); err != nil {
		t.Fatalf("AddRule(%s): %v", r, err)
	}
}

func mustAssign(t *testing.T, e *Engine, tenant, subject, role string) {
	t.Helper()
	if err := e.AssignRole(t.Context(), tenant, subject, role); err != nil {
		t.Fatalf("AssignRole(%s, %s, %s): %v", tenant, subject, role, err)
	}
}
