package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kiln-health/kiln/fhir/store"
)

// tx is a store.Tx on one pgx transaction.
type tx struct {
	tx       pgx.Tx
	tenant   string
	readOnly bool
	rows     int // rows written (versions and index rows), for the analyzer
}

var _ store.Tx = (*tx)(nil)

// resourceColumns are the columns scanResource reads, from
// resource_versions v.
const resourceColumns = `v.type, v.id, v.version, v.last_updated, v.deleted, v.method, v.body, v.seq`

func scanResource(row pgx.CollectableRow) (store.Resource, error) {
	var r store.Resource
	err := row.Scan(&r.Type, &r.ID, &r.Version, &r.LastUpdated, &r.Deleted, &r.Method, &r.Body, &r.Seq)
	r.LastUpdated = r.LastUpdated.UTC()
	return r, err
}

func (t *tx) Current(ctx context.Context, typ, id string) (store.Resource, error) {
	var b pgx.Batch
	if !t.readOnly {
		// Lock the pointer until the transaction ends (see the package
		// documentation), in a statement of its own: a SELECT ... FOR
		// UPDATE of the join below that waits for a concurrent update
		// rechecks the join with the new pointer but the version rows of
		// its old snapshot, finds no match and returns nothing. The next
		// statement takes a new snapshot, which holds the new version.
		// Pipelined, the two cost one round trip.
		b.Queue(`SELECT FROM resources WHERE tenant = $1 AND type = $2 AND id = $3 FOR UPDATE`, t.tenant, typ, id)
	}
	var r store.Resource
	b.Queue(`SELECT `+resourceColumns+`
		FROM resources r
		JOIN resource_versions v USING (tenant, type, id, version)
		WHERE r.tenant = $1 AND r.type = $2 AND r.id = $3`,
		t.tenant, typ, id,
	).Query(func(rows pgx.Rows) (err error) {
		r, err = pgx.CollectExactlyOneRow(rows, scanResource)
		return err
	})
	err := t.tx.SendBatch(ctx, &b).Close()
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Resource{}, fmt.Errorf("postgres: read %s/%s: %w", typ, id, store.ErrNotFound)
	}
	if err != nil {
		return store.Resource{}, wrap(fmt.Sprintf("read %s/%s", typ, id), err)
	}
	return r, nil
}

func (t *tx) Version(ctx context.Context, typ, id string, version int64) (store.Resource, error) {
	rows, _ := t.tx.Query(ctx, `SELECT `+resourceColumns+`
		FROM resource_versions v
		WHERE v.tenant = $1 AND v.type = $2 AND v.id = $3 AND v.version = $4`,
		t.tenant, typ, id, version)
	r, err := pgx.CollectExactlyOneRow(rows, scanResource)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Resource{}, fmt.Errorf("postgres: read %s/%s/_history/%d: %w", typ, id, version, store.ErrNotFound)
	}
	if err != nil {
		return store.Resource{}, wrap(fmt.Sprintf("read %s/%s/_history/%d", typ, id, version), err)
	}
	return r, nil
}

func (t *tx) History(ctx context.Context, q store.HistoryQuery) ([]store.Resource, error) {
	if q.Limit <= 0 {
		return nil, fmt.Errorf("postgres: history: limit %d is not positive", q.Limit)
	}
	if q.ID != "" && q.Type == "" {
		return nil, errors.New("postgres: history: an id requires a type")
	}
	var sb strings.Builder
	args := []any{t.tenant}
	arg := func(a any) int {
		args = append(args, a)
		return len(args)
	}
	sb.WriteString(`SELECT ` + resourceColumns + ` FROM resource_versions v WHERE v.tenant = $1`)
	if q.Type != "" {
		fmt.Fprintf(&sb, " AND v.type = $%d", arg(q.Type))
	}
	if q.ID != "" {
		fmt.Fprintf(&sb, " AND v.id = $%d", arg(q.ID))
	}
	if !q.Since.IsZero() {
		fmt.Fprintf(&sb, " AND v.last_updated >= $%d", arg(q.Since.Truncate(time.Millisecond)))
	}
	if q.BeforeSeq != 0 {
		fmt.Fprintf(&sb, " AND v.seq < $%d", arg(q.BeforeSeq))
	}
	fmt.Fprintf(&sb, " ORDER BY v.seq DESC LIMIT $%d", arg(q.Limit))

	rows, _ := t.tx.Query(ctx, sb.String(), args...)
	rs, err := pgx.CollectRows(rows, scanResource)
	if err != nil {
		return nil, wrap("history", err)
	}
	return rs, nil
}

// versionColumns are the columns Write copies into resource_versions.
var versionColumns = []string{"tenant", "type", "id", "version", "last_updated", "method", "deleted", "body"}

