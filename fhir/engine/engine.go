// Package engine implements the FHIR RESTful interactions (read, vread,
// create, update, patch, delete, conditional variants, history, batch and
// transaction) on top of a store.Store, independent of HTTP. The server maps
// HTTP onto it; the document pipeline uses it to write what it produces, so
// both obey the same rules and write the same bookkeeping.
package engine

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/audit"
	"github.com/kiln-health/kiln/fhir/search"
	"github.com/kiln-health/kiln/fhir/store"
)

// Limits bound what one request may ask of the engine.
type Limits struct {
	MaxBundleEntries int // entries per batch or transaction
	MaxPageSize      int // _count ceiling for history
	DefaultPageSize  int
}

// DefaultLimits are used for zero fields of Options.Limits.
var DefaultLimits = Limits{MaxBundleEntries: 10000, MaxPageSize: 1000, DefaultPageSize: 50}

// Options configure an Engine.
type Options struct {
	Limits Limits
	// Now returns the current time (tests pin it). Defaults to time.Now.
	Now func() time.Time
	// Extractor computes search indexes. Defaults to search.DefaultExtractor.
	Extractor *search.Extractor
	// Audit records an AuditEvent for every interaction: in the same
	// transaction as a write, and durably before the answer for reads,
	// searches and refusals.
	Audit bool
	// Committed, if set, is told about the versions every successful
	// write interaction committed, after the commit, tombstones included
	// (Deleted set, no Body): the document pipeline queues its work from
	// it, and drops what it derived from a deleted document.
	Committed func(ctx context.Context, tenant string, written []store.Resource)
	// Rules are Kiln's own write rules by resource type (see Rule).
	Rules map[string]Rule
}

// Engine executes FHIR interactions. It is safe for concurrent use.
type Engine struct {
	store     store.Store
	validator *fhir.Validator
	limits    Limits
	now       func() time.Time
	extractor *search.Extractor
	audit     bool
	auditLog  *auditLog
	committed func(ctx context.Context, tenant string, written []store.Resource)
	rules     map[string]Rule

	tenantsMu sync.RWMutex
	tenants   map[string]bool // known to exist; tenants are never deleted
}

