package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

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

const live = `(expires = 0 OR expires > ?)`

// GetRecord returns one unexpired record.
func (s *Store) GetRecord(ctx context.Context, tenant, kind, key string) (store.Record, error) {
	r := store.Record{Tenant: tenant, Kind: kind, Key: key}
	var exp int64
	err := s.read.db.QueryRowContext(ctx, `SELECT value, expires FROM records
		WHERE tenant = ? AND kind = ? AND key = ? AND `+live, tenant, kind, key, time.Now().UnixMilli()).Scan(&r.Value, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("sqlite: record %s %q: %w", kind, key, store.ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("sqlite: record %s %q: %w", kind, key, err)
	}
	r.Expires = expiresTime(exp)
	return r, nil
}

// ListRecords returns the unexpired records of a tenant and kind by key.
func (s *Store) ListRecords(ctx context.Context, tenant, kind string) ([]store.Record, error) {
	rows, err := s.read.db.QueryContext(ctx, `SELECT key, value, expires FROM records
		WHERE tenant = ? AND kind = ? AND `+live+` ORDER BY key`, tenant, kind, time.Now().UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("sqlite: list records %s: %w", kind, err)
	}
	defer rows.Close()
	var out []store.Record
	for rows.Next() {
		r := store.Record{Tenant: tenant, Kind: kind}
		var exp int64
		if err := rows.Scan(&r.Key, &r.Value, &exp); err != nil {
			return nil, fmt.Errorf("sqlite: list records %s: %w", kind, err)
		}
		r.Expires = expiresTime(exp)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list records %s: %w", kind, err)
	}
	return out, nil
}

// PutRecord inserts or replaces a record.
func (s *Store) PutRecord(ctx context.Context, r store.Record) error {
	_, err := s.write.db.ExecContext(ctx, `INSERT INTO records (tenant, kind, key, value, expires) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (tenant, kind, key) DO UPDATE SET value = excluded.value, expires = excluded.expires`,
		r.Tenant, r.Kind, r.Key, nonNil(r.Value), expiresMillis(r.Expires))
	if err != nil {
		return fmt.Errorf("sqlite: put record %s %q: %w", r.Kind, r.Key, err)
	}
	return nil
}

// InsertRecord inserts a record unless an unexpired one has its key. The
// single write connection serialises it.
func (s *Store) InsertRecord(ctx context.Context, r store.Record) error {
	now := time.Now().UnixMilli()
	res, err := s.write.db.ExecContext(ctx, `INSERT INTO records (tenant, kind, key, value, expires) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (tenant, kind, key) DO UPDATE SET value = excluded.value, expires = excluded.expires
		WHERE records.expires <> 0 AND records.expires <= ?`,
		r.Tenant, r.Kind, r.Key, nonNil(r.Value), expiresMillis(r.Expires), now)
	if err != nil {
		return fmt.Errorf("sqlite: insert record %s %q: %w", r.Kind, r.Key, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: insert record %s %q: %w", r.Kind, r.Key, err)
	} else if n == 0 {
		return fmt.Errorf("sqlite: insert record %s %q: %w", r.Kind, r.Key, store.ErrConflict)
	}
	if !r.Expires.IsZero() {
		// Records that expire (used token ids) are purged by their writers.
		if _, err := s.write.db.ExecContext(ctx, `DELETE FROM records WHERE tenant = ? AND kind = ? AND expires <> 0 AND expires <= ?`,
			r.Tenant, r.Kind, now); err != nil {
			return fmt.Errorf("sqlite: purge records %s: %w", r.Kind, err)
		}
	}
	return nil
}

// DeleteRecord deletes an unexpired record.
func (s *Store) DeleteRecord(ctx context.Context, tenant, kind, key string) error {
	res, err := s.write.db.ExecContext(ctx, `DELETE FROM records WHERE tenant = ? AND kind = ? AND key = ? AND `+live,
		tenant, kind, key, time.Now().UnixMilli())
	if err != nil {
		return fmt.Errorf("sqlite: delete record %s %q: %w", kind, key, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: delete record %s %q: %w", kind, key, err)
	} else if n == 0 {
		return fmt.Errorf("sqlite: delete record %s %q: %w", kind, key, store.ErrNotFound)
	}
	return nil
}

// ReplaceRecords replaces every record of a tenant and kind atomically.
func (s *Store) ReplaceRecords(ctx context.Context, tenant, kind string, rs []store.Record) error {
	if err := checkReplace(tenant, kind, rs); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	tx, err := s.write.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: replace records %s: %w", kind, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM records WHERE tenant = ? AND kind = ?`, tenant, kind); err != nil {
		return fmt.Errorf("sqlite: replace records %s: %w", kind, err)
	}
	for _, r := range rs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO records (tenant, kind, key, value, expires) VALUES (?, ?, ?, ?, ?)`,
			r.Tenant, r.Kind, r.Key, nonNil(r.Value), expiresMillis(r.Expires)); err != nil {
			return fmt.Errorf("sqlite: replace records %s: %w", kind, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: replace records %s: %w", kind, err)
	}
	return nil
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func checkReplace(tenant, kind string, rs []store.Record) error {
	for _, r := range rs {
		if r.Tenant != tenant || r.Kind != kind {
			return fmt.Errorf("replace records %s: record %q belongs to %q/%q", kind, r.Key, r.Tenant, r.Kind)
		}
	}
	return nil
}
