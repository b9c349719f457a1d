package search

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/store"
)

// Limits on one search. They bound the SQL a single request can make a
// store run; a search beyond them is answered 400.
const (
	// MaxOrValues is the most comma-separated values one parameter takes.
	MaxOrValues = 100
	// MaxDepth is the most levels of chaining and _has one parameter takes
	// (subject:Patient.organization.name is two).
	MaxDepth = 4
)

// Count defaults, used when Options leaves them zero.
const (
	DefaultCount    = 20
	DefaultMaxCount = 1000
)

// Options are the server's choices for parsing a search.
type Options struct {
	// Strict is Prefer: handling=strict: unknown or unsupported parameters
	// (and modifiers) are a 400. Otherwise they are ignored and left out
	// of Request.Used. Malformed values are a 400 either way.
	Strict bool
	// BaseURL is the server's base for this tenant, e.g.
	// "http://localhost:8080/fhir/default": absolute references below it
	// are references to local resources.
	BaseURL string
	// Now is the reference instant of the date prefix ap; zero means
	// time.Now().
	Now time.Time
	// DefaultCount is the page size without _count; MaxCount caps _count
	// (silently, as the specification allows). Zero means DefaultCount and
	// DefaultMaxCount of this package.
	DefaultCount, MaxCount int
}

// Include is one _include (Reverse false) or _revinclude (Reverse true):
// Source:Param[:Target]. Param is "*" for every reference parameter of
// Source; the bare value "*" gives Source "*" too (any type). Iterate is
// the :iterate (or R3 :recurse) modifier.
type Include struct {
	Reverse               bool
	Source, Param, Target string
	Iterate               bool
}

// Request is a parsed search.
type Request struct {
	// Query is what the store runs. Query.Total is set by _total (unless
	// none) and by count-only searches (_count=0, _summary=count); with
	// TotalMode "" and a page to return it is left for the caller.
	Query    store.Query
	Includes []Include
	// Summary is _summary: "", "true", "text", "data", "count" or "false".
	Summary string
	// Elements is _elements.
	Elements []string
	// TotalMode is _total: "", "none", "estimate" or "accurate".
	TotalMode string
	// Offset is the position of the page's first match in the whole
	// result: _offset. With _cursor the store pages by Query.After instead
	// (Query.Offset is 0) and Offset only numbers the page for its links.
	Offset int
	// Cursor is _cursor: the last match of the previous page, in the
	// default (type, id) order. Next links carry it, so that a page
	// follows on from the one before even when resources before it are
	// created or deleted between requests.
	Cursor *store.Ref
	// Used holds the parameters actually applied, as the client wrote
	// them (a capped _count and the applied _sort keys are rewritten), for
	// the Bundle's self link. _offset is left out (the pager sets it), as
	// are _format and _pretty.
	Used url.Values
}

// Parse turns a search's parameters into a Request. types holds the one
// type of a type-level search, or is nil for a system-level search: then
// _type selects the types, and without _type the search covers every type
// and allows only the parameters common to all of them (_id, _lastUpdated,
// _tag, _profile, _security, _source, _content, _text).
//
// Repeated parameters are ANDed (one Filter each), comma-separated values
// ORed. Every error is a *fhir.Error with status 400 naming the parameter.
func Parse(types []string, params url.Values, opt Options) (*Request, error) {
	p := &parser{opt: opt, req: &Request{Used: url.Values{}}}
	if p.opt.Now.IsZero() {
		p.opt.Now = time.Now()
	}
	p.opt.BaseURL = strings.TrimRight(p.opt.BaseURL, "/")
	if err := p.setTypes(types, params["_type"]); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(params))
	for name := range params {
		names = append(names, name)
	}
	// Sorted, so the filters (and so the SQL) do not depend on map order.
	slices.Sort(names)
	for _, name := range names {
		p.cur = name
		if err := p.param(name, params[name]); err != nil {
			return nil, err
		}
	}
	p.finish()
	if c := p.req.Cursor; c != nil {
		if len(p.req.Query.Sort) > 0 {
			return nil, fhir.Errorf(http.StatusBadRequest, fhir.IssueInvalid, "_cursor pages the default order only; with _sort, page with _offset")
		}
		p.req.Query.After, p.req.Query.Offset = c, 0
	}
	return p.req, nil
}

// parser holds the state of one Parse.
type parser struct {
	opt   Options
	req   *Request
	types []string // the searched types; nil: every type
	// typeLevel is a type-level search (the types are not _type's).
	typeLevel bool
	cur       string // the parameter being parsed, as written, for messages

	count    int  // _count, capped
	countSet bool // whether _count was given
}

// unknownError is an unknown or unsupported parameter (or modifier): a 400
// in strict mode, ignored in lenient mode.
type unknownError struct{ err *fhir.Error }

func (e *unknownError) Error() string { return e.err.Error() }

// unknown reports an unknown or unsupported parameter.
func (p *parser) unknown(format string, args ...any) error {
	return &unknownError{fhir.Errorf(http.StatusBadRequest, fhir.IssueNotSupported, format, args...)}
}

