package embed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kiln-health/kiln/internal/openaitest"
)

func newOpenAI(t *testing.T, srv *openaitest.Server, cfg OpenAIConfig) *OpenAI {
	t.Helper()
	cfg.BaseURL = srv.URL
	if cfg.APIKey == "" {
		cfg.APIKey = srv.Key
	}
	if cfg.Model == "" {
		cfg.Model = "text-embedding-3-small"
	}
	if cfg.Dimensions == 0 {
		cfg.Dimensions = 32
	}
	cfg.Backoff = time.Millisecond // keep retry tests fast
	e, err := NewOpenAI(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestOpenAIBatches checks that texts go out in batches, with the model
// and dimensions, and come back in order.
func TestOpenAIBatches(t *testing.T) {
	srv := openaitest.New(t)
	e := newOpenAI(t, srv, OpenAIConfig{BatchSize: 2, Dimensions: 48})
	texts := []string{"chest pain", "asthma", "diabetes mellitus", "fractured wrist", "hypertension"}
	vecs, err := e.Embed(t.Context(), texts)
	if err != nil {
		t.Fatal(err)
	}
	if e.Model() != "text-embedding-3-small" || e.Dimensions() != 48 {
		t.Errorf("Model, Dimensions = %q, %d", e.Model(), e.Dimensions())
	}
	for i, text := range texts {
		if want := openaitest.Vector(text, 48); !slices.Equal(vecs[i], want) {
			t.Errorf("vector %d (%q) is not the server's vector for it", i, text)
		}
	}
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests for 5 texts in batches of 2, want 3", len(reqs))
	}
	var got [][]string
	for _, r := range reqs {
		var body struct {
			Input      []string `json:"input"`
			Model      string   `json:"model"`
			Dimensions int      `json:"dimensions"`
		}
		if r.Path != "/v1/embeddings" {
			t.Errorf("request to %s", r.Path)
		}
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatal(err)
		}
		if body.Model != "text-embedding-3-small" || body.Dimensions != 48 {
			t.Errorf("request model %q dimensions %d", body.Model, body.Dimensions)
		}
		got = append(got, body.Input)
	}
	want := [][]string{texts[0:2], texts[2:4], texts[4:5]}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("batches %q, want %q", got, want)
	}
	if vecs, err := e.Embed(t.Context(), nil); err != nil || len(vecs) != 0 || len(srv.Requests()) != 3 {
		t.Errorf("Embed(nil) = %d vectors, %v; want none and no request", len(vecs), err)
	}
}

func TestOpenAIRetriesAndErrors(t *testing.T) {
	const secret = "Jane Q. Synthetic, MRN 000123, has HIV"
	tests := []struct {
		name     string
		cfg      OpenAIConfig
		script   []openaitest.Step
		wantErr  bool
		status   int // of the APIError, when wantErr
		requests int
	}{
		{"429 then success", OpenAIConfig{}, []openaitest.Step{{Status: 429, RetryAfter: "1"}}, false, 0, 2},
		{"500 and 503 then success", OpenAIConfig{}, []openaitest.Step{{Status: 500}, {Status: 503}}, false, 0, 3},
		{"retries run out", OpenAIConfig{Retries: 2}, []openaitest.Step{{Status: 502}, {Status: 502}, {Status: 502}}, true, 502, 3},
		{"no retries", OpenAIConfig{Retries: -1}, []openaitest.Step{{Status: 429}}, true, 429, 1},
		{"400 is not retried", OpenAIConfig{}, []openaitest.Step{{Status: 400}}, true, 400, 1},
		{"timeout then success", OpenAIConfig{Timeout: 50 * time.Millisecond}, []openaitest.Step{{Delay: time.Second}}, false, 0, 2},
		{"wrong key", OpenAIConfig{APIKey: "sk-wrong"}, nil, true, 401, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := openaitest.New(t)
			srv.Script(tt.script...)
			e := newOpenAI(t, srv, tt.cfg)
			vecs, err := e.Embed(t.Context(), []string{secret, "second text"})
			if got := len(srv.Requests()); got != tt.requests {
				t.Errorf("%d requests, want %d", got, tt.requests)
			}
			if !tt.wantErr {
				if err != nil || len(vecs) != 2 {
					t.Fatalf("Embed = %d vectors, %v; want 2", len(vecs), err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Embed succeeded, want an error")
			}
			for _, part := range []string{secret, "Synthetic", "000123", "second text"} {
				if strings.Contains(err.Error(), part) {
					t.Errorf("error %q contains the input %q", err, part)
				}
			}
			var apiErr *APIError
			if tt.status != 0 && (!errors.As(err, &apiErr) || apiErr.Status != tt.status) {
				t.Errorf("error %v, want an APIError with status %d", err, tt.status)
			}
		})
	}
}

// TestOpenAICancel checks that a cancelled context stops retries at once.
func TestOpenAICancel(t *testing.T) {
	srv := openaitest.New(t)
	srv.Script(openaitest.Step{Status: http.StatusServiceUnavailable})
	cfg := OpenAIConfig{BaseURL: srv.URL, APIKey: srv.Key, Model: "m", Dimensions: 8, Backoff: time.Hour}
	e, err := NewOpenAI(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := e.Embed(ctx, []string{"x"}); err == nil {
		t.Fatal("Embed succeeded")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Embed took %v after the context ended", d)
	}
}

func TestNewOpenAIValidates(t *testing.T) {
	for _, cfg := range []OpenAIConfig{{Dimensions: 8}, {Model: "m"}} {
		if _, err := NewOpenAI(cfg); err == nil {
			t.Errorf("NewOpenAI(%+v) succeeded", cfg)
		}
	}
}

// TestOpenAIMalformedAnswers checks answers that do not fit the request
// (from a server that ignores "dimensions", say) are refused, not retried.
func TestOpenAIMalformedAnswers(t *testing.T) {
	tests := []struct {
		name string
		data string
	}{
		{"too few", `[{"object":"embedding","index":0,"embedding":[1,0]}]`},
		{"wrong dimensions", `[{"object":"embedding","index":0,"embedding":[1,0,0]},{"object":"embedding","index":1,"embedding":[0,1,0]}]`},
		{"repeated index", `[{"object":"embedding","index":0,"embedding":[1,0]},{"object":"embedding","index":0,"embedding":[0,1]}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"object":"list","model":"m","data":%s}`, tt.data)
			}))
			defer srv.Close()
			e, err := NewOpenAI(OpenAIConfig{BaseURL: srv.URL + "/v1", Model: "m", Dimensions: 2, Backoff: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.Embed(t.Context(), []string{"a", "b"}); err == nil {
				t.Errorf("Embed succeeded")
			}
			if calls.Load() != 1 {
				t.Errorf("%d requests, want 1 (a malformed answer is not retried)", calls.Load())
			}
		})
	}
}
