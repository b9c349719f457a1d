// Package sqlsearch translates store.Query and store.RelatedQuery into SQL
// for the index schema both SQL backends share (migrations/*/00002). What
// differs between the backends (placeholders, booleans, timestamps, full
// text) is behind Dialect. Every value is a bound argument; only table and
// column names this package chooses are ever written into the SQL text.
package sqlsearch

import (
	"fmt"
	"strings"

	"github.com/kiln-health/kiln/fhir/store"
)

// Dialect is what a backend tells the builder about its SQL.
type Dialect interface {
	// Placeholder is the text of the n-th (1-based) bound argument.
	Placeholder(n int) string
	// NotDeleted is the condition "resource row alias is not deleted".
	NotDeleted(alias string) string
	// LastUpdated converts Unix milliseconds into a value comparable with
	// resources.last_updated.
	LastUpdated(ms int64) any
	// TextTable names the backend's full-text table (with alias d and
	// columns tenant, type, id, whatever else it has) and returns the
	// condition on d that m's terms (never empty) impose, binding values
	// through b.Arg.
	TextTable() string
	TextMatch(b *Builder, m store.TextMatch) string
}

// columns are the columns Search and Related select, in this order: type,
// id, version, last_updated, method, deleted, body, seq; a is the alias
// of the row holding type and id, v the version row.
func columns(a string) string {
	return a + `.type, ` + a + `.id, v.version, v.last_updated, v.method, v.deleted, v.body, v.seq`
}

// MaxDepth bounds the nesting of chains and _has the builder accepts. The
// parser enforces a lower limit; this is a guard against runaway input.
const MaxDepth = 16

// Builder accumulates SQL text and its arguments.
type Builder struct {
	d      Dialect
	tenant string
	args   []any
	sb     strings.Builder
	alias  int
	depth  int
}

// Arg binds v and returns its placeholder.
func (b *Builder) Arg(v any) string {
	b.args = append(b.args, v)
	return b.d.Placeholder(len(b.args))
}

// Tenant binds the tenant (again) and returns its placeholder.
func (b *Builder) Tenant() string { return b.Arg(b.tenant) }

// newAlias returns a fresh table alias.
func (b *Builder) newAlias(prefix string) string {
	b.alias++
	return fmt.Sprintf("%s%d", prefix, b.alias)
}

// Search returns the page query of q and, when q.Total, the count query.
func Search(d Dialect, tenant string, q store.Query) (page string, pageArgs []any, count string, countArgs []any, err error) {
	b := &Builder{d: d, tenant: tenant}
	where, err := b.where("r", q.Types, q.Filters)
	if err != nil {
		return "", nil, "", nil, err
	}
	if q.Total {
		count = `SELECT count(*) FROM resources r WHERE ` + where
		countArgs = append([]any(nil), b.args...)
	}
	// After pages; the total counts the whole result.
	if q.After != nil {
		if len(q.Sort) > 0 {
			return "", nil, "", nil, fmt.Errorf("sqlsearch: After with Sort")
		}
		where += ` AND (r.type, r.id) > (` + b.Arg(q.After.Type) + `, ` + b.Arg(q.After.ID) + `)`
	}

	if q.Limit <= 0 {
		return "", nil, count, countArgs, nil
	}
	keys, err := b.sortKeys("r", q.Sort)
	if err != nil {
		return "", nil, "", nil, err
	}
	// The page is chosen from resources alone, then joined to the version
	// rows for the bodies: joining first would make the database fetch
	// (and sort) the body of every match, not just of one page.
	inner, innerOrder, outerOrder := `r.tenant, r.type, r.id, r.version`, `r.type, r.id`, `p.type, p.id`
	if len(keys) > 0 {
		var io, oo []string
		for i, k := range keys {
			name := fmt.Sprintf("k%d", i)
			inner += `, ` + k.expr + ` AS ` + name
			io = append(io, name+k.dir)
			oo = append(oo, `p.`+name+k.dir)
		}
		innerOrder = strings.Join(io, `, `) + `, ` + innerOrder
		outerOrder = strings.Join(oo, `, `) + `, ` + outerOrder
	}
	page = `SELECT ` + columns("p") + ` FROM (SELECT ` + inner +
		` FROM resources r WHERE ` + where + ` ORDER BY ` + innerOrder + ` LIMIT ` + b.Arg(q.Limit) + ` OFFSET ` + b.Arg(q.Offset) + `) p
		JOIN resource_versions v ON v.tenant = p.tenant AND v.type = p.type AND v.id = p.id AND v.version = p.version
		ORDER BY ` + outerOrder
	return page, b.args, count, countArgs, nil
}

