package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pgvector/pgvector-go"

	"github.com/kiln-health/kiln/fhir/store"
)

// # Vector search
//
// Chunks are stored with their vector as bytes (little-endian float32,
// the same as on SQLite), which every PostgreSQL server can hold, and
// NearestChunks can always rank a patient's vectors exactly in Go.
//
// When the server has pgvector, Open installs it (CREATE EXTENSION; a role
// without the privilege falls back to exact search unless an administrator
// installed it) and adds an "embedding vector" column to chunks. An HNSW
// index needs a fixed number of dimensions, while the column holds vectors
// of every model, so there is one partial expression index per length,
//
//	CREATE INDEX chunks_hnsw_384 ON chunks
//	    USING hnsw ((embedding::vector(384)) vector_cosine_ops) WHERE dims = 384
//
// created the first time chunks of that length are written (pgvector's
// advice for mixed dimensions). One table rather than one per length keeps
// ReplaceChunks, DeleteChunks and PatientChunks the same on both paths.
// Queries write the same cast and predicate, with the length inlined, so
// the planner can match the index.
//
// The index is searched with the tenant, patient and model filter, which
// HNSW applies after its graph walk: with hnsw.iterative_scan (pgvector
// 0.8) the walk continues until enough rows pass the filter. It returns
// more candidates than asked (oversample), which are then scored exactly
// with store.Scorer from their bytes and cut to K, so both paths give the
// same scores and order for the chunks they both find. HNSW is
// approximate: a candidate it misses is missing from the answer. For a
// patient with few chunks the planner prefers the (tenant, patient, model)
// index and sorts, which is exact.

// hnswMaxDims is the longest vector pgvector indexes with HNSW; longer
// vectors are searched exactly.
const hnswMaxDims = 2000

// vectorSupport is what Open found out about pgvector.
type vectorSupport struct {
	hnsw      bool   // the extension is installed: use the embedding column
	iterative bool   // hnsw.iterative_scan exists (pgvector >= 0.8)
	note      string // the version in use, or why search is exact
}

// detectVector connects once to find out whether pgvector is available
// and installs it if it can. It runs before the pool exists because the
// pool's connections register pgvector's types when they connect, which
// fails if the extension is not installed.
func detectVector(ctx context.Context, cfg *pgx.ConnConfig) (vectorSupport, error) {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return vectorSupport{}, err
	}
	defer conn.Close(context.WithoutCancel(ctx))

	var available bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_available_extensions WHERE name = 'vector')`).Scan(&available); err != nil {
		return vectorSupport{}, fmt.Errorf("detect pgvector: %w", err)
	}
	if !available {
		return vectorSupport{note: "pgvector is not available on the server"}, nil
	}
	_, createErr := conn.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS vector`)
	var version string
	err = conn.QueryRow(ctx, `SELECT extversion FROM pg_extension WHERE extname = 'vector'`).Scan(&version)
	if errors.Is(err, pgx.ErrNoRows) {
		// Not installed, and we may not install it.
		var pgErr *pgconn.PgError
		why := "CREATE EXTENSION vector failed"
		if errors.As(createErr, &pgErr) {
			why += ": " + pgErr.Message
		}
		return vectorSupport{note: why}, nil
	}
	if err != nil {
		return vectorSupport{}, fmt.Errorf("detect pgvector: %w", err)
	}
	return vectorSupport{hnsw: true, iterative: versionAtLeast(version, 0, 8), note: "pgvector " + version}, nil
}

// versionAtLeast reports whether an extension version "major.minor[.patch]"
// is at least major.minor.
func versionAtLeast(v string, major, minor int) bool {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return ma > major || (ma == major && mi >= minor)
}

