package storetest

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/kiln-health/kiln/fhir/store"
)

// chunkTests are the conformance tests of store.Chunks; Run runs them with
// the rest, RunChunks alone.
var chunkTests = []test{
	{"ChunksReplace", testChunksReplace},
	{"ChunksInvalid", testChunksInvalid},
	{"ChunksTenantIsolation", testChunksTenantIsolation},
	{"ChunksNearest", testChunksNearest},
	{"ChunksNearestFilters", testChunksNearestFilters},
	{"ChunksNearestRandom", testChunksNearestRandom},
	{"ChunksDelete", testChunksDelete},
	{"ChunksEmpty", testChunksEmpty},
}

// RunChunks runs only the store.Chunks tests, for a backend configuration
// that differs from the one Run covers only in how it searches vectors
// (PostgreSQL with pgvector, say). open is as for Run.
func RunChunks(t *testing.T, open func(t *testing.T) store.Store) {
	runTests(t, open, chunkTests, 60*time.Second)
}

const testModel = "test-model-v1"

// chunk makes a chunk of tenant/patient/document with a vector.
func chunk(tenant, patient, document string, seq int, vec ...float32) store.Chunk {
	return store.Chunk{
		Tenant: tenant, Patient: patient, Document: document, Seq: seq,
		Start: seq * 100, End: seq*100 + 42,
		Text:  fmt.Sprintf("chunk %d of %s: Zoë [NAME_1] 患者", seq, document),
		Model: testModel, Vector: vec,
	}
}

func (h *harness) replaceChunks(tenant, document string, cs ...store.Chunk) {
	h.Helper()
	if err := h.s.ReplaceChunks(h.ctx, tenant, document, cs); err != nil {
		h.Fatalf("ReplaceChunks(%s, %s): %v", tenant, document, err)
	}
}

func (h *harness) patientChunks(tenant, patient string) []store.Chunk {
	h.Helper()
	cs, err := h.s.PatientChunks(h.ctx, tenant, patient)
	if err != nil {
		h.Fatalf("PatientChunks(%s, %s): %v", tenant, patient, err)
	}
	return cs
}

func (h *harness) nearest(q store.ChunkQuery) []store.ChunkMatch {
	h.Helper()
	ms, err := h.s.NearestChunks(h.ctx, q)
	if err != nil {
		h.Fatalf("NearestChunks(%s, %s, K=%d): %v", q.Tenant, q.Patient, q.K, err)
	}
	return ms
}

// chunkIDs names chunks as document/seq.
func chunkIDs[C store.Chunk | store.ChunkMatch](cs []C) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		switch c := any(c).(type) {
		case store.Chunk:
			out[i] = fmt.Sprintf("%s/%d", c.Document, c.Seq)
		case store.ChunkMatch:
			out[i] = fmt.Sprintf("%s/%d", c.Document, c.Seq)
		}
	}
	return out
}

