package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kiln-health/kiln/fhir/store"
)

// Statements prepared at Open (see pool.prepare).
const (
	// qCurrent follows the resources pointer to its version.
	qCurrent = `SELECT v.version, v.last_updated, v.method, v.deleted, v.body, v.seq
		FROM resources r JOIN resource_versions v
			ON v.tenant = r.tenant AND v.type = r.type AND v.id = r.id AND v.version = r.version
		WHERE r.tenant = ? AND r.type = ? AND r.id = ?`
	qVersion = `SELECT ` + versionColumns + ` FROM resource_versions
		WHERE tenant = ? AND type = ? AND id = ? AND version = ?`
	qCurrentVersion = `SELECT version FROM resources WHERE tenant = ? AND type = ? AND id = ?`
	qInsertVersion  = `INSERT INTO resource_versions (tenant, type, id, version, last_updated, method, deleted, body)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	qUpsertResource = `INSERT INTO resources (tenant, type, id, version, last_updated, deleted)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant, type, id) DO UPDATE
		SET version = excluded.version, last_updated = excluded.last_updated, deleted = excluded.deleted`
)

// versionColumns are the columns scanResource reads, after any it is told
// to read first.
const versionColumns = `version, last_updated, method, deleted, body, seq`

// tx is a store.Tx on one SQLite transaction. Like sql.Tx, it is not safe
// for concurrent use.
type tx struct {
	tx       *sql.Tx
	prepared map[string]*sql.Stmt // the pool's statements
	bound    map[string]*sql.Stmt // prepared, bound to tx on first use
	tenant   string
	writable bool
}

var _ store.Tx = (*tx)(nil)

// stmt returns the prepared statement of query bound to the transaction.
func (t *tx) stmt(ctx context.Context, query string) *sql.Stmt {
	s, ok := t.bound[query]
	if !ok {
		s = t.tx.StmtContext(ctx, t.prepared[query])
		t.bound[query] = s
	}
	return s
}

func (t *tx) Current(ctx context.Context, typ, id string) (store.Resource, error) {
	r := store.Resource{Type: typ, ID: id}
	row := t.stmt(ctx, qCurrent).QueryRowContext(ctx, t.tenant, typ, id)
	if err := scanResource(row, &r); err != nil {
		return store.Resource{}, fmt.Errorf("sqlite: current %s/%s: %w", typ, id, notFound(err))
	}
	return r, nil
}

func (t *tx) Version(ctx context.Context, typ, id string, version int64) (store.Resource, error) {
	r := store.Resource{Type: typ, ID: id}
	row := t.stmt(ctx, qVersion).QueryRowContext(ctx, t.tenant, typ, id, version)
	if err := scanResource(row, &r); err != nil {
		return store.Resource{}, fmt.Errorf("sqlite: version %s/%s/_history/%d: %w", typ, id, version, notFound(err))
	}
	return r, nil
}

func (t *tx) History(ctx context.Context, q store.HistoryQuery) ([]store.Resource, error) {
	if q.ID != "" && q.Type == "" {
		return nil, errors.New("sqlite: history: ID without Type")
	}
	var query strings.Builder
	query.WriteString(`SELECT type, id, ` + versionColumns + ` FROM resource_versions WHERE tenant = ?`)
	args := []any{t.tenant}
	if q.Type != "" {
		query.WriteString(` AND type = ?`)
		args = append(args, q.Type)
	}
	// seq is the cursor and the order. For one resource, though, SQLite
	// should read just that resource's rows from the (tenant, type, id,
	// version) index instead of walking the type's seq index: a resource's
	// versions are written in order, so ordering by version is ordering by
	// seq, and the unary + keeps the seq bound from steering SQLite to the
	// seq index.
	order, seq := "seq", "seq"
	if q.ID != "" {
		query.WriteString(` AND id = ?`)
		args = append(args, q.ID)
		order, seq = "version", "+seq"
	}
	if !q.Since.IsZero() {
		query.WriteString(` AND last_updated >= ?`)
		args = append(args, q.Since.UnixMilli())
	}
	if q.BeforeSeq != 0 {
		query.WriteString(` AND ` + seq + ` < ?`)
		args = append(args, q.BeforeSeq)
	}
	query.WriteString(` ORDER BY ` + order + ` DESC LIMIT ?`)
	args = append(args, q.Limit)

	rows, err := t.tx.QueryContext(ctx, query.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: history: %w", err)
	}
	defer rows.Close()
	var rs []store.Resource
	for rows.Next() {
		var r store.Resource
		if err := scanResource(rows, &r, &r.Type, &r.ID); err != nil {
			return nil, fmt.Errorf("sqlite: history: %w", err)
		}
		rs = append(rs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: history: %w", err)
	}
	return rs, nil
}

// Lock is a no-op beyond checking the transaction is read-write: SQLite
// read-write transactions already run one at a time (one writer connection,
// BEGIN IMMEDIATE), so nothing else can interleave.
func (t *tx) Lock(ctx context.Context, key string) error {
	if !t.writable {
		return errors.New("sqlite: lock in a read-only transaction")
	}
	return nil
}

func (t *tx) Write(ctx context.Context, writes []store.Write) error {
	if !t.writable {
		return errors.New("sqlite: write in a read-only transaction")
	}
	// Index rows go in last, all resources' rows of a table together (few
	// multi-row INSERTs instead of one per row), and only for each
	// resource's last write: an earlier version's rows would be stale.
	last := make(map[store.Ref]int, len(writes))
	for i, w := range writes {
		if err := t.write(ctx, w); err != nil {
			return fmt.Errorf("sqlite: write %s/%s/_history/%d: %w", w.Type, w.ID, w.Version, err)
		}
		last[store.Ref{Type: w.Type, ID: w.ID}] = i
	}
	entries := make([]store.IndexEntry, 0, len(writes))
	for i, w := range writes {
		if last[store.Ref{Type: w.Type, ID: w.ID}] == i && !w.Deleted {
			entries = append(entries, store.IndexEntry{Type: w.Type, ID: w.ID, Version: w.Version, Index: w.Index})
		}
	}
	if err := t.insertIndexes(ctx, entries); err != nil {
		return fmt.Errorf("sqlite: write %d resources: %w", len(writes), err)
	}
	return nil
}

func (t *tx) write(ctx context.Context, w store.Write) error {
	if w.Version < 1 {
		return errors.New("version must be at least 1")
	}
	// The transaction holds the write lock, so the version read here is
	// still current when the new one is inserted.
	var current int64
	err := t.stmt(ctx, qCurrentVersion).QueryRowContext(ctx, t.tenant, w.Type, w.ID).Scan(&current)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if current != w.Version-1 {
		return fmt.Errorf("current version is %d: %w", current, store.ErrConflict)
	}

	var body any // NULL for tombstones
	if !w.Deleted {
		body = w.Body
	}
	lastUpdated := w.LastUpdated.UnixMilli()
	if _, err := t.stmt(ctx, qInsertVersion).ExecContext(ctx,
		t.tenant, w.Type, w.ID, w.Version, lastUpdated, string(w.Method), w.Deleted, body); err != nil {
		if isConflict(err) {
			return fmt.Errorf("%w: %w", store.ErrConflict, err)
		}
		return err
	}
	if _, err := t.stmt(ctx, qUpsertResource).ExecContext(ctx,
		t.tenant, w.Type, w.ID, w.Version, lastUpdated, w.Deleted); err != nil {
		return err
	}

	// Index rows describe the current version only.
	if w.Version > 1 {
		return t.deleteIndex(ctx, w.Type, w.ID)
	}
	return nil
}

// scanResource scans versionColumns into r, after the columns of first.
func scanResource(row interface{ Scan(...any) error }, r *store.Resource, first ...any) error {
	var (
		lastUpdated int64
		method      string
	)
	dest := append(first, &r.Version, &lastUpdated, &method, &r.Deleted, &r.Body, &r.Seq)
	if err := row.Scan(dest...); err != nil {
		return err
	}
	r.LastUpdated = time.UnixMilli(lastUpdated).UTC()
	r.Method = store.Method(method)
	return nil
}

// notFound turns sql.ErrNoRows into store.ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}
