package store

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
)

// Chunks of redacted document text and their embeddings ground Client
// Health Reports: the pipeline splits each processed document's redacted
// text into chunks, embeds them, and stores them here; report drafting
// asks for the chunks of one patient nearest to a query.
//
// Vectors of different embedding models are never compared: every chunk
// records its Model, and a query searches only its own model's vectors
// (of its own length). Scores are cosine similarities computed in float64
// by Cosine, the same on every backend and search path, so that the exact
// path and an approximate index give identical scores and order for the
// chunks they both find.

// Chunk is one piece of a document's redacted text and its embedding.
type Chunk struct {
	Tenant, Patient, Document string
	Seq                       int // position in the document, from 0
	// Start and End are Unicode code-point offsets of Text in the
	// document's redacted text (End exclusive).
	Start, End int
	Text       string
	Model      string // the embedding model that made Vector
	Vector     []float32
}

// ChunkMatch is a chunk found by NearestChunks.
type ChunkMatch struct {
	Chunk
	Score float64 // cosine similarity with the query vector
}

// ChunkQuery asks for the K chunks of one patient nearest to Vector.
type ChunkQuery struct {
	Tenant, Patient, Model string
	Vector                 []float32
	K                      int // > 0
	// Documents, when not empty, limits the search to these documents.
	Documents []string
}

// Chunks keeps document chunks and searches them by vector. Every method
// is its own transaction and sees only its tenant's chunks.
type Chunks interface {
	// ReplaceChunks makes chunks the document's chunks, atomically:
	// whatever the document had before is gone, so re-running a pipeline
	// stage is idempotent. Every chunk must have the given Tenant and
	// Document, one Patient, a Model, a non-empty Vector, and a Seq
	// unique within the document. No chunks deletes the document's.
	ReplaceChunks(ctx context.Context, tenant, document string, chunks []Chunk) error
	// DeleteChunks deletes the document's chunks; a document without
	// chunks is not an error.
	DeleteChunks(ctx context.Context, tenant, document string) error
	// NearestChunks returns at most q.K chunks of q.Patient whose vectors
	// are of q.Model and of q.Vector's length, best (highest Score) first,
	// ties by Document then Seq.
	NearestChunks(ctx context.Context, q ChunkQuery) ([]ChunkMatch, error)
	// PatientChunks returns every chunk of a patient, ordered by Document,
	// then Seq. Vector may be nil.
	PatientChunks(ctx context.Context, tenant, patient string) ([]Chunk, error)
	// VectorSearch says how NearestChunks searches: "pgvector-hnsw" (an
	// approximate index, whose candidates are then ranked exactly) or
	// "exact" (every vector of the patient compared).
	VectorSearch() string
}

// VectorSearch values.
const (
	VectorSearchExact = "exact"
	VectorSearchHNSW  = "pgvector-hnsw"
)

// ErrInvalidChunk is wrapped by the errors of ReplaceChunks and
// NearestChunks for arguments that break their contract.
var ErrInvalidChunk = errors.New("invalid chunk or query")

// CheckChunks checks ReplaceChunks' arguments.
func CheckChunks(tenant, document string, chunks []Chunk) error {
	if tenant == "" || document == "" {
		return fmt.Errorf("%w: tenant and document are required", ErrInvalidChunk)
	}
	seen := make(map[int]bool, len(chunks))
	for i, c := range chunks {
		switch {
		case c.Tenant != tenant || c.Document != document:
			return fmt.Errorf("%w: chunk %d belongs to another tenant or document", ErrInvalidChunk, i)
		case c.Patient == "" || c.Patient != chunks[0].Patient:
			return fmt.Errorf("%w: chunk %d: every chunk of a document needs the same, non-empty patient", ErrInvalidChunk, i)
		case c.Model == "" || len(c.Vector) == 0:
			return fmt.Errorf("%w: chunk %d: a model and a vector are required", ErrInvalidChunk, i)
		case c.Start < 0 || c.End < c.Start:
			return fmt.Errorf("%w: chunk %d: offsets [%d, %d)", ErrInvalidChunk, i, c.Start, c.End)
		case seen[c.Seq]:
			return fmt.Errorf("%w: chunk %d: seq %d repeated", ErrInvalidChunk, i, c.Seq)
		}
		seen[c.Seq] = true
	}
	return nil
}