// checkChunk compares a stored chunk with the one written; a nil Vector
// is allowed (PatientChunks may leave it out).
func (h *harness) checkChunk(what string, got, want store.Chunk) {
	h.Helper()
	if got.Vector != nil && !slices.Equal(got.Vector, want.Vector) {
		h.Errorf("%s: vector %v, want %v", what, got.Vector, want.Vector)
	}
	got.Vector, want.Vector = nil, nil
	if fmt.Sprint(got) != fmt.Sprint(want) {
		h.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func testChunksReplace(h *harness) {
	a0 := chunk("t", "p1", "docA", 0, 1, 0, 0)
	a1 := chunk("t", "p1", "docA", 1, 0, 1, 0)
	a2 := chunk("t", "p1", "docA", 2, 0, 0, 1)
	b0 := chunk("t", "p1", "docB", 0, 1, 1, 0)
	// Written out of order: PatientChunks orders them.
	h.replaceChunks("t", "docB", b0)
	h.replaceChunks("t", "docA", a2, a0, a1)
	want := []store.Chunk{a0, a1, a2, b0}
	check := func(when string, want []store.Chunk) {
		h.Helper()
		got := h.patientChunks("t", "p1")
		if !slices.Equal(chunkIDs(got), chunkIDs(want)) {
			h.Fatalf("%s: PatientChunks = %q, want %q", when, chunkIDs(got), chunkIDs(want))
		}
		for i := range got {
			h.checkChunk(when+": "+chunkIDs(want)[i], got[i], want[i])
		}
	}
	check("after writing", want)

	// Re-running the same stage changes nothing.
	h.replaceChunks("t", "docA", a0, a1, a2)
	check("after replacing with the same chunks", want)

	// A new version of the document has fewer, different chunks.
	a0new := chunk("t", "p1", "docA", 0, 0, 1, 1)
	a0new.Text = "rewritten"
	h.replaceChunks("t", "docA", a0new)
	check("after replacing with one chunk", []store.Chunk{a0new, b0})

	// No chunks: the document has none.
	h.replaceChunks("t", "docA")
	check("after replacing with none", []store.Chunk{b0})
}

func testChunksInvalid(h *harness) {
	good := chunk("t", "p1", "doc", 0, 1, 0)
	h.replaceChunks("t", "doc", good)
	other := func(f func(c *store.Chunk)) store.Chunk {
		c := chunk("t", "p1", "doc", 1, 0, 1)
		f(&c)
		return c
	}
	tests := []struct {
		name   string
		chunks []store.Chunk
	}{
		{"another tenant", []store.Chunk{other(func(c *store.Chunk) { c.Tenant = "u" })}},
		{"another document", []store.Chunk{other(func(c *store.Chunk) { c.Document = "doc2" })}},
		{"no patient", []store.Chunk{other(func(c *store.Chunk) { c.Patient = "" })}},
		{"two patients", []store.Chunk{good, other(func(c *store.Chunk) { c.Patient = "p2" })}},
		{"no model", []store.Chunk{other(func(c *store.Chunk) { c.Model = "" })}},
		{"no vector", []store.Chunk{other(func(c *store.Chunk) { c.Vector = nil })}},
		{"repeated seq", []store.Chunk{good, good}},
	}
	for _, tt := range tests {
		if err := h.s.ReplaceChunks(h.ctx, "t", "doc", tt.chunks); !errors.Is(err, store.ErrInvalidChunk) {
			h.Errorf("ReplaceChunks with %s: %v, want ErrInvalidChunk", tt.name, err)
		}
	}
	if got := chunkIDs(h.patientChunks("t", "p1")); !slices.Equal(got, []string{"doc/0"}) {
		h.Errorf("after refused replacements, PatientChunks = %q, want [doc/0]", got)
	}
	queries := []store.ChunkQuery{
		{Tenant: "t", Patient: "p1", Model: testModel, Vector: []float32{1, 0}, K: 0},
		{Tenant: "t", Patient: "p1", Model: testModel, K: 1},
		{Tenant: "t", Patient: "", Model: testModel, Vector: []float32{1, 0}, K: 1},
		{Tenant: "t", Patient: "p1", Model: "", Vector: []float32{1, 0}, K: 1},
	}
	for _, q := range queries {
		if _, err := h.s.NearestChunks(h.ctx, q); !errors.Is(err, store.ErrInvalidChunk) {
			h.Errorf("NearestChunks(%+v): %v, want ErrInvalidChunk", q, err)
		}
	}
}

// testChunksTenantIsolation writes the same document and patient ids in
// two tenants: nothing one tenant does is seen by or done to the other.
func testChunksTenantIsolation(h *harness) {
	t1 := chunk("t1", "p", "doc", 0, 1, 0)
	t2 := chunk("t2", "p", "doc", 0, 1, 0)
	t2.Text = "tenant two's secret"
	h.replaceChunks("t1", "doc", t1)
	h.replaceChunks("t2", "doc", t2)

	for _, tn := range []struct {
		tenant string
		want   store.Chunk
	}{{"t1", t1}, {"t2", t2}} {
		got := h.nearest(store.ChunkQuery{Tenant: tn.tenant, Patient: "p", Model: testModel, Vector: []float32{1, 0}, K: 10})
		if len(got) != 1 || got[0].Tenant != tn.tenant || got[0].Text != tn.want.Text {
			h.Errorf("NearestChunks in %s = %+v, want only its own chunk", tn.tenant, got)
		}
		pc := h.patientChunks(tn.tenant, "p")
		if len(pc) != 1 || pc[0].Text != tn.want.Text {
			h.Errorf("PatientChunks in %s = %+v, want only its own chunk", tn.tenant, pc)
		}
	}
	if got := h.nearest(store.ChunkQuery{Tenant: "t3", Patient: "p", Model: testModel, Vector: []float32{1, 0}, K: 10}); len(got) != 0 {
		h.Errorf("NearestChunks in a tenant without chunks = %+v", got)
	}

	// Replacing and deleting in t2 leave t1 alone.
	h.replaceChunks("t2", "doc")
	if err := h.s.DeleteChunks(h.ctx, "t2", "doc"); err != nil {
		h.Fatal(err)
	}
	if got := h.patientChunks("t1", "p"); len(got) != 1 {
		h.Errorf("t1's chunks after t2 deleted its same-named document: %d, want 1", len(got))
	}
	if got := h.patientChunks("t2", "p"); len(got) != 0 {
		h.Errorf("t2's chunks after deleting: %d, want 0", len(got))
	}
}

// testChunksNearest checks scores, K, order and ties.
func testChunksNearest(h *harness) {
	// Ties are exact: the tied vectors' scores are computed from the
	// same or power-of-two-scaled numbers.
	h.replaceChunks("t", "docB",
		chunk("t", "p", "docB", 0, 1, 0, 0),     // score 1
		chunk("t", "p", "docB", 1, 0, 1, 0),     // score 0
		chunk("t", "p", "docB", 2, 1, 1, 0),     // score 0.7071, tied with docA/3, docA/5, docB/5
		chunk("t", "p", "docB", 3, -1, 0, 0),    // score -1
		chunk("t", "p", "docB", 4, 2, 0, 0),     // score 1: length does not matter
		chunk("t", "p", "docB", 5, 0.5, 0.5, 0), // score 0.7071: the same direction as docB/2
	)
	h.replaceChunks("t", "docA",
		chunk("t", "p", "docA", 5, 1, 0, 1),
		chunk("t", "p", "docA", 3, 1, 0, -1),
		chunk("t", "p", "docA", 1, 0, 0, 0), // the zero vector: score 0
	)
	q := store.ChunkQuery{Tenant: "t", Patient: "p", Model: testModel, Vector: []float32{3, 0, 0}}
	wantAll := []string{"docB/0", "docB/4", "docA/3", "docA/5", "docB/2", "docB/5", "docA/1", "docB/1", "docB/3"}
	for k := 1; k <= len(wantAll)+2; k++ {
		q.K = k
		got := h.nearest(q)
		want := wantAll[:min(k, len(wantAll))]
		if !slices.Equal(chunkIDs(got), want) {
			h.Errorf("K=%d: NearestChunks = %q, want %q", k, chunkIDs(got), want)
			continue
		}
		for i, m := range got {
			if wantScore := store.Cosine(q.Vector, m.Vector); math.Abs(m.Score-wantScore) > 1e-9 {
				h.Errorf("K=%d: %s scores %v, want %v", k, want[i], m.Score, wantScore)
			}
		}
	}
	// The matches are whole chunks.
	q.K = 1
	got := h.nearest(q)
	h.checkChunk("best match", got[0].Chunk, chunk("t", "p", "docB", 0, 1, 0, 0))
	if math.Abs(got[0].Score-1) > 1e-9 {
		h.Errorf("best match scores %v, want 1", got[0].Score)
	}
}

// testChunksNearestFilters checks that a search sees only the patient's
// chunks of the query's model and length, in the listed documents.
func testChunksNearestFilters(h *harness) {
	other := chunk("t", "p1", "other-model", 0, 1, 0)
	other.Model = "another-model"
	h.replaceChunks("t", "other-model", other)
	h.replaceChunks("t", "d1", chunk("t", "p1", "d1", 0, 1, 0), chunk("t", "p1", "d1", 1, 0.9, 0.1))
	h.replaceChunks("t", "d2", chunk("t", "p1", "d2", 0, 0.8, 0.2))
	h.replaceChunks("t", "d3", chunk("t", "p1", "d3", 0, 0.7, 0.3))
	h.replaceChunks("t", "long", chunk("t", "p1", "long", 0, 1, 0, 0)) // another length
	h.replaceChunks("t", "p2doc", chunk("t", "p2", "p2doc", 0, 1, 0))

	q := store.ChunkQuery{Tenant: "t", Patient: "p1", Model: testModel, Vector: []float32{1, 0}, K: 10}
	tests := []struct {
		name string
		q    func(q store.ChunkQuery) store.ChunkQuery
		want []string
	}{
		{"patient and model", func(q store.ChunkQuery) store.ChunkQuery { return q }, []string{"d1/0", "d1/1", "d2/0", "d3/0"}},
		{"other patient", func(q store.ChunkQuery) store.ChunkQuery { q.Patient = "p2"; return q }, []string{"p2doc/0"}},
		{"other model", func(q store.ChunkQuery) store.ChunkQuery { q.Model = "another-model"; return q }, []string{"other-model/0"}},
		{"unknown model", func(q store.ChunkQuery) store.ChunkQuery { q.Model = "nope"; return q }, nil},
		{"other length", func(q store.ChunkQuery) store.ChunkQuery { q.Vector = []float32{0, 0, 1}; return q }, []string{"long/0"}},
		{"documents", func(q store.ChunkQuery) store.ChunkQuery { q.Documents = []string{"d3", "d1"}; return q }, []string{"d1/0", "d1/1", "d3/0"}},
		{"documents and K", func(q store.ChunkQuery) store.ChunkQuery { q.Documents = []string{"d3", "d2"}; q.K = 1; return q }, []string{"d2/0"}},
		{"another patient's document", func(q store.ChunkQuery) store.ChunkQuery { q.Documents = []string{"p2doc"}; return q }, nil},
	}
	for _, tt := range tests {
		if got := chunkIDs(h.nearest(tt.q(q))); !slices.Equal(got, tt.want) {
			h.Errorf("%s: NearestChunks = %q, want %q", tt.name, got, tt.want)
		}
	}
	if got := chunkIDs(h.patientChunks("t", "p1")); !slices.Equal(got, []string{"d1/0", "d1/1", "d2/0", "d3/0", "long/0", "other-model/0"}) {
		h.Errorf("PatientChunks(p1) = %q: want every model and length, by document and seq", got)
	}
}

// testChunksNearestRandom compares NearestChunks with a brute-force
// ranking of random vectors over several documents and patients.
func testChunksNearestRandom(h *harness) {
	const dims = 16
	rng := rand.New(rand.NewPCG(1, 2))
	vec := func() []float32 {
		v := make([]float32, dims)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	var mine []store.Chunk
	for d := range 12 {
		doc := fmt.Sprintf("doc-%02d", d)
		patient := "p"
		if d%4 == 3 {
			patient = "someone-else"
		}
		var cs []store.Chunk
		for seq := range 25 {
			cs = append(cs, chunk("t", patient, doc, seq, vec()...))
		}
		h.replaceChunks("t", doc, cs...)
		if patient == "p" {
			mine = append(mine, cs...)
		}
	}
	for range 5 {
		q := store.ChunkQuery{Tenant: "t", Patient: "p", Model: testModel, Vector: vec(), K: 10}
		var all []store.ChunkMatch
		for _, c := range mine {
			all = append(all, store.ChunkMatch{Chunk: c, Score: store.Cosine(q.Vector, c.Vector)})
		}
		want := store.TopMatches(all, q.K)
		got := h.nearest(q)
		if !slices.Equal(chunkIDs(got), chunkIDs(want)) {
			h.Errorf("NearestChunks = %q, want %q", chunkIDs(got), chunkIDs(want))
		}
		for i := range min(len(got), len(want)) {
			if math.Abs(got[i].Score-want[i].Score) > 1e-9 {
				h.Errorf("match %d scores %v, want %v", i, got[i].Score, want[i].Score)
			}
		}
	}
}

func testChunksDelete(h *harness) {
	h.replaceChunks("t", "d1", chunk("t", "p", "d1", 0, 1, 0), chunk("t", "p", "d1", 1, 0, 1))
	h.replaceChunks("t", "d2", chunk("t", "p", "d2", 0, 1, 1))
	if err := h.s.DeleteChunks(h.ctx, "t", "d1"); err != nil {
		h.Fatalf("DeleteChunks: %v", err)
	}
	if got := chunkIDs(h.patientChunks("t", "p")); !slices.Equal(got, []string{"d2/0"}) {
		h.Errorf("after DeleteChunks(d1), PatientChunks = %q, want [d2/0]", got)
	}
	if got := chunkIDs(h.nearest(store.ChunkQuery{Tenant: "t", Patient: "p", Model: testModel, Vector: []float32{1, 0}, K: 5})); !slices.Equal(got, []string{"d2/0"}) {
		h.Errorf("after DeleteChunks(d1), NearestChunks = %q, want [d2/0]", got)
	}
	if err := h.s.DeleteChunks(h.ctx, "t", "d1"); err != nil {
		h.Errorf("DeleteChunks of a document without chunks: %v, want nil", err)
	}
}

func testChunksEmpty(h *harness) {
	if got := h.nearest(store.ChunkQuery{Tenant: "t", Patient: "p", Model: testModel, Vector: []float32{1, 0}, K: 3}); len(got) != 0 {
		h.Errorf("NearestChunks of an empty store = %+v", got)
	}
	if got := h.patientChunks("t", "p"); len(got) != 0 {
		h.Errorf("PatientChunks of an empty store = %+v", got)
	}
	if err := h.s.DeleteChunks(h.ctx, "t", "nothing"); err != nil {
		h.Errorf("DeleteChunks of an empty store: %v", err)
	}
	if err := h.s.ReplaceChunks(h.ctx, "t", "nothing", nil); err != nil {
		h.Errorf("ReplaceChunks with no chunks of a new document: %v", err)
	}
	switch vs := h.s.VectorSearch(); vs {
	case store.VectorSearchExact, store.VectorSearchHNSW:
	default:
		h.Errorf("VectorSearch() = %q, want %q or %q", vs, store.VectorSearchExact, store.VectorSearchHNSW)
	}
}
