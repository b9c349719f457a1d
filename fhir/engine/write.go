package engine

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/google/uuid"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/audit"
	"github.com/kiln-health/kiln/fhir/search"
	"github.com/kiln-health/kiln/fhir/store"
)

// Interaction is one FHIR interaction as Bundle.entry.request describes it.
// The HTTP server builds one per write request; bundles build one per entry.
type Interaction struct {
	Method  string     // POST, PUT, PATCH, DELETE; GET and HEAD in bundles
	Type    string     // resource type from the URL
	ID      string     // logical id from the URL; empty for create and conditional interactions
	Version string     // GET Type/id/_history/version in bundles
	Query   url.Values // conditional update, patch and delete criteria
	// Body is the resource (POST, PUT) or the JSON Patch document (PATCH).
	Body        []byte
	IfMatch     string // ETag the current version must have
	IfNoneMatch string // "*" on PUT: create only
	IfNoneExist string // conditional create criteria ("identifier=sys|123")
	FullURL     string // the bundle entry's fullUrl, which other entries may reference
}

// Result is what an interaction did.
type Result struct {
	Status   int            // HTTP status: 200, 201, ...
	Resource store.Resource // the version written, matched or read (zero after a delete)
	Message  string         // what happened, for interactions that return an OperationOutcome
}

// op is one interaction on its way through a transaction.
type op struct {
	Interaction
	index int
	obj   fhir.Object // parsed body of POST and PUT, then the patched resource of PATCH
	used  bool        // obj was edited by an earlier attempt of the transaction
	// condRefs are the conditional references ("Patient?identifier=...") in
	// the body, found while validating so the transaction need not walk it.
	condRefs []string
	patch    jsonpatch.Patch // PATCH
	search   *search.Request // GET without an id: a search
	found    *SearchResult   // its result
	result   Result
	write    *store.Write   // the version this op writes, if any
	prev     store.Resource // the current version it replaces (zero if none), for rules
	action   Action         // what the write does, for the access check after it
}

// opError locates an error in a bundle entry.
type opError struct {
	index int
	err   error
}

func (e *opError) Error() string { return fmt.Sprintf("entry %d: %v", e.index, e.err) }
func (e *opError) Unwrap() error { return e.err }

// Do executes one interaction in its own transaction.
func (e *Engine) Do(ctx context.Context, tenant string, in Interaction) (Result, error) {
	c, err := callerFrom(ctx)
	if err != nil {
		return Result{}, err
	}
	o := &op{Interaction: in}
	if err := e.prepare(o); err != nil {
		return Result{}, e.audited(ctx, tenant, c, opInteraction(o), err, opEntities(o))
	}
	err = e.transact(ctx, tenant, c, []*op{o}, "")
	var oe *opError
	if errors.As(err, &oe) {
		err = oe.err
	}
	return o.result, err
}

