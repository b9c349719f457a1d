package chr

import (
	"context"
	"errors"
	"fmt"

	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/pipeline/chunk"
	"github.com/kiln-health/kiln/pipeline/egress"
	"github.com/kiln-health/kiln/pipeline/embed"
)

// Egress runs fn, a call that sends bytes of redacted text to an outside
// processor for purpose, if the tenant's egress policy allows it, and
// records the call (pipeline/egress provides it). Nil means the embedder
// runs inside Kiln and nothing leaves.
type Egress func(ctx context.Context, tenant, purpose string, bytes int, fn func(context.Context) error) error

// StoreGrounding is Grounding over the store's chunk table: redacted
// texts are split with pipeline/chunk, embedded, and searched per patient
// (pgvector's HNSW index where the store has it, an exact cosine scan
// otherwise; both rank the same).
type StoreGrounding struct {
	chunks   store.Chunks
	embedder embed.Embedder
	egress   Egress
	split    chunk.Options
}

// NewGrounding returns a StoreGrounding. egress must be set when the
// embedder sends text out of Kiln (OpenAI).
func NewGrounding(chunks store.Chunks, e embed.Embedder, egress Egress, split chunk.Options) *StoreGrounding {
	return &StoreGrounding{chunks: chunks, embedder: e, egress: egress, split: split}
}

// Describe implements Grounding.
func (g *StoreGrounding) Describe() string {
	return "embedder " + g.embedder.Model() + ", vector search " + g.chunks.VectorSearch()
}

func (g *StoreGrounding) embed(ctx context.Context, tenant, purpose string, texts []string) ([][]float32, error) {
	if g.egress == nil {
		return g.embedder.Embed(ctx, texts)
	}
	n := 0
	for _, t := range texts {
		n += len(t)
	}
	var vs [][]float32
	err := g.egress(ctx, tenant, purpose, n, func(ctx context.Context) error {
		var err error
		vs, err = g.embedder.Embed(ctx, texts)
		return err
	})
	return vs, err
}

// Index implements Grounding: the document's chunks become exactly those
// of this text (a re-run replaces them). When the embedder is outside
// Kiln and the tenant's egress policy refuses it, nothing is indexed and
// Search finds nothing: drafts then rest on the structured record alone.
func (g *StoreGrounding) Index(ctx context.Context, tenant, patient, document, text string) error {
	pieces := chunk.Split(text, g.split)
	if len(pieces) == 0 {
		return g.chunks.DeleteChunks(ctx, tenant, document)
	}
	texts := make([]string, len(pieces))
	for i, p := range pieces {
		texts[i] = p.Text
	}
	vs, err := g.embed(ctx, tenant, "chr-grounding-index", texts)
	if errors.Is(err, egress.ErrDenied) {
		// The tenant keeps its text inside Kiln: no index from an
		// outside embedder, and drafts go without passages.
		return nil
	}
	if err != nil {
		return fmt.Errorf("chr: embed %s: %w", document, err)
	}
	chunks := make([]store.Chunk, len(pieces))
	for i, p := range pieces {
		chunks[i] = store.Chunk{Tenant: tenant, Patient: patient, Document: document, Seq: p.Seq, Start: p.Start, End: p.End,
			Text: p.Text, Model: g.embedder.Model(), Vector: vs[i]}
	}
	if err := g.chunks.ReplaceChunks(ctx, tenant, document, chunks); err != nil {
		return fmt.Errorf("chr: index %s: %w", document, err)
	}
	return nil
}

// Delete forgets a document's chunks (the document was deleted).
func (g *StoreGrounding) Delete(ctx context.Context, tenant, document string) error {
	return g.chunks.DeleteChunks(ctx, tenant, document)
}

// Search implements Grounding.
func (g *StoreGrounding) Search(ctx context.Context, tenant, patient, query string, k int) ([]Hit, error) {
	vs, err := g.embed(ctx, tenant, "chr-grounding-query", []string{query})
	if errors.Is(err, egress.ErrDenied) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("chr: embed query: %w", err)
	}
	ms, err := g.chunks.NearestChunks(ctx, store.ChunkQuery{Tenant: tenant, Patient: patient, Model: g.embedder.Model(), Vector: vs[0], K: k})
	if err != nil {
		return nil, err
	}
	hits := make([]Hit, len(ms))
	for i, m := range ms {
		hits[i] = Hit{Document: m.Document, Start: m.Start, End: m.End, Text: m.Text, Score: m.Score}
	}
	return hits, nil
}
