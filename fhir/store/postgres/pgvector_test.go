package postgres_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/fhir/store/postgres"
	"github.com/kiln-health/kiln/fhir/store/sqlite"
	"github.com/kiln-health/kiln/fhir/store/storetest"
	"github.com/kiln-health/kiln/internal/pgtest"
	"github.com/kiln-health/kiln/pipeline/embed"
)

// The Debian PostgreSQL the other tests use has no pgvector, so the HNSW
// path is tested on PGlite: PostgreSQL compiled to WebAssembly, with a real
// pgvector build, served on the wire protocol by @electric-sql/pglite-socket
// (testdata/pglite; `npm ci --prefix testdata/pglite` installs it, and
// .ci/run does). PGlite runs one database in one process, so each test
// gets its own server.

// pgliteDir is testdata/pglite, from this package's directory.
var pgliteDir = filepath.Join("..", "..", "..", "testdata", "pglite")

// startPGlite starts a PGlite server with pgvector on a free port and
// returns its URL; tb stops it at the end. Without node or the npm
// packages it skips tb, except under CI=true, where it fails.
func startPGlite(tb testing.TB) string {
	tb.Helper()
	server := filepath.Join(pgliteDir, "node_modules", "@electric-sql", "pglite-socket", "dist", "scripts", "server.js")
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(server)
	}
	if err != nil {
		msg := fmt.Sprintf("PGlite is not installed (%v): run `npm ci --prefix testdata/pglite` (needs node and npm)", err)
		if os.Getenv("CI") == "true" {
			tb.Fatalf("pgvector tests are required when CI=true: %s", msg)
		}
		tb.Skipf("\n******** pgvector tests were SKIPPED ********\n%s\n*********************************************", msg)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()

	var out syncBuffer
	cmd := exec.Command(node, filepath.Join("node_modules", "@electric-sql", "pglite-socket", "dist", "scripts", "server.js"),
		"-h", "127.0.0.1", "-p", fmt.Sprint(port), "-e", "@electric-sql/pglite-pgvector:vector", "-m", "4")
	cmd.Dir = pgliteDir
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start PGlite: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})

	// PGlite serves every connection from one backend session, so the
	// named prepared statements pgx caches per connection would collide
	// between two pooled connections (the store's background ANALYZE runs
	// on its own): describe_exec uses unnamed statements only.
	url := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable&pool_max_conns=2&default_query_exec_mode=describe_exec", port)
	// Loading PostgreSQL's WebAssembly takes a while on a busy machine.
	deadline := time.Now().Add(3 * time.Minute)
	for {
		select {
		case err := <-exited:
			tb.Fatalf("PGlite exited: %v\n%s", err, out.String())
		case <-time.After(250 * time.Millisecond):
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		conn, err := pgx.Connect(ctx, url)
		if err == nil {
			err = conn.Ping(ctx)
			conn.Close(ctx)
		}
		cancel()
		if err == nil {
			return url
		}
		if time.Now().After(deadline) {
			tb.Fatalf("PGlite did not answer in time: %v\n%s", err, out.String())
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// openPGlite opens the Postgres store on a new PGlite server.
func openPGlite(tb testing.TB) *postgres.Store {
	tb.Helper()
	url := startPGlite(tb)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := postgres.Open(ctx, url)
	if err != nil {
		tb.Fatalf("postgres.Open on PGlite: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	if got := s.VectorSearch(); got != store.VectorSearchHNSW {
		tb.Fatalf("VectorSearch() on PGlite = %q (%s), want %q", got, s.VectorSearchNote(), store.VectorSearchHNSW)
	}
	return s
}

// TestPGVectorConformance runs the chunk conformance tests on the HNSW
// path. Every subtest shares one PGlite server (starting one takes
// seconds); each gets an empty chunks table.
func TestPGVectorConformance(t *testing.T) {
	s := openPGlite(t)
	storetest.RunChunks(t, func(t *testing.T) store.Store {
		if err := s.DeleteAllChunks(t.Context()); err != nil {
			t.Fatal(err)
		}
		return noClose{s}
	})
}

// noClose keeps RunChunks from closing the shared store.
type noClose struct{ *postgres.Store }

func (noClose) Close() error { return nil }

// corpus makes a patient's synthetic redacted chunks: clinical sentences
// with varying numbers, so that no two texts (and vectors) are the same.
func corpus(rng *rand.Rand, docs, perDoc int) [][]string {
	phrases := []string{
		"[NAME_1] reports chest pain radiating to the left arm",
		"blood pressure %d/%d mmHg on lisinopril %d mg daily",
		"HbA1c %d.%d%%, metformin %d mg twice daily continued",
		"wheezing and shortness of breath, albuterol %d puffs",
		"fractured left wrist after a fall, cast for %d weeks",
		"seen on [DATE_%d] for follow-up of hypertension",
		"LDL cholesterol %d mg/dL, atorvastatin %d mg started",
		"no known drug allergies; immunizations up to date",
		"creatinine %d.%d mg/dL, eGFR %d, renal function stable",
		"depressed mood for %d weeks, sertraline %d mg",
		"knee osteoarthritis, physiotherapy %d sessions",
		"smoker, %d pack-years, counselled to quit",
	}
	out := make([][]string, docs)
	for d := range out {
		for range perDoc {
			var sb strings.Builder
			for range 3 + rng.IntN(4) {
				p := phrases[rng.IntN(len(phrases))]
				args := make([]any, strings.Count(p, "%d"))
				for i := range args {
					args[i] = 1 + rng.IntN(200)
				}
				fmt.Fprintf(&sb, p+". ", args...)
			}
			out[d] = append(out[d], strings.TrimSpace(sb.String()))
		}
	}
	return out
}

// load embeds the corpus with the offline embedder and writes it, for
// patient p of tenant t, into every store; plus another patient and
// tenant with the same vectors, which must never be returned.
func load(tb testing.TB, e embed.Embedder, texts [][]string, stores ...store.Store) {
	tb.Helper()
	ctx := context.Background()
	for d, doc := range texts {
		vecs, err := e.Embed(ctx, doc)
		if err != nil {
			tb.Fatal(err)
		}
		for _, owner := range []struct{ tenant, patient, prefix string }{{"t", "p", "doc"}, {"t", "other", "odoc"}, {"u", "p", "doc"}} {
			id := fmt.Sprintf("%s-%03d", owner.prefix, d)
			cs := make([]store.Chunk, len(doc))
			for i, text := range doc {
				cs[i] = store.Chunk{Tenant: owner.tenant, Patient: owner.patient, Document: id, Seq: i,
					Start: i * 1000, End: i*1000 + len([]rune(text)), Text: text, Model: e.Model(), Vector: vecs[i]}
			}
			for _, s := range stores {
				if err := s.ReplaceChunks(ctx, owner.tenant, id, cs); err != nil {
					tb.Fatalf("%s: ReplaceChunks: %v", s.Backend(), err)
				}
			}
		}
	}
}

var queries = []string{
	"chest pain radiating to arm",
	"hypertension and blood pressure control on lisinopril",
	"diabetes: HbA1c and metformin",
	"asthma with wheezing",
	"kidney function and creatinine",
	"depression treated with sertraline",
	"smoking history",
	"wrist fracture after a fall",
	"cholesterol and statin therapy",
	"allergies and vaccinations",
}

// TestPGVectorMatchesExact loads the same chunks into PostgreSQL with
// pgvector (HNSW, on PGlite), SQLite (exact) and, when it is reachable,
// the real PostgreSQL server without pgvector (exact), and checks that the
// top K of every query is the same on all: the same chunks in the same
// order, with scores within 1e-5. It also checks that the planner really
// searched the HNSW index.
func TestPGVectorMatchesExact(t *testing.T) {
	const k = 8
	e := embed.Offline{}
	texts := corpus(rand.New(rand.NewPCG(7, 7)), 60, 25) // 1,500 chunks for the patient
	ctx := t.Context()

	hnsw := openPGlite(t)
	lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "kiln.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	load(t, e, texts, hnsw, lite)

	vecs, err := e.Embed(ctx, queries)
	if err != nil {
		t.Fatal(err)
	}
	want := make([][]store.ChunkMatch, len(queries))
	for i, v := range vecs {
		q := store.ChunkQuery{Tenant: "t", Patient: "p", Model: e.Model(), Vector: v, K: k}
		if want[i], err = lite.NearestChunks(ctx, q); err != nil {
			t.Fatal(err)
		}
		if len(want[i]) != k {
			t.Fatalf("SQLite returned %d matches for %q, want %d", len(want[i]), queries[i], k)
		}
	}
	compare := func(t *testing.T, s store.Store) {
		for i, v := range vecs {
			q := store.ChunkQuery{Tenant: "t", Patient: "p", Model: e.Model(), Vector: v, K: k}
			got, err := s.NearestChunks(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(matchIDs(got), matchIDs(want[i])) {
				t.Errorf("%q:\n %s (%s) %q\n sqlite (exact) %q", queries[i], s.Backend(), s.VectorSearch(), matchIDs(got), matchIDs(want[i]))
				continue
			}
			for j := range got {
				if d := math.Abs(got[j].Score - want[i][j].Score); d > 1e-5 || got[j].Tenant != "t" || got[j].Patient != "p" {
					t.Errorf("%q: match %d: %s scores %v (tenant %s, patient %s), SQLite %v", queries[i], j, got[j].Document, got[j].Score, got[j].Tenant, got[j].Patient, want[i][j].Score)
				}
			}
		}
	}
	t.Run("pgvector-hnsw", func(t *testing.T) {
		// As autovacuum would after a load: without statistics the
		// planner expects one row per patient and sorts them exactly.
		if err := hnsw.AnalyzeChunks(ctx); err != nil {
			t.Fatal(err)
		}
		compare(t, hnsw)
		checkPlanUsesHNSW(t, hnsw, vecs[0], e.Dimensions())
	})
	t.Run("postgres-exact", func(t *testing.T) {
		exact, err := postgres.Open(ctx, pgtest.NewDatabase(t))
		if err != nil {
			t.Fatal(err)
		}
		defer exact.Close()
		if exact.VectorSearch() != store.VectorSearchExact {
			t.Skipf("the test server has pgvector (%s): no exact PostgreSQL path to compare", exact.VectorSearchNote())
		}
		load(t, e, texts, exact)
		compare(t, exact)
	})
}

func matchIDs(ms []store.ChunkMatch) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = fmt.Sprintf("%s/%d", m.Document, m.Seq)
	}
	return out
}

// checkPlanUsesHNSW explains the query NearestChunks sends on the HNSW
// path and fails unless it scans the HNSW index.
func checkPlanUsesHNSW(t *testing.T, s *postgres.Store, v []float32, dims int) {
	t.Helper()
	plan, err := s.ExplainNearest(t.Context(), store.ChunkQuery{Tenant: "t", Patient: "p", Model: embed.Offline{}.Model(), Vector: v, K: 8})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan, fmt.Sprintf("chunks_hnsw_%d", dims)) {
		t.Errorf("the query does not use the HNSW index:\n%s", plan)
	}
}
