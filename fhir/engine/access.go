package engine

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"slices"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/audit"
	"github.com/kiln-health/kiln/fhir/store"
)

// Action is what an interaction does to resources: the unit in which
// access is decided (SMART's c, r, u, d, s and Kiln's policy actions).
type Action string

// Actions.
const (
	ActionRead   Action = "read"   // read, vread, instance history, included resources
	ActionSearch Action = "search" // search, chains, _has, type and system history
	ActionCreate Action = "create" // create, update-as-create
	ActionUpdate Action = "update" // update, patch
	ActionDelete Action = "delete"
	// ActionOperation invokes an operation ($…) on a resource.
	ActionOperation Action = "operation"
)

// Access decides what a caller may do. The engine asks it about every
// resource type an interaction touches and applies the answer inside the
// store query, so a restricted caller's search, include, chain, _has,
// read and write all see only what the caller may see.
type Access interface {
	// Restrict returns which resources of typ the caller may act on with
	// act: ok false means none (the engine answers 403); a nil filter means
	// all; otherwise the resources matching filter. An error denies.
	Restrict(typ string, act Action) (filter store.Filter, ok bool, err error)
}

// Unrestricted is the Access of Kiln's own processes (reindex, the
// document pipeline) and of a server run with authorization disabled.
var Unrestricted Access = unrestricted{}

type unrestricted struct{}

func (unrestricted) Restrict(string, Action) (store.Filter, bool, error) { return nil, true, nil }

// Caller is who asks the engine for something: the access decisions that
// bound the request and the agent its AuditEvents name.
type Caller struct {
	Access Access
	Agent  audit.Agent
}

type callerKey struct{}

// WithCaller returns ctx carrying c. Every engine interaction needs a
// caller; without one it fails, so a forgotten caller denies rather than
// grants.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// callerFrom returns ctx's caller.
func callerFrom(ctx context.Context) (Caller, error) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	if !ok || c.Access == nil {
		return Caller{}, fmt.Errorf("engine: no caller in the request context")
	}
	return c, nil
}

// forbidden is the 403 of an access decision.
func forbidden(format string, args ...any) *fhir.Error {
	return fhir.Errorf(http.StatusForbidden, fhir.IssueForbidden, format, args...)
}

// guard applies one caller's access decisions within one transaction.
type guard struct {
	access Access
	// decisions caches Restrict per type and action for the request.
	decisions map[guardKey]decision
}

type guardKey struct {
	typ string
	act Action
}

type decision struct {
	filter store.Filter
	ok     bool
}

func newGuard(a Access) *guard { return &guard{access: a, decisions: map[guardKey]decision{}} }

// restrict is Access.Restrict, cached; errors deny.
func (g *guard) restrict(typ string, act Action) (store.Filter, bool, error) {
	k := guardKey{typ, act}
	if d, ok := g.decisions[k]; ok {
		return d.filter, d.ok, nil
	}
	f, ok, err := g.access.Restrict(typ, act)
	if err != nil {
		return nil, false, fmt.Errorf("engine: access decision on %s %s: %w", act, typ, err)
	}
	g.decisions[k] = decision{f, ok}
	return f, ok, nil
}

// require answers 403 unless the caller may act on some resources of typ,
// and returns the restriction.
func (g *guard) require(typ string, act Action) (store.Filter, error) {
	f, ok, err := g.restrict(typ, act)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, forbidden("%s on %s is not permitted for this caller", act, typ)
	}
	return f, nil
}

// permitted returns which of ids (all of type typ, current and not
// deleted) the caller may act on.
func (g *guard) permitted(ctx context.Context, tx store.Tx, typ string, act Action, ids []string) (map[string]bool, error) {
	f, ok, err := g.restrict(typ, act)
	if err != nil || !ok {
		return map[string]bool{}, err
	}
	out := make(map[string]bool, len(ids))
	if f == nil {
		for _, id := range ids {
			out[id] = true
		}
		return out, nil
	}
	const chunk = 500
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		rs, _, err := tx.Search(ctx, store.Query{
			Types: []string{typ}, Filters: []store.Filter{store.IDMatch{IDs: part}, f}, Limit: len(part),
		})
		if err != nil {
			return nil, fmt.Errorf("engine: access check on %s: %w", typ, err)
		}
		for _, r := range rs {
			out[r.ID] = true
		}
	}
	return out, nil
}

// check answers 403 unless the caller may act on typ/id, which must be
// current and not deleted.
func (g *guard) check(ctx context.Context, tx store.Tx, typ, id string, act Action) error {
	ok, err := g.permitted(ctx, tx, typ, act, []string{id})
	if err != nil {
		return err
	}
	if !ok[id] {
		return forbidden("%s on %s/%s is not permitted for this caller", act, typ, id)
	}
	return nil
}