// New returns an Engine over s.
func New(s store.Store, v *fhir.Validator, opts Options) *Engine {
	l := opts.Limits
	if l.MaxBundleEntries <= 0 {
		l.MaxBundleEntries = DefaultLimits.MaxBundleEntries
	}
	if l.MaxPageSize <= 0 {
		l.MaxPageSize = DefaultLimits.MaxPageSize
	}
	if l.DefaultPageSize <= 0 {
		l.DefaultPageSize = min(DefaultLimits.DefaultPageSize, l.MaxPageSize)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	x := opts.Extractor
	if x == nil {
		x = search.DefaultExtractor()
	}
	return &Engine{store: s, validator: v, limits: l, now: now, extractor: x, audit: opts.Audit, auditLog: newAuditLog(s), committed: opts.Committed, rules: opts.Rules, tenants: map[string]bool{}}
}

// Extractor returns the search index extractor (what the CapabilityStatement
// lists as searchable).
func (e *Engine) Extractor() *search.Extractor { return e.extractor }

// Store returns the underlying store (for readiness checks).
func (e *Engine) Store() store.Store { return e.store }

// CheckTenant returns a 404 *fhir.Error unless tenant exists.
func (e *Engine) CheckTenant(ctx context.Context, tenant string) error {
	e.tenantsMu.RLock()
	ok := e.tenants[tenant]
	e.tenantsMu.RUnlock()
	if ok {
		return nil
	}
	names, err := e.store.Tenants(ctx)
	if err != nil {
		return fmt.Errorf("engine: list tenants: %w", err)
	}
	e.tenantsMu.Lock()
	defer e.tenantsMu.Unlock()
	for _, n := range names {
		e.tenants[n] = true
	}
	if !e.tenants[tenant] {
		return fhir.Errorf(http.StatusNotFound, fhir.IssueNotFound, "unknown tenant %q", tenant)
	}
	return nil
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)

// CheckType returns a 400 *fhir.Error unless typ is an R4 resource type.
func CheckType(typ string) error {
	if !fhir.IsResourceType(typ) {
		return fhir.Errorf(http.StatusBadRequest, fhir.IssueNotSupported, "unknown resource type %q", typ)
	}
	return nil
}

func checkID(id string) error {
	if !idPattern.MatchString(id) {
		return fhir.Errorf(http.StatusBadRequest, fhir.IssueValue, "invalid resource id %q: ids are 1-64 characters of A-Z, a-z, 0-9, '-' and '.'", id)
	}
	return nil
}

// Read returns the current version of a resource: 404 if it never existed,
// 410 if it is deleted.
func (e *Engine) Read(ctx context.Context, tenant, typ, id string) (store.Resource, error) {
	return e.read(ctx, tenant, typ, id, "")
}

// VRead returns one version of a resource: 404 if there is no such version,
// 410 if that version is a deletion.
func (e *Engine) VRead(ctx context.Context, tenant, typ, id, version string) (store.Resource, error) {
	return e.read(ctx, tenant, typ, id, version)
}

func (e *Engine) read(ctx context.Context, tenant, typ, id, version string) (store.Resource, error) {
	c, err := callerFrom(ctx)
	if err != nil {
		return store.Resource{}, err
	}
	g := newGuard(c.Access)
	var r store.Resource
	err = e.store.View(ctx, tenant, func(tx store.Tx) error {
		var err error
		r, err = readIn(ctx, tx, g, typ, id, version)
		return err
	})
	var old *oldVersion
	if errors.As(err, &old) {
		// An older version is judged on its own content.
		r, err = old.version, nil
		ok, jerr := e.permittedVersions(ctx, tenant, old.filter, []store.Resource{r})
		switch {
		case jerr != nil:
			err = jerr
		case !ok[r.Version]:
			err = forbidden("%s/%s version %d is not permitted for this caller", typ, id, r.Version)
		}
	}
	if err != nil {
		r = store.Resource{}
	}
	interaction, entity := "read", ref(typ, id)
	if version != "" {
		interaction, entity.Reference = "vread", entity.Reference+"/_history/"+version
	}
	return r, e.audited(ctx, tenant, c, interaction, err, []audit.Entity{entity})
}

// readIn reads a resource (a version, if given) that the caller may read.
// A restricted caller's access is judged on the current version, which is
// what the search indexes describe.
func readIn(ctx context.Context, tx store.Tx, g *guard, typ, id, version string) (store.Resource, error) {
	if err := CheckType(typ); err != nil {
		return store.Resource{}, err
	}
	if _, err := g.require(typ, ActionRead); err != nil {
		return store.Resource{}, err
	}
	if err := checkID(id); err != nil {
		return store.Resource{}, fhir.Errorf(http.StatusNotFound, fhir.IssueNotFound, "%s/%s is not known", typ, id)
	}
	var (
		r   store.Resource
		err error
	)
	if version == "" {
		r, err = tx.Current(ctx, typ, id)
	} else {
		v, perr := strconv.ParseInt(version, 10, 64)
		if perr != nil || v < 1 {
			return store.Resource{}, fhir.Errorf(http.StatusNotFound, fhir.IssueNotFound, "%s/%s has no version %q", typ, id, version)
		}
		r, err = tx.Version(ctx, typ, id, v)
	}
	switch {
	case errors.Is(err, store.ErrNotFound) && version == "":
		return r, fhir.Errorf(http.StatusNotFound, fhir.IssueNotFound, "%s/%s is not known", typ, id)
	case errors.Is(err, store.ErrNotFound):
		return r, fhir.Errorf(http.StatusNotFound, fhir.IssueNotFound, "%s/%s has no version %s", typ, id, version)
	case err != nil:
		return r, fmt.Errorf("engine: read %s/%s: %w", typ, id, err)
	case r.Deleted:
		return r, fhir.Errorf(http.StatusGone, fhir.IssueDeleted, "%s/%s was deleted (version %d)", typ, id, r.Version)
	}
	if version != "" {
		// The indexes describe only the current version: an older one may
		// have had other labels or belonged to another patient, so a
		// restricted caller's access to it is judged on its own content.
		f, _, _ := g.restrict(typ, ActionRead)
		if f != nil {
			cur, err := tx.Current(ctx, typ, id)
			if err != nil {
				return store.Resource{}, fmt.Errorf("engine: read %s/%s: %w", typ, id, err)
			}
			if cur.Version != r.Version {
				return store.Resource{}, &oldVersion{version: r, filter: f}
			}
		}
	}
	if err := g.check(ctx, tx, typ, id, ActionRead); err != nil {
		return store.Resource{}, err
	}
	return r, nil
}

// oldVersion is readIn's answer when a restricted caller asks for a
// version other than the current one: the version must be judged with
// permittedVersions, which needs a transaction of its own.
type oldVersion struct {
	version store.Resource
	filter  store.Filter
}

func (o *oldVersion) Error() string {
	return fmt.Sprintf("engine: %s/%s version %d must be judged on its own content", o.version.Type, o.version.ID, o.version.Version)
}

// errJudged rolls back permittedVersions' transaction.
var errJudged = errors.New("engine: versions judged")

// permittedVersions reports which versions (of one resource) the
// restriction f admits, judged on each version's own content: the version
// is indexed provisionally, as the next version of its resource, in a
// transaction that is always rolled back, and the store searches it with
// f. So old versions are judged by exactly the rules searches use.
func (e *Engine) permittedVersions(ctx context.Context, tenant string, f store.Filter, vs []store.Resource) (map[int64]bool, error) {
	ok := make(map[int64]bool, len(vs))
	if len(vs) == 0 {
		return ok, nil
	}
	typ, id := vs[0].Type, vs[0].ID
	err := e.store.Update(ctx, tenant, func(tx store.Tx) error {
		cur, err := tx.Current(ctx, typ, id)
		if err != nil {
			return fmt.Errorf("engine: judge versions of %s/%s: %w", typ, id, err)
		}
		next := cur.Version
		for _, v := range vs {
			if v.Deleted {
				ok[v.Version] = true // a tombstone holds no content
				continue
			}
			obj, err := fhir.ParseObject(v.Body)
			if err != nil {
				return fmt.Errorf("engine: judge %s/%s version %d: %w", typ, id, v.Version, err)
			}
			idx, err := e.extractor.Extract(obj)
			if err != nil {
				return fmt.Errorf("engine: judge %s/%s version %d: %w", typ, id, v.Version, err)
			}
			next++
			w := store.Write{Type: typ, ID: id, Version: next, LastUpdated: v.LastUpdated, Method: store.MethodPut, Body: v.Body, Index: idx}
			if err := tx.Write(ctx, []store.Write{w}); err != nil {
				return fmt.Errorf("engine: judge %s/%s version %d: %w", typ, id, v.Version, err)
			}
			rs, _, err := tx.Search(ctx, store.Query{Types: []string{typ}, Filters: []store.Filter{store.IDMatch{IDs: []string{id}}, f}, Limit: 1})
			if err != nil {
				return fmt.Errorf("engine: judge %s/%s version %d: %w", typ, id, v.Version, err)
			}
			ok[v.Version] = len(rs) == 1
		}
		return errJudged
	})
	if !errors.Is(err, errJudged) {
		return nil, err
	}
	return ok, nil
}

// HistoryRequest selects a page of _history.
type HistoryRequest struct {
	Type, ID  string    // both empty: the tenant's history; ID empty: a type's
	Since     time.Time // _since
	Count     int       // _count; 0 means the default page size
	BeforeSeq int64     // paging cursor from a previous page's NextCursor
}

// HistoryPage is one page of history, newest first.
type HistoryPage struct {
	Versions   []store.Resource
	Count      int   // the page size used
	NextCursor int64 // 0 when this is the last page
}

// History returns versions newest first. Instance history of a resource
// that never existed is 404.
func (e *Engine) History(ctx context.Context, tenant string, req HistoryRequest) (HistoryPage, error) {
	c, err := callerFrom(ctx)
	if err != nil {
		return HistoryPage{}, err
	}
	interaction, entity := "history-system", audit.Entity{}
	switch {
	case req.ID != "":
		interaction, entity = "history-instance", ref(req.Type, req.ID)
	case req.Type != "":
		interaction, entity = "history-type", audit.Entity{Query: req.Type + "/_history"}
	}
	page, err := e.history(ctx, tenant, newGuard(c.Access), req)
	return page, e.audited(ctx, tenant, c, interaction, err, []audit.Entity{entity})
}

func (e *Engine) history(ctx context.Context, tenant string, g *guard, req HistoryRequest) (HistoryPage, error) {
	if req.Type != "" {
		if err := CheckType(req.Type); err != nil {
			return HistoryPage{}, err
		}
	}
	// History cannot be narrowed by a search restriction, so a restricted
	// caller gets the history of single resources it may read, and type or
	// system history only where it may search without restriction.
	if req.ID == "" {
		var types []string
		if req.Type != "" {
			types = []string{req.Type}
		}
		f, _, err := g.typesFilter(types, ActionSearch)
		if err != nil {
			return HistoryPage{}, err
		}
		if f != nil {
			return HistoryPage{}, forbidden("type and system history are not permitted for a caller restricted to some resources; search instead, or read the history of one resource")
		}
	}
	count := req.Count
	switch {
	case count < 0:
		return HistoryPage{}, fhir.Errorf(http.StatusBadRequest, fhir.IssueValue, "_count must not be negative")
	case count == 0:
		count = e.limits.DefaultPageSize
	case count > e.limits.MaxPageSize:
		count = e.limits.MaxPageSize // the spec lets servers cap _count; the self link shows the cap
	}
	page := HistoryPage{Count: count}
	err := e.store.View(ctx, tenant, func(tx store.Tx) error {
		vs, err := tx.History(ctx, store.HistoryQuery{
			Type: req.Type, ID: req.ID, Since: req.Since, BeforeSeq: req.BeforeSeq, Limit: count + 1,
		})
		if err != nil {
			return fmt.Errorf("engine: history: %w", err)
		}
		if req.ID != "" {
			if _, err := g.require(req.Type, ActionRead); err != nil {
				return err
			}
		}
		if req.ID != "" && len(vs) == 0 && req.BeforeSeq == 0 {
			// Empty instance history: 404 unless the resource exists and _since filtered everything.
			if _, err := tx.Current(ctx, req.Type, req.ID); errors.Is(err, store.ErrNotFound) {
				return fhir.Errorf(http.StatusNotFound, fhir.IssueNotFound, "%s/%s is not known", req.Type, req.ID)
			} else if err != nil {
				return fmt.Errorf("engine: history: %w", err)
			}
		}
		if len(vs) > count {
			vs = vs[:count]
			page.NextCursor = vs[len(vs)-1].Seq
		}
		page.Versions = vs
		return nil
	})
	if err != nil || req.ID == "" {
		return page, err
	}
	// Older versions may have had other labels or belonged to another
	// patient: a restricted caller gets the versions it may read, each
	// judged on its own content.
	if f, _, _ := g.restrict(req.Type, ActionRead); f != nil {
		ok, err := e.permittedVersions(ctx, tenant, f, page.Versions)
		if err != nil {
			return page, err
		}
		n := len(page.Versions)
		page.Versions = slices.DeleteFunc(page.Versions, func(v store.Resource) bool { return !ok[v.Version] })
		if n > 0 && len(page.Versions) == 0 {
			return HistoryPage{}, forbidden("read on %s/%s is not permitted for this caller", req.Type, req.ID)
		}
	}
	return page, nil
}

// ETag returns the weak ETag of a version: W/"3".
func ETag(version int64) string { return `W/"` + strconv.FormatInt(version, 10) + `"` }

// parseETag reads a version from an ETag as clients send it: W/"3", "3" or 3.
func parseETag(s string) (int64, bool) {
	if len(s) > 2 && (s[:2] == "W/" || s[:2] == "w/") {
		s = s[2:]
	}
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil && v > 0
}