// where is the condition selecting current resources (alias) of types
// matching every filter.
func (b *Builder) where(alias string, types []string, filters []store.Filter) (string, error) {
	conds := []string{alias + `.tenant = ` + b.Tenant(), b.d.NotDeleted(alias)}
	if len(types) > 0 {
		conds = append(conds, alias+`.type `+b.in(types))
	}
	for _, f := range filters {
		c, err := b.filter(alias, types, f)
		if err != nil {
			return "", err
		}
		conds = append(conds, c)
	}
	return strings.Join(conds, ` AND `), nil
}

// in returns "= $1" or "IN ($1, $2...)" for the values.
func (b *Builder) in(values []string) string {
	if len(values) == 1 {
		return `= ` + b.Arg(values[0])
	}
	ph := make([]string, len(values))
	for i, v := range values {
		ph[i] = b.Arg(v)
	}
	return `IN (` + strings.Join(ph, `, `) + `)`
}

// member returns the condition "alias's resource is one of the (type, id)
// pairs the subquery selects". With a single type, comparing the id alone
// lets the planners drive the query from the subquery's index.
func member(alias string, types []string, typeCol, idCol, from string) string {
	if len(types) == 1 {
		return alias + `.id IN (SELECT ` + idCol + ` ` + from + `)`
	}
	return `(` + alias + `.type, ` + alias + `.id) IN (SELECT ` + typeCol + `, ` + idCol + ` ` + from + `)`
}

// indexScope is the start of a subquery over an index table restricted to
// the tenant, the types and the parameter.
func (b *Builder) indexScope(s string, table store.Table, types []string, param string) string {
	from := `FROM search_` + string(table) + ` ` + s + ` WHERE ` + s + `.tenant = ` + b.Tenant()
	if len(types) > 0 {
		from += ` AND ` + s + `.type ` + b.in(types)
	}
	return from + ` AND ` + s + `.param = ` + b.Arg(param)
}

func (b *Builder) filter(alias string, types []string, f store.Filter) (string, error) {
	switch f := f.(type) {
	case store.AnyOf:
		return b.combine(alias, types, []store.Filter(f), ` OR `, `1 = 0`)
	case store.AllOf:
		return b.combine(alias, types, []store.Filter(f), ` AND `, `1 = 1`)
	case store.Not:
		c, err := b.filter(alias, types, f.Filter)
		if err != nil {
			return "", err
		}
		return `NOT (` + c + `)`, nil
	case store.Missing:
		s := b.newAlias("m")
		c := member(alias, types, s+`.type`, s+`.id`, b.indexScope(s, f.Table, types, f.Param))
		if f.Missing {
			return `NOT ` + c, nil
		}
		return c, nil
	case store.IDMatch:
		if len(f.IDs) == 0 {
			return `1 = 0`, nil
		}
		return alias + `.id ` + b.in(f.IDs), nil
	case store.TypeMatch:
		if len(f.Types) == 0 {
			return `1 = 0`, nil
		}
		return alias + `.type ` + b.in(f.Types), nil
	case store.DateMatch:
		if f.Param == "_lastUpdated" {
			col := alias + `.last_updated`
			return b.dateCond(f, col, col, func(ms int64) string { return b.Arg(b.d.LastUpdated(ms)) })
		}
	case store.TextMatch:
		if len(f.Terms) == 0 {
			return `1 = 0`, nil
		}
		from := `FROM ` + b.d.TextTable() + ` d WHERE d.tenant = ` + b.Tenant()
		if len(types) > 0 {
			from += ` AND d.type ` + b.in(types)
		}
		return member(alias, types, `d.type`, `d.id`, from+` AND `+b.d.TextMatch(b, f)), nil
	case store.Chain:
		return b.chain(alias, types, f)
	case store.Has:
		return b.has(alias, types, f)
	case store.Composite:
		return b.composite(alias, types, f)
	case store.SameValue:
		return b.sameValue(alias, types, f)
	}
	table, param, ok := matchTable(f)
	if !ok {
		return "", fmt.Errorf("sqlsearch: unsupported filter %T", f)
	}
	s := b.newAlias("s")
	from := b.indexScope(s, table, types, param)
	c, err := b.match(s, f)
	if err != nil {
		return "", err
	}
	return member(alias, types, s+`.type`, s+`.id`, from+` AND `+c), nil
}

