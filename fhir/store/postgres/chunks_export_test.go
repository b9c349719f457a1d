package postgres

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/kiln-health/kiln/fhir/store"
)

// ExplainNearest returns the plan of the candidate query NearestChunks
// runs for q, so tests can check which index it searches.
func (s *Store) ExplainNearest(ctx context.Context, q store.ChunkQuery) (string, error) {
	settings, query, args := s.nearestQuery(q)
	var lines []string
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for _, set := range settings {
			if _, err := tx.Exec(ctx, set); err != nil {
				return err
			}
		}
		rows, _ := tx.Query(ctx, "EXPLAIN "+query, args...)
		var err error
		lines, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	return strings.Join(lines, "\n"), err
}

// DeleteAllChunks empties the chunks table, so tests can share one server.
func (s *Store) DeleteAllChunks(ctx context.Context) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM chunks`)
	return err
}

// AnalyzeChunks refreshes the planner's statistics of chunks, as
// autovacuum does after a load.
func (s *Store) AnalyzeChunks(ctx context.Context) error {
	_, err := s.pool.Exec(ctx, `ANALYZE chunks`)
	return err
}
