// Package storetest is the conformance suite of package store: every
// backend's tests call Run, and a backend is correct when it passes.
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store {
//			s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "kiln.db"))
//			...
//			return s
//		})
//	}
//
// The suite sees a backend only through the store.Store interface, so it
// judges behaviour alone. It compares resource bodies as JSON values, not
// bytes, because a backend may normalise them (PostgreSQL jsonb would reorder
// keys and drops whitespace).
package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kiln-health/kiln/fhir/store"
)

// Run runs the suite. open must return a new, empty, migrated store on every
// call; Run calls it once per subtest, so subtests share nothing, and closes
// the store when the subtest ends. open should register cleanups of its own
// (temporary directories, databases) with t.Cleanup; they run after Close.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []test{
		{"Tenants", testTenants},
		{"ReadyAndBackend", testReadyAndBackend},
		{"RoundTrip", testRoundTrip},
		{"Tombstone", testTombstone},
		{"NotFound", testNotFound},
		{"History", testHistory},
		{"HistoryPaging", testHistoryPaging},
		{"TenantIsolation", testTenantIsolation},
		{"Criteria", testCriteria},
		{"CriteriaFollowCurrentVersion", testCriteriaFollowCurrentVersion},
		{"UpdateRollsBackOnError", testUpdateRollsBack},
		{"Conflict", testConflict},
		{"WriteInViewFails", testWriteInView},
		{"UpdateReadsOwnWrites", testReadOwnWrites},
		{"NoLostUpdate", testNoLostUpdate},
		{"LockSerialisesConditionalCreate", testLockSerialisesConditionalCreate},
		{"SearchString", testSearchString},
		{"SearchToken", testSearchToken},
		{"SearchDate", testSearchDate},
		{"SearchSameValue", testSearchSameValue},
		{"SearchLastUpdated", testSearchLastUpdated},
		{"SearchNumber", testSearchNumber},
		{"SearchQuantity", testSearchQuantity},
		{"SearchReference", testSearchReference},
		{"SearchURI", testSearchURI},
		{"SearchID", testSearchID},
		{"SearchLogic", testSearchLogic},
		{"SearchText", testSearchText},
		{"SearchChain", testSearchChain},
		{"SearchHas", testSearchHas},
		{"SearchComposite", testSearchComposite},
		{"SearchSort", testSearchSort},
		{"SearchPaging", testSearchPaging},
		{"SearchSystem", testSearchSystem},
		{"SearchAfter", testSearchAfter},
		{"Related", testRelated},
		{"SearchIndexFollowsCurrentVersion", testSearchIndexFollowsCurrentVersion},
		{"SearchTenantIsolation", testSearchTenantIsolation},
		{"IndexVersion", testIndexVersion},
		{"Records", testRecords},
		{"InsertRecord", testInsertRecord},
		{"ReplaceRecords", testReplaceRecords},
		{"EnqueueJob", testEnqueueJob},
		{"EnqueueJobConcurrent", testEnqueueJobConcurrent},
		{"EnqueueJobs", testEnqueueJobs},
		{"ClaimJobs", testClaimJobs},
		{"ClaimJobsConcurrent", testClaimJobsConcurrent},
		{"JobLeaseExpiry", testJobLeaseExpiry},
		{"JobRetry", testJobRetry},
		{"JobDead", testJobDead},
		{"JobTenants", testJobTenants},
	}
	runTests(t, open, append(tests, chunkTests...), 60*time.Second)
}

// test is one conformance test.
type test struct {
	name string
	fn   func(h *harness)
}

// runTests runs each test on a fresh store from open, within timeout.
func runTests(t *testing.T, open func(t *testing.T) store.Store, tests []test, timeout time.Duration) {
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tt.fn(&harness{T: t, ctx: ctx, s: s})
		})
	}
}

// harness bundles what every check needs, so the tests read as a list of
// store interactions and expectations.
type harness struct {
	*testing.T
	ctx context.Context
	s   store.Store
}

// t0 is the time of the first write in most tests; it has millisecond
// precision, as the store keeps.
var t0 = time.Date(2025, 3, 14, 15, 9, 26, 535_000_000, time.UTC)

// tenant creates a tenant and returns its name.
func (h *harness) tenant(name string) string {
	h.Helper()
	if err := h.s.CreateTenant(h.ctx, name); err != nil {
		h.Fatalf("CreateTenant(%q): %v", name, err)
	}
	return name
}

// write commits ws in one Update.
func (h *harness) write(tenant string, ws ...store.Write) {
	h.Helper()
	err := h.s.Update(h.ctx, tenant, func(tx store.Tx) error {
		return tx.Write(h.ctx, ws)
	})
	if err != nil {
		h.Fatalf("Update(%s): Write: %v", tenant, err)
	}
}

// view runs fn in a View and fails the test on error.
func (h *harness) view(tenant string, fn func(tx store.Tx) error) {
	h.Helper()
	if err := h.s.View(h.ctx, tenant, fn); err != nil {
		h.Fatalf("View(%s): %v", tenant, err)
	}
}

