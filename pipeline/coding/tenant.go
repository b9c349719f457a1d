package coding

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"

	"github.com/kiln-health/kiln/fhir/store"
)

// TableKind is the store.Records kind of tenant-supplied code tables; the
// record's key is the table's code system URI and its value the TSV.
const TableKind = "code-table"

// SaveTable checks a tenant's code table (TSV, as LoadTable reads it) and
// keeps it in the store, replacing the tenant's table of that system.
// This is how a tenant brings a licensed table (CPT) that Kiln does not
// ship.
func SaveTable(ctx context.Context, rs store.Records, tenant, system string, tsv []byte) (int, error) {
	t, err := LoadTable(bytes.NewReader(tsv), system)
	if err != nil {
		return 0, err
	}
	if err := rs.PutRecord(ctx, store.Record{Tenant: tenant, Kind: TableKind, Key: system, Value: tsv}); err != nil {
		return 0, fmt.Errorf("coding: save table %s: %w", system, err)
	}
	return t.Len(), nil
}

// DeleteTable removes a tenant's table of one system.
func DeleteTable(ctx context.Context, rs store.Records, tenant, system string) error {
	if err := rs.DeleteRecord(ctx, tenant, TableKind, system); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("coding: delete table %s: %w", system, err)
	}
	return nil
}

// TenantTables loads tenants' code tables from the store, keeping each
// built table while its content is unchanged (building one costs far more
// than reading it). It is safe for concurrent use.
type TenantTables struct {
	records store.Records
	mu      sync.Mutex
	built   map[[32]byte]*Table
}

// NewTenantTables returns a loader over rs.
func NewTenantTables(rs store.Records) *TenantTables {
	return &TenantTables{records: rs, built: map[[32]byte]*Table{}}
}

// Tables returns the tenant's own tables, ordered by system.
func (tt *TenantTables) Tables(ctx context.Context, tenant string) ([]*Table, error) {
	recs, err := tt.records.ListRecords(ctx, tenant, TableKind)
	if err != nil {
		return nil, fmt.Errorf("coding: tenant tables: %w", err)
	}
	var out []*Table
	for _, r := range recs {
		key := sha256.Sum256(append([]byte(r.Key+"\x00"), r.Value...))
		tt.mu.Lock()
		t := tt.built[key]
		tt.mu.Unlock()
		if t == nil {
			if t, err = LoadTable(bytes.NewReader(r.Value), r.Key); err != nil {
				return nil, err
			}
			tt.mu.Lock()
			tt.built[key] = t
			tt.mu.Unlock()
		}
		out = append(out, t)
	}
	return out, nil
}