// transact runs ops atomically, retrying when a concurrent writer won a race
// on the same resource (store.ErrConflict): the retry re-reads current
// versions, so If-Match preconditions are judged again, never skipped.
// Its AuditEvent (interaction, or the one op's own) commits with the ops;
// a failure is recorded on its own.
func (e *Engine) transact(ctx context.Context, tenant string, c Caller, ops []*op, interaction string) error {
	// A single op's interaction is known once it ran (a PUT may create).
	interactionOf := func() string {
		if interaction != "" {
			return interaction
		}
		return opInteraction(ops[0])
	}
	const attempts = 5
	var err error
	var derived []store.Resource // what rules added, in the attempt that committed
	for attempt := range attempts {
		err = e.store.Update(ctx, tenant, func(tx store.Tx) error {
			now := e.now().UTC().Truncate(time.Millisecond)
			var err error
			if derived, err = e.execute(ctx, tx, tenant, c, now, ops); err != nil {
				return err
			}
			if !e.audit {
				return nil
			}
			var entities []audit.Entity
			for _, o := range ops {
				entities = append(entities, opEntities(o)...)
			}
			w, err := e.auditWrite(c, now, interactionOf(), nil, entities)
			if err != nil {
				return err
			}
			return tx.Write(ctx, []store.Write{w})
		})
		if !errors.Is(err, store.ErrConflict) {
			break
		}
		if attempt < attempts-1 {
			backoff := time.Duration(1+rand.IntN(5<<attempt)) * time.Millisecond
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(backoff):
			}
		}
	}
	if errors.Is(err, store.ErrConflict) {
		err = fhir.Errorf(http.StatusConflict, fhir.IssueConflict, "the resource was changed concurrently; retry the request").Wrap(err)
	}
	if err == nil && e.committed != nil {
		var written []store.Resource
		for _, o := range ops {
			switch {
			case o.write == nil:
			case o.write.Deleted:
				w := o.write
				written = append(written, store.Resource{Type: w.Type, ID: w.ID, Version: w.Version, LastUpdated: w.LastUpdated, Deleted: true, Method: w.Method})
			default:
				written = append(written, o.result.Resource)
			}
		}
		written = append(written, derived...)
		if len(written) > 0 {
			e.committed(ctx, tenant, written)
		}
	}
	if err != nil {
		var entities []audit.Entity
		for _, o := range ops {
			entities = append(entities, opEntities(o)...)
		}
		auditErr := err
		var oe *opError
		if errors.As(err, &oe) {
			auditErr = oe.err
		}
		if aerr := e.record(ctx, tenant, c, interactionOf(), auditErr, entities); aerr != nil {
			return errors.Join(err, aerr)
		}
	}
	return err
}

// opInteraction is the restful-interaction code of an op, for its AuditEvent.
func opInteraction(o *op) string {
	switch o.Method {
	case http.MethodPost:
		return "create"
	case http.MethodPut:
		if o.result.Status == http.StatusCreated {
			return "create"
		}
		return "update"
	case http.MethodPatch:
		return "patch"
	case http.MethodDelete:
		return "delete"
	}
	switch {
	case o.search != nil || (o.ID == "" && o.Type != ""):
		return "search-type"
	case o.Version != "":
		return "vread"
	}
	return "read"
}

// opEntities is what an op touched, for its AuditEvent: the version it
// wrote or read, the resources a search returned, or what the request
// named when it failed before that.
func opEntities(o *op) []audit.Entity {
	switch {
	case o.found != nil:
		return o.found.auditEntities(o.Type, o.search.Used)
	case o.result.Resource.Version > 0:
		return []audit.Entity{versionRef(o.result.Resource)}
	case o.write != nil:
		return []audit.Entity{ref(o.write.Type, o.write.ID)}
	case o.ID != "":
		return []audit.Entity{ref(o.Type, o.ID)}
	case o.Query != nil:
		return []audit.Entity{searchEntity(o.Type, o.Query)}
	case o.IfNoneExist != "":
		return []audit.Entity{{Query: o.Type + "?" + o.IfNoneExist}}
	}
	return nil
}

// prepareAll parses and validates the bodies of ops in parallel: validation
// costs far more than storing, so it uses every core. It returns one error
// per op (nil when fine).
func (e *Engine) prepareAll(ops []*op) []error {
	return parallel(len(ops), func(i int) error { return e.prepare(ops[i]) })
}

// newID returns a server-assigned resource id: a time-ordered UUID
// (version 7). Ids created together sort together, so every index keyed by
// id (the current-version pointers, the per-resource index of each search
// table) grows at its end instead of at a random page, which keeps bulk
// loads from dirtying a page per row. (Its first 48 bits are the creation
// time in milliseconds, which meta.lastUpdated discloses anyway.)
func newID() string {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString() // the clock failed: a random id will do
	}
	return id.String()
}

