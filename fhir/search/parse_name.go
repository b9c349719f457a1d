package search

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/searchparam"
	"github.com/kiln-health/kiln/fhir/store"
)

// fhirModifiers are the modifier names the specification defines. One of
// them used where it does not apply is a malformed search; any other
// modifier is unsupported. Both answer 400 whatever the handling, as the
// specification requires for modifiers ("servers SHALL reject any search
// request that contains a search parameter with an unsupported modifier"):
// ignoring the parameter would widen the result.
var fhirModifiers = map[string]bool{
	"missing": true, "exact": true, "contains": true, "text": true, "not": true,
	"above": true, "below": true, "in": true, "not-in": true, "of-type": true,
	"identifier": true, "type": true, "iterate": true,
	"code-text": true, "text-advanced": true, // R5, named so they are not "unknown"
}

// lookup finds search parameter code of resource type typ; typ "" stands
// for every type and allows only the parameters common to all.
func (p *parser) lookup(typ, code string) (*searchparam.Param, error) {
	ctx, what := typ, typ
	if typ == "" {
		ctx, what = "DomainResource", "a search across all resource types"
	}
	sp, ok := searchparam.Lookup(ctx, code)
	if !ok {
		return nil, p.unknown("unknown search parameter %q for %s%s", code, what, p.within(code))
	}
	if sp.Type == searchparam.Special || code == "_query" {
		return nil, p.unknown("search parameter %q of %s is not supported%s", code, what, p.within(code))
	}
	return sp, nil
}

// within names the parameter as written when code is only part of it.
func (p *parser) within(code string) string {
	if p.cur == code {
		return ""
	}
	return fmt.Sprintf(" (in %q)", p.cur)
}

// filter parses one occurrence of parameter name (code[:modifier], a
// chain or a _has) with its comma-separated value, for resource type typ
// ("" for all). depth counts the chain and _has levels above. It returns a
// nil Filter when the value is empty: such a parameter is ignored.
func (p *parser) filter(typ, name, value string, depth int) (store.Filter, error) {
	if rest, ok := strings.CutPrefix(name, "_has:"); ok {
		return p.has(typ, rest, value, depth)
	}
	head, tail, chained := strings.Cut(name, ".")
	code, mod, _ := strings.Cut(head, ":")
	sp, err := p.lookup(typ, code)
	if err != nil {
		return nil, err
	}
	if chained {
		return p.chain(sp, mod, tail, value, depth)
	}
	return p.leaf(sp, mod, value)
}

// chain parses ref[:Type].tail: the reference sp points at a resource
// matching tail. Without :Type the chain covers the reference's targets
// on which tail's parameter exists.
func (p *parser) chain(sp *searchparam.Param, mod, tail, value string, depth int) (store.Filter, error) {
	if depth+1 > MaxDepth {
		return nil, p.invalid("chains and _has nest at most %d levels deep", MaxDepth)
	}
	if sp.Type != searchparam.Reference {
		return nil, p.invalid("%q is a %s parameter, not a reference: it cannot be chained", sp.Code, sp.Type)
	}
	targets, err := p.chainTargets(sp, mod)
	if err != nil {
		return nil, err
	}
	next := nextCode(tail)
	var chains []store.Chain
	found := false
	for _, t := range targets {
		if _, ok := searchparam.Lookup(t, next); !ok && next != "" {
			continue
		}
		found = true
		where, err := p.filter(t, tail, value, depth+1)
		if err != nil || where == nil {
			return nil, err
		}
		chains = addChain(chains, sp.Code, t, where)
	}
	if !found {
		names := strings.Join(targets, ", ")
		if len(targets) > 5 {
			names = "any type"
		}
		return nil, p.unknown("unknown search parameter %q for the targets of %q (%s) in %q",
			next, sp.Code, names, p.cur)
	}
	if len(chains) == 1 {
		return chains[0], nil
	}
	// The chained parameter differs between targets (its type or
	// targets): one Chain per meaning.
	out := make(store.AnyOf, len(chains))
	for i, c := range chains {
		out[i] = c
	}
	return out, nil
}