// Check checks a query.
func (q ChunkQuery) Check() error {
	if q.Tenant == "" || q.Patient == "" || q.Model == "" {
		return fmt.Errorf("%w: tenant, patient and model are required", ErrInvalidChunk)
	}
	if len(q.Vector) == 0 || q.K <= 0 {
		return fmt.Errorf("%w: a vector and K > 0 are required", ErrInvalidChunk)
	}
	return nil
}

// EncodeVector returns v as little-endian IEEE 754 float32s, the form
// stores keep vectors in.
func EncodeVector(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// DecodeVector reverses EncodeVector.
func DecodeVector(b []byte) ([]float32, error) {
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("vector of %d bytes, not a multiple of 4", len(b))
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}

// Cosine returns the cosine similarity of a and b, computed in float64;
// 0 if either is the zero vector or their lengths differ.
func Cosine(a, b []float32) float64 {
	return NewScorer(a).Score(EncodeVector(b))
}

// Scorer computes the cosine similarity of one query vector with stored
// vectors, straight from their bytes (EncodeVector's form), without
// decoding them first. Every backend and search path scores with it, so
// that their scores are bit for bit the same.
type Scorer struct {
	q    []float32
	norm float64 // the query's squared norm
}

// NewScorer returns a Scorer of the query vector q.
func NewScorer(q []float32) Scorer {
	var n float64
	for _, x := range q {
		n += float64(x) * float64(x)
	}
	return Scorer{q: q, norm: n}
}

// Score returns the cosine similarity of the query with the encoded vector
// b; 0 if either is the zero vector or their lengths differ.
func (s Scorer) Score(b []byte) float64 {
	if len(b) != 4*len(s.q) {
		return 0
	}
	var dot, nb float64
	for i, x := range s.q {
		y := float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])))
		dot += float64(x) * y
		nb += y * y
	}
	if s.norm == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(s.norm*nb)
}

// CompareMatches orders matches best first: by Score descending, then
// Document, then Seq.
func CompareMatches(a, b ChunkMatch) int {
	if c := cmp.Compare(b.Score, a.Score); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Document, b.Document); c != 0 {
		return c
	}
	return cmp.Compare(a.Seq, b.Seq)
}

// TopMatches sorts matches best first and returns at most k of them.
func TopMatches(matches []ChunkMatch, k int) []ChunkMatch {
	slices.SortFunc(matches, CompareMatches)
	if len(matches) > k {
		matches = slices.Clip(matches[:k])
	}
	return matches
}

// TopK keeps the best K of a stream of matches, in order, without holding
// the rest: searching thousands of chunks for eight costs no sort.
type TopK struct {
	k    int
	best []ChunkMatch // sorted best first, at most k
}

// NewTopK returns an empty TopK that keeps k matches.
func NewTopK(k int) *TopK { return &TopK{k: k, best: make([]ChunkMatch, 0, k)} }

// Add offers m.
func (t *TopK) Add(m ChunkMatch) {
	if len(t.best) == t.k && CompareMatches(m, t.best[len(t.best)-1]) >= 0 {
		return
	}
	i, _ := slices.BinarySearchFunc(t.best, m, CompareMatches)
	if len(t.best) == t.k {
		t.best = t.best[:len(t.best)-1]
	}
	t.best = slices.Insert(t.best, i, m)
}

// Matches returns the kept matches, best first.
func (t *TopK) Matches() []ChunkMatch { return t.best }