// setupEmbeddings adds the embedding column (once per database) and fills
// it for chunks written while the server had no pgvector.
func (s *Store) setupEmbeddings(ctx context.Context) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('kiln.chunks.embedding'))`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `ALTER TABLE chunks ADD COLUMN IF NOT EXISTS embedding vector`)
		return err
	})
	if err != nil {
		return fmt.Errorf("add the embedding column: %w", err)
	}
	for {
		rows, _ := s.pool.Query(ctx, `SELECT tenant, document, seq, vector FROM chunks WHERE embedding IS NULL LIMIT 500`)
		type row struct {
			tenant, document string
			seq              int
			vector           []byte
		}
		todo, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
			var x row
			err := r.Scan(&x.tenant, &x.document, &x.seq, &x.vector)
			return x, err
		})
		if err != nil {
			return fmt.Errorf("backfill embeddings: %w", err)
		}
		if len(todo) == 0 {
			return nil
		}
		var b pgx.Batch
		for _, x := range todo {
			v, err := store.DecodeVector(x.vector)
			if err != nil {
				return fmt.Errorf("backfill embeddings: %w", err)
			}
			b.Queue(`UPDATE chunks SET embedding = $4 WHERE tenant = $1 AND document = $2 AND seq = $3`,
				x.tenant, x.document, x.seq, pgvector.NewVector(v))
			if err := s.ensureHNSW(ctx, len(v)); err != nil {
				return err
			}
		}
		if err := s.pool.SendBatch(ctx, &b).Close(); err != nil {
			return fmt.Errorf("backfill embeddings: %w", err)
		}
	}
}

// hnswIndexes remembers the vector lengths whose HNSW index exists.
type hnswIndexes struct {
	mu   sync.Mutex
	dims map[int]bool
}

// ensureHNSW creates the HNSW index of vectors of dims dimensions unless
// it exists. Concurrent callers (of every process) are serialised by an
// advisory lock, as CREATE INDEX IF NOT EXISTS alone may race.
func (s *Store) ensureHNSW(ctx context.Context, dims int) error {
	if !s.vector.hnsw || dims > hnswMaxDims {
		return nil
	}
	s.hnsw.mu.Lock()
	defer s.hnsw.mu.Unlock()
	if s.hnsw.dims[dims] {
		return nil
	}
	d := strconv.Itoa(dims)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('kiln.chunks.hnsw'))`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `CREATE INDEX IF NOT EXISTS chunks_hnsw_`+d+` ON chunks
			USING hnsw ((embedding::vector(`+d+`)) vector_cosine_ops) WHERE dims = `+d)
		return err
	})
	if err != nil {
		return fmt.Errorf("create the HNSW index of %d dimensions: %w", dims, err)
	}
	if s.hnsw.dims == nil {
		s.hnsw.dims = map[int]bool{}
	}
	s.hnsw.dims[dims] = true
	return nil
}

// VectorSearch returns "pgvector-hnsw" when Open found pgvector, else "exact".
func (s *Store) VectorSearch() string {
	if s.vector.hnsw {
		return store.VectorSearchHNSW
	}
	return store.VectorSearchExact
}

// VectorSearchNote says which pgvector version is in use, or why vector
// search is exact, for the log at start.
func (s *Store) VectorSearchNote() string { return s.vector.note }

// ReplaceChunks makes chunks the document's chunks in one transaction.
func (s *Store) ReplaceChunks(ctx context.Context, tenant, document string, chunks []store.Chunk) error {
	if err := store.CheckChunks(tenant, document, chunks); err != nil {
		return fmt.Errorf("postgres: replace chunks: %w", err)
	}
	for _, c := range chunks {
		if err := s.ensureHNSW(ctx, len(c.Vector)); err != nil {
			return fmt.Errorf("postgres: replace chunks: %w", err)
		}
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var b pgx.Batch
		b.Queue(`DELETE FROM chunks WHERE tenant = $1 AND document = $2`, tenant, document)
		for _, c := range chunks {
			args := []any{tenant, document, c.Seq, c.Patient, c.Start, c.End, c.Text, c.Model, len(c.Vector), store.EncodeVector(c.Vector)}
			if s.vector.hnsw {
				b.Queue(`INSERT INTO chunks (tenant, document, seq, patient, start_offset, end_offset, text, model, dims, vector, embedding)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, append(args, pgvector.NewVector(c.Vector))...)
			} else {
				b.Queue(`INSERT INTO chunks (tenant, document, seq, patient, start_offset, end_offset, text, model, dims, vector)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, args...)
			}
		}
		return tx.SendBatch(ctx, &b).Close()
	})
	if err != nil {
		return wrap("replace chunks", err)
	}
	// The planner uses the HNSW index only once it knows how many chunks
	// a patient has.
	s.analyzer.wrote(len(chunks))
	return nil
}

