package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/kiln-health/kiln/pipeline/chr"
)

type replySection struct {
	Key        string          `json:"key"`
	Statements []chr.Statement `json:"statements"`
}

type reply struct {
	Sections *[]replySection `json:"sections"`
}

// parseReply decodes and checks a reply against what p asked for. Unknown
// sections and statements citing ids their section was not given are
// dropped and counted; a reply that is not JSON of the schema is
// ErrInvalidReply (whose message never quotes the reply).
func parseReply(resp openai.ChatCompletionResponse, p prompt, st *Stats) ([]chr.SectionOutput, error) {
	if len(resp.Choices) == 0 {
		return nil, fmt.Errorf("%w: no choices", ErrInvalidReply)
	}
	ch := resp.Choices[0]
	if ch.Message.Refusal != "" {
		return nil, fmt.Errorf("%w: the model refused", ErrInvalidReply)
	}
	dec := json.NewDecoder(strings.NewReader(ch.Message.Content))
	dec.DisallowUnknownFields()
	var r reply
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrInvalidReply, jsonProblem(err, ch.FinishReason))
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the JSON object", ErrInvalidReply)
	}
	if r.Sections == nil {
		return nil, fmt.Errorf("%w: no \"sections\"", ErrInvalidReply)
	}

	given := map[string]map[string]bool{} // section key → ids sent with it
	order := map[string]int{}
	for i, s := range p.Sections {
		ids := map[string]bool{}
		for _, f := range s.Facts {
			ids[f.ID] = true
		}
		for _, d := range s.Passages {
			ids[d.ID] = true
		}
		given[s.Key], order[s.Key] = ids, i
	}
	bySection := map[string]*chr.SectionOutput{}
	for _, rs := range *r.Sections {
		ids, ok := given[rs.Key]
		if !ok {
			st.DroppedSections++
			st.DroppedStatements += len(rs.Statements)
			continue
		}
		out := bySection[rs.Key]
		if out == nil {
			out = &chr.SectionOutput{Key: rs.Key}
			bySection[rs.Key] = out
		}
		for _, s := range rs.Statements {
			s.Text = strings.TrimSpace(s.Text)
			s.Sources = uniq(s.Sources)
			if s.Text == "" || len(s.Sources) == 0 || slices.ContainsFunc(s.Sources, func(id string) bool { return !ids[id] }) {
				st.DroppedStatements++
				continue
			}
			out.Statements = append(out.Statements, s)
		}
	}
	outs := make([]chr.SectionOutput, 0, len(bySection))
	for _, o := range bySection {
		if len(o.Statements) > 0 {
			outs = append(outs, *o)
		}
	}
	slices.SortFunc(outs, func(a, b chr.SectionOutput) int { return order[a.Key] - order[b.Key] })
	return outs, nil
}

func uniq(ids []string) []string {
	var out []string
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// jsonProblem describes a decoding error without quoting the input.
func jsonProblem(err error, finish openai.FinishReason) string {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	msg := "not JSON of the schema"
	switch {
	case errors.As(err, &syn):
		msg = fmt.Sprintf("invalid JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		msg = fmt.Sprintf("%s has the wrong type", typ.Field)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		msg = "empty or truncated JSON"
	}
	if finish == openai.FinishReasonLength {
		msg += " (the reply hit MaxCompletionTokens)"
	}
	return msg
}

// APIError is an error status from the API. It keeps the status and the
// error type, but not the server's message, which may quote the request.
type APIError struct {
	Status int
	Type   string
}

func (e *APIError) Error() string {
	if e.Type != "" {
		return fmt.Sprintf("llm: the API answered HTTP %d (%s)", e.Status, e.Type)
	}
	return fmt.Sprintf("llm: the API answered HTTP %d", e.Status)
}

// describe turns a go-openai error into one that holds no request or
// reply text (go-openai's RequestError quotes the response body).
func describe(err error) error {
	if err == nil {
		return nil
	}
	var ae *openai.APIError
	if errors.As(err, &ae) {
		return &APIError{Status: ae.HTTPStatusCode, Type: ae.Type}
	}
	var re *openai.RequestError
	if errors.As(err, &re) {
		return &APIError{Status: re.HTTPStatusCode}
	}
	// Transport errors (*url.Error: method, URL, cause), timeouts: no content.
	return fmt.Errorf("llm: call failed: %w", err)
}

// retry decides whether attempt (0 for the first call) is tried again
// after err, and how long to wait first.
func (c *Composer) retry(ctx context.Context, err error, h http.Header, attempt int) (time.Duration, bool) {
	if attempt >= c.cfg.MaxRetries || ctx.Err() != nil {
		return 0, false
	}
	var ae *APIError
	if errors.As(err, &ae) {
		if s := ae.Status; s != http.StatusRequestTimeout && s != http.StatusTooManyRequests && s < 500 {
			return 0, false // the request itself is wrong: it would fail again
		}
	}
	// Everything else is transient: invalid replies, timeouts, network errors.
	d := c.cfg.Backoff << attempt
	d = d/2 + rand.N(d/2+1) // jitter, so retrying clients spread out
	if ra, ok := retryAfter(h); ok {
		if ra > c.cfg.MaxBackoff {
			return 0, false
		}
		d = max(d, ra)
	}
	return min(d, c.cfg.MaxBackoff), true
}

// retryAfter reads how long the server asked to wait: retry-after-ms
// (OpenAI's), or Retry-After in seconds or as an HTTP date.
func retryAfter(h http.Header) (time.Duration, bool) {
	if v := h.Get("Retry-After-Ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 {
			return time.Duration(ms * float64(time.Millisecond)), true
		}
	}
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}
