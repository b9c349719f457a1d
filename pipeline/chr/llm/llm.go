// Package llm drafts the statements of a Client Health Report with an
// OpenAI-compatible chat completion API: a chr.Composer that is better
// than the offline one when a tenant lets it run.
//
// What leaves Kiln is only what may: each section's facts in their
// de-identified form (never Fact.Text) and its passages, which are already
// redacted, and every call passes through egress.Gate (processor
// "openai", class redacted, purpose "chr-draft"), which refuses it unless
// the tenant's policy allows it and records it as an AuditEvent. The
// reply is constrained by a strict JSON schema and then checked: a
// statement that cites an id its section was not given is dropped, never
// shown.
package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/kiln-health/kiln/fhir/audit"
	"github.com/kiln-health/kiln/pipeline/chr"
	"github.com/kiln-health/kiln/pipeline/egress"
)

// Egress identifies the composer's calls to the gate and the audit log.
const (
	Processor = "openai"
	Purpose   = "chr-draft"
)

// SchemaName names the response_format JSON schema of a draft.
const SchemaName = "kiln_chr_draft"

// Agent is who the AuditEvents of the composer's calls name.
var Agent = audit.Agent{Who: "kiln-chr", Display: "Kiln CHR composer (LLM)", System: true}

// Errors of Compose; test with errors.Is. A refusal by the tenant's
// policy wraps egress.ErrDenied.
var (
	// ErrInvalidReply: the model's reply was not JSON of the draft schema,
	// on every attempt.
	ErrInvalidReply = errors.New("llm: reply is not a draft of the requested schema")
	// ErrOverBudget: the facts alone exceed MaxPromptTokens (facts are
	// never dropped, so the draft cannot be asked for).
	ErrOverBudget = errors.New("llm: facts exceed the prompt token budget")
)

// Config configures a Composer. Zero values take the defaults.
type Config struct {
	BaseURL string // default https://api.openai.com/v1
	APIKey  string
	Model   string // default gpt-4o-mini
	// Timeout bounds each HTTP call (default 60s).
	Timeout time.Duration
	// MaxRetries is how many times a failed call is tried again: on HTTP
	// 408, 429 and 5xx, on timeouts and network errors, and on a reply
	// that is not valid JSON for the schema. 0 takes the default (2);
	// negative means never.
	MaxRetries int
	// Backoff is the wait before the first retry (default 1s); it doubles
	// with each retry, with jitter, and a Retry-After (or retry-after-ms)
	// from the server is waited out when longer. No wait exceeds
	// MaxBackoff (default 30s): a server asking for longer gets no retry.
	Backoff, MaxBackoff time.Duration
	// MaxPromptTokens bounds the prompt, estimated at four characters per
	// token (default 8000). Passages beyond it are dropped, lowest score
	// first; facts are always kept.
	MaxPromptTokens int
	// MaxCompletionTokens bounds the reply (default 2000).
	MaxCompletionTokens int
	// HTTPClient, if set, makes the calls (proxies, custom TLS).
	HTTPClient *http.Client
}

func (c Config) withDefaults() Config {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	if c.BaseURL == "" {
		c.BaseURL = "https://api.openai.com/v1"
	}
	if c.Model == "" {
		c.Model = openai.GPT4oMini
	}
	def(&c.Timeout, 60*time.Second)
	def(&c.Backoff, time.Second)
	def(&c.MaxBackoff, 30*time.Second)
	switch {
	case c.MaxRetries == 0:
		c.MaxRetries = 2
	case c.MaxRetries < 0:
		c.MaxRetries = 0
	}
	if c.MaxPromptTokens <= 0 {
		c.MaxPromptTokens = 8000
	}
	if c.MaxCompletionTokens <= 0 {
		c.MaxCompletionTokens = 2000
	}
	return c
}

// Composer is a chr.Composer backed by a chat completion model.
type Composer struct {
	cfg    Config
	client *openai.Client
	gate   *egress.Gate
}

var _ chr.Composer = (*Composer)(nil)

// New returns a Composer whose calls pass through gate.
func New(cfg Config, gate *egress.Gate) (*Composer, error) {
	if gate == nil {
		return nil, errors.New("llm: an egress gate is required")
	}
	if cfg.APIKey == "" {
		return nil, errors.New("llm: an API key is required")
	}
	cfg = cfg.withDefaults()
	oc := openai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = cfg.BaseURL
	if cfg.HTTPClient != nil {
		oc.HTTPClient = cfg.HTTPClient
	}
	return &Composer{cfg: cfg, client: openai.NewClientWithConfig(oc), gate: gate}, nil
}

