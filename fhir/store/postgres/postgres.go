// Package postgres is the PostgreSQL storage backend of Kiln, on pgx v5.
//
// # Transactions
//
// [Store.Update] runs fn in a READ COMMITTED transaction. [store.Tx.Current]
// there reads the resource pointer row with SELECT ... FOR UPDATE: a
// concurrent read-check-write of the same resource waits for the first one
// to commit and then reads the version it committed, so If-Match checks
// never act on a stale version. Write re-checks versions in SQL anyway, so
// a caller that writes without reading first gets [store.ErrConflict]
// instead of a lost update. Deadlocks and serialization failures are
// reported as ErrConflict too: retrying the transaction is the cure.
//
// [Store.View] runs fn in a READ ONLY, REPEATABLE READ transaction rather
// than on bare pool connections, so every read of fn sees one snapshot
// (a search and the reads that follow it agree). Read-only transactions
// in REPEATABLE READ never fail with serialization errors and take no row
// locks, so this costs nothing but a COMMIT: every transaction begins in
// the round trip that checks its tenant exists ([pgx.Batch.BeginTx]).
//
// # Writes
//
// Write is the ingest hot path, so it never issues statements per resource.
// All versions of a call go into resource_versions with one COPY, which
// fills pages many rows at a time. The pointers (one INSERT for new
// resources, one UPDATE for the others), the removal of old index rows and
// the insertion of new ones are one set-based statement each, taking
// column arrays through unnest, and go to the server pipelined in a single
// batch. So a Write costs two round trips whatever its size; only one
// that holds several versions of a resource costs more, as it is applied
// in rounds that each write a resource once.
//
// Conflicts are detected by the database, not by reading first: a version
// that exists already violates the unique key of resource_versions, and a
// pointer that is not at the version before the new one is left alone,
// which the affected row count reveals.
//
// # Migrations
//
// [Open] applies pending migrations with goose, holding a PostgreSQL
// session advisory lock so that replicas starting together migrate once.
//
// # Vector search
//
// [Open] also finds out whether the server has pgvector, installs it if
// allowed, and then searches chunks with an HNSW index; otherwise exactly
// ([Store.VectorSearch], [Store.VectorSearchNote]; see chunks.go).
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	pgxvec "github.com/pgvector/pgvector-go/pgx"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/migrations"
)

// Store is a [store.Store] in a PostgreSQL database. It is safe for
// concurrent use.
type Store struct {
	pool       *pgxpool.Pool
	migrations *goose.Provider
	analyzer   *analyzer
	vector     vectorSupport // written by Open only
	hnsw       hnswIndexes
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at url, applies pending migrations and
// returns the store. The url takes the pgx connection settings, including
// pool settings such as pool_max_conns (default: the number of CPUs, at
// least 4).
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "kiln"
	}
	vector, err := detectVector(ctx, cfg.ConnConfig.Copy())
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if vector.hnsw {
		cfg.AfterConnect = pgxvec.RegisterTypes
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	p, err := newMigrations(pool)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s := &Store{pool: pool, migrations: p, analyzer: newAnalyzer(pool), vector: vector}
	if err := migrations.Up(ctx, p); err != nil {
		s.Close()
		return nil, fmt.Errorf("postgres: migrate: %w", err)
	}
	if vector.hnsw {
		if err := s.setupEmbeddings(ctx); err != nil {
			s.Close()
			return nil, fmt.Errorf("postgres: %w", err)
		}
	}
	return s, nil
}

// Migrate applies pending migrations to the database at url, as Open does,
// and disconnects.
func Migrate(ctx context.Context, url string) error {
	s, err := Open(ctx, url)
	if err != nil {
		return err
	}
	return s.Close()
}

// newMigrations returns the goose provider of the schema in pool.
func newMigrations(pool *pgxpool.Pool) (*goose.Provider, error) {
	dir, err := fs.Sub(migrations.Postgres, "postgres")
	if err != nil {
		return nil, err
	}
	// Replicas that find another migrating retry the lock every second,
	// rather than goose's default five, so that they start promptly; they
	// give up after five minutes.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
	if err != nil {
		return nil, err
	}
	db := stdlib.OpenDBFromPool(pool)
	p, err := goose.NewProvider(goose.DialectPostgres, db, dir,
		goose.WithSessionLocker(locker),
		goose.WithDisableGlobalRegistry(true),
		goose.WithLogger(goose.NopLogger()),
	)
	if err != nil {
		db.Close()
		return nil, err
	}
	return p, nil
}

// Close closes every connection of the store.
func (s *Store) Close() error {
	s.analyzer.close()
	err := s.migrations.Close() // the database/sql view of the pool
	s.pool.Close()
	return err
}

// Backend returns "postgres".
func (s *Store) Backend() string { return "postgres" }

// Ready reports whether the database is reachable and fully migrated.
func (s *Store) Ready(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	pending, err := s.migrations.HasPending(ctx)
	if err != nil {
		return fmt.Errorf("postgres: check migrations: %w", err)
	}
	if pending {
		return errors.New("postgres: migrations are pending")
	}
	return nil
}

// CreateTenant creates a tenant unless it exists.
func (s *Store) CreateTenant(ctx context.Context, name string) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO tenants (name) VALUES ($1) ON CONFLICT DO NOTHING`, name)
	if err != nil {
		return fmt.Errorf("postgres: create tenant %q: %w", name, err)
	}
	return nil
}

// Tenants lists tenant names in ascending byte order, whatever the
// database's collation.
func (s *Store) Tenants(ctx context.Context) ([]string, error) {
	rows, _ := s.pool.Query(ctx, `SELECT name FROM tenants ORDER BY name COLLATE "C"`)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres: list tenants: %w", err)
	}
	return names, nil
}

// View runs fn in a read-only transaction; see the package documentation.
func (s *Store) View(ctx context.Context, tenant string, fn func(store.Tx) error) error {
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	return s.run(ctx, tenant, opts, fn)
}

// Update runs fn in a read-write transaction; see the package documentation.
func (s *Store) Update(ctx context.Context, tenant string, fn func(store.Tx) error) error {
	return s.run(ctx, tenant, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, fn)
}

func (s *Store) run(ctx context.Context, tenant string, opts pgx.TxOptions, fn func(store.Tx) error) error {
	var b pgx.Batch
	b.BeginTx(opts)
	var exists bool
	b.Queue(`SELECT EXISTS (SELECT FROM tenants WHERE name = $1)`, tenant).QueryRow(func(row pgx.Row) error {
		return row.Scan(&exists)
	})
	br := s.pool.SendBatch(ctx, &b)
	ptx := br.Tx()
	// Rollback after Commit is a no-op; it releases the connection
	// whatever happened before.
	defer ptx.Rollback(context.WithoutCancel(ctx))
	if err := br.Close(); err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	if !exists {
		return fmt.Errorf("postgres: tenant %q: %w", tenant, store.ErrNotFound)
	}

	t := &tx{tx: ptx, tenant: tenant, readOnly: opts.AccessMode == pgx.ReadOnly}
	if err := fn(t); err != nil {
		return err
	}
	if err := ptx.Commit(ctx); err != nil {
		return wrap("commit", err)
	}
	s.analyzer.wrote(t.rows)
	return nil
}

// wrap adds context to err and marks the errors of writes that raced
// others as store.ErrConflict.
func wrap(op string, err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505", // unique_violation: the version exists
			"40001", // serialization_failure
			"40P01": // deadlock_detected
			return fmt.Errorf("postgres: %s: %w: %w", op, store.ErrConflict, err)
		}
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}
