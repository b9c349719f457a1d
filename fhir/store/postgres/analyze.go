package postgres

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kiln-health/kiln/fhir/store/internal/sqlsearch"
)

// analyzer refreshes the planner statistics (and visibility map) of the
// search tables after bulk writes. Search queries nest semi-joins (chains, _has); on tables
// the planner has never analysed it expects one row everywhere and picks
// nested loops that filter instead of probing an index, which turns a
// two-level chain over a few thousand rows into minutes. Autovacuum fixes
// that within its naptime (a minute) of crossing its threshold; a server
// just loaded with a transaction bundle should not wait for it. So after
// a commit that brings the rows written since the last ANALYZE to as many
// as were written before it (at least minRows), one ANALYZE runs in the
// background: a bulk load of n rows costs about log2(n/minRows) of them,
// and steady traffic on a large store leaves the work to autovacuum.
type analyzer struct {
	pool      *pgxpool.Pool
	pending   atomic.Int64 // rows written since the last ANALYZE started
	analysed  atomic.Int64 // rows written up to the last ANALYZE
	running   atomic.Bool
	wg        sync.WaitGroup
	ctx       context.Context
	cancel    context.CancelFunc
	onAnalyze func(error) // tests observe runs; nil in production
}

// minRows is the fewest written rows that trigger an ANALYZE; from
// vacuumRows on, it is a VACUUM (ANALYZE).
const (
	minRows    = 1000
	vacuumRows = 200_000
)

// analyzedTables are the tables search queries join.
var analyzedTables = strings.Join(append([]string{"resources", "resource_versions", "search_text", "chunks"}, sqlsearch.IndexTables...), ", ")

func newAnalyzer(pool *pgxpool.Pool) *analyzer {
	ctx, cancel := context.WithCancel(context.Background())
	return &analyzer{pool: pool, ctx: ctx, cancel: cancel}
}

// wrote records rows written by a committed transaction and starts an
// ANALYZE if they are enough.
func (a *analyzer) wrote(rows int) {
	if rows == 0 {
		return
	}
	pending := a.pending.Add(int64(rows))
	if pending < max(minRows, a.analysed.Load()) || !a.running.CompareAndSwap(false, true) {
		return
	}
	a.pending.Add(-pending)
	a.analysed.Add(pending)
	a.wg.Go(func() {
		defer a.running.Store(false)
		// Past vacuumRows, VACUUM as well: it marks the new pages
		// all-visible, without which index-only scans of the index tables
		// visit the heap. Below, the tables are small enough to be cached
		// and a VACUUM would cost a bulk load more than it saves.
		stmt := `ANALYZE `
		if a.analysed.Load() >= vacuumRows {
			stmt = `VACUUM (ANALYZE) `
		}
		_, err := a.pool.Exec(a.ctx, stmt+analyzedTables)
		if a.onAnalyze != nil {
			a.onAnalyze(err)
		}
	})
}

// close stops a running ANALYZE and waits for it.
func (a *analyzer) close() {
	a.cancel()
	a.wg.Wait()
}