func (h *harness) current(tenant, typ, id string) (r store.Resource, err error) {
	h.Helper()
	h.view(tenant, func(tx store.Tx) error {
		r, err = tx.Current(h.ctx, typ, id)
		return nil
	})
	return r, err
}

func (h *harness) version(tenant, typ, id string, v int64) (r store.Resource, err error) {
	h.Helper()
	h.view(tenant, func(tx store.Tx) error {
		r, err = tx.Version(h.ctx, typ, id, v)
		return nil
	})
	return r, err
}

func (h *harness) history(tenant string, q store.HistoryQuery) []store.Resource {
	h.Helper()
	var rs []store.Resource
	h.view(tenant, func(tx store.Tx) (err error) {
		rs, err = tx.History(h.ctx, q)
		return err
	})
	return rs
}

// find returns the ids of the resources of typ that Search finds with c's
// filters, at most limit, sorted.
func (h *harness) find(tenant, typ string, c criteria, limit int) []string {
	h.Helper()
	var ids []string
	h.view(tenant, func(tx store.Tx) (err error) {
		ids, err = searchIDs(h.ctx, tx, typ, c, limit)
		return err
	})
	slices.Sort(ids)
	return ids
}

// criteria is the shape of a conditional interaction's search: an id and
// tokens that must all match.
type criteria struct {
	ID     string
	Tokens []store.TokenMatch
}

func (c criteria) filters() []store.Filter {
	var fs []store.Filter
	if c.ID != "" {
		fs = append(fs, store.IDMatch{IDs: []string{c.ID}})
	}
	for _, t := range c.Tokens {
		fs = append(fs, t)
	}
	return fs
}

// searchIDs runs a Search of typ with c's filters and returns the ids found.
func searchIDs(ctx context.Context, tx store.Tx, typ string, c criteria, limit int) ([]string, error) {
	rs, _, err := tx.Search(ctx, store.Query{Types: []string{typ}, Filters: c.filters(), Limit: limit})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return ids, nil
}

// mustCurrent is current that fails the test on error.
func (h *harness) mustCurrent(tenant, typ, id string) store.Resource {
	h.Helper()
	r, err := h.current(tenant, typ, id)
	if err != nil {
		h.Fatalf("Current(%s/%s): %v", typ, id, err)
	}
	return r
}

// wantNotFound fails the test unless err is store.ErrNotFound.
func (h *harness) wantNotFound(what string, err error) {
	h.Helper()
	if !errors.Is(err, store.ErrNotFound) {
		h.Errorf("%s: err = %v, want ErrNotFound", what, err)
	}
}

// checkResource compares a stored version with the write that made it.
func (h *harness) checkResource(got store.Resource, want store.Write) {
	h.Helper()
	name := fmt.Sprintf("%s/%s/_history/%d", want.Type, want.ID, want.Version)
	if got.Type != want.Type || got.ID != want.ID || got.Version != want.Version {
		h.Errorf("%s: got %s/%s/_history/%d", name, got.Type, got.ID, got.Version)
	}
	if wantTime := want.LastUpdated.Truncate(time.Millisecond); !got.LastUpdated.Equal(wantTime) {
		h.Errorf("%s: LastUpdated = %v, want %v", name, got.LastUpdated, wantTime)
	}
	if got.LastUpdated.Location() != time.UTC {
		h.Errorf("%s: LastUpdated location = %v, want UTC", name, got.LastUpdated.Location())
	}
	if got.Deleted != want.Deleted {
		h.Errorf("%s: Deleted = %v, want %v", name, got.Deleted, want.Deleted)
	}
	if got.Method != want.Method {
		h.Errorf("%s: Method = %q, want %q", name, got.Method, want.Method)
	}
	switch {
	case want.Deleted && got.Body != nil:
		h.Errorf("%s: tombstone Body = %q, want nil", name, got.Body)
	case !want.Deleted && !jsonEqual(got.Body, want.Body):
		h.Errorf("%s: Body = %s, want (as JSON) %s", name, got.Body, want.Body)
	}
}

// jsonEqual reports whether a and b hold the same JSON value. Numbers are
// compared as written, so a backend must keep decimal precision ("1.50").
func jsonEqual(a, b []byte) bool {
	va, errA := decodeJSON(a)
	vb, errB := decodeJSON(b)
	return errA == nil && errB == nil && reflect.DeepEqual(va, vb)
}

