package openaitest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/kiln-health/kiln/internal/openaitest"
)

func client(srv *openaitest.Server, key string) *openai.Client {
	cfg := openai.DefaultConfig(key)
	cfg.BaseURL = srv.URL
	return openai.NewClientWithConfig(cfg)
}

func chatRequest(user string, rf *openai.ChatCompletionResponseFormat) openai.ChatCompletionRequest {
	return openai.ChatCompletionRequest{
		Model:          "gpt-test",
		Messages:       []openai.ChatCompletionMessage{{Role: "system", Content: "be brief"}, {Role: "user", Content: user}},
		ResponseFormat: rf,
	}
}

func schemaFormat(name, schema string) *openai.ChatCompletionResponseFormat {
	return &openai.ChatCompletionResponseFormat{
		Type:       openai.ChatCompletionResponseFormatTypeJSONSchema,
		JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{Name: name, Schema: json.RawMessage(schema), Strict: true},
	}
}

func TestDefaultChat(t *testing.T) {
	srv := openaitest.New(t)
	c := client(srv, srv.Key)
	tests := []struct {
		name string
		req  openai.ChatCompletionRequest
		want string
	}{
		{"text", chatRequest("hello", nil), "ok"},
		{"json object", chatRequest("hello", &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONObject}), "{}"},
		{"other schema", chatRequest("hello", schemaFormat("other", `{"type":"object","properties":{
			"a":{"type":"string"},"b":{"type":"array","items":{"type":"string"}},"c":{"type":"integer"},
			"d":{"type":"string","enum":["x","y"]},"e":{"type":["null","boolean"]},"f":{"type":"string"}},
			"required":["a","b","c","d","e"],"additionalProperties":false}`)),
			`{"a":"","b":[],"c":0,"d":"x","e":false}`},
		{"CHR draft", chatRequest(`{"sections":[{"key":"problems","facts":[{"id":"R1","text":"Hypertension"}],"passages":[{"id":"D1","text":"BP high"}]},{"key":"empty"}]}`,
			schemaFormat(openaitest.CHRSchemaName, `{"type":"object"}`)),
			`{"sections":[{"key":"problems","statements":[{"text":"Hypertension","sources":["R1"]},{"text":"BP high","sources":["D1"]}]}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := c.CreateChatCompletion(t.Context(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if got := resp.Choices[0].Message.Content; got != tt.want {
				t.Fatalf("content = %s, want %s", got, tt.want)
			}
			if resp.Usage.PromptTokens == 0 || resp.Usage.CompletionTokens == 0 ||
				resp.Usage.TotalTokens != resp.Usage.PromptTokens+resp.Usage.CompletionTokens {
				t.Fatalf("usage = %+v", resp.Usage)
			}
		})
	}
	_, err := c.CreateChatCompletion(t.Context(), chatRequest("not json", schemaFormat(openaitest.CHRSchemaName, `{}`)))
	var apiErr *openai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 400 {
		t.Fatalf("CHR schema with a non-JSON prompt: %v, want 400", err)
	}
}

func TestOnChatAndRequests(t *testing.T) {
	srv := openaitest.New(t)
	c := client(srv, srv.Key)
	srv.OnChat(func(req openai.ChatCompletionRequest) (string, error) {
		if req.Messages[1].Content == "fail" {
			return "", &openaitest.StatusError{Status: 503, RetryAfter: "7", Message: "overloaded"}
		}
		return "echo " + req.Messages[1].Content, nil
	})
	resp, err := c.CreateChatCompletion(t.Context(), chatRequest("hi", nil))
	if err != nil || resp.Choices[0].Message.Content != "echo hi" {
		t.Fatalf("OnChat: %q, %v", resp.Choices[0].Message.Content, err)
	}
	resp, err = c.CreateChatCompletion(t.Context(), chatRequest("fail", nil))
	var apiErr *openai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 503 || apiErr.Message != "overloaded" || resp.Header().Get("Retry-After") != "7" {
		t.Fatalf("StatusError: %v (Retry-After %q)", err, resp.Header().Get("Retry-After"))
	}
	srv.OnChat(nil)
	if resp, err := c.CreateChatCompletion(t.Context(), chatRequest("hi", nil)); err != nil || resp.Choices[0].Message.Content != "ok" {
		t.Fatalf("OnChat(nil) did not restore the default: %v", err)
	}

	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests recorded, want 3", len(reqs))
	}
	for _, r := range reqs {
		if r.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer "+srv.Key || !strings.Contains(string(r.Body), `"model":"gpt-test"`) {
			t.Fatalf("request recorded as %s %v %s", r.Path, r.Header, r.Body)
		}
	}
	if !strings.Contains(string(reqs[1].Body), `"fail"`) {
		t.Fatalf("requests out of order: %s", reqs[1].Body)
	}
}

func TestScript(t *testing.T) {
	srv := openaitest.New(t)
	c := client(srv, srv.Key)
	srv.Script(openaitest.Step{Status: 429, RetryAfter: "2"}, openaitest.Step{Status: 500}, openaitest.Step{Delay: 5 * time.Second})

	for _, want := range []int{429, 500} {
		resp, err := c.CreateChatCompletion(t.Context(), chatRequest("x", nil))
		var apiErr *openai.APIError
		if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != want {
			t.Fatalf("scripted %d: got %v", want, err)
		}
		if want == 429 && resp.Header().Get("Retry-After") != "2" {
			t.Fatalf("Retry-After = %q", resp.Header().Get("Retry-After"))
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := c.CreateChatCompletion(ctx, chatRequest("x", nil)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("slow response: %v, want a deadline error", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("the client waited %v", d)
	}
	if _, err := c.CreateChatCompletion(t.Context(), chatRequest("x", nil)); err != nil {
		t.Fatalf("after the script: %v", err)
	}
}

func TestEmbeddings(t *testing.T) {
	srv := openaitest.New(t)
	c := client(srv, srv.Key)
	texts := []string{"essential hypertension", "Essential hypertension!", "fractured left wrist", ""}
	resp, err := c.CreateEmbeddings(t.Context(), openai.EmbeddingRequestStrings{Input: texts, Model: openai.SmallEmbedding3})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Data) != len(texts) || resp.Usage.PromptTokens == 0 {
		t.Fatalf("%d vectors, usage %+v", len(resp.Data), resp.Usage)
	}
	v := make([][]float32, len(texts))
	for i, d := range resp.Data {
		if d.Index != i || len(d.Embedding) != openaitest.DefaultDimensions {
			t.Fatalf("vector %d: index %d, %d dimensions", i, d.Index, len(d.Embedding))
		}
		v[i] = d.Embedding
		if n := dot(v[i], v[i]); math.Abs(n-1) > 1e-5 {
			t.Fatalf("vector %d has norm² %v", i, n)
		}
	}
	if dot(v[0], v[1]) < 0.9999 {
		t.Fatalf("same words, different vectors: cos %v", dot(v[0], v[1]))
	}
	if dot(v[0], v[2]) >= dot(v[0], v[1]) {
		t.Fatalf("unrelated text as close as the same text")
	}

	// one string, dimensions, base64 encoding: same vector again
	one, err := c.CreateEmbeddings(t.Context(), openai.EmbeddingRequest{Input: "essential hypertension", Model: openai.SmallEmbedding3, Dimensions: 16})
	if err != nil || len(one.Data) != 1 || len(one.Data[0].Embedding) != 16 {
		t.Fatalf("dimensions 16: %v", err)
	}
	b64, err := c.CreateEmbeddings(t.Context(), openai.EmbeddingRequest{Input: "essential hypertension", Model: openai.SmallEmbedding3, Dimensions: 16,
		EncodingFormat: openai.EmbeddingEncodingFormatBase64})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 16 {
		if b64.Data[0].Embedding[i] != one.Data[0].Embedding[i] {
			t.Fatalf("base64 vector differs at %d", i)
		}
	}
}

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func TestErrors(t *testing.T) {
	srv := openaitest.New(t)
	_, err := client(srv, "sk-wrong").CreateChatCompletion(t.Context(), chatRequest("x", nil))
	var apiErr *openai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 401 {
		t.Fatalf("wrong key: %v, want 401", err)
	}

	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/nope", strings.NewReader("{}"))
	req.Header.Set("Authorization", "Bearer "+srv.Key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var e openai.ErrorResponse
	if resp.StatusCode != 404 || json.Unmarshal(body, &e) != nil || e.Error == nil || !strings.Contains(e.Error.Message, "/v1/nope") {
		t.Fatalf("unknown path: %d %s", resp.StatusCode, body)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Fatalf("%d requests recorded, want 2", n)
	}
}
