package postgres_test

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/fhir/store/postgres"
	"github.com/kiln-health/kiln/fhir/store/sqlite"
	"github.com/kiln-health/kiln/internal/pgtest"
	"github.com/kiln-health/kiln/pipeline/embed"
)

// BenchmarkNearestChunks times a top-8 search of one patient with 10,000
// chunks of 384 dimensions (offline embeddings of synthetic clinical text)
// on each search path: SQLite exact, PostgreSQL exact (the real server,
// which has no pgvector here) and PostgreSQL with pgvector HNSW (PGlite,
// PostgreSQL in WebAssembly, so slower per statement than a native
// server). The three live in this package because it can start all three.
//
//	go test -run '^$' -bench NearestChunks -benchtime 50x ./fhir/store/postgres/
func BenchmarkNearestChunks(b *testing.B) {
	const k = 8
	e := embed.Offline{}
	texts := corpus(rand.New(rand.NewPCG(3, 4)), 100, 100) // 10,000 chunks
	qv, err := e.Embed(context.Background(), queries)
	if err != nil {
		b.Fatal(err)
	}
	run := func(b *testing.B, s store.Store) {
		b.Helper()
		ctx := context.Background()
		loadPatient(b, e, texts, s)
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			q := store.ChunkQuery{Tenant: "t", Patient: "p", Model: e.Model(), Vector: qv[i%len(qv)], K: k}
			ms, err := s.NearestChunks(ctx, q)
			if err != nil || len(ms) != k {
				b.Fatalf("NearestChunks = %d matches, %v", len(ms), err)
			}
		}
	}
	b.Run("sqlite-exact", func(b *testing.B) {
		s, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "kiln.db"))
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		run(b, s)
	})
	b.Run("postgres-exact", func(b *testing.B) {
		s, err := postgres.Open(context.Background(), pgtest.NewDatabase(b))
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		if s.VectorSearch() != store.VectorSearchExact {
			b.Skipf("the server has pgvector (%s)", s.VectorSearchNote())
		}
		run(b, s)
	})
	b.Run("pgvector-hnsw", func(b *testing.B) {
		s := openPGlite(b)
		run(b, analyzed{s})
	})
}

// analyzed refreshes the planner's statistics after the load, as
// autovacuum would, so that the planner chooses the HNSW index.
type analyzed struct{ *postgres.Store }

// loadPatient writes the corpus as patient p's chunks (only), and
// refreshes statistics where the store needs them.
func loadPatient(b *testing.B, e embed.Embedder, texts [][]string, s store.Store) {
	b.Helper()
	ctx := context.Background()
	all := make([]string, 0, len(texts)*len(texts[0]))
	for _, doc := range texts {
		all = append(all, doc...)
	}
	vecs, err := e.Embed(ctx, all)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for d, doc := range texts {
		id := "doc-" + string(rune('A'+d/26)) + string(rune('a'+d%26))
		cs := make([]store.Chunk, len(doc))
		for i, text := range doc {
			cs[i] = store.Chunk{Tenant: "t", Patient: "p", Document: id, Seq: i, Start: i * 1000, End: i*1000 + len(text),
				Text: text, Model: e.Model(), Vector: vecs[n]}
			n++
		}
		if err := s.ReplaceChunks(ctx, "t", id, cs); err != nil {
			b.Fatal(err)
		}
	}
	if a, ok := s.(analyzed); ok {
		if err := a.AnalyzeChunks(ctx); err != nil {
			b.Fatal(err)
		}
		plan, err := a.ExplainNearest(ctx, store.ChunkQuery{Tenant: "t", Patient: "p", Model: e.Model(), Vector: vecs[0], K: 8})
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("plan:\n%s", truncateVectors(plan))
	}
}

// truncateVectors shortens vector literals in a plan for the log.
func truncateVectors(plan string) string {
	out := []rune{}
	in := false
	n := 0
	for _, r := range plan {
		switch {
		case r == '[':
			in, n = true, 0
			out = append(out, r)
		case r == ']':
			in = false
			out = append(out, []rune("…]")...)
		case in:
			if n < 20 {
				out = append(out, r)
			}
			n++
		default:
			out = append(out, r)
		}
	}
	return string(out)
}