// invalid reports a malformed value (or a misused modifier) of the
// current parameter: a 400 whatever the handling.
func (p *parser) invalid(format string, args ...any) error {
	return fhir.Errorf(http.StatusBadRequest, fhir.IssueInvalid, "search parameter %q: %s", p.cur, fmt.Sprintf(format, args...))
}

// notSupported reports a feature Kiln does not implement whose omission
// would change the result: a 400 whatever the handling.
func (p *parser) notSupported(format string, args ...any) error {
	return fhir.Errorf(http.StatusBadRequest, fhir.IssueNotSupported, "search parameter %q: %s", p.cur, fmt.Sprintf(format, args...))
}

// settle decides the fate of one parsed parameter: ok when it applies; an
// unknown parameter is dropped (nil error) unless the search is strict.
func (p *parser) settle(err error) (ok bool, _ error) {
	if err == nil {
		return true, nil
	}
	var u *unknownError
	if errors.As(err, &u) {
		if p.opt.Strict {
			return false, u.err
		}
		return false, nil
	}
	return false, err
}

// setTypes fixes the searched types: those of a type-level search, or
// _type's for a system-level one.
func (p *parser) setTypes(types, typeParam []string) error {
	p.cur = "_type"
	for _, t := range types {
		if !fhir.IsResourceType(t) {
			return p.invalid("unknown resource type %q", t)
		}
	}
	if types != nil {
		p.typeLevel = true
		p.types = slices.Clone(types)
		p.req.Query.Types = slices.Clone(types)
		return nil
	}
	for _, v := range typeParam {
		for _, t := range strings.Split(v, ",") {
			t = strings.TrimSpace(t)
			if !fhir.IsResourceType(t) {
				return p.invalid("unknown resource type %q", t)
			}
			if !slices.Contains(p.types, t) {
				p.types = append(p.types, t)
			}
		}
		p.req.Used.Add("_type", v)
	}
	p.req.Query.Types = slices.Clone(p.types)
	return nil
}

// param parses every occurrence of one parameter name.
func (p *parser) param(name string, values []string) error {
	if !strings.Contains(name, ".") && strings.HasPrefix(name, "_") {
		if done, err := p.resultParam(name, values); done {
			return err
		}
	}
	var filters []store.Filter
	for _, v := range values {
		f, err := p.filterAll(name, v)
		ok, err := p.settle(err)
		if err != nil {
			return err
		}
		if !ok || f == nil {
			continue
		}
		filters = append(filters, f)
		p.req.Used.Add(name, v)
	}
	p.req.Query.Filters = append(p.req.Query.Filters, sameDateRange(filters)...)
	return nil
}

// dateBounds are the prefixes that bound a date range on one side.
var dateBounds = map[store.Prefix]bool{store.Gt: true, store.Ge: true, store.Lt: true, store.Le: true, store.Sa: true, store.Eb: true}

// sameDateRange joins the repeated single-valued bounds of one date
// parameter ("date=ge2020-01&date=lt2020-02") into one store.SameValue:
// the bounds must hold for the same date, as HAPI FHIR reads them. It is
// also what lets the stores answer a range from one index scan.
// _lastUpdated has one value per resource, so it needs no joining.
func sameDateRange(filters []store.Filter) []store.Filter {
	var bounds []store.Filter
	out := filters[:0:0]
	for _, f := range filters {
		if m, ok := f.(store.DateMatch); ok && dateBounds[m.Prefix] && m.Param != "_lastUpdated" {
			bounds = append(bounds, m)
			continue
		}
		out = append(out, f)
	}
	switch len(bounds) {
	case 0:
	case 1:
		out = append(out, bounds[0])
	default:
		out = append(out, store.SameValue{Filters: bounds})
	}
	return out
}

// filterAll parses one occurrence for every searched type. A store query
// has one filter list for all its types, so the parameter must mean the
// same for each of them.
func (p *parser) filterAll(name, value string) (store.Filter, error) {
	types := p.types
	if len(types) == 0 {
		types = []string{""}
	}
	var out store.Filter
	for i, t := range types {
		f, err := p.filter(t, name, value, 0)
		if err != nil {
			return nil, err
		}
		if i > 0 && !reflect.DeepEqual(f, out) {
			return nil, p.notSupported("means different things for %s and %s; search the types separately", types[0], t)
		}
		out = f
	}
	return out, nil
}

// finish settles the paging and total from _count, _summary and _total.
func (p *parser) finish() {
	q := &p.req.Query
	q.Limit = p.opt.DefaultCount
	if q.Limit <= 0 {
		q.Limit = DefaultCount
	}
	if p.countSet {
		q.Limit = p.count
	}
	if p.req.Summary == "count" {
		q.Limit = 0
	}
	switch {
	case p.req.TotalMode != "":
		q.Total = p.req.TotalMode != "none"
	case q.Limit == 0:
		// A count-only search is pointless without its count.
		q.Total = true
	}
}
