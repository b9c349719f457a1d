package engine

import (
	"context"
	"fmt"
	"net/url"

	"github.com/kiln-health/kiln/fhir/search"
	"github.com/kiln-health/kiln/fhir/store"
)

// MaxIncluded bounds the resources _include and _revinclude add to one
// page; a page that would include more is cut there.
const MaxIncluded = 1000

// maxIncludeRounds bounds the rounds of :iterate includes.
const maxIncludeRounds = 4

// SearchRequest is a search interaction.
type SearchRequest struct {
	Type    string // "" for a system-level search
	Params  url.Values
	Strict  bool   // Prefer: handling=strict
	BaseURL string // the tenant's FHIR base, whose absolute references are local
}

// SearchResult is one page of a search.
type SearchResult struct {
	Matches  []store.Resource
	Included []store.Resource
	Total    int // -1 when not computed (_total=none)
	Offset   int
	Count    int  // the page size used
	HasNext  bool // another page follows
	Request  *search.Request
	// IncludesCut is set when MaxIncluded stopped the includes.
	IncludesCut bool
}

// Search runs a search and returns one page of it, with its includes.
func (e *Engine) Search(ctx context.Context, tenant string, req SearchRequest) (SearchResult, error) {
	var types []string
	if req.Type != "" {
		if err := CheckType(req.Type); err != nil {
			return SearchResult{}, err
		}
		types = []string{req.Type}
	}
	parsed, err := search.Parse(types, req.Params, search.Options{
		Strict:       req.Strict,
		BaseURL:      req.BaseURL,
		Now:          e.now(),
		DefaultCount: e.limits.DefaultPageSize,
		MaxCount:     e.limits.MaxPageSize,
	})
	if err != nil {
		return SearchResult{}, err
	}
	res := SearchResult{Request: parsed, Offset: parsed.Query.Offset, Count: parsed.Query.Limit, Total: -1}
	q := parsed.Query
	if q.Limit > 0 {
		q.Limit++ // one more tells whether a next page exists
	}
	err = e.store.View(ctx, tenant, func(tx store.Tx) error {
		matches, total, err := tx.Search(ctx, q)
		if err != nil {
			return fmt.Errorf("engine: search: %w", err)
		}
		if parsed.Query.Limit > 0 && len(matches) > parsed.Query.Limit {
			matches = matches[:parsed.Query.Limit]
			res.HasNext = true
		}
		res.Matches, res.Total = matches, total
		if !parsed.Query.Total && !res.HasNext && parsed.TotalMode != "none" {
			// The whole result is known without counting.
			res.Total = parsed.Query.Offset + len(matches)
			if len(matches) == 0 && parsed.Query.Offset > 0 {
				res.Total = -1 // past the end: unknown without a count
			}
		}
		res.Included, res.IncludesCut, err = includes(ctx, tx, parsed.Includes, matches)
		return err
	})
	if err != nil {
		return SearchResult{}, err
	}
	return res, nil
}

// includes follows _include and _revinclude from the matches, then the
// :iterate ones from everything found so far until nothing new turns up.
func includes(ctx context.Context, tx store.Tx, incs []search.Include, matches []store.Resource) ([]store.Resource, bool, error) {
	if len(incs) == 0 || len(matches) == 0 {
		return nil, false, nil
	}
	seen := make(map[store.Ref]bool, len(matches))
	for _, r := range matches {
		seen[store.Ref{Type: r.Type, ID: r.ID}] = true
	}
	var included []store.Resource
	cut := false
	from := matches
	for round := 0; round < maxIncludeRounds && len(from) > 0; round++ {
		var found []store.Resource
		for _, inc := range incs {
			if round > 0 && !inc.Iterate {
				continue
			}
			rs, err := follow(ctx, tx, inc, from)
			if err != nil {
				return nil, false, err
			}
			for _, r := range rs {
				k := store.Ref{Type: r.Type, ID: r.ID}
				if seen[k] {
					continue
				}
				if len(included) >= MaxIncluded {
					cut = true
					break
				}
				seen[k] = true
				included = append(included, r)
				found = append(found, r)
			}
		}
		from = found
	}
	return included, cut, nil
}

// follow runs one include from a set of resources.
func follow(ctx context.Context, tx store.Tx, inc search.Include, from []store.Resource) ([]store.Resource, error) {
	refs := make([]store.Ref, 0, len(from))
	sources := map[string]bool{}
	for _, r := range from {
		refs = append(refs, store.Ref{Type: r.Type, ID: r.ID})
		sources[r.Type] = true
	}
	q := store.RelatedQuery{Refs: refs, Reverse: inc.Reverse, SourceType: inc.Source, Param: inc.Param, TargetType: inc.Target, Limit: MaxIncluded + 1}
	if inc.Reverse {
		return tx.Related(ctx, q)
	}
	// A forward include reads references held by resources of its source
	// type; "*" as the source means every type in hand.
	var out []store.Resource
	for typ := range sources {
		if inc.Source != "*" && inc.Source != typ {
			continue
		}
		q.SourceType = typ
		rs, err := tx.Related(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("engine: _include %s: %w", inc.Param, err)
		}
		out = append(out, rs...)
	}
	return out, nil
}
