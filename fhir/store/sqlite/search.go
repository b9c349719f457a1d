package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/fhir/store/internal/sqlsearch"
)

// dialect tells sqlsearch about SQLite: "?" placeholders, 0/1 booleans,
// times as Unix milliseconds and FTS5 for full text.
type dialect struct{}

func (dialect) Placeholder(n int) string       { return "?" + strconv.Itoa(n) }
func (dialect) NotDeleted(alias string) string { return alias + ".deleted = 0" }
func (dialect) LastUpdated(ms int64) any       { return ms }

// TextTable: search_text_doc maps resources to the rowids of the FTS5
// table search_text.
func (dialect) TextTable() string { return "search_text_doc" }

func (dialect) TextMatch(b *sqlsearch.Builder, m store.TextMatch) string {
	col := "narrative"
	if m.Content {
		col = "content"
	}
	// Terms are letters and digits only (search.Words); quoting them keeps
	// FTS5 from reading any as an operator (AND, NOT, NEAR).
	parts := make([]string, len(m.Terms))
	for i, t := range m.Terms {
		parts[i] = col + ` : "` + t + `"`
	}
	return `d.rowid IN (SELECT rowid FROM search_text WHERE search_text MATCH ` + b.Arg(strings.Join(parts, " AND ")) + `)`
}

func (t *tx) Search(ctx context.Context, q store.Query) ([]store.Resource, int, error) {
	page, pageArgs, count, countArgs, err := sqlsearch.Search(dialect{}, t.tenant, q)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: search: %w", err)
	}
	total := -1
	if count != "" {
		if err := t.tx.QueryRowContext(ctx, count, countArgs...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("sqlite: search count: %w", err)
		}
	}
	if page == "" {
		return nil, total, nil
	}
	rs, err := t.query(ctx, page, pageArgs)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: search: %w", err)
	}
	return rs, total, nil
}

func (t *tx) Related(ctx context.Context, q store.RelatedQuery) ([]store.Resource, error) {
	query, args := sqlsearch.Related(dialect{}, t.tenant, q)
	rs, err := t.query(ctx, query, args)
	if err != nil {
		return nil, fmt.Errorf("sqlite: related: %w", err)
	}
	return rs, nil
}

// query runs a sqlsearch query (type, id, then the version columns).
func (t *tx) query(ctx context.Context, query string, args []any) ([]store.Resource, error) {
	rows, err := t.tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var rs []store.Resource
	for rows.Next() {
		var r store.Resource
		if err := scanResource(rows, &r, &r.Type, &r.ID); err != nil {
			return nil, err
		}
		rs = append(rs, r)
	}
	return rs, rows.Err()
}

// Index statements, prepared at Open on the write pool: per table a delete
// and inserts of chunkSizes rows at a time.
var chunkSizes = []int{128, 16, 1}

const (
	// A resource's search_text_doc row stays (its docid is reused by
	// the next version); only its full-text row goes.
	qDeleteTextRow = `DELETE FROM search_text WHERE rowid = (SELECT docid FROM search_text_doc WHERE tenant = ? AND type = ? AND id = ?)`
)

// insertTextDocs and insertTexts are the multi-row statements that give
// resources their docids and full-text rows.
func insertTextDocs(rows int) string {
	return `INSERT OR IGNORE INTO search_text_doc (tenant, type, id) VALUES ` + repeatRow("(?, ?, ?)", rows)
}

func insertTexts(rows int) string {
	return `INSERT INTO search_text (rowid, narrative, content) VALUES ` +
		repeatRow("((SELECT docid FROM search_text_doc WHERE tenant = ? AND type = ? AND id = ?), ?, ?)", rows)
}

