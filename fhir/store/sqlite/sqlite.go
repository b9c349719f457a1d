// Package sqlite is Kiln's embedded storage backend: one SQLite database
// file, reached through the pure-Go driver modernc.org/sqlite, so Kiln needs
// no database server and no cgo.
//
// SQLite lets one connection write at a time, while in WAL mode readers
// neither block the writer nor wait for it. A Store therefore holds two
// connection pools on the same file:
//
//   - The write pool has a single connection and begins every transaction
//     with BEGIN IMMEDIATE. Concurrent Updates queue for that connection in
//     database/sql instead of failing or spinning on SQLITE_BUSY, and a
//     transaction holds the database's write lock from its first
//     statement, so what it reads (Current) cannot change before it
//     commits. That is how Current "locks" a resource: SQLite has no row
//     locks, but every read-write transaction is serialised.
//   - The read pool has several connections for View, opened query_only.
//     Each View reads a consistent snapshot while Updates go on.
//
// busy_timeout still matters when another process (kiln migrate, a backup)
// holds the write lock.
//
// The statements of the hot paths are prepared once per pool at Open; a
// transaction binds them with sql.Tx.StmtContext, which reuses the
// connection's prepared statement, so a Write of one resource costs no SQL
// compilation.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/migrations"
)

// DSN parameters of the two pools. journal_mode is persistent in the file,
// so only the write pool, which opens the file first, sets it.
const (
	writeParams = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
		"&_pragma=foreign_keys(1)&_pragma=cache_size(-65536)&_pragma=temp_store(MEMORY)&_pragma=wal_autocheckpoint(16384)&_txlock=immediate"
	readParams = "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=cache_size(-32768)&_query_only=1"
)

// Store is a store.Store on one SQLite database file. It is safe for
// concurrent use.
type Store struct {
	write, read pool
	// migrations answers Ready; it uses the read pool so that a health
	// check never waits for a long write transaction.
	migrations *goose.Provider
}

// pool is one connection pool and its prepared statements. stmts is
// written at Open only.
type pool struct {
	db    *sql.DB
	stmts map[string]*sql.Stmt
}

var _ store.Store = (*Store)(nil)

// Open opens the database at path, creating it and its directory if needed,
// and applies pending migrations.
func Open(ctx context.Context, path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	s := new(Store)
	if err := s.open(ctx, path); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return s, nil
}

func (s *Store) open(ctx context.Context, path string) error {
	var err error
	if s.write.db, err = openDB(path, writeParams, 1); err != nil {
		return err
	}
	if err := migrate(ctx, s.write.db); err != nil {
		return err
	}
	// After the migrations, so the file is in WAL mode before any reader
	// opens it.
	readConns := max(4, runtime.GOMAXPROCS(0))
	if s.read.db, err = openDB(path, readParams, readConns); err != nil {
		return err
	}
	if s.migrations, err = newProvider(s.read.db); err != nil {
		return err
	}
	if err := s.write.prepare(ctx, append([]string{qCurrent, qVersion, qCurrentVersion, qInsertVersion,
		qUpsertResource}, indexQueries()...)...); err != nil {
		return err
	}
	return s.read.prepare(ctx, qCurrent, qVersion)
}

// Migrate applies pending migrations to the database at path, creating it
// if needed. Open does too; Migrate is for running them alone (kiln migrate).
func Migrate(ctx context.Context, path string) error {
	s, err := Open(ctx, path)
	if err != nil {
		return err
	}
	return s.Close()
}

func openDB(path, params string, conns int) (*sql.DB, error) {
	// The driver hands "file:" names to SQLite as URIs, in which '%', '?'
	// and '#' are special.
	escaped := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	db, err := sql.Open("sqlite", "file:"+escaped+"?"+params)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	return db, nil
}

func newProvider(db *sql.DB) (*goose.Provider, error) {
	fsys, err := fs.Sub(migrations.SQLite, "sqlite")
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(goose.DialectSQLite3, db, fsys)
}

func migrate(ctx context.Context, db *sql.DB) error {
	p, err := newProvider(db)
	if err != nil {
		return err
	}
	if err := migrations.Up(ctx, p); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

func (p *pool) prepare(ctx context.Context, queries ...string) error {
	p.stmts = make(map[string]*sql.Stmt, len(queries))
	for _, q := range queries {
		stmt, err := p.db.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", q, err)
		}
		p.stmts[q] = stmt
	}
	return nil
}

func (p *pool) close() error {
	if p.db == nil {
		return nil
	}
	var errs []error
	for _, stmt := range p.stmts {
		errs = append(errs, stmt.Close())
	}
	errs = append(errs, p.db.Close())
	return errors.Join(errs...)
}

// Close closes both pools.
func (s *Store) Close() error {
	if err := errors.Join(s.read.close(), s.write.close()); err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}

// Backend returns "sqlite".
func (s *Store) Backend() string { return "sqlite" }

// Ready reports whether the database answers and every migration is applied.
func (s *Store) Ready(ctx context.Context) error {
	if err := s.read.db.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	pending, err := s.migrations.HasPending(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: check migrations: %w", err)
	}
	if pending {
		return errors.New("sqlite: migrations pending")
	}
	return nil
}

// CreateTenant creates a tenant; creating an existing one is not an error.
func (s *Store) CreateTenant(ctx context.Context, name string) error {
	_, err := s.write.db.ExecContext(ctx,
		`INSERT INTO tenants (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`,
		name, time.Now().UnixMilli())
	if err != nil {
		return fmt.Errorf("sqlite: create tenant %q: %w", name, err)
	}
	return nil
}

// Tenants lists tenant names in ascending order.
func (s *Store) Tenants(ctx context.Context) ([]string, error) {
	rows, err := s.read.db.QueryContext(ctx, `SELECT name FROM tenants ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: tenants: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("sqlite: tenants: %w", err)
		}
		names = append(names, name)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: tenants: %w", err)
	}
	return names, nil
}

// View runs fn in a read-only transaction on the read pool.
func (s *Store) View(ctx context.Context, tenant string, fn func(store.Tx) error) error {
	return s.run(ctx, &s.read, tenant, false, fn)
}

// Update runs fn in a read-write transaction on the write pool.
func (s *Store) Update(ctx context.Context, tenant string, fn func(store.Tx) error) error {
	return s.run(ctx, &s.write, tenant, true, fn)
}

// run runs fn in a transaction on p and commits it if fn succeeds. fn's
// error is returned as it is: it is the caller's.
func (s *Store) run(ctx context.Context, p *pool, tenant string, writable bool, fn func(store.Tx) error) error {
	sqlTx, err := p.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: !writable})
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	defer sqlTx.Rollback() // after Commit, a no-op
	t := &tx{
		tx:       sqlTx,
		prepared: p.stmts,
		bound:    make(map[string]*sql.Stmt),
		tenant:   tenant,
		writable: writable,
	}
	if err := fn(t); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

// isConflict reports whether err is a violation of a unique index, that is,
// a version or resource that already exists.
func isConflict(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}