// parallel runs fn(0..n-1) on every core and returns the errors by index.
func parallel(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	if n == 1 {
		errs[0] = fn(0)
		return errs
	}
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Go(func() {
			for i := range work {
				errs[i] = fn(i)
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	return errs
}

// prepare checks what an interaction can be checked for before touching the
// store: method, type, id, body parse and R4 validation.
func (e *Engine) prepare(o *op) error {
	o.Method = strings.ToUpper(o.Method)
	if err := CheckType(o.Type); err != nil {
		return err
	}
	if o.ID != "" {
		if err := checkID(o.ID); err != nil {
			return err
		}
	}
	switch o.Method {
	case http.MethodGet, http.MethodHead:
		if o.ID == "" {
			s, err := e.parseSearch(SearchRequest{Type: o.Type, Params: o.Query})
			if err != nil {
				return err
			}
			o.search = s
		}
		return nil
	case http.MethodDelete:
		if o.ID == "" && o.Query == nil {
			return fhir.Errorf(http.StatusMethodNotAllowed, fhir.IssueNotSupported, "DELETE needs a resource id or search criteria")
		}
		return nil
	case http.MethodPatch:
		if o.ID == "" && o.Query == nil {
			return fhir.Errorf(http.StatusMethodNotAllowed, fhir.IssueNotSupported, "PATCH needs a resource id or search criteria")
		}
		p, err := jsonpatch.DecodePatch(o.Body)
		if err != nil {
			return fhir.Errorf(http.StatusBadRequest, fhir.IssueStructure, "invalid JSON Patch document: %v", err)
		}
		o.patch = p
		return nil
	case http.MethodPost, http.MethodPut:
	default:
		return fhir.Errorf(http.StatusMethodNotAllowed, fhir.IssueNotSupported, "method %s is not supported", o.Method)
	}
	if o.Method == http.MethodPut && o.ID == "" && o.Query == nil {
		return fhir.Errorf(http.StatusMethodNotAllowed, fhir.IssueNotSupported, "PUT needs a resource id or search criteria")
	}
	obj, err := fhir.ParseObject(o.Body)
	if err != nil {
		return err
	}
	switch bodyType := obj.Type(); {
	case bodyType == "":
		return fhir.Errorf(http.StatusBadRequest, fhir.IssueRequired, "the resource has no resourceType").WithExpression("resourceType")
	case bodyType != o.Type:
		return fhir.Errorf(http.StatusBadRequest, fhir.IssueInvalid, "resourceType %q does not match the %s endpoint", bodyType, o.Type).WithExpression("resourceType")
	}
	if o.Method == http.MethodPut {
		switch bodyID := obj.ID(); {
		case bodyID == "" && o.ID != "":
			return fhir.Errorf(http.StatusBadRequest, fhir.IssueRequired, "the resource must have an id matching the URL (%s)", o.ID).WithExpression(o.Type + ".id")
		case o.ID != "" && bodyID != o.ID:
			return fhir.Errorf(http.StatusBadRequest, fhir.IssueInvalid, "the resource id %q does not match the URL id %q", bodyID, o.ID).WithExpression(o.Type + ".id")
		case bodyID != "":
			if err := checkID(bodyID); err != nil {
				return err
			}
		}
	}
	if err := e.validator.Validate(o.Body); err != nil {
		return err
	}
	o.obj = obj
	o.condRefs = conditionalRefs(o.Type, obj)
	return nil
}

// conditionalRefs lists the conditional references in a resource. A Bundle
// being stored keeps its references as they are (see rewriteReferences).
func conditionalRefs(typ string, obj fhir.Object) []string {
	if typ == "Bundle" {
		return nil
	}
	var refs []string
	_ = obj.RewriteReferences(func(ref string) (string, error) {
		if isConditionalReference(ref) {
			refs = append(refs, ref)
		}
		return ref, nil
	})
	return refs
}

// methodOrder is the processing order of transaction entries (FHIR R4 http.html#trules).
func methodOrder(m string) int {
	switch m {
	case http.MethodDelete:
		return 0
	case http.MethodPost:
		return 1
	case http.MethodPut, http.MethodPatch:
		return 2
	default:
		return 3
	}
}

// execute performs ops inside one transaction for caller c and returns the
// resources the engine's rules derived. Errors are *opError.
func (e *Engine) execute(ctx context.Context, tx store.Tx, tenant string, c Caller, now time.Time, ops []*op) ([]store.Resource, error) {
	g := newGuard(c.Access)
	ordered := slices.Clone(ops)
	slices.SortStableFunc(ordered, func(a, b *op) int { return methodOrder(a.Method) - methodOrder(b.Method) })

	x := &execution{engine: e, tx: tx, guard: g, now: now, refs: map[string]string{}, targets: map[string]int{}}
	for _, o := range ordered {
		o.result, o.write = Result{}, nil
		if o.used && (o.Method == http.MethodPost || o.Method == http.MethodPut) {
			// A retried attempt assigns new ids: start again from the client's body.
			obj, err := fhir.ParseObject(o.Body)
			if err != nil {
				return nil, &opError{o.index, err}
			}
			o.obj = obj
		}
		o.used = true
		if methodOrder(o.Method) == 3 {
			continue // reads run after the writes
		}
		if err := x.resolve(ctx, o); err != nil {
			return nil, &opError{o.index, err}
		}
	}
	// Every id is known now. Conditional references need the store, so they
	// are resolved one by one here; then rewriting references and encoding
	// (CPU work on each resource alone) run on every core.
	var finish []*op
	for _, o := range ordered {
		if o.write == nil || o.write.Deleted {
			continue
		}
		refs := o.condRefs
		if o.Method == http.MethodPatch {
			refs = conditionalRefs(o.Type, o.obj)
		}
		for _, ref := range refs {
			if _, done := x.refs[ref]; done {
				continue
			}
			to, err := x.resolveConditionalReference(ctx, ref)
			if err != nil {
				return nil, &opError{o.index, err}
			}
			x.refs[ref] = to
		}
		finish = append(finish, o)
	}
	for i, err := range parallel(len(finish), func(i int) error { return x.finish(finish[i]) }) {
		if err != nil {
			return nil, &opError{finish[i].index, err}
		}
	}
	var writes []store.Write
	for _, o := range ordered {
		if o.write != nil {
			writes = append(writes, *o.write)
		}
	}
	// Rules see the final versions, and what they derive commits with
	// them. Derived writes are the system's, so the caller's post-write
	// check below covers only the caller's own.
	derivedWrites, derived, err := x.applyRules(ctx, tenant, c.Agent, ordered)
	if err != nil {
		return nil, err
	}
	writes = append(writes, derivedWrites...)
	if len(writes) > 0 {
		if err := tx.Write(ctx, writes); err != nil {
			return nil, fmt.Errorf("engine: write: %w", err)
		}
		if err := x.checkWritten(ctx, ordered); err != nil {
			return nil, err
		}
	}
	for _, o := range ordered {
		if methodOrder(o.Method) != 3 {
			continue
		}
		if o.search != nil {
			found, err := searchIn(ctx, tx, g, o.search)
			if err != nil {
				return nil, &opError{o.index, err}
			}
			o.found, o.result = &found, Result{Status: http.StatusOK}
			continue
		}
		r, err := readIn(ctx, tx, g, o.Type, o.ID, o.Version)
		if errors.As(err, new(*oldVersion)) {
			// Judging an old version needs a transaction of its own.
			err = forbidden("a bundle entry cannot read an older version of %s/%s for a caller restricted to some resources; read it on its own", o.Type, o.ID)
		}
		if err != nil {
			return nil, &opError{o.index, err}
		}
		o.result = Result{Status: http.StatusOK, Resource: r}
	}
	return derived, nil
}

// execution is the state of one transaction attempt.
type execution struct {
	engine  *Engine
	tx      store.Tx
	guard   *guard
	now     time.Time
	refs    map[string]string // entry fullUrl → "Type/id" it was given
	targets map[string]int    // "Type/id" → index of the op acting on it
}

// claim records that o acts on typ/id; a transaction may touch each resource once.
func (x *execution) claim(o *op, typ, id string) error {
	key := typ + "/" + id
	if j, dup := x.targets[key]; dup {
		return fhir.Errorf(http.StatusBadRequest, fhir.IssueDuplicate, "entries %d and %d both act on %s", j, o.index, key)
	}
	x.targets[key] = o.index
	if o.FullURL != "" {
		x.refs[o.FullURL] = key
	}
	return nil
}

// match runs conditional criteria: the ids of up to two matches. With
// forCreate the criteria are locked first, because a miss leads to a create
// that a concurrent request with the same criteria must not duplicate.
func (x *execution) match(ctx context.Context, typ string, query url.Values, forCreate bool) ([]string, error) {
	// Strict: a criterion the server does not understand must be refused,
	// never ignored, as ignoring it would widen a conditional update or
	// delete to resources it was not meant for.
	parsed, err := search.Parse([]string{typ}, query, search.Options{Strict: true, Now: x.now, DefaultCount: 2, MaxCount: 2})
	if err != nil {
		return nil, err
	}
	if len(parsed.Query.Filters) == 0 {
		return nil, fhir.Errorf(http.StatusBadRequest, fhir.IssueInvalid, "a conditional interaction needs search criteria")
	}
	if forCreate {
		if err := x.tx.Lock(ctx, typ+"?"+query.Encode()); err != nil {
			return nil, fmt.Errorf("engine: lock conditional criteria: %w", err)
		}
	}
	// Matching is a search by the caller: what it may not see does not
	// match (and is never named in an answer).
	q := store.Query{Types: []string{typ}, Filters: slices.Clone(parsed.Query.Filters), Limit: 2}
	if err := x.guard.restrictQuery(&q); err != nil {
		return nil, err
	}
	rs, _, err := x.tx.Search(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("engine: conditional match: %w", err)
	}
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return ids, nil
}

// current reads the current version (locking it) and checks If-Match.
// exists is false when the resource never existed or is deleted.
func (x *execution) current(ctx context.Context, o *op, id string) (cur store.Resource, exists bool, err error) {
	cur, err = x.tx.Current(ctx, o.Type, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		cur, err = store.Resource{}, nil
	case err != nil:
		return cur, false, fmt.Errorf("engine: read %s/%s: %w", o.Type, id, err)
	}
	exists = cur.Version > 0 && !cur.Deleted
	o.prev = cur
	if o.IfMatch != "" {
		want, ok := parseETag(o.IfMatch)
		if !ok {
			return cur, exists, fhir.Errorf(http.StatusBadRequest, fhir.IssueValue, "invalid If-Match value %q: expected an ETag like W/\"3\"", o.IfMatch)
		}
		if !exists || cur.Version != want {
			return cur, exists, fhir.Errorf(http.StatusPreconditionFailed, fhir.IssueConflict,
				"If-Match %s does not match the current version of %s/%s (%s)", o.IfMatch, o.Type, id, describeVersion(cur))
		}
	}
	return cur, exists, nil
}

func describeVersion(r store.Resource) string {
	switch {
	case r.Version == 0:
		return "it does not exist"
	case r.Deleted:
		return fmt.Sprintf("version %d, deleted", r.Version)
	}
	return fmt.Sprintf("version %d", r.Version)
}

// checkWritten judges the versions just written by the caller's
// restrictions: a restricted caller may only create or update resources
// that it may then see (a patient/ token writes into its own patient's
// compartment). The check runs on the index rows written in this
// transaction, so a refusal rolls everything back.
func (x *execution) checkWritten(ctx context.Context, ops []*op) error {
	type key struct {
		typ string
		act Action
	}
	ids := map[key][]string{}
	for _, o := range ops {
		if o.write != nil && !o.write.Deleted {
			k := key{o.write.Type, o.action}
			ids[k] = append(ids[k], o.write.ID)
		}
	}
	for k, list := range ids {
		ok, err := x.guard.permitted(ctx, x.tx, k.typ, k.act, list)
		if err != nil {
			return err
		}
		for _, o := range ops {
			if o.write != nil && !o.write.Deleted && o.write.Type == k.typ && o.action == k.act && !ok[o.write.ID] {
				return &opError{o.index, forbidden("this caller may not %s %s/%s with this content: it would be outside what the caller may access", k.act, o.write.Type, o.write.ID)}
			}
		}
	}
	return nil
}

// authorize checks, before anything is written, that the caller may act
// on the current version of typ/id (update, patch, delete).
func (x *execution) authorize(ctx context.Context, o *op, id string, act Action) error {
	if _, err := x.guard.require(o.Type, act); err != nil {
		return err
	}
	return x.guard.check(ctx, x.tx, o.Type, id, act)
}

// immutable refuses changes to AuditEvents: the audit trail is
// append-only. exists tells whether a PUT would update (refused) or
// create (allowed, as a POST would be).
func immutable(o *op, exists bool) error {
	if o.Type != "AuditEvent" {
		return nil
	}
	switch o.Method {
	case http.MethodPatch, http.MethodDelete:
	case http.MethodPut:
		if !exists {
			return nil
		}
	default:
		return nil
	}
	return fhir.Errorf(http.StatusMethodNotAllowed, fhir.IssueNotSupported, "AuditEvents are immutable: they cannot be updated, patched or deleted")
}

// resolve decides the id and version an op writes and checks its preconditions.
func (x *execution) resolve(ctx context.Context, o *op) error {
	if o.Method != http.MethodPut {
		if err := immutable(o, true); err != nil {
			return err
		}
	}
	// Refuse early what the caller may not do to any resource of the type.
	act := map[string]Action{http.MethodPost: ActionCreate, http.MethodDelete: ActionDelete, http.MethodPatch: ActionUpdate}[o.Method]
	if o.Method == http.MethodPut {
		act = ActionUpdate
		if _, ok, err := x.guard.restrict(o.Type, ActionUpdate); err == nil && !ok {
			act = ActionCreate // update-as-create may still be allowed
		}
	}
	if _, err := x.guard.require(o.Type, act); err != nil {
		return err
	}
	id := o.ID
	if id == "" && o.Query != nil { // conditional update, patch or delete
		ids, err := x.match(ctx, o.Type, o.Query, o.Method == http.MethodPut)
		if err != nil {
			return err
		}
		switch {
		case len(ids) > 1:
			return fhir.Errorf(http.StatusPreconditionFailed, fhir.IssueMultipleMatches, "the criteria match more than one %s", o.Type)
		case len(ids) == 1:
			id = ids[0]
		}
	}
	switch o.Method {
	case http.MethodDelete:
		if id == "" {
			o.result = Result{Status: http.StatusOK, Message: "no " + o.Type + " matched the criteria; nothing was deleted"}
			return nil
		}
		if err := x.claim(o, o.Type, id); err != nil {
			return err
		}
		cur, exists, err := x.current(ctx, o, id)
		if err != nil {
			return err
		}
		if !exists {
			o.result = Result{Status: http.StatusOK, Message: fmt.Sprintf("%s/%s does not exist or is already deleted; nothing was deleted", o.Type, id)}
			return nil
		}
		if err := x.authorize(ctx, o, id, ActionDelete); err != nil {
			return err
		}
		o.action = ActionDelete
		o.write = &store.Write{Type: o.Type, ID: id, Version: cur.Version + 1, LastUpdated: x.now, Method: store.MethodDelete, Deleted: true}
		o.result = Result{Status: http.StatusOK, Message: fmt.Sprintf("deleted %s/%s (version %d)", o.Type, id, o.write.Version)}
		return nil

	case http.MethodPost:
		if o.IfNoneExist != "" {
			q, err := parseQuery(o.IfNoneExist)
			if err != nil {
				return err
			}
			ids, err := x.match(ctx, o.Type, q, true)
			if err != nil {
				return err
			}
			switch len(ids) {
			case 0:
			case 1:
				// Conditional create matched: nothing is written, and other
				// entries' references to this one point at the match.
				if err := x.claim(o, o.Type, ids[0]); err != nil {
					return err
				}
				cur, err := x.tx.Current(ctx, o.Type, ids[0])
				if err != nil {
					return fmt.Errorf("engine: read %s/%s: %w", o.Type, ids[0], err)
				}
				if err := x.guard.check(ctx, x.tx, o.Type, ids[0], ActionRead); err != nil {
					return err
				}
				o.result = Result{Status: http.StatusOK, Resource: cur}
				return nil
			default:
				return fhir.Errorf(http.StatusPreconditionFailed, fhir.IssueMultipleMatches, "If-None-Exist matches more than one %s", o.Type)
			}
		}
		// A POSTed id is ignored (the server assigns ids), as the spec says.
		id := newID()
		if err := x.claim(o, o.Type, id); err != nil {
			return err
		}
		o.action = ActionCreate
		o.write = &store.Write{Type: o.Type, ID: id, Version: 1, LastUpdated: x.now, Method: store.MethodPost}
		o.result = Result{Status: http.StatusCreated}
		return nil

	case http.MethodPut:
		if id == "" { // conditional update with no match: create
			if id = o.obj.ID(); id == "" {
				id = newID()
			}
		} else if bodyID := o.obj.ID(); bodyID != "" && bodyID != id {
			return fhir.Errorf(http.StatusBadRequest, fhir.IssueInvalid, "the resource id %q does not match the resource the criteria found (%s)", bodyID, id)
		}
		if err := x.claim(o, o.Type, id); err != nil {
			return err
		}
		cur, exists, err := x.current(ctx, o, id)
		if err != nil {
			return err
		}
		if o.IfNoneMatch != "" {
			if o.IfNoneMatch != "*" {
				return fhir.Errorf(http.StatusBadRequest, fhir.IssueNotSupported, "If-None-Match on update supports only *")
			}
			if exists {
				return fhir.Errorf(http.StatusPreconditionFailed, fhir.IssueDuplicate, "%s/%s already exists (If-None-Match: *)", o.Type, id)
			}
		}
		if err := immutable(o, exists); err != nil {
			return err
		}
		status := http.StatusOK
		o.action = ActionUpdate
		if exists {
			if err := x.authorize(ctx, o, id, ActionUpdate); err != nil {
				return err
			}
		} else {
			if _, err := x.guard.require(o.Type, ActionCreate); err != nil {
				return err
			}
			status, o.action = http.StatusCreated, ActionCreate
		}
		o.write = &store.Write{Type: o.Type, ID: id, Version: cur.Version + 1, LastUpdated: x.now, Method: store.MethodPut}
		o.result = Result{Status: status}
		return nil

	case http.MethodPatch:
		if id == "" {
			return fhir.Errorf(http.StatusNotFound, fhir.IssueNotFound, "no %s matches the criteria", o.Type)
		}
		if err := x.claim(o, o.Type, id); err != nil {
			return err
		}
		cur, exists, err := x.current(ctx, o, id)
		if err != nil {
			return err
		}
		switch {
		case cur.Version == 0:
			return fhir.Errorf(http.StatusNotFound, fhir.IssueNotFound, "%s/%s is not known", o.Type, id)
		case !exists:
			return fhir.Errorf(http.StatusGone, fhir.IssueDeleted, "%s/%s was deleted", o.Type, id)
		}
		if err := x.authorize(ctx, o, id, ActionUpdate); err != nil {
			return err
		}
		obj, err := x.engine.applyPatch(o, cur)
		if err != nil {
			return err
		}
		o.obj, o.action = obj, ActionUpdate
		o.write = &store.Write{Type: o.Type, ID: id, Version: cur.Version + 1, LastUpdated: x.now, Method: store.MethodPatch}
		o.result = Result{Status: http.StatusOK}
		return nil
	}
	return fhir.Errorf(http.StatusMethodNotAllowed, fhir.IssueNotSupported, "method %s is not supported", o.Method)
}

// applyPatch applies o's JSON Patch to the current version and validates the result.
func (e *Engine) applyPatch(o *op, cur store.Resource) (fhir.Object, error) {
	patched, err := o.patch.Apply(cur.Body)
	if err != nil {
		return nil, fhir.Errorf(http.StatusUnprocessableEntity, fhir.IssueProcessing, "the JSON Patch cannot be applied: %v", err)
	}
	obj, err := fhir.ParseObject(patched)
	if err != nil {
		return nil, err
	}
	if obj.Type() != cur.Type || obj.ID() != cur.ID {
		return nil, fhir.Errorf(http.StatusUnprocessableEntity, fhir.IssueProcessing, "a patch must not change resourceType or id")
	}
	if err := e.validator.Validate(patched); err != nil {
		return nil, err
	}
	return obj, nil
}

// finish rewrites the references of o's resource to the ids the
// transaction assigned, sets id and meta, and encodes the version to store.
func (x *execution) finish(o *op) error {
	if err := x.rewriteReferences(o); err != nil {
		return err
	}
	w := o.write
	o.obj.SetID(w.ID)
	o.obj.SetMeta(w.Version, w.LastUpdated)
	body, err := o.obj.Marshal()
	if err != nil {
		return fmt.Errorf("engine: encode %s/%s: %w", w.Type, w.ID, err)
	}
	w.Body = body
	if w.Index, err = x.engine.extractor.Extract(o.obj); err != nil {
		return fmt.Errorf("engine: index %s/%s: %w", w.Type, w.ID, err)
	}
	o.result.Resource = store.Resource{Type: w.Type, ID: w.ID, Version: w.Version, LastUpdated: w.LastUpdated, Method: w.Method, Body: body}
	return nil
}

// rewriteReferences points references to other entries at the ids this
// transaction gave them, and conditional references at what they matched.
// It only reads x.refs, so it runs in parallel across entries. A Bundle
// resource being stored (a document, say) is left alone: references inside
// it resolve within that Bundle, not within the transaction.
func (x *execution) rewriteReferences(o *op) error {
	if o.Type == "Bundle" {
		return nil
	}
	return o.obj.RewriteReferences(func(ref string) (string, error) {
		if to, ok := x.refs[ref]; ok {
			return to, nil
		}
		if strings.HasPrefix(ref, "urn:uuid:") || strings.HasPrefix(ref, "urn:oid:") {
			return "", fhir.Errorf(http.StatusBadRequest, fhir.IssueNotFound, "reference %q matches no entry's fullUrl in this bundle", ref)
		}
		return ref, nil
	})
}

// resolveConditionalReference finds the one resource "Type?criteria" matches.
func (x *execution) resolveConditionalReference(ctx context.Context, ref string) (string, error) {
	typ, q, _ := strings.Cut(ref, "?")
	query, err := parseQuery(q)
	if err != nil {
		return "", err
	}
	ids, err := x.match(ctx, typ, query, false)
	if err != nil {
		return "", err
	}
	switch len(ids) {
	case 0:
		return "", fhir.Errorf(http.StatusPreconditionFailed, fhir.IssueNotFound, "conditional reference %q matches no resource", ref)
	case 1:
		// Resolving a reference is a search by the caller.
		if err := x.guard.check(ctx, x.tx, typ, ids[0], ActionSearch); err != nil {
			return "", err
		}
		return typ + "/" + ids[0], nil
	default:
		return "", fhir.Errorf(http.StatusPreconditionFailed, fhir.IssueMultipleMatches, "conditional reference %q matches more than one resource", ref)
	}
}

// isConditionalReference reports whether ref is "Type?criteria".
func isConditionalReference(ref string) bool {
	typ, _, found := strings.Cut(ref, "?")
	return found && fhir.IsResourceType(typ)
}
