package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kiln-health/kiln/fhir/store"
)

// expiresMillis encodes Record.Expires: 0 for never.
func expiresMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func expiresTime(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// GetRecord returns one unexpired record.
func (s *Store) GetRecord(ctx context.Context, tenant, kind, key string) (store.Record, error) {
	r := store.Record{Tenant: tenant, Kind: kind, Key: key}
	var exp int64
	err := s.pool.QueryRow(ctx, `SELECT value, expires FROM records
		WHERE tenant = $1 AND kind = $2 AND key = $3 AND (expires = 0 OR expires > $4)`,
		tenant, kind, key, time.Now().UnixMilli()).Scan(&r.Value, &exp)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, fmt.Errorf("postgres: record %s %q: %w", kind, key, store.ErrNotFound)
	}
	if err != nil {
		return r, wrap(fmt.Sprintf("record %s %q", kind, key), err)
	}
	r.Expires = expiresTime(exp)
	return r, nil
}

// ListRecords returns the unexpired records of a tenant and kind by key.
func (s *Store) ListRecords(ctx context.Context, tenant, kind string) ([]store.Record, error) {
	rows, err := s.pool.Query(ctx, `SELECT key, value, expires FROM records
		WHERE tenant = $1 AND kind = $2 AND (expires = 0 OR expires > $3) ORDER BY key COLLATE "C"`,
		tenant, kind, time.Now().UnixMilli())
	if err != nil {
		return nil, wrap("list records "+kind, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Record, error) {
		r := store.Record{Tenant: tenant, Kind: kind}
		var exp int64
		err := row.Scan(&r.Key, &r.Value, &exp)
		r.Expires = expiresTime(exp)
		return r, err
	})
	if err != nil {
		return nil, wrap("list records "+kind, err)
	}
	return out, nil
}

// PutRecord inserts or replaces a record.
func (s *Store) PutRecord(ctx context.Context, r store.Record) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO records (tenant, kind, key, value, expires) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (tenant, kind, key) DO UPDATE SET value = excluded.value, expires = excluded.expires`,
		r.Tenant, r.Kind, r.Key, nonNil(r.Value), expiresMillis(r.Expires))
	if err != nil {
		return wrap(fmt.Sprintf("put record %s %q", r.Kind, r.Key), err)
	}
	return nil
}

// InsertRecord inserts a record unless an unexpired one has its key. The
// upsert's row lock makes concurrent inserts of one key see each other.
func (s *Store) InsertRecord(ctx context.Context, r store.Record) error {
	now := time.Now().UnixMilli()
	tag, err := s.pool.Exec(ctx, `INSERT INTO records (tenant, kind, key, value, expires) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (tenant, kind, key) DO UPDATE SET value = excluded.value, expires = excluded.expires
		WHERE records.expires <> 0 AND records.expires <= $6`,
		r.Tenant, r.Kind, r.Key, nonNil(r.Value), expiresMillis(r.Expires), now)
	if err != nil {
		return wrap(fmt.Sprintf("insert record %s %q", r.Kind, r.Key), err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: insert record %s %q: %w", r.Kind, r.Key, store.ErrConflict)
	}
	if !r.Expires.IsZero() {
		// Records that expire (used token ids) are purged by their writers.
		if _, err := s.pool.Exec(ctx, `DELETE FROM records WHERE tenant = $1 AND kind = $2 AND expires <> 0 AND expires <= $3`,
			r.Tenant, r.Kind, now); err != nil {
			return wrap("purge records "+r.Kind, err)
		}
	}
	return nil
}

// DeleteRecord deletes an unexpired record.
func (s *Store) DeleteRecord(ctx context.Context, tenant, kind, key string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM records WHERE tenant = $1 AND kind = $2 AND key = $3 AND (expires = 0 OR expires > $4)`,
		tenant, kind, key, time.Now().UnixMilli())
	if err != nil {
		return wrap(fmt.Sprintf("delete record %s %q", kind, key), err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: delete record %s %q: %w", kind, key, store.ErrNotFound)
	}
	return nil
}

// ReplaceRecords replaces every record of a tenant and kind atomically.
func (s *Store) ReplaceRecords(ctx context.Context, tenant, kind string, rs []store.Record) error {
	for _, r := range rs {
		if r.Tenant != tenant || r.Kind != kind {
			return fmt.Errorf("postgres: replace records %s: record %q belongs to %q/%q", kind, r.Key, r.Tenant, r.Kind)
		}
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM records WHERE tenant = $1 AND kind = $2`, tenant, kind); err != nil {
			return wrap("replace records "+kind, err)
		}
		for _, r := range rs {
			if _, err := tx.Exec(ctx, `INSERT INTO records (tenant, kind, key, value, expires) VALUES ($1, $2, $3, $4, $5)`,
				r.Tenant, r.Kind, r.Key, nonNil(r.Value), expiresMillis(r.Expires)); err != nil {
				return wrap("replace records "+kind, err)
			}
		}
		return nil
	})
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
