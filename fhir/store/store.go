// Package store defines how Kiln keeps FHIR resources: one interface that
// every storage backend implements (fhir/store/sqlite, fhir/store/postgres)
// and that fhir/store/storetest checks every backend against.
//
// The model follows Blaze's separation of storage from indexes: every
// version of every resource is an immutable row (resource_versions), the
// current version of each resource is a small pointer row (resources), and
// search index rows are rewritten with each new version. A write of a
// version, its pointer and its index rows happens in one database
// transaction.
//
// Stores know nothing about HTTP and nothing about FHIR semantics beyond
// versions: callers (fhir/engine) decide ids, versions, and index values.
package store

import (
	"context"
	"errors"
	"time"
)

// Errors returned by stores. Backends wrap them with context; test with errors.Is.
var (
	// ErrNotFound: no such resource, version or tenant.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a write raced another write of the same resource (the
	// version it meant to create already exists or is not current+1), or the
	// database aborted the transaction to resolve a deadlock or
	// serialization failure. The caller may retry the whole transaction.
	ErrConflict = errors.New("version conflict")
	// ErrLeaseLost: a worker tried to extend or end an attempt of a job
	// that is no longer its own: its lease expired and the job was claimed
	// again or made dead, or the attempt already ended. The worker must
	// drop its results; the job's current holder produces them.
	ErrLeaseLost = errors.New("job lease lost")
)

// Method is the interaction that produced a version, as FHIR history
// bundles report it in Bundle.entry.request.method.
type Method string

// Methods recorded in history.
const (
	MethodPost   Method = "POST"
	MethodPut    Method = "PUT"
	MethodPatch  Method = "PATCH"
	MethodDelete Method = "DELETE"
)

// Resource is one stored version of a resource.
type Resource struct {
	Type        string
	ID          string
	Version     int64
	LastUpdated time.Time // UTC, millisecond precision
	Deleted     bool      // a tombstone: Body is nil
	Method      Method
	// Body is the resource's JSON exactly as stored (id and meta set by the
	// engine). Nil for tombstones.
	Body []byte
	// Seq orders versions across the whole store; it only grows. History
	// paging uses it as a stable cursor. It is allocation order, not commit
	// order: under concurrent writers a version may commit after a page
	// with higher Seq values was read. Zero where not meaningful.
	Seq int64
}

// Write is one new version of one resource.
type Write struct {
	Type        string
	ID          string
	Version     int64 // 1 for a new resource, else current version + 1
	LastUpdated time.Time
	Method      Method
	Deleted     bool
	Body        []byte // nil when Deleted
	// Index holds the search index rows of this version; they replace the
	// previous version's rows. Ignored for tombstones (a deleted resource
	// has no index rows).
	Index Index
}

// HistoryQuery selects versions for _history, newest first. Type and ID
// narrow it to a type or an instance (ID requires Type).
type HistoryQuery struct {
	Type  string
	ID    string
	Since time.Time // only versions with LastUpdated >= Since; zero means all
	// BeforeSeq pages backwards: only versions with Seq < BeforeSeq; zero
	// means from the newest.
	BeforeSeq int64
	Limit     int // > 0
}

// Tx is a tenant-scoped view of the store inside one database transaction.
// Reads see the transaction's own writes.
type Tx interface {
	// Current returns the current version of a resource, which may be a
	// tombstone (Deleted). In a read-write transaction it also locks the
	// resource until the transaction ends, so read-check-write sequences
	// (If-Match) cannot lose updates. ErrNotFound if it never existed.
	Current(ctx context.Context, typ, id string) (Resource, error)
	// Version returns one version (possibly a tombstone). ErrNotFound if
	// there is no such version.
	Version(ctx context.Context, typ, id string, version int64) (Resource, error)
	// History returns versions newest first (by Seq), at most q.Limit.
	History(ctx context.Context, q HistoryQuery) ([]Resource, error)
	// Search returns one page of the current, non-deleted resources that
	// match q, in q's order, and (when q.Total) how many match in all
	// (-1 otherwise).
	Search(ctx context.Context, q Query) (resources []Resource, total int, err error)
	// Related follows reference index rows from or to the given resources
	// (_include, _revinclude) and returns the current, non-deleted
	// resources found, at most q.Limit.
	Related(ctx context.Context, q RelatedQuery) ([]Resource, error)
	// Lock takes an exclusive lock on key (any string, scoped to the
	// tenant) until the transaction ends. Conditional creates lock their
	// criteria before Search, so two concurrent If-None-Exist requests cannot
	// both find nothing and both create. Only in read-write transactions.
	Lock(ctx context.Context, key string) error
	// Write stores new versions and makes them current, with their index
	// rows. It returns ErrConflict (wrapped) when a version already exists.
	// Read-only transactions return an error.
	Write(ctx context.Context, writes []Write) error
	// WriteIndex replaces the index rows of current resources without
	// writing new versions (kiln reindex). Read-only transactions return an
	// error.
	WriteIndex(ctx context.Context, entries []IndexEntry) error
}