func (b *Builder) combine(alias string, types []string, fs []store.Filter, op, empty string) (string, error) {
	if len(fs) == 0 {
		return empty, nil
	}
	parts := make([]string, len(fs))
	for i, f := range fs {
		c, err := b.filter(alias, types, f)
		if err != nil {
			return "", err
		}
		parts[i] = c
	}
	return `(` + strings.Join(parts, op) + `)`, nil
}

// matchTable names the index table and parameter a value match reads.
func matchTable(f store.Filter) (store.Table, string, bool) {
	switch f := f.(type) {
	case store.StringMatch:
		return store.StringTable, f.Param, true
	case store.TokenMatch:
		return store.TokenTable, f.Param, true
	case store.TokenTextMatch:
		return store.TokenTable, f.Param, true
	case store.DateMatch:
		return store.DateTable, f.Param, true
	case store.NumberMatch:
		return store.NumberTable, f.Param, true
	case store.QuantityMatch:
		return store.QuantityTable, f.Param, true
	case store.ReferenceMatch:
		return store.ReferenceTable, f.Param, true
	case store.URIMatch:
		return store.URITable, f.Param, true
	}
	return "", "", false
}

// startsWith is the condition "col starts with p" as a range, which both
// backends answer from a B-tree index (LIKE would need collation-specific
// operator classes): col >= p and col < p + U+10FFFF, the greatest UTF-8
// sequence, as both compare these columns bytewise.
func (b *Builder) startsWith(col, p string) string {
	if p == "" {
		return `1 = 1`
	}
	return col + ` >= ` + b.Arg(p) + ` AND ` + col + ` < ` + b.Arg(p+"\U0010FFFF")
}

// likeEscape escapes LIKE wildcards with backslash.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// match is the condition on index row alias s for a value match.
func (b *Builder) match(s string, f store.Filter) (string, error) {
	switch f := f.(type) {
	case store.StringMatch:
		switch f.Mode {
		case store.StringExact:
			return s + `.exact = ` + b.Arg(f.Value), nil
		case store.StringContains:
			return s + `.value LIKE ` + b.Arg("%"+likeEscape(f.Value)+"%") + ` ESCAPE '\'`, nil
		default:
			return b.startsWith(s+`.value`, f.Value), nil
		}
	case store.TokenMatch:
		// Rows without a code hold a concept's text only (:text).
		c := []string{s + `.code <> ''`}
		if !f.AnyCode {
			if f.Code == "" {
				return `1 = 0`, nil
			}
			c[0] = s + `.code = ` + b.Arg(f.Code)
		}
		if !f.AnySystem {
			c = append(c, s+`.system = `+b.Arg(f.System))
		}
		return strings.Join(c, ` AND `), nil
	case store.TokenTextMatch:
		if f.Value == "" {
			return s + `.text <> ''`, nil
		}
		return b.startsWith(s+`.text`, f.Value), nil
	case store.DateMatch:
		arg := func(ms int64) string { return b.Arg(ms) }
		return b.dateCond(f, s+`.lo`, s+`.hi`, arg)
	case store.NumberMatch:
		return b.numberCond(f, s+`.value`)
	case store.QuantityMatch:
		c, err := b.numberCond(f.NumberMatch, s+`.value`)
		if err != nil {
			return "", err
		}
		if f.System != "" {
			c += ` AND ` + s + `.system = ` + b.Arg(f.System)
		}
		if f.Code != "" {
			c += ` AND ` + s + `.code = ` + b.Arg(f.Code)
		}
		return c, nil
	case store.ReferenceMatch:
		if f.URL != "" {
			return s + `.url = ` + b.Arg(f.URL), nil
		}
		c := s + `.target_id = ` + b.Arg(f.ID)
		if f.Type != "" {
			c += ` AND ` + s + `.target_type = ` + b.Arg(f.Type)
		} else {
			c += ` AND ` + s + `.target_type <> ''`
		}
		return c, nil
	case store.URIMatch:
		switch f.Mode {
		case store.URIBelow:
			return b.startsWith(s+`.value`, f.Value), nil
		case store.URIAbove:
			v := b.Arg(f.Value)
			return `substr(` + v + `, 1, length(` + s + `.value)) = ` + s + `.value`, nil
		default:
			return s + `.value = ` + b.Arg(f.Value), nil
		}
	}
	return "", fmt.Errorf("sqlsearch: %T is not a value match", f)
}

