package search

import (
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/searchparam"
	"github.com/kiln-health/kiln/fhir/store"
)

// splitEscaped cuts s at each sep not escaped by a backslash. The parts
// keep their escapes: a value is cut at "," first, then at "$" or "|",
// and unescaped last.
func splitEscaped(s string, sep byte) []string {
	var parts []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++ // the next byte is literal
		case sep:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// unescapeValue resolves the search escapes \, \| \$ and \\. A backslash
// before anything else is kept as written.
func unescapeValue(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && strings.IndexByte(`,|$\`, s[i+1]) >= 0 {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// stringMatch is a string search; index rows are normalised the same way
// unless the search is :exact.
func stringMatch(param string, mode store.StringMode, v string) store.Filter {
	v = unescapeValue(v)
	if mode != store.StringExact {
		v = Normalize(v)
	}
	return store.StringMatch{Param: param, Mode: mode, Value: v}
}

// uriMatch is a uri search.
func uriMatch(param string, mode store.URIMode, v string) store.Filter {
	return store.URIMatch{Param: param, Mode: mode, Value: unescapeValue(v)}
}

// token parses system|code, |code (no system), system| (any code) or code
// (any system).
func (p *parser) token(param, v string) (store.Filter, error) {
	parts := splitEscaped(v, '|')
	switch {
	case len(parts) == 1:
		return store.TokenMatch{Param: param, Code: unescapeValue(v), AnySystem: true}, nil
	case len(parts) > 2:
		return nil, p.invalid("%q has more than one unescaped |", v)
	case parts[0] == "" && parts[1] == "":
		return nil, p.invalid("%q has neither system nor code", v)
	}
	m := store.TokenMatch{Param: param, System: unescapeValue(parts[0]), Code: unescapeValue(parts[1])}
	m.AnyCode = parts[1] == ""
	return m, nil
}

// ofType parses identifier:of-type's system|type-code|value, matched
// against the "<code>:of-type" rows (Code "<type code>|<value>").
func (p *parser) ofType(param, v string) (store.Filter, error) {
	parts := splitEscaped(v, '|')
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return nil, p.invalid("%q is not system|type-code|value", v)
	}
	return store.TokenMatch{
		Param:  param + ":of-type",
		System: unescapeValue(parts[0]),
		Code:   unescapeValue(parts[1]) + "|" + unescapeValue(parts[2]),
	}, nil
}

// searchPrefixes are the comparison prefixes of dates, numbers and quantities.
var searchPrefixes = map[store.Prefix]bool{
	store.Eq: true, store.Ne: true, store.Gt: true, store.Lt: true, store.Ge: true,
	store.Le: true, store.Sa: true, store.Eb: true, store.Ap: true,
}

// prefix splits a value into its comparison prefix (eq by default) and
// the rest.
func (p *parser) prefix(v string) (store.Prefix, string, error) {
	if len(v) >= 2 && (v[0] >= 'a' && v[0] <= 'z' || v[0] >= 'A' && v[0] <= 'Z') {
		if pre := store.Prefix(v[:2]); searchPrefixes[pre] {
			return pre, v[2:], nil
		}
		return "", "", p.invalid("%q does not start with a number, date or known prefix (eq, ne, gt, lt, ge, le, sa, eb, ap)", v)
	}
	return store.Eq, v, nil
}

// dayMillis is the least widening of a date ap search.
const dayMillis = 24 * 60 * 60 * 1000

// date parses [prefix]date. ne becomes Not of eq, which the store has no
// single comparison for.
func (p *parser) date(param, v string) (store.Filter, error) {
	pre, rest, err := p.prefix(v)
	if err != nil {
		return nil, err
	}
	// An unencoded "+" of a zone (…T10:00:00+01:00) arrives as a space.
	rest = strings.ReplaceAll(unescapeValue(rest), " ", "+")
	lo, hi, err := DateRange(rest)
	if err != nil {
		return nil, p.invalid("%v", err)
	}
	m := store.DateMatch{Param: param, Prefix: pre, Lo: lo, Hi: hi}
	switch pre {
	case store.Ap:
		m.Lo, m.Hi = p.widenDate(lo, hi)
	}
	return m, nil
}

// widenDate widens the range of a date ap search by 10% of its distance
// from now, as the specification suggests, but by at least a day, so that
// a date near now is still approximate.
func (p *parser) widenDate(lo, hi int64) (int64, int64) {
	now := p.opt.Now.UnixMilli()
	var gap int64
	switch {
	case now < lo:
		gap = lo - now
	case now > hi:
		gap = now - hi
	}
	w := max(gap/10, dayMillis)
	return max(lo-w, store.MinDate), min(hi+w, store.MaxDate)
}

// decimalRE is a FHIR decimal, optionally with an exponent.
var decimalRE = regexp.MustCompile(`^[+-]?\d+(?:\.(\d+))?(?:[eE]([+-]?\d+))?$`)

// decimalRange parses a decimal and the range its precision implies: half
// a unit of its last digit either side, so "100" is [99.5, 100.5),
// "100.00" [99.995, 100.005) and "1e2" (one significant digit) [50, 150).
func decimalRange(s string) (v, lo, hi float64, ok bool) {
	m := decimalRE.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, 0, 0, false
	}
	exp := 0
	if m[2] != "" {
		if exp, err = strconv.Atoi(m[2]); err != nil {
			return 0, 0, 0, false
		}
	}
	half := 0.5 * math.Pow10(exp-len(m[1]))
	return v, v - half, v + half, true
}

// numberMatch parses [prefix]decimal. ap widens the range to 10% of the
// value either side (or its precision, if wider).
func (p *parser) numberMatch(param, v string) (store.NumberMatch, error) {
	pre, rest, err := p.prefix(v)
	if err != nil {
		return store.NumberMatch{}, err
	}
	val, lo, hi, ok := decimalRange(unescapeValue(rest))
	if !ok {
		return store.NumberMatch{}, p.invalid("%q is not a number", v)
	}
	if pre == store.Ap {
		d := math.Abs(val) / 10
		lo, hi = min(lo, val-d), max(hi, val+d)
	}
	return store.NumberMatch{Param: param, Prefix: pre, Value: val, Lo: lo, Hi: hi}, nil
}

// number parses a number search value.
func (p *parser) number(param, v string) (store.Filter, error) {
	m, err := p.numberMatch(param, v)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// quantity parses [prefix]value[|system|code]; "value||code" matches the
// unit code in any system.
func (p *parser) quantity(param, v string) (store.Filter, error) {
	parts := splitEscaped(v, '|')
	if len(parts) != 1 && len(parts) != 3 {
		return nil, p.invalid("%q is not [prefix]value[|system|code]", v)
	}
	m, err := p.numberMatch(param, parts[0])
	if err != nil {
		return nil, err
	}
	q := store.QuantityMatch{NumberMatch: m}
	if len(parts) == 3 {
		q.System, q.Code = unescapeValue(parts[1]), unescapeValue(parts[2])
	}
	return q, nil
}

// idRE is a FHIR resource id.
var idRE = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)

// reference parses id, Type/id, Type/id/_history/n (the version is
// ignored: searches match current references) or an absolute URL. A URL
// below the server's base is a local Type/id; any other is matched as a
// URL, without a canonical's |version. typeMod is the :Type modifier.
func (p *parser) reference(param string, targets []string, typeMod, v string) (store.Filter, error) {
	v = unescapeValue(v)
	if strings.Contains(v, "://") || strings.HasPrefix(v, "urn:") {
		rest, local := strings.CutPrefix(v, p.opt.BaseURL+"/")
		if p.opt.BaseURL == "" || !local {
			v, _, _ = strings.Cut(v, "|") // as the index keeps canonicals
			return store.ReferenceMatch{Param: param, URL: v}, nil
		}
		v = rest
		if !strings.Contains(v, "/") {
			return nil, p.invalid("%q is not a resource's URL", p.opt.BaseURL+"/"+v)
		}
	}
	typ, id, ok := splitReference(v)
	if !ok {
		return nil, p.invalid("%q is not a reference (id, Type/id or an absolute URL)", v)
	}
	if typ, ok = referenceType(typ, typeMod, targets); !ok {
		want := "a known resource type"
		if allowed := allowedTypes(typeMod, targets); len(allowed) > 0 {
			want = strings.Join(allowed, " or ")
		}
		return nil, p.invalid("%q is not a reference to %s", v, want)
	}
	if !idRE.MatchString(id) {
		return nil, p.invalid("%q is not a valid resource id", id)
	}
	return store.ReferenceMatch{Param: param, Type: typ, ID: id}, nil
}

// splitReference splits id, Type/id or Type/id/_history/n.
func splitReference(v string) (typ, id string, ok bool) {
	segs := strings.Split(v, "/")
	switch {
	case len(segs) == 1:
		return "", segs[0], true
	case len(segs) == 2, len(segs) == 4 && segs[2] == "_history":
		return segs[0], segs[1], segs[0] != ""
	}
	return "", "", false
}

// referenceType settles the type a reference search value names: its
// own, else the :Type modifier's, else the parameter's only target ("" for
// any type). It must agree with the modifier and be a target.
func referenceType(typ, typeMod string, targets []string) (string, bool) {
	if typ == "" {
		switch {
		case typeMod != "":
			return typeMod, true
		case len(targets) == 1:
			return targets[0], true
		}
		return "", true
	}
	if typeMod != "" && typ != typeMod {
		return "", false
	}
	allowed := allowedTypes(typeMod, targets)
	ok := len(allowed) == 0 && fhir.IsResourceType(typ)
	for _, t := range allowed {
		ok = ok || t == typ
	}
	return typ, ok
}

// allowedTypes are the types a reference search value may name.
func allowedTypes(typeMod string, targets []string) []string {
	if typeMod != "" {
		return []string{typeMod}
	}
	return targets
}

// component parses one part of a composite value with its component's
// type. The store matches each part as one row comparison, so "ne" (a
// Not) cannot be a part.
func (p *parser) component(composite string, c *searchparam.Param, v string) (store.Filter, error) {
	if v == "" {
		return nil, p.invalid("empty component in composite value")
	}
	var f store.Filter
	var err error
	switch c.Type {
	case searchparam.String:
		f = stringMatch(composite, store.StringStartsWith, v)
	case searchparam.Token:
		f, err = p.token(composite, v)
	case searchparam.Date:
		f, err = p.date(composite, v)
	case searchparam.Number:
		f, err = p.number(composite, v)
	case searchparam.Quantity:
		f, err = p.quantity(composite, v)
	case searchparam.Reference:
		f, err = p.reference(composite, c.Target, "", v)
	case searchparam.URI:
		f = uriMatch(composite, store.URIEqual, v)
	default:
		return nil, p.unknown("composite %q: component %q of type %s is not supported", composite, c.Code, c.Type)
	}
	if err != nil {
		return nil, err
	}
	return f, nil
}

// missing parses :missing=true|false.
func (p *parser) missing(sp *searchparam.Param, items []string) (store.Filter, error) {
	table, ok := valueTable(sp)
	if !ok {
		return nil, p.notSupported("modifier :missing is not supported on %q", sp.Code)
	}
	return orEach(items, func(v string) (store.Filter, error) {
		if v != "true" && v != "false" {
			return nil, p.invalid("%q is not true or false", v)
		}
		param := sp.Code
		if sp.Type == searchparam.Composite {
			param = store.ComponentParam(sp.Code, 0) // a composite's rows: see valueTable
		}
		return store.Missing{Param: param, Table: table, Missing: v == "true"}, nil
	})
}

// ids parses _id=a,b: one IDMatch.
func (p *parser) ids(sp *searchparam.Param, mod string, items []string) (store.Filter, error) {
	if mod != "" {
		return nil, p.badModifier(sp, mod)
	}
	m := store.IDMatch{IDs: make([]string, len(items))}
	for i, it := range items {
		id := unescapeValue(it)
		if !idRE.MatchString(id) {
			return nil, p.invalid("%q is not a valid resource id", id)
		}
		m.IDs[i] = id
	}
	return m, nil
}

// text parses _text and _content: each value's words must all occur.
func (p *parser) text(sp *searchparam.Param, mod string, items []string) (store.Filter, error) {
	if mod != "" {
		return nil, p.badModifier(sp, mod)
	}
	return orEach(items, func(v string) (store.Filter, error) {
		terms := Words(unescapeValue(v))
		if len(terms) == 0 {
			return nil, p.invalid("%q has no words to search for", v)
		}
		return store.TextMatch{Content: sp.Code == "_content", Terms: terms}, nil
	})
}