func decodeJSON(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// res returns a write of a resource with a small generated body: POST for
// version 1, PUT after.
func res(typ, id string, version int64, at time.Time, tokens ...store.TokenValue) store.Write {
	method := store.MethodPut
	if version == 1 {
		method = store.MethodPost
	}
	return store.Write{
		Type:        typ,
		ID:          id,
		Version:     version,
		LastUpdated: at,
		Method:      method,
		Body: fmt.Appendf(nil, `{"resourceType":%q,"id":%q,"meta":{"versionId":"%d","lastUpdated":%q}}`,
			typ, id, version, at.Format(time.RFC3339Nano)),
		Index: store.Index{Tokens: tokens},
	}
}

// tombstone returns a DELETE write.
func tombstone(typ, id string, version int64, at time.Time) store.Write {
	return store.Write{Type: typ, ID: id, Version: version, LastUpdated: at, Method: store.MethodDelete, Deleted: true}
}

func identifier(system, code string) store.TokenValue {
	return store.TokenValue{Param: "identifier", System: system, Code: code}
}

// key names a version for comparisons of histories.
func key(typ, id string, version int64) string {
	return fmt.Sprintf("%s/%s/%d", typ, id, version)
}

func keys(rs []store.Resource) []string {
	ks := make([]string, len(rs))
	for i, r := range rs {
		ks[i] = key(r.Type, r.ID, r.Version)
	}
	return ks
}

func testTenants(h *harness) {
	got, err := h.s.Tenants(h.ctx)
	if err != nil {
		h.Fatalf("Tenants: %v", err)
	}
	if len(got) != 0 {
		h.Fatalf("Tenants of a new store = %q, want none", got)
	}
	for _, name := range []string{"beta", "alpha", "gamma", "alpha", "beta"} {
		h.tenant(name) // creating an existing tenant is not an error
	}
	got, err = h.s.Tenants(h.ctx)
	if err != nil {
		h.Fatalf("Tenants: %v", err)
	}
	if want := []string{"alpha", "beta", "gamma"}; !slices.Equal(got, want) {
		h.Errorf("Tenants = %q, want %q", got, want)
	}
}

func testReadyAndBackend(h *harness) {
	if err := h.s.Ready(h.ctx); err != nil {
		h.Errorf("Ready: %v", err)
	}
	if h.s.Backend() == "" {
		h.Errorf("Backend is empty")
	}
}

func testRoundTrip(h *harness) {
	tn := h.tenant("t")
	// A body with whitespace, unordered keys, nesting and a decimal whose
	// precision FHIR requires to be kept.
	body := []byte(`{
		"resourceType": "Observation", "id": "o1",
		"valueQuantity": {"value": 1.50, "unit": "mmol/L"},
		"code": {"coding": [{"system": "http://loinc.org", "code": "2339-0"}]},
		"status": "final", "note": [{"text": "caf\u00e9 ✓"}]
	}`)
	// LastUpdated in another zone and below millisecond precision: the store
	// returns it in UTC, truncated to milliseconds.
	at := time.Date(2025, 3, 14, 16, 9, 26, 535_999_999, time.FixedZone("CET", 3600))
	w1 := store.Write{Type: "Observation", ID: "o1", Version: 1, LastUpdated: at, Method: store.MethodPost, Body: body}
	// Two resources in one Write, as the ingest path batches them.
	w2 := res("Patient", "p1", 1, t0)
	w2.Method = store.MethodPut // PUT creating a resource (update as create)
	h.write(tn, w1, w2)

	w1v2 := res("Observation", "o1", 2, t0.Add(time.Second))
	w1v2.Method = store.MethodPatch
	h.write(tn, w1v2)

	h.checkResource(h.mustCurrent(tn, "Observation", "o1"), w1v2)
	h.checkResource(h.mustCurrent(tn, "Patient", "p1"), w2)
	for _, w := range []store.Write{w1, w1v2, w2} {
		got, err := h.version(tn, w.Type, w.ID, w.Version)
		if err != nil {
			h.Fatalf("Version(%s/%s, %d): %v", w.Type, w.ID, w.Version, err)
		}
		h.checkResource(got, w)
	}
	if got := h.mustCurrent(tn, "Observation", "o1"); got.LastUpdated.Nanosecond()%int(time.Millisecond) != 0 {
		h.Errorf("LastUpdated %v has sub-millisecond precision", got.LastUpdated)
	}
}

func testTombstone(h *harness) {
	tn := h.tenant("t")
	v1 := res("Patient", "p", 1, t0, identifier("sys", "1"))
	v2 := tombstone("Patient", "p", 2, t0.Add(time.Second))
	h.write(tn, v1)
	h.write(tn, v2)

	h.checkResource(h.mustCurrent(tn, "Patient", "p"), v2)
	for _, w := range []store.Write{v1, v2} {
		got, err := h.version(tn, "Patient", "p", w.Version)
		if err != nil {
			h.Fatalf("Version(%d): %v", w.Version, err)
		}
		h.checkResource(got, w)
	}
	_, err := h.version(tn, "Patient", "p", 3)
	h.wantNotFound("Version after the tombstone", err)

	// A write after a delete brings the resource back.
	v3 := res("Patient", "p", 3, t0.Add(2*time.Second))
	h.write(tn, v3)
	h.checkResource(h.mustCurrent(tn, "Patient", "p"), v3)
}

func testNotFound(h *harness) {
	tn := h.tenant("t")
	h.write(tn, res("Patient", "p", 1, t0))

	_, err := h.current(tn, "Patient", "nope")
	h.wantNotFound("Current of a resource that never existed", err)
	_, err = h.current(tn, "Observation", "p")
	h.wantNotFound("Current of another type with the same id", err)
	_, err = h.version(tn, "Patient", "p", 2)
	h.wantNotFound("Version of a future version", err)
	_, err = h.version(tn, "Patient", "nope", 1)
	h.wantNotFound("Version of a resource that never existed", err)

	// An unknown resource has an empty history, not an error.
	if got := h.history(tn, store.HistoryQuery{Type: "Patient", ID: "nope", Limit: 10}); len(got) != 0 {
		h.Errorf("History of an unknown resource = %q, want none", keys(got))
	}
	if got := h.history(tn, store.HistoryQuery{Type: "Observation", Limit: 10}); len(got) != 0 {
		h.Errorf("History of a type without resources = %q, want none", keys(got))
	}
}

// historyWrites is the write sequence of the history tests, one write per
// transaction, a second apart: three types, updates and a delete.
func historyWrites() []store.Write {
	var ws []store.Write
	at := func() time.Time { return t0.Add(time.Duration(len(ws)) * time.Second) }
	ws = append(ws, res("Patient", "a", 1, at()))
	ws = append(ws, res("Patient", "b", 1, at()))
	ws = append(ws, res("Observation", "o", 1, at()))
	ws = append(ws, res("Patient", "a", 2, at()))
	ws = append(ws, res("Encounter", "e", 1, at()))
	ws = append(ws, tombstone("Patient", "a", 3, at()))
	ws = append(ws, res("Observation", "o", 2, at()))
	ws = append(ws, res("Patient", "b", 2, at()))
	return ws
}

func testHistory(h *harness) {
	tn := h.tenant("t")
	ws := historyWrites()
	for _, w := range ws {
		h.write(tn, w)
	}
	newestFirst := slices.Clone(ws)
	slices.Reverse(newestFirst)
	match := func(typ, id string, since time.Time) (want []string) {
		for _, w := range newestFirst {
			if (typ == "" || w.Type == typ) && (id == "" || w.ID == id) && !w.LastUpdated.Before(since) {
				want = append(want, key(w.Type, w.ID, w.Version))
			}
		}
		return want
	}

	tests := []struct {
		name string
		q    store.HistoryQuery
		want []string
	}{
		{"instance", store.HistoryQuery{Type: "Patient", ID: "a", Limit: 100}, match("Patient", "a", time.Time{})},
		{"type", store.HistoryQuery{Type: "Patient", Limit: 100}, match("Patient", "", time.Time{})},
		{"tenant", store.HistoryQuery{Limit: 100}, match("", "", time.Time{})},
		{"tenant limit", store.HistoryQuery{Limit: 3}, match("", "", time.Time{})[:3]},
		{"type limit", store.HistoryQuery{Type: "Patient", Limit: 2}, match("Patient", "", time.Time{})[:2]},
		{"instance limit", store.HistoryQuery{Type: "Patient", ID: "a", Limit: 1}, match("Patient", "a", time.Time{})[:1]},
		// Since is inclusive: ws[3] was written exactly at Since.
		{"tenant since", store.HistoryQuery{Since: ws[3].LastUpdated, Limit: 100}, match("", "", ws[3].LastUpdated)},
		{"type since", store.HistoryQuery{Type: "Patient", Since: ws[3].LastUpdated, Limit: 100}, match("Patient", "", ws[3].LastUpdated)},
		{"instance since", store.HistoryQuery{Type: "Patient", ID: "a", Since: ws[3].LastUpdated, Limit: 100}, match("Patient", "a", ws[3].LastUpdated)},
		{"since limit", store.HistoryQuery{Since: ws[3].LastUpdated, Limit: 2}, match("", "", ws[3].LastUpdated)[:2]},
		{"since after everything", store.HistoryQuery{Since: t0.Add(time.Hour), Limit: 100}, nil},
	}
	for _, tt := range tests {
		got := h.history(tn, tt.q)
		if !slices.Equal(keys(got), tt.want) {
			h.Errorf("%s: History(%+v) = %q, want %q", tt.name, tt.q, keys(got), tt.want)
		}
	}

	// The tenant-wide history holds every version in full, newest first,
	// with Seq growing in write order; the tombstone is a DELETE.
	all := h.history(tn, store.HistoryQuery{Limit: 100})
	if len(all) != len(ws) {
		h.Fatalf("History has %d versions, want %d", len(all), len(ws))
	}
	for i, r := range all {
		h.checkResource(r, newestFirst[i])
		if r.Seq <= 0 {
			h.Errorf("%s: Seq = %d, want > 0", key(r.Type, r.ID, r.Version), r.Seq)
		}
		if i > 0 && r.Seq >= all[i-1].Seq {
			h.Errorf("Seq of %s (%d) is not below Seq of the newer %s (%d)",
				key(r.Type, r.ID, r.Version), r.Seq, key(all[i-1].Type, all[i-1].ID, all[i-1].Version), all[i-1].Seq)
		}
	}
}

func testHistoryPaging(h *harness) {
	tn := h.tenant("t")
	ws := historyWrites()
	for _, w := range ws {
		h.write(tn, w)
	}
	queries := []store.HistoryQuery{
		{},
		{Type: "Patient"},
		{Type: "Patient", ID: "a"},
		{Since: ws[2].LastUpdated},
	}
	for _, q := range queries {
		q.Limit = 100
		all := h.history(tn, q)
		for _, size := range []int{1, 2, 3, len(all), len(all) + 1} {
			// Walk every page, each starting below the last Seq seen.
			var walked []store.Resource
			page := q
			page.Limit = size
			for range len(all) + 2 {
				rs := h.history(tn, page)
				if len(rs) > size {
					h.Fatalf("History(%+v) returned %d versions, over the limit", page, len(rs))
				}
				if len(rs) == 0 {
					break
				}
				walked = append(walked, rs...)
				page.BeforeSeq = rs[len(rs)-1].Seq
			}
			if !slices.Equal(keys(walked), keys(all)) {
				h.Errorf("History(%+v) in pages of %d = %q, want %q", q, size, keys(walked), keys(all))
			}
		}
	}
}

func testTenantIsolation(h *harness) {
	a, b := h.tenant("a"), h.tenant("b")
	wa := res("Patient", "x", 1, t0, identifier("sys", "1"))
	h.write(a, wa)

	_, err := h.current(b, "Patient", "x")
	h.wantNotFound("Current from another tenant", err)
	_, err = h.version(b, "Patient", "x", 1)
	h.wantNotFound("Version from another tenant", err)
	for _, q := range []store.HistoryQuery{
		{Type: "Patient", ID: "x", Limit: 10},
		{Type: "Patient", Limit: 10},
		{Limit: 10},
	} {
		if got := h.history(b, q); len(got) != 0 {
			h.Errorf("History(%+v) from another tenant = %q, want none", q, keys(got))
		}
	}
	for _, c := range []criteria{
		{},
		{ID: "x"},
		{Tokens: []store.TokenMatch{{Param: "identifier", System: "sys", Code: "1"}}},
		{Tokens: []store.TokenMatch{{Param: "identifier", Code: "1", AnySystem: true}}},
	} {
		if got := h.find(b, "Patient", c, 10); len(got) != 0 {
			h.Errorf("Search(%+v) from another tenant = %q, want none", c, got)
		}
	}

	// The same type and id in b is a separate resource, starting at version 1.
	wb := res("Patient", "x", 1, t0.Add(time.Second), identifier("sys", "2"))
	wb.Body = []byte(`{"resourceType":"Patient","id":"x","gender":"female"}`)
	h.write(b, wb)
	h.checkResource(h.mustCurrent(a, "Patient", "x"), wa)
	h.checkResource(h.mustCurrent(b, "Patient", "x"), wb)
	if got := h.history(a, store.HistoryQuery{Limit: 10}); !slices.Equal(keys(got), []string{"Patient/x/1"}) {
		h.Errorf("History of a = %q, want only its own version", keys(got))
	}
	tok := func(code string) criteria {
		return criteria{Tokens: []store.TokenMatch{{Param: "identifier", System: "sys", Code: code}}}
	}
	if got := h.find(a, "Patient", tok("2"), 10); len(got) != 0 {
		h.Errorf("Search in a of b's identifier = %q, want none", got)
	}
	if got := h.find(b, "Patient", tok("2"), 10); !slices.Equal(got, []string{"x"}) {
		h.Errorf("Search in b of its identifier = %q, want [x]", got)
	}
}

func testCriteria(h *harness) {
	tn := h.tenant("t")
	h.write(tn,
		res("Patient", "p1", 1, t0, identifier("sys1", "123"), identifier("sys2", "abc")),
		res("Patient", "p2", 1, t0, identifier("sys1", "456"), identifier("", "123")),
		res("Patient", "p3", 1, t0, store.TokenValue{Param: "other", System: "sys1", Code: "123"}),
		res("Patient", "gone", 1, t0, identifier("sys1", "123")),
		res("Observation", "o1", 1, t0, identifier("sys1", "123")),
	)
	h.write(tn, tombstone("Patient", "gone", 2, t0.Add(time.Second)))

	exact := func(system, code string) store.TokenMatch {
		return store.TokenMatch{Param: "identifier", System: system, Code: code}
	}
	anySystem := func(code string) store.TokenMatch {
		return store.TokenMatch{Param: "identifier", Code: code, AnySystem: true}
	}
	tests := []struct {
		name string
		c    criteria
		want []string
	}{
		{"everything", criteria{}, []string{"p1", "p2", "p3"}},
		{"id", criteria{ID: "p2"}, []string{"p2"}},
		{"unknown id", criteria{ID: "p9"}, nil},
		{"deleted id", criteria{ID: "gone"}, nil},
		{"id of another type", criteria{ID: "o1"}, nil},
		{"system|code", criteria{Tokens: []store.TokenMatch{exact("sys1", "123")}}, []string{"p1"}},
		{"other system", criteria{Tokens: []store.TokenMatch{exact("sys2", "123")}}, nil},
		{"code in any system", criteria{Tokens: []store.TokenMatch{anySystem("123")}}, []string{"p1", "p2"}},
		{"|code means no system", criteria{Tokens: []store.TokenMatch{exact("", "123")}}, []string{"p2"}},
		{"code is exact", criteria{Tokens: []store.TokenMatch{anySystem("12")}}, nil},
		{"param is matched", criteria{Tokens: []store.TokenMatch{{Param: "other", Code: "123", AnySystem: true}}}, []string{"p3"}},
		{"tokens are ANDed", criteria{Tokens: []store.TokenMatch{exact("sys1", "123"), exact("sys2", "abc")}}, []string{"p1"}},
		{"ANDed tokens that no resource has both of", criteria{Tokens: []store.TokenMatch{exact("sys1", "123"), exact("sys1", "456")}}, nil},
		{"id and token", criteria{ID: "p1", Tokens: []store.TokenMatch{anySystem("123")}}, []string{"p1"}},
		{"id and token of another resource", criteria{ID: "p2", Tokens: []store.TokenMatch{exact("sys1", "123")}}, nil},
	}
	for _, tt := range tests {
		if got := h.find(tn, "Patient", tt.c, 100); !slices.Equal(got, tt.want) {
			h.Errorf("%s: Search(Patient, %+v) = %q, want %q", tt.name, tt.c, got, tt.want)
		}
	}
	if got := h.find(tn, "Observation", criteria{Tokens: []store.TokenMatch{exact("sys1", "123")}}, 100); !slices.Equal(got, []string{"o1"}) {
		h.Errorf("Search(Observation, sys1|123) = %q, want [o1]", got)
	}

	// The limit caps the ids returned.
	for limit := 1; limit <= 3; limit++ {
		got := h.find(tn, "Patient", criteria{}, limit)
		if len(got) != limit {
			h.Errorf("Search(everything, limit %d) = %q, want %d ids", limit, got, limit)
		}
		for _, id := range got {
			if !slices.Contains([]string{"p1", "p2", "p3"}, id) {
				h.Errorf("Search(everything, limit %d) returned %q", limit, id)
			}
		}
	}
	if got := h.find(tn, "Patient", criteria{Tokens: []store.TokenMatch{anySystem("123")}}, 1); len(got) != 1 {
		h.Errorf("Search(any|123, limit 1) = %q, want 1 id", got)
	}
}

func testCriteriaFollowCurrentVersion(h *harness) {
	tn := h.tenant("t")
	byIdentifier := func(code string) criteria {
		return criteria{Tokens: []store.TokenMatch{{Param: "identifier", System: "sys", Code: code}}}
	}
	h.write(tn, res("Patient", "p", 1, t0, identifier("sys", "old")))
	if got := h.find(tn, "Patient", byIdentifier("old"), 10); !slices.Equal(got, []string{"p"}) {
		h.Fatalf("Search(old) = %q, want [p]", got)
	}

	// An update replaces the index rows.
	h.write(tn, res("Patient", "p", 2, t0.Add(time.Second), identifier("sys", "new")))
	if got := h.find(tn, "Patient", byIdentifier("old"), 10); len(got) != 0 {
		h.Errorf("after update, Search(old) = %q, want none", got)
	}
	if got := h.find(tn, "Patient", byIdentifier("new"), 10); !slices.Equal(got, []string{"p"}) {
		h.Errorf("after update, Search(new) = %q, want [p]", got)
	}

	// An update without tokens removes them.
	h.write(tn, res("Patient", "p", 3, t0.Add(2*time.Second)))
	if got := h.find(tn, "Patient", byIdentifier("new"), 10); len(got) != 0 {
		h.Errorf("after update without identifiers, Search(new) = %q, want none", got)
	}

	// A tombstone removes them.
	h.write(tn, res("Patient", "p", 4, t0.Add(3*time.Second), identifier("sys", "new")))
	del := tombstone("Patient", "p", 5, t0.Add(4*time.Second))
	h.write(tn, del)
	if got := h.find(tn, "Patient", byIdentifier("new"), 10); len(got) != 0 {
		h.Errorf("after delete, Search(new) = %q, want none", got)
	}
	if got := h.find(tn, "Patient", criteria{}, 10); len(got) != 0 {
		h.Errorf("after delete, Search(everything) = %q, want none", got)
	}

	// A write after the delete brings it back with its new tokens.
	h.write(tn, res("Patient", "p", 6, t0.Add(5*time.Second), identifier("sys", "again")))
	if got := h.find(tn, "Patient", byIdentifier("again"), 10); !slices.Equal(got, []string{"p"}) {
		h.Errorf("after undelete, Search(again) = %q, want [p]", got)
	}
}

func testUpdateRollsBack(h *harness) {
	tn := h.tenant("t")
	v1 := res("Patient", "old", 1, t0, identifier("sys", "1"))
	h.write(tn, v1)

	errFail := errors.New("fn failed")
	err := h.s.Update(h.ctx, tn, func(tx store.Tx) error {
		err := tx.Write(h.ctx, []store.Write{
			res("Patient", "new", 1, t0.Add(time.Second), identifier("sys", "2")),
			res("Patient", "old", 2, t0.Add(time.Second), identifier("sys", "3")),
		})
		if err != nil {
			return err
		}
		return errFail
	})
	if !errors.Is(err, errFail) {
		h.Fatalf("Update = %v, want fn's error", err)
	}

	_, err = h.current(tn, "Patient", "new")
	h.wantNotFound("Current of a resource created in a failed Update", err)
	h.checkResource(h.mustCurrent(tn, "Patient", "old"), v1)
	_, err = h.version(tn, "Patient", "old", 2)
	h.wantNotFound("Version written in a failed Update", err)
	if got := h.history(tn, store.HistoryQuery{Limit: 10}); !slices.Equal(keys(got), []string{"Patient/old/1"}) {
		h.Errorf("History after a failed Update = %q, want only Patient/old/1", keys(got))
	}
	for _, code := range []string{"2", "3"} {
		c := criteria{Tokens: []store.TokenMatch{{Param: "identifier", System: "sys", Code: code}}}
		if got := h.find(tn, "Patient", c, 10); len(got) != 0 {
			h.Errorf("Search(sys|%s) after a failed Update = %q, want none", code, got)
		}
	}
	c := criteria{Tokens: []store.TokenMatch{{Param: "identifier", System: "sys", Code: "1"}}}
	if got := h.find(tn, "Patient", c, 10); !slices.Equal(got, []string{"old"}) {
		h.Errorf("Search(sys|1) after a failed Update = %q, want [old]", got)
	}
}

func testConflict(h *harness) {
	tn := h.tenant("t")
	v1 := res("Patient", "p", 1, t0)
	v2 := res("Patient", "p", 2, t0.Add(time.Second))
	h.write(tn, v1)
	h.write(tn, v2)

	tests := []struct {
		name   string
		writes []store.Write
	}{
		{"create of an existing id", []store.Write{res("Patient", "p", 1, t0.Add(time.Hour))}},
		{"existing current version", []store.Write{res("Patient", "p", 2, t0.Add(time.Hour))}},
		{"tombstone of an existing version", []store.Write{tombstone("Patient", "p", 2, t0.Add(time.Hour))}},
		{"the same version twice in one Write", []store.Write{
			res("Patient", "q", 1, t0.Add(time.Hour)),
			res("Patient", "q", 1, t0.Add(time.Hour)),
		}},
		// The conflict undoes the Write's earlier, valid entries.
		{"after a valid write", []store.Write{
			res("Patient", "r", 1, t0.Add(time.Hour)),
			res("Patient", "p", 2, t0.Add(time.Hour)),
		}},
	}
	for _, tt := range tests {
		err := h.s.Update(h.ctx, tn, func(tx store.Tx) error {
			return tx.Write(h.ctx, tt.writes)
		})
		if !errors.Is(err, store.ErrConflict) {
			h.Errorf("%s: Update = %v, want ErrConflict", tt.name, err)
		}
	}

	h.checkResource(h.mustCurrent(tn, "Patient", "p"), v2)
	for _, w := range []store.Write{v1, v2} {
		got, err := h.version(tn, "Patient", "p", w.Version)
		if err != nil {
			h.Fatalf("Version(%d): %v", w.Version, err)
		}
		h.checkResource(got, w)
	}
	for _, id := range []string{"q", "r"} {
		_, err := h.current(tn, "Patient", id)
		h.wantNotFound("Current of a resource from a conflicting Update", err)
	}
	if got := h.history(tn, store.HistoryQuery{Limit: 10}); !slices.Equal(keys(got), []string{"Patient/p/2", "Patient/p/1"}) {
		h.Errorf("History after conflicts = %q, want only p's two versions", keys(got))
	}
}

func testWriteInView(h *harness) {
	tn := h.tenant("t")
	err := h.s.View(h.ctx, tn, func(tx store.Tx) error {
		return tx.Write(h.ctx, []store.Write{res("Patient", "p", 1, t0)})
	})
	if err == nil {
		h.Errorf("Write in View succeeded, want an error")
	}
	_, err = h.current(tn, "Patient", "p")
	h.wantNotFound("Current of a resource written in View", err)
}

func testReadOwnWrites(h *harness) {
	tn := h.tenant("t")
	v1 := res("Patient", "p", 1, t0, identifier("sys", "1"))
	v2 := res("Patient", "p", 2, t0.Add(time.Second), identifier("sys", "2"))
	byIdentifier := func(code string) criteria {
		return criteria{Tokens: []store.TokenMatch{{Param: "identifier", System: "sys", Code: code}}}
	}
	err := h.s.Update(h.ctx, tn, func(tx store.Tx) error {
		if _, err := tx.Current(h.ctx, "Patient", "p"); !errors.Is(err, store.ErrNotFound) {
			h.Errorf("Current before the write: err = %v, want ErrNotFound", err)
		}
		if err := tx.Write(h.ctx, []store.Write{v1}); err != nil {
			return err
		}
		r, err := tx.Current(h.ctx, "Patient", "p")
		if err != nil {
			return fmt.Errorf("Current after writing v1: %w", err)
		}
		h.checkResource(r, v1)
		if ids, err := searchIDs(h.ctx, tx, "Patient", byIdentifier("1"), 10); err != nil || !slices.Equal(ids, []string{"p"}) {
			h.Errorf("Search(sys|1) after writing v1 = %q, %v; want [p]", ids, err)
		}

		if err := tx.Write(h.ctx, []store.Write{v2}); err != nil {
			return err
		}
		if r, err = tx.Current(h.ctx, "Patient", "p"); err != nil {
			return fmt.Errorf("Current after writing v2: %w", err)
		}
		h.checkResource(r, v2)
		if r, err = tx.Version(h.ctx, "Patient", "p", 1); err != nil {
			return fmt.Errorf("Version 1 after writing v2: %w", err)
		}
		h.checkResource(r, v1)
		hist, err := tx.History(h.ctx, store.HistoryQuery{Type: "Patient", ID: "p", Limit: 10})
		if err != nil {
			return fmt.Errorf("History: %w", err)
		}
		if !slices.Equal(keys(hist), []string{"Patient/p/2", "Patient/p/1"}) {
			h.Errorf("History in the Update = %q, want both versions", keys(hist))
		}
		if ids, err := searchIDs(h.ctx, tx, "Patient", byIdentifier("1"), 10); err != nil || len(ids) != 0 {
			h.Errorf("Search(sys|1) after writing v2 = %q, %v; want none", ids, err)
		}
		if ids, err := searchIDs(h.ctx, tx, "Patient", byIdentifier("2"), 10); err != nil || !slices.Equal(ids, []string{"p"}) {
			h.Errorf("Search(sys|2) after writing v2 = %q, %v; want [p]", ids, err)
		}
		return nil
	})
	if err != nil {
		h.Fatalf("Update: %v", err)
	}
	h.checkResource(h.mustCurrent(tn, "Patient", "p"), v2)
}

// testNoLostUpdate runs concurrent read-increment-write transactions. Each
// must see the previous one's write, because Current locks the resource in
// a read-write transaction; none may fail, not even with ErrConflict, since
// with that lock no two transactions can read the same version.
func testNoLostUpdate(h *harness) {
	tn := h.tenant("t")
	h.write(tn, res("Patient", "p", 1, t0))

	const n = 20
	h.concurrently(n, "concurrent Update", func(int) error {
		return h.s.Update(h.ctx, tn, func(tx store.Tx) error {
			r, err := tx.Current(h.ctx, "Patient", "p")
			if err != nil {
				return err
			}
			next := res("Patient", "p", r.Version+1, r.LastUpdated.Add(time.Millisecond))
			return tx.Write(h.ctx, []store.Write{next})
		})
	})

	if got := h.mustCurrent(tn, "Patient", "p"); got.Version != n+1 {
		h.Errorf("after %d concurrent updates, version = %d, want %d", n, got.Version, n+1)
	}
	hist := h.history(tn, store.HistoryQuery{Type: "Patient", ID: "p", Limit: 100})
	if len(hist) != n+1 {
		h.Errorf("history has %d versions, want %d", len(hist), n+1)
	}
	for i, r := range hist {
		if want := int64(n + 1 - i); r.Version != want {
			h.Errorf("history[%d] is version %d, want %d", i, r.Version, want)
		}
	}
}

// testLockSerialisesConditionalCreate runs the engine's conditional-create
// pattern (Lock criteria, Search, create if nothing matched) from 20
// goroutines: exactly one resource may be created.
func testLockSerialisesConditionalCreate(h *harness) {
	tn := h.tenant("t")
	const n = 20
	match := criteria{Tokens: []store.TokenMatch{{Param: "identifier", System: "urn:mrn", Code: "42"}}}
	h.concurrently(n, "concurrent conditional create", func(i int) error {
		return h.s.Update(h.ctx, tn, func(tx store.Tx) error {
			if err := tx.Lock(h.ctx, "Patient?identifier=urn:mrn|42"); err != nil {
				return err
			}
			ids, err := searchIDs(h.ctx, tx, "Patient", match, 2)
			if err != nil || len(ids) > 0 {
				return err
			}
			// Widen the window between Search and Write so that, without
			// the lock, concurrent transactions would all find nothing.
			time.Sleep(50 * time.Millisecond)
			w := res("Patient", fmt.Sprintf("p%d", i), 1, t0)
			w.Index.Tokens = []store.TokenValue{{Param: "identifier", System: "urn:mrn", Code: "42"}}
			return tx.Write(h.ctx, []store.Write{w})
		})
	})
	var ids []string
	if err := h.s.View(h.ctx, tn, func(tx store.Tx) error {
		var err error
		ids, err = searchIDs(h.ctx, tx, "Patient", match, 100)
		return err
	}); err != nil {
		h.Fatal(err)
	}
	if len(ids) != 1 {
		h.Errorf("%d concurrent conditional creates made %d resources, want 1", n, len(ids))
	}
	// Lock in a read-only transaction is refused.
	if err := h.s.View(h.ctx, tn, func(tx store.Tx) error { return tx.Lock(h.ctx, "k") }); err == nil {
		h.Errorf("Lock in View succeeded")
	}
}

// concurrently runs fn(0..n-1) on n goroutines at once and reports every
// error under what.
func (h *harness) concurrently(n int, what string, fn func(i int) error) {
	h.Helper()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { errs[i] = fn(i) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			h.Errorf("%s: %v", what, err)
		}
	}
}
