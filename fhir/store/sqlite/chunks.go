package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/kiln-health/kiln/fhir/store"
)

// SQLite has no vector index, so NearestChunks compares the query with
// every vector of the patient and model, in Go, reading the vectors as
// bytes. A patient has thousands of chunks at most, which takes
// milliseconds (see BenchmarkNearestChunks). Only the top K rows' text is
// read, in a second step of the same read transaction.

// VectorSearch returns "exact".
func (s *Store) VectorSearch() string { return store.VectorSearchExact }

// ReplaceChunks makes chunks the document's chunks in one transaction.
func (s *Store) ReplaceChunks(ctx context.Context, tenant, document string, chunks []store.Chunk) error {
	if err := store.CheckChunks(tenant, document, chunks); err != nil {
		return fmt.Errorf("sqlite: replace chunks: %w", err)
	}
	tx, err := s.write.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: replace chunks: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM chunks WHERE tenant = ? AND document = ?`, tenant, document); err != nil {
		return fmt.Errorf("sqlite: replace chunks: %w", err)
	}
	if len(chunks) > 0 {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO chunks
			(tenant, document, seq, patient, start_offset, end_offset, text, model, dims, vector)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return fmt.Errorf("sqlite: replace chunks: %w", err)
		}
		defer stmt.Close()
		for _, c := range chunks {
			if _, err := stmt.ExecContext(ctx, tenant, document, c.Seq, c.Patient, c.Start, c.End, c.Text,
				c.Model, len(c.Vector), store.EncodeVector(c.Vector)); err != nil {
				return fmt.Errorf("sqlite: replace chunks: seq %d: %w", c.Seq, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: replace chunks: %w", err)
	}
	return nil
}

// DeleteChunks deletes the document's chunks.
func (s *Store) DeleteChunks(ctx context.Context, tenant, document string) error {
	if _, err := s.write.db.ExecContext(ctx, `DELETE FROM chunks WHERE tenant = ? AND document = ?`, tenant, document); err != nil {
		return fmt.Errorf("sqlite: delete chunks: %w", err)
	}
	return nil
}

// NearestChunks ranks every vector of the patient and model exactly.
func (s *Store) NearestChunks(ctx context.Context, q store.ChunkQuery) ([]store.ChunkMatch, error) {
	if err := q.Check(); err != nil {
		return nil, fmt.Errorf("sqlite: nearest chunks: %w", err)
	}
	// One read transaction, so the second step reads the rows the first
	// ranked even if the document is being replaced meanwhile.
	tx, err := s.read.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("sqlite: nearest chunks: %w", err)
	}
	defer tx.Rollback()

	query := `SELECT document, seq, vector FROM chunks
		WHERE tenant = ? AND patient = ? AND model = ? AND dims = ?`
	args := []any{q.Tenant, q.Patient, q.Model, len(q.Vector)}
	if len(q.Documents) > 0 {
		query += ` AND document IN (?` + strings.Repeat(`, ?`, len(q.Documents)-1) + `)`
		for _, d := range q.Documents {
			args = append(args, d)
		}
	}
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: nearest chunks: %w", err)
	}
	scorer := store.NewScorer(q.Vector)
	top := store.NewTopK(q.K)
	for rows.Next() {
		var m store.ChunkMatch
		var vec sql.RawBytes // valid until Next: scored, not kept
		if err := rows.Scan(&m.Document, &m.Seq, &vec); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite: nearest chunks: %w", err)
		}
		m.Score = scorer.Score(vec)
		top.Add(m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: nearest chunks: %w", err)
	}
	matches := top.Matches()

	for i := range matches {
		m := &matches[i]
		m.Tenant, m.Patient, m.Model = q.Tenant, q.Patient, q.Model
		var vec []byte
		err := tx.QueryRowContext(ctx, `SELECT start_offset, end_offset, text, vector FROM chunks
			WHERE tenant = ? AND document = ? AND seq = ?`, q.Tenant, m.Document, m.Seq).
			Scan(&m.Start, &m.End, &m.Text, &vec)
		if err != nil {
			return nil, fmt.Errorf("sqlite: nearest chunks: %w", err)
		}
		if m.Vector, err = store.DecodeVector(vec); err != nil {
			return nil, fmt.Errorf("sqlite: nearest chunks: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: nearest chunks: %w", err)
	}
	return matches, nil
}

// PatientChunks returns the patient's chunks by document and seq.
func (s *Store) PatientChunks(ctx context.Context, tenant, patient string) ([]store.Chunk, error) {
	rows, err := s.read.db.QueryContext(ctx, `SELECT document, seq, start_offset, end_offset, text, model, vector
		FROM chunks WHERE tenant = ? AND patient = ? ORDER BY document, seq`, tenant, patient)
	if err != nil {
		return nil, fmt.Errorf("sqlite: patient chunks: %w", err)
	}
	defer rows.Close()
	var out []store.Chunk
	for rows.Next() {
		c := store.Chunk{Tenant: tenant, Patient: patient}
		var vec []byte
		if err := rows.Scan(&c.Document, &c.Seq, &c.Start, &c.End, &c.Text, &c.Model, &vec); err != nil {
			return nil, fmt.Errorf("sqlite: patient chunks: %w", err)
		}
		if c.Vector, err = store.DecodeVector(vec); err != nil {
			return nil, fmt.Errorf("sqlite: patient chunks: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: patient chunks: %w", err)
	}
	return out, nil
}
