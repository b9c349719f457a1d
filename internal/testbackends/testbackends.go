// Package testbackends opens each storage backend fresh for tests and
// benchmarks above the store (server, bench), so every such test runs on
// SQLite and PostgreSQL alike.
package testbackends

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/fhir/store/postgres"
	"github.com/kiln-health/kiln/fhir/store/sqlite"
	"github.com/kiln-health/kiln/internal/pgtest"
)

// Backend opens a fresh, empty, migrated store.
type Backend struct {
	Name string
	open func(tb testing.TB) (store.Store, error)
}

// Open opens a fresh store and closes it when tb ends.
func (b Backend) Open(tb testing.TB) store.Store {
	tb.Helper()
	s, err := b.open(tb)
	if err != nil {
		tb.Fatalf("open %s store: %v", b.Name, err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// All lists every backend: SQLite in a temporary directory, and PostgreSQL
// in a database of its own (see pgtest for when it skips or fails).
func All() []Backend {
	return []Backend{
		{"sqlite", func(tb testing.TB) (store.Store, error) {
			return sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "kiln.db"))
		}},
		{"postgres", func(tb testing.TB) (store.Store, error) {
			return postgres.Open(context.Background(), pgtest.NewDatabase(tb))
		}},
	}
}
