package engine

import (
	"context"
	"fmt"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/store"
)

// reindexPage is how many resources one reindex transaction rewrites.
const reindexPage = 500

// Reindex rebuilds the search index of every current resource of a tenant
// from the stored resources, page by page, each page in its own
// transaction; writes may go on meanwhile (the store skips resources
// updated since they were read). progress, if set, is told the running
// count after each page. It returns how many resources it reindexed.
func (e *Engine) Reindex(ctx context.Context, tenant string, progress func(done int)) (int, error) {
	done := 0
	var after *store.Ref
	for {
		var n int
		err := e.store.Update(ctx, tenant, func(tx store.Tx) error {
			rs, _, err := tx.Search(ctx, store.Query{After: after, Limit: reindexPage})
			if err != nil {
				return err
			}
			n = len(rs)
			if n == 0 {
				return nil
			}
			entries := make([]store.IndexEntry, n)
			errs := parallel(n, func(i int) error {
				r := rs[i]
				obj, err := fhir.ParseObject(r.Body)
				if err != nil {
					return fmt.Errorf("%s/%s: %w", r.Type, r.ID, err)
				}
				idx, err := e.extractor.Extract(obj)
				if err != nil {
					return fmt.Errorf("%s/%s: %w", r.Type, r.ID, err)
				}
				entries[i] = store.IndexEntry{Type: r.Type, ID: r.ID, Version: r.Version, Index: idx}
				return nil
			})
			for _, err := range errs {
				if err != nil {
					return err
				}
			}
			last := rs[n-1]
			after = &store.Ref{Type: last.Type, ID: last.ID}
			return tx.WriteIndex(ctx, entries)
		})
		if err != nil {
			return done, fmt.Errorf("engine: reindex %s: %w", tenant, err)
		}
		done += n
		if progress != nil && n > 0 {
			progress(done)
		}
		if n < reindexPage {
			return done, nil
		}
	}
}

// IndexVersion is the version of the search index this engine writes.
func (e *Engine) IndexVersion() string { return e.extractor.Version() }

// CheckIndex compares the index version the store records with the one
// this engine writes. A store without resources simply records the
// current version. stale reports that kiln reindex is due: searches would
// miss resources indexed under other rules.
func (e *Engine) CheckIndex(ctx context.Context) (stale bool, err error) {
	stored, err := e.store.IndexVersion(ctx)
	if err != nil {
		return false, err
	}
	if stored == e.IndexVersion() {
		return false, nil
	}
	tenants, err := e.store.Tenants(ctx)
	if err != nil {
		return false, err
	}
	for _, t := range tenants {
		var found int
		err := e.store.View(ctx, t, func(tx store.Tx) error {
			rs, _, err := tx.Search(ctx, store.Query{Limit: 1})
			found = len(rs)
			return err
		})
		if err != nil {
			return false, fmt.Errorf("engine: check index of %s: %w", t, err)
		}
		if found > 0 {
			return true, nil
		}
	}
	return false, e.store.SetIndexVersion(ctx, e.IndexVersion())
}
