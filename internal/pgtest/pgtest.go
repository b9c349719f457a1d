// Package pgtest gives tests and benchmarks a fresh, empty PostgreSQL
// database of their own.
package pgtest

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultURL is the administrative database tests connect to when
// KILN_TEST_DATABASE_URL is not set.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// NewDatabase creates a uniquely named database, drops it when tb and its
// subtests finish, and returns its URL. It connects to the URL in
// KILN_TEST_DATABASE_URL (default [DefaultURL]), which must be in URL form
// and name a role allowed to create databases.
//
// When PostgreSQL is unreachable it skips tb, except under CI=true, where it
// fails tb: CI must never pass by skipping the PostgreSQL tests.
func NewDatabase(tb testing.TB) string {
	tb.Helper()
	admin := cmp.Or(os.Getenv("KILN_TEST_DATABASE_URL"), DefaultURL)
	u, err := url.Parse(admin)
	if err != nil {
		tb.Fatalf("pgtest: KILN_TEST_DATABASE_URL must be a postgres:// URL: %v", err)
	}

	// Not tb.Context(): it is already cancelled when cleanups run.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("pgtest: PostgreSQL is required when CI=true: %v", err)
		}
		tb.Skipf("\n"+
			"******** PostgreSQL tests were SKIPPED ********\n"+
			"cannot connect to %s: %v\n"+
			"Start PostgreSQL, e.g. `pg_ctlcluster 15 main start` or\n"+
			"`docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:15`,\n"+
			"or point KILN_TEST_DATABASE_URL at a server.\n"+
			"***********************************************", u.Redacted(), err)
	}
	defer conn.Close(ctx)

	b := make([]byte, 8)
	rand.Read(b)
	name := "kiln_test_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	tb.Cleanup(func() { drop(tb, admin, name) })

	u.Path = "/" + name
	return u.String()
}

// drop drops the database, closing any connections the test left open.
func drop(tb testing.TB, admin, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		tb.Errorf("pgtest: drop database %s: %v", name, err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
		tb.Errorf("pgtest: %v", err)
	}
}