// The statements of Write besides the COPY. Each takes the tenant and
// column arrays of equal length, one element per row.
const (
	// New resources: a row that exists already is a conflict.
	insertResources = `INSERT INTO resources (tenant, type, id, version, last_updated, deleted)
		SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[], $5::timestamptz[], $6::boolean[])
		ON CONFLICT DO NOTHING`

	// Existing resources: a row not at the previous version is a conflict.
	updateResources = `UPDATE resources r
		SET version = w.version, last_updated = w.last_updated, deleted = w.deleted
		FROM unnest($2::text[], $3::text[], $4::bigint[], $5::timestamptz[], $6::boolean[])
			AS w (type, id, version, last_updated, deleted)
		WHERE r.tenant = $1 AND r.type = w.type AND r.id = w.id AND r.version = w.version - 1`
)

// Lock takes a transaction-scoped advisory lock on (tenant, key). Advisory
// locks live in one 64-bit space per database, so the key is hashed; a
// collision only makes two unrelated conditional creates wait for each other.
func (t *tx) Lock(ctx context.Context, key string) error {
	if t.readOnly {
		return errors.New("postgres: lock in a read-only transaction")
	}
	if _, err := t.tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, t.tenant+"/"+key); err != nil {
		return wrap("lock", err)
	}
	return nil
}

func (t *tx) Write(ctx context.Context, writes []store.Write) error {
	if t.readOnly {
		return errors.New("postgres: write in a read-only transaction")
	}
	for _, ws := range rounds(writes) {
		if err := t.write(ctx, ws); err != nil {
			return err
		}
	}
	return nil
}

// rounds splits writes so that no round writes a resource twice: one
// statement cannot both create a row and update it, or update it twice.
// Round i holds the (i+1)th write of each resource, so versions of one
// resource are applied in the order given. Usually there is one round.
func rounds(writes []store.Write) [][]store.Write {
	type key struct{ typ, id string }
	seen := make(map[key]int, len(writes))
	var out [][]store.Write
	for _, w := range writes {
		k := key{w.Type, w.ID}
		i := seen[k]
		seen[k] = i + 1
		if i == len(out) {
			out = append(out, make([]store.Write, 0, len(writes)))
		}
		out[i] = append(out[i], w)
	}
	return out
}

// write writes versions of distinct resources: it copies the versions,
// then sends the statements for pointers and index rows in one batch.
//
// COPY, unlike INSERT, fills pages many rows at a time; with bodies of a
// few kilobytes it makes large Writes half again as fast as an INSERT
// from unnest, at the price of a second round trip, which small Writes
// hardly notice next to their commit.
func (t *tx) write(ctx context.Context, writes []store.Write) error {
	var created, updated pointerRows
	var index indexRows
	versions := make([][]any, 0, len(writes))
	for _, w := range writes {
		// Both backends keep milliseconds, so both return the same time.
		at := w.LastUpdated.Truncate(time.Millisecond)
		body := w.Body
		if w.Deleted {
			body = nil // NULL
		}
		versions = append(versions, []any{t.tenant, w.Type, w.ID, w.Version, at, string(w.Method), w.Deleted, body})
		if w.Version == 1 {
			created.add(w, at)
		} else {
			updated.add(w, at)
		}
		if !w.Deleted {
			index.add(w.Type, w.ID, &w.Index)
			t.rows += w.Index.Rows()
		}
		t.rows++
	}

	op := fmt.Sprintf("write %d resources", len(writes))
	// A version that exists violates the unique key: ErrConflict.
	_, err := t.tx.CopyFrom(ctx, pgx.Identifier{"resource_versions"}, versionColumns, pgx.CopyFromRows(versions))
	if err != nil {
		return wrap(op, err)
	}
	var b pgx.Batch
	if n := len(created.ids); n > 0 {
		b.Queue(insertResources, created.args(t.tenant)...).Exec(expectRows(n))
	}
	if n := len(updated.ids); n > 0 {
		b.Queue(updateResources, updated.args(t.tenant)...).Exec(expectRows(n))
		// New resources have no index rows yet.
		queueDeleteIndex(&b, t.tenant, updated.types, updated.ids)
	}
	index.queue(&b, t.tenant)
	if err := t.tx.SendBatch(ctx, &b).Close(); err != nil {
		return wrap(op, err)
	}
	return nil
}

// expectRows reports a conflict unless a statement affected n rows.
func expectRows(n int) func(pgconn.CommandTag) error {
	return func(ct pgconn.CommandTag) error {
		if got := ct.RowsAffected(); got != int64(n) {
			return fmt.Errorf("%w: %d of %d resources are not at the version before the one written",
				store.ErrConflict, int64(n)-got, n)
		}
		return nil
	}
}

// pointerRows are rows of resources as column arrays.
type pointerRows struct {
	types, ids []string
	versions   []int64
	times      []time.Time
	deleted    []bool
}

func (p *pointerRows) add(w store.Write, at time.Time) {
	p.types = append(p.types, w.Type)
	p.ids = append(p.ids, w.ID)
	p.versions = append(p.versions, w.Version)
	p.times = append(p.times, at)
	p.deleted = append(p.deleted, w.Deleted)
}

func (p *pointerRows) args(tenant string) []any {
	return []any{tenant, p.types, p.ids, p.versions, p.times, p.deleted}
}
