package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/spf13/pflag"

	"github.com/kiln-health/kiln/fhir/engine"
	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/pipeline/chr"
	"github.com/kiln-health/kiln/pipeline/chr/llm"
	"github.com/kiln-health/kiln/pipeline/chunk"
	"github.com/kiln-health/kiln/pipeline/coding"
	"github.com/kiln-health/kiln/pipeline/egress"
	"github.com/kiln-health/kiln/pipeline/embed"
)

// chrFlags configure Client Health Report drafting.
type chrFlags struct {
	autoDraft bool
	composer  string // offline | openai
	embedder  string // offline | openai
	// An OpenAI-compatible API, for the LLM composer and/or embeddings.
	openAIBaseURL, openAIKey, openAIModel, openAIEmbedModel string
	openAIEmbedDims                                         int
}

func (f *chrFlags) register(fs *pflag.FlagSet) {
	fs.BoolVar(&f.autoDraft, "chr-auto-draft", true, "draft a patient's CHR when one of the patient's documents was processed [KILN_CHR_AUTO_DRAFT]")
	fs.StringVar(&f.composer, "chr-composer", "offline", "who words CHR drafts: offline, or openai (redacted text only, and only where the tenant's egress policy allows openai) [KILN_CHR_COMPOSER]")
	fs.StringVar(&f.embedder, "chr-embedder", "offline", "how redacted text is embedded for grounding: offline, or openai [KILN_CHR_EMBEDDER]")
	fs.StringVar(&f.openAIBaseURL, "openai-base-url", "https://api.openai.com/v1", "OpenAI-compatible API base URL [KILN_OPENAI_BASE_URL]")
	fs.StringVar(&f.openAIKey, "openai-api-key", "", "API key of the OpenAI-compatible API [KILN_OPENAI_API_KEY]")
	fs.StringVar(&f.openAIModel, "openai-model", "gpt-4o-mini", "chat model of the LLM composer [KILN_OPENAI_MODEL]")
	fs.StringVar(&f.openAIEmbedModel, "openai-embedding-model", "text-embedding-3-small", "embedding model [KILN_OPENAI_EMBEDDING_MODEL]")
	fs.IntVar(&f.openAIEmbedDims, "openai-embedding-dimensions", 512, "embedding dimensions [KILN_OPENAI_EMBEDDING_DIMENSIONS]")
}

func init() {
	for flag, env := range map[string]string{
		"chr-auto-draft": "KILN_CHR_AUTO_DRAFT", "chr-composer": "KILN_CHR_COMPOSER", "chr-embedder": "KILN_CHR_EMBEDDER",
		"openai-base-url": "KILN_OPENAI_BASE_URL", "openai-api-key": "KILN_OPENAI_API_KEY", "openai-model": "KILN_OPENAI_MODEL",
		"openai-embedding-model": "KILN_OPENAI_EMBEDDING_MODEL", "openai-embedding-dimensions": "KILN_OPENAI_EMBEDDING_DIMENSIONS",
	} {
		envTwins[flag] = env
	}
}

// drafter builds the CHR drafter: its composer, the grounding (embedder
// over the store's chunks) and ICD-10-CM suggestions. Whatever calls
// OpenAI goes through the tenant's egress policy.
func (f *pipelineFlags) drafter(eng *engine.Engine, st store.Store, gate *egress.Gate, queued func(), log *slog.Logger) (*chr.Drafter, *chr.StoreGrounding, error) {
	icd, err := coding.ICD10CM()
	if err != nil {
		return nil, nil, fmt.Errorf("ICD-10-CM table: %w", err)
	}
	opts := chr.Options{Coder: icd, Queued: queued, TenantCoders: chr.TenantTables(coding.NewTenantTables(st)), Log: log}

	var emb embed.Embedder
	var out chr.Egress
	switch f.embedder {
	case "offline", "":
		if emb, err = embed.NewOffline(0); err != nil {
			return nil, nil, err
		}
	case "openai":
		if f.openAIKey == "" {
			return nil, nil, errors.New("--chr-embedder openai needs --openai-api-key")
		}
		if emb, err = embed.NewOpenAI(embed.OpenAIConfig{BaseURL: f.openAIBaseURL, APIKey: f.openAIKey, Model: f.openAIEmbedModel, Dimensions: f.openAIEmbedDims}); err != nil {
			return nil, nil, err
		}
		out = func(ctx context.Context, tenant, purpose string, bytes int, fn func(context.Context) error) error {
			return gate.Send(ctx, tenant, egress.Call{Processor: llm.Processor, Purpose: purpose, Class: egress.Redacted, Bytes: bytes}, fn)
		}
	default:
		return nil, nil, fmt.Errorf("--chr-embedder %q: want offline or openai", f.embedder)
	}
	g := chr.NewGrounding(st, emb, out, chunk.Options{})
	opts.Grounding = g

	switch f.composer {
	case "offline", "":
	case "openai":
		if f.openAIKey == "" {
			return nil, nil, errors.New("--chr-composer openai needs --openai-api-key")
		}
		c, err := llm.New(llm.Config{BaseURL: f.openAIBaseURL, APIKey: f.openAIKey, Model: f.openAIModel}, gate)
		if err != nil {
			return nil, nil, err
		}
		opts.Composer = c
	default:
		return nil, nil, fmt.Errorf("--chr-composer %q: want offline or openai", f.composer)
	}
	return chr.New(eng, st, opts), g, nil
}

// vectorSearch says how the store searches CHR grounding chunks, and why.
func vectorSearch(st store.Store) string {
	how := st.VectorSearch()
	if n, ok := st.(interface{ VectorSearchNote() string }); ok && n.VectorSearchNote() != "" {
		how += " (" + n.VectorSearchNote() + ")"
	}
	return how
}