// DeleteChunks deletes the document's chunks.
func (s *Store) DeleteChunks(ctx context.Context, tenant, document string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM chunks WHERE tenant = $1 AND document = $2`, tenant, document); err != nil {
		return fmt.Errorf("postgres: delete chunks: %w", err)
	}
	return nil
}

// oversample is how many candidates the HNSW search returns per match
// asked for (at least minCandidates), to be ranked exactly.
const (
	oversample    = 4
	minCandidates = 100
	maxEfSearch   = 1000 // pgvector's limit
)

// NearestChunks returns the patient's K best chunks; see "Vector search".
func (s *Store) NearestChunks(ctx context.Context, q store.ChunkQuery) ([]store.ChunkMatch, error) {
	if err := q.Check(); err != nil {
		return nil, fmt.Errorf("postgres: nearest chunks: %w", err)
	}
	var matches []store.ChunkMatch
	// One snapshot for both steps.
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	err := pgx.BeginTxFunc(ctx, s.pool, opts, func(tx pgx.Tx) error {
		var err error
		if matches, err = s.rank(ctx, tx, q); err != nil {
			return err
		}
		return fill(ctx, tx, q, matches)
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: nearest chunks: %w", err)
	}
	return matches, nil
}

// rank finds the best K chunks: their document, seq and score.
func (s *Store) rank(ctx context.Context, tx pgx.Tx, q store.ChunkQuery) ([]store.ChunkMatch, error) {
	settings, query, args := s.nearestQuery(q)
	var b pgx.Batch
	for _, set := range settings {
		b.Queue(set)
	}
	scorer := store.NewScorer(q.Vector)
	top := store.NewTopK(q.K)
	b.Queue(query, args...).Query(func(rows pgx.Rows) error {
		var m store.ChunkMatch
		var vec []byte
		_, err := pgx.ForEachRow(rows, []any{&m.Document, &m.Seq, &vec}, func() error {
			m.Score = scorer.Score(vec)
			top.Add(m)
			return nil
		})
		return err
	})
	if err := tx.SendBatch(ctx, &b).Close(); err != nil {
		return nil, err
	}
	return top.Matches(), nil
}

// nearestQuery returns the statement that selects the candidates of q
// (document, seq, vector), and the SET LOCAL statements to run before it.
// On the exact path the candidates are every chunk of the patient, model
// and length; on the HNSW path, the nearest few by the index.
func (s *Store) nearestQuery(q store.ChunkQuery) (settings []string, query string, args []any) {
	dims := len(q.Vector)
	// The length is inlined, not a parameter, so that a generic plan
	// still matches the partial index's predicate.
	query = `SELECT document, seq, vector FROM chunks
		WHERE tenant = $1 AND patient = $2 AND model = $3 AND dims = ` + strconv.Itoa(dims)
	args = []any{q.Tenant, q.Patient, q.Model}
	if len(q.Documents) > 0 {
		args = append(args, q.Documents)
		query += ` AND document = ANY($4)`
	}
	if !s.vector.hnsw || dims > hnswMaxDims {
		return nil, query, args
	}
	candidates := max(oversample*q.K, minCandidates)
	settings = append(settings, `SET LOCAL hnsw.ef_search = `+strconv.Itoa(min(candidates, maxEfSearch)))
	if s.vector.iterative {
		settings = append(settings, `SET LOCAL hnsw.iterative_scan = relaxed_order`)
	}
	d := strconv.Itoa(dims)
	args = append(args, pgvector.NewVector(q.Vector))
	query += ` ORDER BY embedding::vector(` + d + `) <=> $` + strconv.Itoa(len(args)) + `::vector(` + d + `)` +
		` LIMIT ` + strconv.Itoa(candidates)
	return settings, query, args
}

// fill reads the rest of each match's chunk.
func fill(ctx context.Context, tx pgx.Tx, q store.ChunkQuery, matches []store.ChunkMatch) error {
	if len(matches) == 0 {
		return nil
	}
	docs := make([]string, len(matches))
	seqs := make([]int32, len(matches))
	at := make(map[string]int, len(matches))
	for i, m := range matches {
		docs[i], seqs[i] = m.Document, int32(m.Seq)
		at[m.Document+"\x00"+strconv.Itoa(m.Seq)] = i
	}
	rows, _ := tx.Query(ctx, `SELECT c.document, c.seq, c.start_offset, c.end_offset, c.text, c.vector
		FROM unnest($2::text[], $3::integer[]) AS k (document, seq)
		JOIN chunks c ON c.tenant = $1 AND c.document = k.document AND c.seq = k.seq`, q.Tenant, docs, seqs)
	var doc string
	var seq, start, end int
	var text string
	var vec []byte
	found := 0
	_, err := pgx.ForEachRow(rows, []any{&doc, &seq, &start, &end, &text, &vec}, func() error {
		i, ok := at[doc+"\x00"+strconv.Itoa(seq)]
		if !ok {
			return nil
		}
		m := &matches[i]
		m.Tenant, m.Patient, m.Model = q.Tenant, q.Patient, q.Model
		m.Start, m.End, m.Text = start, end, text
		var err error
		m.Vector, err = store.DecodeVector(vec)
		found++
		return err
	})
	if err != nil {
		return err
	}
	if found != len(matches) {
		return fmt.Errorf("read %d of %d ranked chunks", found, len(matches))
	}
	return nil
}

// PatientChunks returns the patient's chunks by document (byte order) and seq.
func (s *Store) PatientChunks(ctx context.Context, tenant, patient string) ([]store.Chunk, error) {
	rows, _ := s.pool.Query(ctx, `SELECT document, seq, start_offset, end_offset, text, model, vector
		FROM chunks WHERE tenant = $1 AND patient = $2 ORDER BY document COLLATE "C", seq`, tenant, patient)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Chunk, error) {
		c := store.Chunk{Tenant: tenant, Patient: patient}
		var vec []byte
		if err := r.Scan(&c.Document, &c.Seq, &c.Start, &c.End, &c.Text, &c.Model, &vec); err != nil {
			return c, err
		}
		var err error
		c.Vector, err = store.DecodeVector(vec)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: patient chunks: %w", err)
	}
	return out, nil
}