// addChain adds target t, whose condition is where, to the chain with the
// same condition, or starts one.
func addChain(chains []store.Chain, param, t string, where store.Filter) []store.Chain {
	for i := range chains {
		if reflect.DeepEqual(chains[i].Where, where) {
			chains[i].Types = append(chains[i].Types, t)
			return chains
		}
	}
	return append(chains, store.Chain{Param: param, Types: []string{t}, Where: where})
}

// nextCode is the code of the first parameter of a chain's tail, "" for
// _has (which exists on every type).
func nextCode(tail string) string {
	if strings.HasPrefix(tail, "_has:") {
		return ""
	}
	if i := strings.IndexAny(tail, ":."); i >= 0 {
		return tail[:i]
	}
	return tail
}

// chainTargets are the types a chained reference may point at: the :Type
// modifier's, else the parameter's targets (every type when it has none).
func (p *parser) chainTargets(sp *searchparam.Param, mod string) ([]string, error) {
	if mod == "" {
		if len(sp.Target) > 0 {
			return sp.Target, nil
		}
		return searchparam.Types(), nil
	}
	if err := p.checkTypeModifier(sp, mod); err != nil {
		return nil, err
	}
	return []string{mod}, nil
}

// checkTypeModifier checks the :Type modifier of reference sp.
func (p *parser) checkTypeModifier(sp *searchparam.Param, mod string) error {
	if !fhir.IsResourceType(mod) {
		return p.badModifier(sp, mod)
	}
	if len(sp.Target) > 0 && !slices.Contains(sp.Target, mod) {
		return p.invalid("%s is not a target type of %q (%s)", mod, sp.Code, strings.Join(sp.Target, ", "))
	}
	return nil
}

// has parses Type:ref:name of _has:Type:ref:name: a resource of Type
// matching name refers to the searched one through its reference ref.
func (p *parser) has(typ, rest, value string, depth int) (store.Filter, error) {
	parts := strings.SplitN(rest, ":", 3)
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return nil, p.invalid("expected _has:Type:reference:parameter")
	}
	if depth+1 > MaxDepth {
		return nil, p.invalid("chains and _has nest at most %d levels deep", MaxDepth)
	}
	src, refCode, name := parts[0], parts[1], parts[2]
	if !fhir.IsResourceType(src) {
		return nil, p.unknown("unknown resource type %q in %q", src, p.cur)
	}
	ref, err := p.lookup(src, refCode)
	if err != nil {
		return nil, err
	}
	if ref.Type != searchparam.Reference {
		return nil, p.invalid("%s's %q is a %s parameter, not a reference", src, refCode, ref.Type)
	}
	if typ != "" && len(ref.Target) > 0 && !slices.Contains(ref.Target, typ) {
		return nil, p.invalid("%s's %q cannot refer to a %s", src, refCode, typ)
	}
	where, err := p.filter(src, name, value, depth+1)
	if err != nil || where == nil {
		return nil, err
	}
	return store.Has{Type: src, Param: refCode, Where: where}, nil
}

// badModifier reports modifier mod, which does not apply to sp.
func (p *parser) badModifier(sp *searchparam.Param, mod string) error {
	if fhirModifiers[mod] || fhir.IsResourceType(mod) {
		return p.invalid("modifier :%s does not apply to %s parameter %q", mod, sp.Type, sp.Code)
	}
	return p.notSupported("unknown modifier :%s on search parameter %q%s", mod, sp.Code, p.within(sp.Code+":"+mod))
}

