package sqlsearch

import "github.com/kiln-health/kiln/fhir/store"

// IndexTables are the index tables every resource may have rows in (not
// counting full text, which the backends keep in their own way).
var IndexTables = []string{
	"search_string", "search_token", "search_date", "search_number",
	"search_quantity", "search_reference", "search_uri",
}

// Columns of each index table after the common tenant, type, id, param and
// grp.
var valueColumns = map[string][]string{
	"search_string":    {"value", "exact"},
	"search_token":     {"system", "code", "text"},
	"search_date":      {"lo", "hi"},
	"search_number":    {"value"},
	"search_quantity":  {"system", "code", "value"},
	"search_reference": {"target_type", "target_id", "url"},
	"search_uri":       {"value"},
}

// TableRows are the rows of one index table for one resource: each row is
// param, grp, then the table's value columns (Columns lists them all after
// tenant, type and id, which the backend adds).
type TableRows struct {
	Table   string
	Columns []string
	Rows    [][]any
}

// IndexRows flattens an index into rows per table, skipping empty tables.
func IndexRows(x *store.Index) []TableRows {
	var out []TableRows
	add := func(table string, n int, row func(i int) []any) {
		if n == 0 {
			return
		}
		rows := make([][]any, n)
		for i := range rows {
			rows[i] = row(i)
		}
		out = append(out, TableRows{Table: table, Columns: append([]string{"param", "grp"}, valueColumns[table]...), Rows: rows})
	}
	add("search_string", len(x.Strings), func(i int) []any {
		v := x.Strings[i]
		return []any{v.Param, v.Group, v.Value, v.Exact}
	})
	add("search_token", len(x.Tokens), func(i int) []any {
		v := x.Tokens[i]
		return []any{v.Param, v.Group, v.System, v.Code, v.Text}
	})
	add("search_date", len(x.Dates), func(i int) []any {
		v := x.Dates[i]
		return []any{v.Param, v.Group, v.Lo, v.Hi}
	})
	add("search_number", len(x.Numbers), func(i int) []any {
		v := x.Numbers[i]
		return []any{v.Param, v.Group, v.Value}
	})
	add("search_quantity", len(x.Quantities), func(i int) []any {
		v := x.Quantities[i]
		return []any{v.Param, v.Group, v.System, v.Code, v.Value}
	})
	add("search_reference", len(x.References), func(i int) []any {
		v := x.References[i]
		return []any{v.Param, v.Group, v.Type, v.ID, v.URL}
	})
	add("search_uri", len(x.URIs), func(i int) []any {
		v := x.URIs[i]
		return []any{v.Param, v.Group, v.Value}
	})
	return out
}

// IndexColumns returns the columns of table after tenant, type and id.
func IndexColumns(table string) []string {
	return append([]string{"param", "grp"}, valueColumns[table]...)
}
