package engine

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/audit"
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
	// NextCursor is the last match when another page follows in the
	// default order: the next link pages after it (search.Request.Cursor).
	NextCursor *store.Ref
	Request    *search.Request
	// IncludesCut is set when MaxIncluded stopped the includes.
	IncludesCut bool
}

// Search runs a search and returns one page of it, with its includes.
func (e *Engine) Search(ctx context.Context, tenant string, req SearchRequest) (SearchResult, error) {
	c, err := callerFrom(ctx)
	if err != nil {
		return SearchResult{}, err
	}
	var res SearchResult
	parsed, err := e.parseSearch(req)
	if err == nil {
		err = e.store.View(ctx, tenant, func(tx store.Tx) (err error) {
			res, err = searchIn(ctx, tx, newGuard(c.Access), parsed)
			return err
		})
	}
	interaction := "search-type"
	if req.Type == "" {
		interaction = "search-system"
	}
	if err != nil {
		return SearchResult{}, e.audited(ctx, tenant, c, interaction, err, []audit.Entity{searchEntity(req.Type, req.Params)})
	}
	return res, e.audited(ctx, tenant, c, interaction, nil, res.auditEntities(req.Type, req.Params))
}

// searchEntity is the query of a search as its AuditEvent records it.
func searchEntity(typ string, params url.Values) audit.Entity {
	return audit.Entity{Query: typ + "?" + params.Encode()}
}

// auditEntities lists the query and every resource a search returned.
func (r SearchResult) auditEntities(typ string, params url.Values) []audit.Entity {
	out := make([]audit.Entity, 0, 1+len(r.Matches)+len(r.Included))
	out = append(out, searchEntity(typ, params))
	for _, rs := range [][]store.Resource{r.Matches, r.Included} {
		for _, m := range rs {
			out = append(out, ref(m.Type, m.ID))
		}
	}
	return out
}

// parseSearch checks a search's type and parses its parameters.
func (e *Engine) parseSearch(req SearchRequest) (*search.Request, error) {
	var types []string
	if req.Type != "" {
		if err := CheckType(req.Type); err != nil {
			return nil, err
		}
		types = []string{req.Type}
	}
	return search.Parse(types, req.Params, search.Options{
		Strict:       req.Strict,
		BaseURL:      req.BaseURL,
		Now:          e.now(),
		DefaultCount: e.limits.DefaultPageSize,
		MaxCount:     e.limits.MaxPageSize,
	})
}

// searchIn runs a parsed search in a transaction: one page and its
// includes.
func searchIn(ctx context.Context, tx store.Tx, g *guard, parsed *search.Request) (SearchResult, error) {
	res := SearchResult{Request: parsed, Offset: parsed.Offset, Count: parsed.Query.Limit, Total: -1}
	q := parsed.Query
	q.Filters = slices.Clone(q.Filters)
	if err := g.restrictQuery(&q); err != nil {
		return SearchResult{}, err
	}
	if q.Limit > 0 {
		q.Limit++ // one more tells whether a next page exists
	}
	matches, total, err := tx.Search(ctx, q)
	if err != nil {
		return SearchResult{}, fmt.Errorf("engine: search: %w", err)
	}
	if parsed.Query.Limit > 0 && len(matches) > parsed.Query.Limit {
		matches = matches[:parsed.Query.Limit]
		res.HasNext = true
		if len(parsed.Query.Sort) == 0 {
			last := matches[len(matches)-1]
			res.NextCursor = &store.Ref{Type: last.Type, ID: last.ID}
		}
	}
	res.Matches, res.Total = matches, total
	if !parsed.Query.Total && !res.HasNext && parsed.TotalMode != "none" {
		// The whole result is known without counting.
		res.Total = parsed.Offset + len(matches)
		if len(matches) == 0 && parsed.Offset > 0 {
			res.Total = -1 // past the end: unknown without a count
		}
	}
	res.Included, res.IncludesCut, err = includes(ctx, tx, g, parsed.Includes, matches)
	if err != nil {
		return SearchResult{}, err
	}
	return res, nil
}

// Bundle is the searchset Bundle of one page, under the tenant's base URL
// (typ "" for a system-level search), with links that repeat the
// parameters the search applied.
func (r SearchResult) Bundle(base, typ string) (*fhir.Bundle, error) {
	self := base
	if typ != "" {
		self += "/" + typ
	}
	// Links page by _offset; a next link in the default order also
	// carries _cursor, the page's last match, which the store pages by
	// (the offset then only numbers the page).
	link := func(offset int, cursor *store.Ref) string {
		q := url.Values{}
		for k, v := range r.Request.Used {
			q[k] = v
		}
		q.Set("_count", strconv.Itoa(r.Count))
		if offset > 0 {
			q.Set("_offset", strconv.Itoa(offset))
		}
		if cursor != nil {
			q.Set("_cursor", cursor.Type+"/"+cursor.ID)
		}
		return self + "?" + q.Encode()
	}
	b := &fhir.Bundle{ResourceType: "Bundle", Type: "searchset", Link: []fhir.BundleLink{
		{Relation: "self", URL: link(r.Offset, r.Request.Cursor)},
	}}
	if r.Total >= 0 {
		total := r.Total
		b.Total = &total
	}
	if r.Count > 0 {
		b.Link = append(b.Link, fhir.BundleLink{Relation: "first", URL: link(0, nil)})
		if r.Offset > 0 {
			b.Link = append(b.Link, fhir.BundleLink{Relation: "previous", URL: link(max(0, r.Offset-r.Count), nil)})
		}
		if r.HasNext {
			b.Link = append(b.Link, fhir.BundleLink{Relation: "next", URL: link(r.Offset+r.Count, r.NextCursor)})
		}
		if r.Total > 0 {
			last := (r.Total - 1) / r.Count * r.Count
			b.Link = append(b.Link, fhir.BundleLink{Relation: "last", URL: link(last, nil)})
		}
	}
	shape := search.Shaper(r.Request.Summary, r.Request.Elements)
	for _, group := range []struct {
		mode      string
		resources []store.Resource
	}{{"match", r.Matches}, {"include", r.Included}} {
		for _, res := range group.resources {
			body, err := shape(res.Type, res.Body)
			if err != nil {
				return nil, err
			}
			b.Entry = append(b.Entry, fhir.BundleEntry{FullURL: base + "/" + res.Type + "/" + res.ID, Resource: body, Search: &fhir.BundleSearch{Mode: group.mode}})
		}
	}
	if r.IncludesCut {
		oo := fhir.OperationOutcome{Issues: []fhir.Issue{{Severity: fhir.SeverityWarning, Code: fhir.IssueTooCostly,
			Diagnostics: "_include/_revinclude found more than " + strconv.Itoa(MaxIncluded) + " resources; the rest are left out"}}}
		body, err := fhir.Marshal(oo)
		if err != nil {
			return nil, err
		}
		b.Entry = append(b.Entry, fhir.BundleEntry{Resource: body, Search: &fhir.BundleSearch{Mode: "outcome"}})
	}
	return b, nil
}

// includes follows _include and _revinclude from the matches, then the
// :iterate ones from everything found so far until nothing new turns up.
func includes(ctx context.Context, tx store.Tx, g *guard, incs []search.Include, matches []store.Resource) ([]store.Resource, bool, error) {
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
			// Only what the caller may read is included, or followed further.
			if rs, err = g.filterResources(ctx, tx, rs, ActionRead); err != nil {
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
