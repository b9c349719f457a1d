package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/fhir/store/internal/sqlsearch"
)

// dialect tells sqlsearch about PostgreSQL: $n placeholders, booleans,
// timestamptz and tsvector full text.
type dialect struct{}

func (dialect) Placeholder(n int) string       { return "$" + strconv.Itoa(n) }
func (dialect) NotDeleted(alias string) string { return "NOT " + alias + ".deleted" }
func (dialect) LastUpdated(ms int64) any {
	return time.UnixMilli(ms).UTC()
}

func (dialect) TextTable() string { return "search_text" }

func (dialect) TextMatch(b *sqlsearch.Builder, m store.TextMatch) string {
	// Terms are letters and digits only (search.Words), so they are safe
	// tsquery operands; the query itself is still a bound value. Narrative
	// words carry weight A (see the migration).
	weight := ":A"
	if m.Content {
		weight = ""
	}
	parts := make([]string, len(m.Terms))
	for i, t := range m.Terms {
		parts[i] = "'" + t + "'" + weight
	}
	return `d.doc @@ to_tsquery('simple', ` + b.Arg(strings.Join(parts, " & ")) + `)`
}

// scanSearch scans the columns of sqlsearch queries.
func scanSearch(row pgx.CollectableRow) (store.Resource, error) {
	var r store.Resource
	var method string
	err := row.Scan(&r.Type, &r.ID, &r.Version, &r.LastUpdated, &method, &r.Deleted, &r.Body, &r.Seq)
	r.LastUpdated = r.LastUpdated.UTC()
	r.Method = store.Method(method)
	return r, err
}

func (t *tx) Search(ctx context.Context, q store.Query) ([]store.Resource, int, error) {
	page, pageArgs, count, countArgs, err := sqlsearch.Search(dialect{}, t.tenant, q)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: search: %w", err)
	}
	total := -1
	if count != "" {
		if err := t.tx.QueryRow(ctx, count, countArgs...).Scan(&total); err != nil {
			return nil, 0, wrap("search count", err)
		}
	}
	if page == "" {
		return nil, total, nil
	}
	rows, _ := t.tx.Query(ctx, page, pageArgs...)
	rs, err := pgx.CollectRows(rows, scanSearch)
	if err != nil {
		return nil, 0, wrap("search", err)
	}
	return rs, total, nil
}

func (t *tx) Related(ctx context.Context, q store.RelatedQuery) ([]store.Resource, error) {
	query, args := sqlsearch.Related(dialect{}, t.tenant, q)
	rows, _ := t.tx.Query(ctx, query, args...)
	rs, err := pgx.CollectRows(rows, scanSearch)
	if err != nil {
		return nil, wrap("related", err)
	}
	return rs, nil
}

func (t *tx) WriteIndex(ctx context.Context, entries []store.IndexEntry) error {
	if t.readOnly {
		return errors.New("postgres: write index in a read-only transaction")
	}
	// Lock the resources still at the version indexed; skip the others
	// (updated or deleted since), whose writers wrote their own index.
	var types, ids []string
	var versions []int64
	for _, e := range entries {
		types, ids, versions = append(types, e.Type), append(ids, e.ID), append(versions, e.Version)
	}
	rows, _ := t.tx.Query(ctx, `SELECT r.type, r.id FROM resources r
		JOIN unnest($2::text[], $3::text[], $4::bigint[]) AS w (type, id, version)
			ON r.type = w.type AND r.id = w.id AND r.version = w.version
		WHERE r.tenant = $1 AND NOT r.deleted
		FOR UPDATE OF r`, t.tenant, types, ids, versions)
	locked, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Ref, error) {
		var r store.Ref
		return r, row.Scan(&r.Type, &r.ID)
	})
	if err != nil {
		return wrap("reindex: lock resources", err)
	}
	current := make(map[store.Ref]bool, len(locked))
	for _, r := range locked {
		current[r] = true
	}
	var (
		b     pgx.Batch
		index indexRows
	)
	types, ids = types[:0], ids[:0]
	for i := range entries {
		e := &entries[i]
		if !current[store.Ref{Type: e.Type, ID: e.ID}] {
			continue
		}
		types = append(types, e.Type)
		ids = append(ids, e.ID)
		index.add(e.Type, e.ID, &e.Index)
		t.rows += e.Index.Rows()
	}
	queueDeleteIndex(&b, t.tenant, types, ids)
	index.queue(&b, t.tenant)
	if err := t.tx.SendBatch(ctx, &b).Close(); err != nil {
		return wrap(fmt.Sprintf("reindex %d resources", len(entries)), err)
	}
	return nil
}