// Name identifies the composer in Provenance.
func (c *Composer) Name() string { return "openai:" + c.cfg.Model }

// Stats says what one draft cost and what was left out of it.
type Stats struct {
	Attempts                       int // HTTP calls made
	PromptTokens, CompletionTokens int // as the server reported, summed over calls
	// SkippedFacts had no de-identified form, so they were not sent.
	SkippedFacts int
	// DroppedPassages were left out of the prompt by MaxPromptTokens.
	DroppedPassages int
	// DroppedSections were in the reply under a key that was not asked for.
	DroppedSections int
	// DroppedStatements cited an id their section was not given, cited
	// nothing, or were empty.
	DroppedStatements int
}

// Compose implements chr.Composer.
func (c *Composer) Compose(ctx context.Context, tenant string, sections []chr.SectionInput) ([]chr.SectionOutput, error) {
	out, _, err := c.Draft(ctx, tenant, sections)
	return out, err
}

// Draft is Compose that also reports its Stats (also on error, as far as
// it got). Errors never hold prompt or reply text.
func (c *Composer) Draft(ctx context.Context, tenant string, sections []chr.SectionInput) ([]chr.SectionOutput, Stats, error) {
	var st Stats
	p, err := buildPrompt(sections, c.cfg.MaxPromptTokens, &st)
	if err != nil || len(p.Sections) == 0 {
		return nil, st, err
	}
	req, err := c.request(p)
	if err != nil {
		return nil, st, err
	}
	body, err := json.Marshal(req) // what go-openai sends
	if err != nil {
		return nil, st, fmt.Errorf("llm: encode request: %w", err)
	}
	call := egress.Call{Processor: Processor, Purpose: Purpose, Class: egress.Redacted, Bytes: len(body), Agent: Agent}

	for attempt := 0; ; attempt++ {
		var (
			resp    openai.ChatCompletionResponse
			callErr error
		)
		err := c.gate.Send(ctx, tenant, call, func(ctx context.Context) error {
			st.Attempts++
			cctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
			defer cancel()
			resp, callErr = c.client.CreateChatCompletion(cctx, req)
			callErr = describe(callErr) // before the gate sees it: no reply text in errors
			return callErr
		})
		if err != nil && err != callErr { //nolint:errorlint // identity: did the gate add anything?
			// The gate refused, or could not record the call: nothing to retry.
			return nil, st, fmt.Errorf("llm: %w", err)
		}
		var out []chr.SectionOutput
		if callErr == nil {
			st.PromptTokens += resp.Usage.PromptTokens
			st.CompletionTokens += resp.Usage.CompletionTokens
			if out, callErr = parseReply(resp, p, &st); callErr == nil {
				return out, st, nil
			}
		}
		wait, retry := c.retry(ctx, callErr, resp.Header(), attempt)
		if !retry {
			return nil, st, callErr
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, st, fmt.Errorf("%w (then %w)", callErr, context.Cause(ctx))
		case <-t.C:
		}
	}
}

// request builds the chat completion request of a prompt.
func (c *Composer) request(p prompt) (openai.ChatCompletionRequest, error) {
	user, err := marshal(p)
	if err != nil {
		return openai.ChatCompletionRequest{}, fmt.Errorf("llm: encode prompt: %w", err)
	}
	keys := make([]string, len(p.Sections))
	for i, s := range p.Sections {
		keys[i] = s.Key
	}
	return openai.ChatCompletionRequest{
		Model: c.cfg.Model,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: systemPrompt},
			{Role: openai.ChatMessageRoleUser, Content: string(user)},
		},
		// go-openai leaves a zero temperature out of the request (omitempty),
		// and the API's default is 1: the smallest float32 is sent instead,
		// which is 0 in effect.
		Temperature:         math.SmallestNonzeroFloat32,
		MaxCompletionTokens: c.cfg.MaxCompletionTokens,
		ResponseFormat: &openai.ChatCompletionResponseFormat{
			Type: openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{
				Name:   SchemaName,
				Schema: schema(keys),
				Strict: true,
			},
		},
	}, nil
}

// marshal encodes JSON without escaping <, > and &, which would only make
// the prompt longer.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
