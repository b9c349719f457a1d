// Package migrations embeds the SQL schema of each storage backend. Goose
// applies them (kiln migrate, and every store at open).
package migrations

import (
	"context"
	"embed"
	"errors"
	"fmt"

	"github.com/pressly/goose/v3"
)

// Postgres holds the PostgreSQL migrations, in the directory "postgres".
//
//go:embed postgres/*.sql
var Postgres embed.FS

// SQLite holds the SQLite migrations, in the directory "sqlite".
//
//go:embed sqlite/*.sql
var SQLite embed.FS

// ErrNewerSchema reports a database whose schema a newer Kiln migrated.
var ErrNewerSchema = errors.New("database schema newer than this kiln")

// Up applies p's pending migrations. It refuses a database already at a
// version newer than any p knows: a newer Kiln migrated it, and this one
// would read and write a schema it does not understand (goose alone would
// find nothing to apply and carry on).
func Up(ctx context.Context, p *goose.Provider) error {
	current, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("schema version: %w", err)
	}
	var known int64
	if sources := p.ListSources(); len(sources) > 0 {
		known = sources[len(sources)-1].Version
	}
	if current > known {
		return fmt.Errorf("%w: it is at version %d, this kiln knows up to %d; run the kiln that migrated it, or a newer one",
			ErrNewerSchema, current, known)
	}
	if _, err := p.Up(ctx); err != nil {
		return err
	}
	return nil
}