// dateCond applies the FHIR prefix semantics to a search range [f.Lo, f.Hi]
// and a row range [lo, hi] (FHIR R4 3.1.1.4.6):
//
//	eq  the row range lies within the search range; ne it does not
//	gt  the row range extends above it; lt below it
//	ge  the row range reaches the search range or above; le at or below
//	sa  the row range starts after it; eb ends before it
//	ap  the row range overlaps the (already widened) search range
func (b *Builder) dateCond(f store.DateMatch, lo, hi string, arg func(int64) string) (string, error) {
	switch f.Prefix {
	case store.Eq, "":
		return lo + ` >= ` + arg(f.Lo) + ` AND ` + hi + ` <= ` + arg(f.Hi), nil
	case store.Ne:
		return `NOT (` + lo + ` >= ` + arg(f.Lo) + ` AND ` + hi + ` <= ` + arg(f.Hi) + `)`, nil
	case store.Gt:
		return hi + ` > ` + arg(f.Hi), nil
	case store.Lt:
		return lo + ` < ` + arg(f.Lo), nil
	case store.Ge:
		return hi + ` >= ` + arg(f.Lo), nil
	case store.Le:
		return lo + ` <= ` + arg(f.Hi), nil
	case store.Sa:
		return lo + ` > ` + arg(f.Hi), nil
	case store.Eb:
		return hi + ` < ` + arg(f.Lo), nil
	case store.Ap:
		return lo + ` <= ` + arg(f.Hi) + ` AND ` + hi + ` >= ` + arg(f.Lo), nil
	}
	return "", fmt.Errorf("sqlsearch: date prefix %q", f.Prefix)
}

// numberCond compares a row's value (a point) with a number search.
func (b *Builder) numberCond(f store.NumberMatch, col string) (string, error) {
	switch f.Prefix {
	case store.Eq, "":
		return col + ` >= ` + b.Arg(f.Lo) + ` AND ` + col + ` < ` + b.Arg(f.Hi), nil
	case store.Ne:
		return `NOT (` + col + ` >= ` + b.Arg(f.Lo) + ` AND ` + col + ` < ` + b.Arg(f.Hi) + `)`, nil
	case store.Ap:
		return col + ` >= ` + b.Arg(f.Lo) + ` AND ` + col + ` <= ` + b.Arg(f.Hi), nil
	case store.Gt, store.Sa:
		return col + ` > ` + b.Arg(f.Value), nil
	case store.Lt, store.Eb:
		return col + ` < ` + b.Arg(f.Value), nil
	case store.Ge:
		return col + ` >= ` + b.Arg(f.Value), nil
	case store.Le:
		return col + ` <= ` + b.Arg(f.Value), nil
	}
	return "", fmt.Errorf("sqlsearch: number prefix %q", f.Prefix)
}

// chain: alias's reference Param points at a current resource of f.Types
// matching f.Where.
func (b *Builder) chain(alias string, types []string, f store.Chain) (string, error) {
	if b.depth++; b.depth > MaxDepth {
		return "", fmt.Errorf("sqlsearch: chains nested deeper than %d", MaxDepth)
	}
	defer func() { b.depth-- }()
	s, t := b.newAlias("s"), b.newAlias("t")
	from := b.indexScope(s, store.ReferenceTable, types, f.Param)
	inner, err := b.where(t, f.Types, []store.Filter{f.Where})
	if err != nil {
		return "", err
	}
	var cond string
	if len(f.Types) == 1 {
		cond = s + `.target_type = ` + b.Arg(f.Types[0]) + ` AND ` + s + `.target_id IN (SELECT ` + t + `.id FROM resources ` + t + ` WHERE ` + inner + `)`
	} else {
		cond = `(` + s + `.target_type, ` + s + `.target_id) IN (SELECT ` + t + `.type, ` + t + `.id FROM resources ` + t + ` WHERE ` + inner + `)`
	}
	return member(alias, types, s+`.type`, s+`.id`, from+` AND `+cond), nil
}

