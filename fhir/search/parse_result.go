package search

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/searchparam"
	"github.com/kiln-health/kiln/fhir/store"
)

// resultParams are the parameters that shape the result rather than
// select resources (_include and _revinclude, which take a modifier, are
// handled apart).
var resultParams = map[string]func(*parser, []string) error{
	"_count":    (*parser).countParam,
	"_offset":   (*parser).offsetParam,
	"_cursor":   (*parser).cursorParam,
	"_total":    (*parser).totalParam,
	"_summary":  (*parser).summaryParam,
	"_elements": (*parser).elementsParam,
	"_sort":     (*parser).sortParam,
}

// unsupportedParams are specification parameters Kiln does not implement.
// Like unknown ones they are a 400 in strict mode and ignored otherwise.
var unsupportedParams = map[string]bool{
	"_contained": true, "_containedType": true, "_list": true, "_filter": true,
	"_graph": true, "_score": true,
}

// resultParam handles a result parameter; done is false for anything else
// (the search parameters _id, _has, _tag, ...).
func (p *parser) resultParam(name string, values []string) (done bool, err error) {
	code, mod, hasMod := strings.Cut(name, ":")
	switch code {
	case "_format", "_pretty":
		return true, nil // the HTTP layer's business, never in Used
	case "_type":
		if p.typeLevel || hasMod {
			_, err = p.settle(p.unknown("search parameter %q applies only to a system-level search", name))
		}
		return true, err // setTypes has applied it
	case "_include", "_revinclude":
		return true, p.includes(name, mod, code == "_revinclude", values)
	}
	if unsupportedParams[code] {
		_, err = p.settle(p.unknown("search parameter %q is not supported", name))
		return true, err
	}
	h, ok := resultParams[code]
	if !ok {
		return false, nil
	}
	if hasMod {
		_, err = p.settle(p.unknown("unknown modifier :%s on search parameter %q", mod, code))
		return true, err
	}
	return true, h(p, values)
}

// once returns the value of a parameter that takes a single value.
func (p *parser) once(values []string) (string, error) {
	for _, v := range values[1:] {
		if v != values[0] {
			return "", p.invalid("may be given only once")
		}
	}
	return strings.TrimSpace(values[0]), nil
}

// nonNegative parses a single non-negative integer.
func (p *parser) nonNegative(values []string) (int, error) {
	v, err := p.once(values)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, p.invalid("%q is not a non-negative integer", v)
	}
	return n, nil
}

func (p *parser) countParam(values []string) error {
	n, err := p.nonNegative(values)
	if err != nil {
		return err
	}
	limit := p.opt.MaxCount
	if limit <= 0 {
		limit = DefaultMaxCount
	}
	p.count, p.countSet = min(n, limit), true
	p.req.Used.Set("_count", strconv.Itoa(p.count))
	return nil
}

// offsetParam sets the paging offset; it is not in Used because the pager
// writes it into each page link itself.
func (p *parser) offsetParam(values []string) error {
	n, err := p.nonNegative(values)
	p.req.Query.Offset, p.req.Offset = n, n
	return err
}

// cursorParam reads _cursor, "Type/id" (see Request.Cursor). Like
// _offset, it is left out of Used: the links add it.
func (p *parser) cursorParam(values []string) error {
	v, err := p.once(values)
	if err != nil {
		return err
	}
	typ, id, ok := strings.Cut(v, "/")
	if !ok || !fhir.IsResourceType(typ) || id == "" || strings.Contains(id, "/") {
		return p.invalid("%q is not a paging cursor (Type/id) this server issued", v)
	}
	p.req.Cursor = &store.Ref{Type: typ, ID: id}
	return nil
}

// enumParam reads a single value that must be one of allowed.
func (p *parser) enumParam(values []string, allowed ...string) (string, error) {
	v, err := p.once(values)
	if err != nil {
		return "", err
	}
	if !slices.Contains(allowed, v) {
		return "", p.invalid("%q is not one of %s", v, strings.Join(allowed, ", "))
	}
	p.req.Used.Set(p.cur, v)
	return v, nil
}

func (p *parser) totalParam(values []string) (err error) {
	p.req.TotalMode, err = p.enumParam(values, "none", "estimate", "accurate")
	return err
}

func (p *parser) summaryParam(values []string) (err error) {
	p.req.Summary, err = p.enumParam(values, "true", "text", "data", "count", "false")
	return err
}

