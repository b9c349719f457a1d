// Package migrations embeds the SQL schema of each storage backend. Goose
// applies them (kiln migrate, and every store at open).
package migrations

import "embed"

// Postgres holds the PostgreSQL migrations, in the directory "postgres".
//
//go:embed postgres/*.sql
var Postgres embed.FS

// SQLite holds the SQLite migrations, in the directory "sqlite".
//
//go:embed sqlite/*.sql
var SQLite embed.FS