// leaf parses the value of a parameter that is not chained.
func (p *parser) leaf(sp *searchparam.Param, mod, value string) (store.Filter, error) {
	items, err := p.split(value)
	if err != nil || len(items) == 0 {
		return nil, err
	}
	if mod == "missing" {
		return p.missing(sp, items)
	}
	switch sp.Code {
	case "_id":
		return p.ids(sp, mod, items)
	case "_text", "_content":
		return p.text(sp, mod, items)
	}
	parse, err := p.valueParser(sp, mod)
	if err != nil {
		return nil, err
	}
	f, err := orEach(items, parse)
	if err != nil {
		return nil, err
	}
	if mod == "not" {
		// :not=a,b matches resources with neither a nor b.
		f = store.Not{Filter: f}
	}
	return f, nil
}

// split cuts a value at unescaped commas, dropping empty values.
func (p *parser) split(value string) ([]string, error) {
	var items []string
	for _, s := range splitEscaped(value, ',') {
		if s != "" {
			items = append(items, s)
		}
	}
	if len(items) > MaxOrValues {
		return nil, p.invalid("at most %d comma-separated values are allowed", MaxOrValues)
	}
	return items, nil
}

// orEach parses each item and ORs them; one item is its own filter.
func orEach(items []string, parse func(string) (store.Filter, error)) (store.Filter, error) {
	out := make(store.AnyOf, 0, len(items))
	for _, it := range items {
		f, err := parse(it)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	if len(out) == 1 {
		return out[0], nil
	}
	return out, nil
}

// valueParser returns the parser of one value of sp with modifier mod.
func (p *parser) valueParser(sp *searchparam.Param, mod string) (func(string) (store.Filter, error), error) {
	code := sp.Code
	switch sp.Type {
	case searchparam.String:
		if sp.XPathUsage == "phonetic" {
			if mod == "" {
				// Indexed as Soundex codes (see Phonetic): compare codes.
				return func(v string) (store.Filter, error) {
					return store.StringMatch{Param: code, Mode: store.StringExact, Value: Phonetic(v)}, nil
				}, nil
			}
			break
		}
		if mode, ok := stringModes[mod]; ok {
			return func(v string) (store.Filter, error) { return stringMatch(code, mode, v), nil }, nil
		}
	case searchparam.Token:
		return p.tokenParser(sp, mod)
	case searchparam.Date:
		if mod == "" {
			return func(v string) (store.Filter, error) { return p.date(code, v) }, nil
		}
	case searchparam.Number:
		if mod == "" {
			return func(v string) (store.Filter, error) { return p.number(code, v) }, nil
		}
	case searchparam.Quantity:
		if mod == "" {
			return func(v string) (store.Filter, error) { return p.quantity(code, v) }, nil
		}
	case searchparam.Reference:
		return p.referenceParser(sp, mod)
	case searchparam.URI:
		if mode, ok := uriModes[mod]; ok {
			return func(v string) (store.Filter, error) { return uriMatch(code, mode, v), nil }, nil
		}
	case searchparam.Composite:
		if mod == "" {
			return p.compositeParser(sp)
		}
	}
	return nil, p.badModifier(sp, mod)
}

// stringModes maps the string modifiers to their modes.
var stringModes = map[string]store.StringMode{
	"": store.StringStartsWith, "exact": store.StringExact, "contains": store.StringContains,
}

// uriModes maps the uri modifiers to their modes.
var uriModes = map[string]store.URIMode{
	"": store.URIEqual, "below": store.URIBelow, "above": store.URIAbove,
}

// tokenParser handles the token modifiers. :in, :not-in, :above and :below
// need a terminology service: refused rather than ignored, since ignoring
// them would change the matches.
func (p *parser) tokenParser(sp *searchparam.Param, mod string) (func(string) (store.Filter, error), error) {
	code := sp.Code
	switch mod {
	case "", "not":
		return func(v string) (store.Filter, error) { return p.token(code, v) }, nil
	case "text":
		return func(v string) (store.Filter, error) {
			return store.TokenTextMatch{Param: code, Value: Normalize(unescapeValue(v))}, nil
		}, nil
	case "of-type":
		if !strings.Contains(strings.ToLower(sp.Expression), "identifier") {
			return nil, p.invalid("modifier :of-type applies only to identifiers, not to %q", code)
		}
		return func(v string) (store.Filter, error) { return p.ofType(code, v) }, nil
	case "in", "not-in", "above", "below":
		return nil, p.notSupported("modifier :%s is not supported (it needs terminology services)", mod)
	}
	return nil, p.badModifier(sp, mod)
}

// referenceParser handles the reference modifiers: :Type, :identifier.
// :above and :below (canonical versions, hierarchies) are refused.
func (p *parser) referenceParser(sp *searchparam.Param, mod string) (func(string) (store.Filter, error), error) {
	code := sp.Code
	switch {
	case mod == "identifier":
		return func(v string) (store.Filter, error) { return p.token(code+":identifier", v) }, nil
	case mod == "above" || mod == "below":
		return nil, p.notSupported("modifier :%s is not supported on references", mod)
	case mod != "":
		if err := p.checkTypeModifier(sp, mod); err != nil {
			return nil, err
		}
	}
	return func(v string) (store.Filter, error) { return p.reference(code, sp.Target, mod, v) }, nil
}

// compositeParser resolves the components of sp and parses "a$b" values.
func (p *parser) compositeParser(sp *searchparam.Param) (func(string) (store.Filter, error), error) {
	comps, err := p.components(sp)
	if err != nil {
		return nil, err
	}
	return func(v string) (store.Filter, error) {
		parts := splitEscaped(v, '$')
		if len(parts) != len(comps) {
			return nil, p.invalid("%q must have %d parts separated by $", v, len(comps))
		}
		out := store.Composite{Param: sp.Code, Parts: make([]store.Filter, len(comps))}
		for i, c := range comps {
			f, err := p.component(store.ComponentParam(sp.Code, i), c, parts[i])
			if err != nil {
				return nil, err
			}
			out.Parts[i] = f
		}
		return out, nil
	}, nil
}

// components resolves the component parameters of composite sp.
func (p *parser) components(sp *searchparam.Param) ([]*searchparam.Param, error) {
	if len(sp.Components) == 0 {
		return nil, p.unknown("composite search parameter %q has no components", sp.Code)
	}
	comps := make([]*searchparam.Param, len(sp.Components))
	for i, c := range sp.Components {
		cp, ok := searchparam.ByURL(c.Definition)
		if !ok {
			return nil, p.unknown("composite search parameter %q: component %s is not supported", sp.Code, c.Definition)
		}
		comps[i] = cp
	}
	return comps, nil
}

// noRows are the parameters not served by index rows: they have no
// :missing and cannot be sort keys of an index table.
var noRows = map[string]bool{"_id": true, "_lastUpdated": true, "_text": true, "_content": true}

// valueTable is the index table holding sp's rows; a composite's rows
// are in its first component's table.
func valueTable(sp *searchparam.Param) (store.Table, bool) {
	if noRows[sp.Code] {
		return "", false
	}
	if sp.Type == searchparam.Composite {
		if len(sp.Components) == 0 {
			return "", false
		}
		first, ok := searchparam.ByURL(sp.Components[0].Definition)
		if !ok || first.Type == searchparam.Composite {
			return "", false
		}
		return valueTable(first)
	}
	t, ok := paramTables[sp.Type]
	return t, ok
}

// paramTables maps the parameter types to their index tables.
var paramTables = map[searchparam.Type]store.Table{
	searchparam.String:    store.StringTable,
	searchparam.Token:     store.TokenTable,
	searchparam.Date:      store.DateTable,
	searchparam.Number:    store.NumberTable,
	searchparam.Quantity:  store.QuantityTable,
	searchparam.Reference: store.ReferenceTable,
	searchparam.URI:       store.URITable,
}