func repeatRow(row string, n int) string {
	return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

func deleteIndexQuery(table string) string {
	return `DELETE FROM ` + table + ` WHERE tenant = ? AND type = ? AND id = ?`
}

func insertIndexQuery(table string, rows int) string {
	cols := append([]string{"tenant", "type", "id"}, sqlsearch.IndexColumns(table)...)
	// OR IGNORE: a row repeated within one resource (Extract removes
	// repeats, other writers may not) is one row of the primary key.
	return `INSERT OR IGNORE INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES ` +
		repeatRow("("+repeatRow("?", len(cols))+")", rows)
}

// indexQueries lists every index statement, for preparing.
func indexQueries() []string {
	qs := []string{qDeleteTextRow}
	for _, n := range chunkSizes {
		qs = append(qs, insertTextDocs(n), insertTexts(n))
	}
	for _, table := range sqlsearch.IndexTables {
		qs = append(qs, deleteIndexQuery(table))
		for _, n := range chunkSizes {
			qs = append(qs, insertIndexQuery(table, n))
		}
	}
	return qs
}

// deleteIndex removes the index rows of a resource.
func (t *tx) deleteIndex(ctx context.Context, typ, id string) error {
	for _, table := range sqlsearch.IndexTables {
		if _, err := t.stmt(ctx, deleteIndexQuery(table)).ExecContext(ctx, t.tenant, typ, id); err != nil {
			return fmt.Errorf("delete %s rows: %w", table, err)
		}
	}
	if _, err := t.stmt(ctx, qDeleteTextRow).ExecContext(ctx, t.tenant, typ, id); err != nil {
		return fmt.Errorf("delete text: %w", err)
	}
	return nil
}

// insertIndexes writes the index rows of resources that have none, each
// table's rows of all resources in as few multi-row INSERTs as chunkSizes
// allow.
func (t *tx) insertIndexes(ctx context.Context, entries []store.IndexEntry) error {
	byTable := map[string][][]any{}
	var tables []string
	for i := range entries {
		e := &entries[i]
		for _, tr := range sqlsearch.IndexRows(&e.Index) {
			if _, ok := byTable[tr.Table]; !ok {
				tables = append(tables, tr.Table)
			}
			for _, row := range tr.Rows {
				byTable[tr.Table] = append(byTable[tr.Table], append([]any{t.tenant, e.Type, e.ID}, row...))
			}
		}
	}
	for _, table := range tables {
		if err := t.insertChunked(ctx, func(n int) string { return insertIndexQuery(table, n) }, byTable[table]); err != nil {
			return fmt.Errorf("insert %s rows: %w", table, err)
		}
	}
	var docs, texts [][]any
	for i := range entries {
		e := &entries[i]
		if e.Index.Narrative != "" || e.Index.Content != "" {
			docs = append(docs, []any{t.tenant, e.Type, e.ID})
			texts = append(texts, []any{t.tenant, e.Type, e.ID, e.Index.Narrative, e.Index.Content})
		}
	}
	if err := t.insertChunked(ctx, insertTextDocs, docs); err != nil {
		return fmt.Errorf("insert text documents: %w", err)
	}
	if err := t.insertChunked(ctx, insertTexts, texts); err != nil {
		return fmt.Errorf("insert text: %w", err)
	}
	return nil
}

// insertChunked inserts rows with the multi-row statements query(n), n
// taken from chunkSizes, largest first.
func (t *tx) insertChunked(ctx context.Context, query func(n int) string, rows [][]any) error {
	for _, n := range chunkSizes {
		for len(rows) >= n {
			args := make([]any, 0, n*len(rows[0]))
			for _, row := range rows[:n] {
				args = append(args, row...)
			}
			if _, err := t.stmt(ctx, query(n)).ExecContext(ctx, args...); err != nil {
				return err
			}
			rows = rows[n:]
		}
	}
	return nil
}

func (t *tx) WriteIndex(ctx context.Context, entries []store.IndexEntry) error {
	if !t.writable {
		return errors.New("sqlite: write index in a read-only transaction")
	}
	current := entries[:0:0]
	for _, e := range entries {
		// One writer at a time: the version read here stays current until
		// the transaction ends.
		var version int64
		err := t.tx.QueryRowContext(ctx, `SELECT version FROM resources WHERE tenant = ? AND type = ? AND id = ? AND deleted = 0`,
			t.tenant, e.Type, e.ID).Scan(&version)
		if errors.Is(err, sql.ErrNoRows) || err == nil && version != e.Version {
			continue // deleted or updated since it was read
		}
		if err != nil {
			return fmt.Errorf("sqlite: reindex %s/%s: %w", e.Type, e.ID, err)
		}
		if err := t.deleteIndex(ctx, e.Type, e.ID); err != nil {
			return fmt.Errorf("sqlite: reindex %s/%s: %w", e.Type, e.ID, err)
		}
		current = append(current, e)
	}
	if err := t.insertIndexes(ctx, current); err != nil {
		return fmt.Errorf("sqlite: reindex: %w", err)
	}
	return nil
}

// IndexVersion returns the index version recorded by SetIndexVersion.
func (s *Store) IndexVersion(ctx context.Context) (string, error) {
	var v string
	err := s.read.db.QueryRowContext(ctx, `SELECT value FROM store_meta WHERE key = 'index_version'`).Scan(&v)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("sqlite: index version: %w", err)
	}
	return v, nil
}

// SetIndexVersion records the index version.
func (s *Store) SetIndexVersion(ctx context.Context, version string) error {
	_, err := s.write.db.ExecContext(ctx, `INSERT INTO store_meta (key, value) VALUES ('index_version', ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, version)
	if err != nil {
		return fmt.Errorf("sqlite: set index version: %w", err)
	}
	return nil
}