// has: a current resource of f.Type matching f.Where points at alias
// through its reference f.Param.
func (b *Builder) has(alias string, types []string, f store.Has) (string, error) {
	if b.depth++; b.depth > MaxDepth {
		return "", fmt.Errorf("sqlsearch: _has nested deeper than %d", MaxDepth)
	}
	defer func() { b.depth-- }()
	s, t := b.newAlias("s"), b.newAlias("t")
	inner, err := b.where(t, []string{f.Type}, []store.Filter{f.Where})
	if err != nil {
		return "", err
	}
	from := `FROM search_reference ` + s + ` WHERE ` + s + `.tenant = ` + b.Tenant() +
		` AND ` + s + `.type = ` + b.Arg(f.Type) + ` AND ` + s + `.param = ` + b.Arg(f.Param)
	if len(types) > 0 {
		from += ` AND ` + s + `.target_type ` + b.in(types)
	}
	from += ` AND ` + s + `.id IN (SELECT ` + t + `.id FROM resources ` + t + ` WHERE ` + inner + `)`
	return member(alias, types, s+`.target_type`, s+`.target_id`, from), nil
}

// composite: one item (grp) of composite f.Param whose component rows,
// each in its table under its own param, all match.
func (b *Builder) composite(alias string, types []string, f store.Composite) (string, error) {
	if len(f.Parts) == 0 {
		return "", fmt.Errorf("sqlsearch: composite %q without parts", f.Param)
	}
	var (
		first string
		from  strings.Builder
		conds []string
	)
	for i, p := range f.Parts {
		table, param, ok := matchTable(p)
		if !ok {
			return "", fmt.Errorf("sqlsearch: composite part %T", p)
		}
		s := b.newAlias("c")
		if i == 0 {
			first = s
			from.WriteString(`FROM search_` + string(table) + ` ` + s)
		} else {
			from.WriteString(` JOIN search_` + string(table) + ` ` + s + ` ON ` + s + `.tenant = ` + first + `.tenant AND ` +
				s + `.type = ` + first + `.type AND ` + s + `.id = ` + first + `.id AND ` + s + `.grp = ` + first + `.grp`)
		}
		c, err := b.match(s, p)
		if err != nil {
			return "", err
		}
		conds = append(conds, s+`.param = `+b.Arg(param)+` AND `+c)
	}
	where := ` WHERE ` + first + `.tenant = ` + b.Tenant()
	if len(types) > 0 {
		where += ` AND ` + first + `.type ` + b.in(types)
	}
	where += ` AND ` + first + `.grp > 0 AND ` + strings.Join(conds, ` AND `)
	return member(alias, types, first+`.type`, first+`.id`, from.String()+where), nil
}

// sameValue: one row of the filters' table and parameter meets them all.
func (b *Builder) sameValue(alias string, types []string, f store.SameValue) (string, error) {
	if len(f.Filters) == 0 {
		return "", fmt.Errorf("sqlsearch: SameValue without filters")
	}
	table, param, ok := matchTable(f.Filters[0])
	if !ok {
		return "", fmt.Errorf("sqlsearch: SameValue of %T", f.Filters[0])
	}
	s := b.newAlias("s")
	from := b.indexScope(s, table, types, param)
	for _, m := range f.Filters {
		if t, p, ok := matchTable(m); !ok || t != table || p != param {
			return "", fmt.Errorf("sqlsearch: SameValue mixes %s/%s with %T", table, param, m)
		}
		c, err := b.match(s, m)
		if err != nil {
			return "", err
		}
		from += ` AND ` + c
	}
	return member(alias, types, s+`.type`, s+`.id`, from), nil
}

// sortColumns maps an index table to the column _sort orders by, for
// ascending and descending order.
var sortColumns = map[store.Table][2]string{
	store.StringTable:    {"value", "value"},
	store.TokenTable:     {"code", "code"},
	store.DateTable:      {"lo", "hi"},
	store.NumberTable:    {"value", "value"},
	store.QuantityTable:  {"value", "value"},
	store.ReferenceTable: {"target_id", "target_id"},
	store.URITable:       {"value", "value"},
}

// sortKey is one ORDER BY key: an expression over the resource row and
// its direction (with NULLS LAST: resources without a value come last).
type sortKey struct{ expr, dir string }