// elementRE is an element name _elements may list.
var elementRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*(\[x\])?$`)

func (p *parser) elementsParam(values []string) error {
	for _, v := range values {
		for _, e := range strings.Split(v, ",") {
			e = strings.TrimSpace(e)
			if e == "" {
				continue
			}
			if !elementRE.MatchString(e) {
				return p.invalid("%q is not an element name", e)
			}
			if !slices.Contains(p.req.Elements, e) {
				p.req.Elements = append(p.req.Elements, e)
			}
		}
		p.req.Used.Add("_elements", v)
	}
	return nil
}

// sortParam reads _sort=a,-b (several _sort parameters append keys).
// Unknown keys are dropped in lenient mode; Used lists the applied ones.
func (p *parser) sortParam(values []string) error {
	var applied []string
	for _, v := range values {
		for _, item := range strings.Split(v, ",") {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			code, desc := strings.CutPrefix(item, "-")
			s, err := p.sortKey(code, desc)
			ok, err := p.settle(err)
			if err != nil {
				return err
			}
			if ok {
				p.req.Query.Sort = append(p.req.Query.Sort, s)
				applied = append(applied, item)
			}
		}
	}
	if len(applied) > 0 {
		p.req.Used.Set("_sort", strings.Join(applied, ","))
	}
	return nil
}

// sortKey resolves one sort key for every searched type. _id and
// _lastUpdated sort by the resource's own columns and carry no Table.
func (p *parser) sortKey(code string, desc bool) (store.Sort, error) {
	if code == "_id" || code == "_lastUpdated" {
		return store.Sort{Param: code, Desc: desc}, nil
	}
	types := p.types
	if len(types) == 0 {
		types = []string{""}
	}
	var table store.Table
	for i, t := range types {
		sp, err := p.lookup(t, code)
		if err != nil {
			return store.Sort{}, err
		}
		tb, ok := valueTable(sp)
		if !ok || sp.Type == searchparam.Composite {
			return store.Sort{}, p.unknown("cannot sort by %q (a %s parameter) in %q", code, sp.Type, p.cur)
		}
		if i > 0 && tb != table {
			return store.Sort{}, p.notSupported("%q has different types for %s and %s", code, types[0], t)
		}
		table = tb
	}
	return store.Sort{Param: code, Table: table, Desc: desc}, nil
}

// includes reads _include and _revinclude, with :iterate (or R3's
// :recurse). Each value is one include.
func (p *parser) includes(name, mod string, reverse bool, values []string) error {
	iterate := false
	switch mod {
	case "":
	case "iterate", "recurse":
		iterate = true
	default:
		_, err := p.settle(p.unknown("unknown modifier :%s on %q", mod, name))
		return err
	}
	for _, v := range values {
		inc, err := p.include(strings.TrimSpace(v), reverse, iterate)
		ok, err := p.settle(err)
		if err != nil {
			return err
		}
		if ok {
			p.req.Includes = append(p.req.Includes, inc)
			p.req.Used.Add(name, v)
		}
	}
	return nil
}

// include parses Source:param[:Target] or "*".
func (p *parser) include(v string, reverse, iterate bool) (Include, error) {
	inc := Include{Reverse: reverse, Iterate: iterate}
	if v == "*" {
		inc.Source, inc.Param = "*", "*"
		return inc, nil
	}
	parts := strings.Split(v, ":")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return inc, p.invalid("%q is not Source:parameter[:Target]", v)
	}
	inc.Source, inc.Param = parts[0], parts[1]
	if len(parts) == 3 {
		inc.Target = parts[2]
	}
	if !fhir.IsResourceType(inc.Source) {
		return inc, p.unknown("unknown resource type %q in %s=%s", inc.Source, p.cur, v)
	}
	// A first-level _include starts from the matches, so its source must
	// be a searched type; :iterate ones start from included resources.
	if !reverse && !iterate && len(p.types) > 0 && !slices.Contains(p.types, inc.Source) {
		return inc, p.unknown("%s=%s: %s is not a searched type", p.cur, v, inc.Source)
	}
	var targets []string
	if inc.Param != "*" {
		sp, ok := searchparam.Lookup(inc.Source, inc.Param)
		if !ok {
			return inc, p.unknown("unknown search parameter %q for %s in %s=%s", inc.Param, inc.Source, p.cur, v)
		}
		if sp.Type != searchparam.Reference {
			return inc, p.invalid("%s:%s is not a reference parameter", inc.Source, inc.Param)
		}
		targets = sp.Target
	}
	if inc.Target != "" && (!fhir.IsResourceType(inc.Target) ||
		len(targets) > 0 && !slices.Contains(targets, inc.Target)) {
		return inc, p.invalid("%q is not a target type of %s:%s", inc.Target, inc.Source, inc.Param)
	}
	return inc, nil
}