// queueDeleteIndex queues the deletion of the index rows of resources.
func queueDeleteIndex(b *pgx.Batch, tenant string, types, ids []string) {
	for _, table := range append(sqlsearch.IndexTables, "search_text") {
		b.Queue(`DELETE FROM `+table+` s USING unnest($2::text[], $3::text[]) AS w (type, id)
			WHERE s.tenant = $1 AND s.type = w.type AND s.id = w.id`, tenant, types, ids)
	}
}

// indexRows gathers the index rows of several resources as column arrays
// per table, for one INSERT ... SELECT FROM unnest per table.
type indexRows struct {
	tables map[string]*columnar
	order  []string
	// Full-text documents.
	textTypes, textIDs, narratives, contents []string
}

// columnar is one table's rows: resource type and id, then one typed slice
// per column of sqlsearch.IndexColumns.
type columnar struct {
	types, ids []string
	cols       []any // []string, []int32, []int64 or []float64
}

func (x *indexRows) add(typ, id string, idx *store.Index) {
	for _, tr := range sqlsearch.IndexRows(idx) {
		if x.tables == nil {
			x.tables = make(map[string]*columnar)
		}
		c, ok := x.tables[tr.Table]
		if !ok {
			c = &columnar{}
			x.tables[tr.Table] = c
			x.order = append(x.order, tr.Table)
		}
		for _, row := range tr.Rows {
			c.types = append(c.types, typ)
			c.ids = append(c.ids, id)
			if c.cols == nil {
				c.cols = make([]any, len(row))
			}
			for i, v := range row {
				c.cols[i] = appendValue(c.cols[i], v)
			}
		}
	}
	if idx.Narrative != "" || idx.Content != "" {
		x.textTypes = append(x.textTypes, typ)
		x.textIDs = append(x.textIDs, id)
		x.narratives = append(x.narratives, idx.Narrative)
		x.contents = append(x.contents, idx.Content)
	}
}

// appendValue appends v to the typed slice col (nil: a new one).
func appendValue(col, v any) any {
	switch v := v.(type) {
	case string:
		s, _ := col.([]string)
		return append(s, v)
	case int:
		s, _ := col.([]int32)
		return append(s, int32(v))
	case int64:
		s, _ := col.([]int64)
		return append(s, v)
	case float64:
		s, _ := col.([]float64)
		return append(s, v)
	}
	panic(fmt.Sprintf("postgres: index column of type %T", v))
}

// arrayType is the SQL array type of a column slice.
func arrayType(col any) string {
	switch col.(type) {
	case []int32:
		return "int[]"
	case []int64:
		return "bigint[]"
	case []float64:
		return "float8[]"
	}
	return "text[]"
}

// queue queues the inserts of every table with rows.
func (x *indexRows) queue(b *pgx.Batch, tenant string) {
	for _, table := range x.order {
		c := x.tables[table]
		cols := sqlsearch.IndexColumns(table)
		args := []any{tenant, c.types, c.ids}
		casts := []string{"$2::text[]", "$3::text[]"}
		for i, col := range c.cols {
			args = append(args, col)
			casts = append(casts, "$"+strconv.Itoa(i+4)+"::"+arrayType(col))
		}
		b.Queue(`INSERT INTO `+table+` (tenant, type, id, `+strings.Join(cols, ", ")+`)
			SELECT $1, * FROM unnest(`+strings.Join(casts, ", ")+`)`, args...)
	}
	if len(x.textIDs) > 0 {
		b.Queue(`INSERT INTO search_text (tenant, type, id, doc)
			SELECT $1, w.type, w.id, setweight(to_tsvector('simple', w.narrative), 'A') || to_tsvector('simple', w.content)
			FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS w (type, id, narrative, content)`,
			tenant, x.textTypes, x.textIDs, x.narratives, x.contents)
	}
}

// IndexVersion returns the index version recorded by SetIndexVersion.
func (s *Store) IndexVersion(ctx context.Context) (string, error) {
	var v string
	err := s.pool.QueryRow(ctx, `SELECT value FROM store_meta WHERE key = 'index_version'`).Scan(&v)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return "", wrap("index version", err)
	}
	return v, nil
}

// SetIndexVersion records the index version.
func (s *Store) SetIndexVersion(ctx context.Context, version string) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO store_meta (key, value) VALUES ('index_version', $1)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, version)
	if err != nil {
		return wrap("set index version", err)
	}
	return nil
}