// sortKeys builds the sort keys of sorts; type and id, the tie-break,
// follow them.
func (b *Builder) sortKeys(alias string, sorts []store.Sort) ([]sortKey, error) {
	var keys []sortKey
	for _, s := range sorts {
		dir := ` ASC NULLS LAST`
		if s.Desc {
			dir = ` DESC NULLS LAST`
		}
		switch s.Param {
		case "_id":
			keys = append(keys, sortKey{alias + `.id`, dir})
			continue
		case "_lastUpdated":
			keys = append(keys, sortKey{alias + `.last_updated`, dir})
			continue
		}
		cols, ok := sortColumns[s.Table]
		if !ok {
			return nil, fmt.Errorf("sqlsearch: cannot sort by %q in table %q", s.Param, s.Table)
		}
		col, agg := cols[0], `MIN`
		if s.Desc {
			col, agg = cols[1], `MAX`
		}
		x := b.newAlias("o")
		value := x + `.` + col
		if s.Table == store.TokenTable {
			value = `NULLIF(` + value + `, '')` // a text-only row has no code to sort by
		}
		keys = append(keys, sortKey{`(SELECT ` + agg + `(` + value + `) FROM search_` + string(s.Table) + ` ` + x +
			` WHERE ` + x + `.tenant = ` + alias + `.tenant AND ` + x + `.type = ` + alias + `.type AND ` + x + `.id = ` + alias + `.id AND ` +
			x + `.param = ` + b.Arg(s.Param) + `)`, dir})
	}
	return keys, nil
}

// Related returns the query of a RelatedQuery.
func Related(d Dialect, tenant string, q store.RelatedQuery) (string, []any) {
	b := &Builder{d: d, tenant: tenant}
	s := b.newAlias("s")
	var cond string
	if !q.Reverse {
		// References held by Refs (all of SourceType).
		ids := make([]string, 0, len(q.Refs))
		for _, r := range q.Refs {
			if r.Type == q.SourceType {
				ids = append(ids, r.ID)
			}
		}
		if len(ids) == 0 {
			ids = []string{""}
		}
		from := `FROM search_reference ` + s + ` WHERE ` + s + `.tenant = ` + b.Tenant() +
			` AND ` + s + `.type = ` + b.Arg(q.SourceType) + ` AND ` + s + `.id ` + b.in(ids) + ` AND ` + s + `.target_type <> ''`
		if q.Param != "*" {
			from += ` AND ` + s + `.param = ` + b.Arg(q.Param)
		}
		if q.TargetType != "" {
			from += ` AND ` + s + `.target_type = ` + b.Arg(q.TargetType)
		}
		cond = `(r.type, r.id) IN (SELECT ` + s + `.target_type, ` + s + `.target_id ` + from + `)`
	} else {
		// Resources of SourceType pointing at Refs, grouped by target type.
		byType := map[string][]string{}
		var order []string
		for _, r := range q.Refs {
			if _, ok := byType[r.Type]; !ok {
				order = append(order, r.Type)
			}
			byType[r.Type] = append(byType[r.Type], r.ID)
		}
		targets := make([]string, 0, len(order))
		for _, typ := range order {
			targets = append(targets, `(`+s+`.target_type = `+b.Arg(typ)+` AND `+s+`.target_id `+b.in(byType[typ])+`)`)
		}
		if len(targets) == 0 {
			targets = []string{`1 = 0`}
		}
		from := `FROM search_reference ` + s + ` WHERE ` + s + `.tenant = ` + b.Tenant() +
			` AND ` + s + `.type = ` + b.Arg(q.SourceType)
		if q.Param != "*" {
			from += ` AND ` + s + `.param = ` + b.Arg(q.Param)
		}
		from += ` AND (` + strings.Join(targets, ` OR `) + `)`
		cond = `r.type = ` + b.Arg(q.SourceType) + ` AND r.id IN (SELECT ` + s + `.id ` + from + `)`
	}
	query := `SELECT ` + columns("r") + ` FROM resources r JOIN resource_versions v
		ON v.tenant = r.tenant AND v.type = r.type AND v.id = r.id AND v.version = r.version
		WHERE r.tenant = ` + b.Tenant() + ` AND ` + d.NotDeleted("r") + ` AND ` + cond +
		` ORDER BY r.type, r.id LIMIT ` + b.Arg(q.Limit)
	return query, b.args
}
