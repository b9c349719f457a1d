package engine

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/store"
)

// reindexPage is how many resources one reindex transaction rewrites.
const reindexPage = 500

// reindexAttempts is how often a page is tried when it loses a race with
// concurrent writers (store.ErrConflict: on PostgreSQL, a deadlock between
// the page's row locks and a writer's).
const reindexAttempts = 10

// Reindex rebuilds the search index of every current resource of a tenant
// from the stored resources, page by page, each page in its own
// transaction; writes may go on meanwhile (the store skips resources
// updated since they were read, and a page that conflicts with a writer is
// tried again). progress, if set, is told the running count after each
// page. It returns how many resources it reindexed.
func (e *Engine) Reindex(ctx context.Context, tenant string, progress func(done int)) (int, error) {
	done := 0
	var after *store.Ref
	for {
		n, last, err := e.reindexPage(ctx, tenant, after)
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
		after = last
	}
}

// reindexPage reindexes the page of resources after after, retrying it
// while it conflicts with concurrent writers. It returns the page's size
// and last resource.
func (e *Engine) reindexPage(ctx context.Context, tenant string, after *store.Ref) (n int, last *store.Ref, err error) {
	for attempt := range reindexAttempts {
		if attempt > 0 {
			backoff := time.Duration(1+rand.IntN(10<<min(attempt, 6))) * time.Millisecond
			select {
			case <-ctx.Done():
				return 0, nil, errors.Join(err, ctx.Err())
			case <-time.After(backoff):
			}
		}
		err = e.store.Update(ctx, tenant, func(tx store.Tx) error {
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
			last = &store.Ref{Type: rs[n-1].Type, ID: rs[n-1].ID}
			return tx.WriteIndex(ctx, entries)
		})
		if !errors.Is(err, store.ErrConflict) {
			break
		}
	}
	if err != nil {
		return 0, nil, err
	}
	return n, last, nil
}

// IndexVersion is the version of the search index this engine writes.
func (e *Engine) IndexVersion() string { return e.extractor.Version() }

// CheckIndex compares the index version the store records with the one
// this engine writes. A store without resources simply records the
// current version. stale reports that kiln reindex is due: searches would
// miss resources indexed under other rules.
func (e *Engine) CheckIndex(ctx context.Context) (stale bool, err error) {
	return CheckStoreIndex(ctx, e.store, e.IndexVersion())
}

// CheckStoreIndex is [Engine.CheckIndex] for index version current: it
// reports whether st holds resources indexed by other rules, and records
// current in a store that holds no resources. Commands that open a store
// call it before they write, so that the resources they write are known to
// be indexed by current rules; otherwise a store written first by the
// command line (kiln tenant create leaves an AuditEvent) would record no
// version and look stale to kiln serve.
func CheckStoreIndex(ctx context.Context, st store.Store, current string) (stale bool, err error) {
	stored, err := st.IndexVersion(ctx)
	if err != nil {
		return false, err
	}
	if stored == current {
		return false, nil
	}
	tenants, err := st.Tenants(ctx)
	if err != nil {
		return false, err
	}
	for _, t := range tenants {
		var found int
		err := st.View(ctx, t, func(tx store.Tx) error {
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
	return false, st.SetIndexVersion(ctx, current)
}