// filterResources keeps the resources the caller may read (included
// resources), in their order.
func (g *guard) filterResources(ctx context.Context, tx store.Tx, rs []store.Resource, act Action) ([]store.Resource, error) {
	byType := map[string][]string{}
	for _, r := range rs {
		byType[r.Type] = append(byType[r.Type], r.ID)
	}
	allowed := map[store.Ref]bool{}
	for typ, ids := range byType {
		ok, err := g.permitted(ctx, tx, typ, act, ids)
		if err != nil {
			return nil, err
		}
		for id := range ok {
			allowed[store.Ref{Type: typ, ID: id}] = true
		}
	}
	return slices.DeleteFunc(rs, func(r store.Resource) bool { return !allowed[store.Ref{Type: r.Type, ID: r.ID}] }), nil
}

// typesFilter is the restriction of a search over types (all types when
// empty): the filter to add, and the types left to search. Named types
// the caller may not search are a 403; unnamed ones (a system search
// without _type) are left out.
func (g *guard) typesFilter(types []string, act Action) (store.Filter, []string, error) {
	named := len(types) > 0
	if !named {
		types = fhir.ResourceTypes()
	}
	// Types that share one restriction share one branch of the filter:
	// a caller's restriction is usually the same for most types (a label
	// condition, a compartment parameter), and a branch per type would
	// make the query larger than a database accepts.
	type group struct {
		filter store.Filter
		types  []string
	}
	var (
		open    []string // unrestricted types
		groups  []*group
		allowed []string
		limited bool // some type is restricted or left out
	)
	for _, typ := range types {
		f, ok, err := g.restrict(typ, act)
		if err != nil {
			return nil, nil, err
		}
		switch {
		case !ok && named:
			return nil, nil, forbidden("%s on %s is not permitted for this caller", act, typ)
		case !ok:
			limited = true
			continue
		case f == nil:
			open = append(open, typ)
		default:
			limited = true
			i := slices.IndexFunc(groups, func(gr *group) bool { return reflect.DeepEqual(gr.filter, f) })
			if i < 0 {
				groups = append(groups, &group{filter: f})
				i = len(groups) - 1
			}
			groups[i].types = append(groups[i].types, typ)
		}
		allowed = append(allowed, typ)
	}
	if !limited {
		if named {
			return nil, types, nil
		}
		return nil, nil, nil // every type, unrestricted: as asked
	}
	if len(allowed) == 0 {
		return nil, nil, forbidden("%s is not permitted on any resource type for this caller", act)
	}
	if len(types) == 1 {
		return groups[0].filter, types, nil
	}
	var parts []store.Filter
	for _, gr := range groups {
		parts = append(parts, store.AllOf{store.TypeMatch{Types: gr.types}, gr.filter})
	}
	if len(open) > 0 {
		parts = append(parts, store.TypeMatch{Types: open})
	}
	// Each branch names its types, so a search over every type need not
	// list them again (and repeat them in every index subquery).
	searched := allowed
	if !named {
		searched = nil
	}
	if len(parts) == 1 {
		return parts[0], searched, nil
	}
	return store.AnyOf(parts), searched, nil
}

// restrictQuery applies the caller's restrictions to a search: on the
// searched types, and inside every chain and _has, whose target resources
// the caller must be allowed to search too.
func (g *guard) restrictQuery(q *store.Query) error {
	f, types, err := g.typesFilter(q.Types, ActionSearch)
	if err != nil {
		return err
	}
	q.Types = types
	for i, sub := range q.Filters {
		if q.Filters[i], err = g.restrictFilter(sub); err != nil {
			return err
		}
	}
	if f != nil {
		q.Filters = append(q.Filters, f)
	}
	return nil
}

// restrictFilter rewrites chains and _has inside f.
func (g *guard) restrictFilter(f store.Filter) (store.Filter, error) {
	switch f := f.(type) {
	case store.AnyOf:
		out := make(store.AnyOf, len(f))
		for i, sub := range f {
			var err error
			if out[i], err = g.restrictFilter(sub); err != nil {
				return nil, err
			}
		}
		return out, nil
	case store.AllOf:
		out := make(store.AllOf, len(f))
		for i, sub := range f {
			var err error
			if out[i], err = g.restrictFilter(sub); err != nil {
				return nil, err
			}
		}
		return out, nil
	case store.Not:
		inner, err := g.restrictFilter(f.Filter)
		return store.Not{Filter: inner}, err
	case store.Chain:
		where, err := g.restrictFilter(f.Where)
		if err != nil {
			return nil, err
		}
		rf, types, err := g.typesFilter(f.Types, ActionSearch)
		if err != nil {
			return nil, err
		}
		if len(f.Types) > 0 {
			f.Types = types
		}
		f.Where = and(where, rf)
		return f, nil
	case store.Has:
		where, err := g.restrictFilter(f.Where)
		if err != nil {
			return nil, err
		}
		rf, err := g.require(f.Type, ActionSearch)
		if err != nil {
			return nil, err
		}
		f.Where = and(where, rf)
		return f, nil
	}
	return f, nil
}

func and(a, b store.Filter) store.Filter {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return store.AllOf{a, b}
}
