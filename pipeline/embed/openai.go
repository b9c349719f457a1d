package embed

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// OpenAIConfig configures an OpenAI embedder.
type OpenAIConfig struct {
	// BaseURL is the API's base URL, e.g. "https://api.openai.com/v1" (the
	// default) or any OpenAI-compatible endpoint's.
	BaseURL string
	APIKey  string
	// Model is the embedding model, e.g. "text-embedding-3-small". Required.
	Model string
	// Dimensions is the vectors' length. Required: it is sent as the
	// request's "dimensions" (models that choose their own length must be
	// given it), and every answer is checked against it.
	Dimensions int
	// BatchSize is the most texts per request (default 64).
	BatchSize int
	// Timeout bounds each request (default 30s).
	Timeout time.Duration
	// Retries is how many times a request that failed with 429, a 5xx
	// status, a timeout or a network error is tried again (default 3;
	// negative for none), waiting about Backoff, twice that, and so on,
	// with jitter. (go-openai does not expose Retry-After.)
	Retries int
	Backoff time.Duration // default 500ms
	// HTTPClient sends the requests (default: a new http.Client).
	HTTPClient *http.Client
}

// OpenAI embeds texts with an OpenAI-compatible embeddings API. Texts
// leave the process: give it redacted text only.
type OpenAI struct {
	client  *openai.Client
	model   string
	dims    int
	batch   int
	timeout time.Duration
	retries int
	backoff time.Duration
}

var _ Embedder = (*OpenAI)(nil)

// NewOpenAI returns an embedder for cfg.
func NewOpenAI(cfg OpenAIConfig) (*OpenAI, error) {
	if cfg.Model == "" {
		return nil, errors.New("embed: openai: a model is required")
	}
	if cfg.Dimensions <= 0 {
		return nil, errors.New("embed: openai: dimensions are required")
	}
	c := openai.DefaultConfig(cfg.APIKey)
	if cfg.BaseURL != "" {
		c.BaseURL = cfg.BaseURL
	}
	c.HTTPClient = cmp.Or(cfg.HTTPClient, &http.Client{})
	retries := cfg.Retries
	switch {
	case retries == 0:
		retries = 3
	case retries < 0:
		retries = 0
	}
	return &OpenAI{
		client:  openai.NewClientWithConfig(c),
		model:   cfg.Model,
		dims:    cfg.Dimensions,
		batch:   cmp.Or(max(cfg.BatchSize, 0), 64),
		timeout: cmp.Or(max(cfg.Timeout, 0), 30*time.Second),
		retries: retries,
		backoff: cmp.Or(max(cfg.Backoff, 0), 500*time.Millisecond),
	}, nil
}

// Model returns the configured model name.
func (o *OpenAI) Model() string { return o.model }

// Dimensions returns the configured length of the vectors.
func (o *OpenAI) Dimensions() int { return o.dims }

// APIError is a refusal by the embeddings endpoint. It carries the status
// and the error's type and code but never the endpoint's message, which
// may quote the input (and so PHI that redaction missed).
type APIError struct {
	Status int
	Type   string
	Code   string
}

func (e *APIError) Error() string {
	s := "HTTP " + strconv.Itoa(e.Status)
	if e.Type != "" {
		s += " " + e.Type
	}
	if e.Code != "" {
		s += " (" + e.Code + ")"
	}
	return s
}

// Embed embeds texts in batches of BatchSize, retrying transient failures.
// Errors never include the texts.
func (o *OpenAI) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += o.batch {
		end := min(start+o.batch, len(texts))
		vecs, err := o.embedBatch(ctx, texts[start:end])
		if err != nil {
			return nil, fmt.Errorf("embed: openai %s: texts %d-%d of %d: %w", o.model, start, end-1, len(texts), err)
		}
		out = append(out, vecs...)
	}
	return out, nil
}

func (o *OpenAI) embedBatch(ctx context.Context, texts []string) ([][]float32, error) {
	for attempt := 0; ; attempt++ {
		vecs, err := o.request(ctx, texts)
		if err == nil || attempt >= o.retries || !transient(ctx, err) {
			if err != nil && attempt > 0 {
				err = fmt.Errorf("after %d attempts: %w", attempt+1, err)
			}
			return vecs, err
		}
		// Exponential backoff with full jitter, so that workers that failed
		// together do not retry together.
		wait := o.backoff << attempt
		wait = wait/2 + rand.N(wait/2+1)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("waiting to retry: %w (last error: %w)", ctx.Err(), err)
		case <-t.C:
		}
	}
}

// request sends one embeddings request.
func (o *OpenAI) request(ctx context.Context, texts []string) ([][]float32, error) {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	resp, err := o.client.CreateEmbeddings(ctx, openai.EmbeddingRequestStrings{
		Input:          texts,
		Model:          openai.EmbeddingModel(o.model),
		Dimensions:     o.dims,
		EncodingFormat: openai.EmbeddingEncodingFormatFloat,
	})
	if err != nil {
		return nil, sanitize(err)
	}
	if len(resp.Data) != len(texts) {
		return nil, fmt.Errorf("asked for %d embeddings, got %d", len(texts), len(resp.Data))
	}
	out := make([][]float32, len(texts))
	for _, d := range resp.Data {
		if d.Index < 0 || d.Index >= len(texts) || out[d.Index] != nil {
			return nil, fmt.Errorf("embedding index %d out of range or repeated", d.Index)
		}
		if len(d.Embedding) != o.dims {
			return nil, fmt.Errorf("embedding %d has %d dimensions, want %d", d.Index, len(d.Embedding), o.dims)
		}
		out[d.Index] = d.Embedding
	}
	return out, nil
}

// sanitize replaces go-openai's HTTP errors, whose text holds the
// endpoint's message or whole response body, with an APIError. Other
// errors (network, timeouts, decoding) name no input and pass unchanged.
func sanitize(err error) error {
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) && apiErr.HTTPStatusCode != 0 {
		e := &APIError{Status: apiErr.HTTPStatusCode, Type: apiErr.Type}
		switch c := apiErr.Code.(type) {
		case string:
			e.Code = c
		case int:
			e.Code = strconv.Itoa(c)
		}
		return e
	}
	var reqErr *openai.RequestError
	if errors.As(err, &reqErr) {
		return &APIError{Status: reqErr.HTTPStatusCode}
	}
	return err
}

// transient reports whether a failed request may succeed if tried again:
// rate limits, server errors and timeouts of the request (not of the
// caller's context).
func transient(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Status == http.StatusTooManyRequests || apiErr.Status >= 500
	}
	// The per-request timeout, or the connection failing; not a malformed
	// answer, which would come again.
	var netErr net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &netErr)
}