// IndexEntry is the new index of one current resource at Version. A store
// skips the entry if the resource is no longer at that version, so a
// reindex running beside live writes never replaces a newer index with an
// older one.
type IndexEntry struct {
	Type, ID string
	Version  int64
	Index    Index
}

// Record is one entry of Kiln's own configuration, kept in the same
// database as the FHIR data but outside any FHIR resource: access
// policies, registered clients, API keys, signing keys, used token ids.
// Values are opaque to the store (callers encode JSON).
type Record struct {
	Tenant string // "" for records that belong to no tenant
	Kind   string // e.g. "policy", "client", "apikey", "signing-key", "jti"
	Key    string
	Value  []byte
	// Expires, when not zero, is when the record stops existing: stores
	// treat an expired record as absent and may purge it at any time.
	// Stores judge expiry by the real wall clock (time.Now), not by any
	// clock a caller injects, so callers with a test clock must set
	// Expires relative to the real time.
	Expires time.Time
}

// Records keeps Records. Every method is its own transaction.
type Records interface {
	// GetRecord returns one record; ErrNotFound when absent or expired.
	GetRecord(ctx context.Context, tenant, kind, key string) (Record, error)
	// ListRecords returns the unexpired records of one tenant and kind,
	// ordered by key.
	ListRecords(ctx context.Context, tenant, kind string) ([]Record, error)
	// PutRecord inserts or replaces a record.
	PutRecord(ctx context.Context, r Record) error
	// InsertRecord inserts a record that must not exist yet: ErrConflict
	// (wrapped) when an unexpired record has that key. An expired one is
	// replaced. Replay protection (one use of a token id) relies on it
	// being atomic under concurrent callers.
	InsertRecord(ctx context.Context, r Record) error
	// DeleteRecord deletes a record; ErrNotFound when absent or expired.
	DeleteRecord(ctx context.Context, tenant, kind, key string) error
	// ReplaceRecords atomically replaces every record of one tenant and
	// kind with rs (whose Tenant and Kind must match).
	ReplaceRecords(ctx context.Context, tenant, kind string, rs []Record) error
}

// Store is a storage backend.
type Store interface {
	Records
	Jobs
	Chunks

	// View runs fn in a read-only transaction of one tenant.
	View(ctx context.Context, tenant string, fn func(Tx) error) error
	// Update runs fn in a read-write transaction of one tenant: everything
	// fn writes commits together, or nothing does if fn returns an error.
	Update(ctx context.Context, tenant string, fn func(Tx) error) error

	// CreateTenant creates a tenant; creating an existing one is not an error.
	CreateTenant(ctx context.Context, name string) error
	// Tenants lists tenant names in ascending order.
	Tenants(ctx context.Context) ([]string, error)

	// IndexVersion returns the version of the search index the stored
	// index rows were built with ("" if never set); SetIndexVersion records
	// it after a reindex.
	IndexVersion(ctx context.Context) (string, error)
	SetIndexVersion(ctx context.Context, version string) error

	// Ready reports whether the database is reachable and every migration is applied.
	Ready(ctx context.Context) error
	// Backend names the backend ("sqlite", "postgres") for logs and metadata.
	Backend() string
	Close() error
}
