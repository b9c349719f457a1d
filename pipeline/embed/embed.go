// Package embed turns chunks of redacted text into vectors for the
// similarity search that grounds Client Health Reports.
//
// Two embedders implement one interface: [Offline], the default, which
// needs no network and no model files (feature hashing), and [OpenAI],
// which calls any OpenAI-compatible /v1/embeddings endpoint. Vectors from
// different models are not comparable, so stores keep each vector's
// Model() beside it and search only vectors of the query's model.
package embed

import "context"

// Embedder embeds texts. Implementations are safe for concurrent use.
type Embedder interface {
	// Model names the model and its settings; two embedders with the same
	// Model produce comparable vectors.
	Model() string
	// Dimensions is the length of every vector Embed returns.
	Dimensions() int
	// Embed returns one vector per text, in order.
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}
