// Package openaitest runs a local server that speaks enough of the OpenAI
// HTTP API (chat completions and embeddings) for
// github.com/sashabaranov/go-openai to work against it unchanged, so Kiln's
// LLM and embedding code is tested through the real client and real HTTP
// without sending anything anywhere.
//
//	srv := openaitest.New(t)
//	cfg := openai.DefaultConfig(srv.Key)
//	cfg.BaseURL = srv.URL
//	client := openai.NewClientWithConfig(cfg)
//
// What it answers:
//
//   - POST /v1/chat/completions: the content returned by the chat handler
//     (see [Server.OnChat] and [DefaultChat]), with usage token counts
//     estimated at four characters per token.
//   - POST /v1/embeddings: deterministic vectors (see [Vector]) for a string
//     or a list of strings, float or base64 encoded, with usage.
//   - Anything else: 404 with an OpenAI-style error body.
//
// Every request is recorded, in order, before anything else happens
// ([Server.Requests]); a request without "Authorization: Bearer <Key>"
// gets 401. [Server.Script] makes the next responses fail (429, 500, ...)
// or wait, for retry and timeout tests.
package openaitest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// DefaultKey is the API key a new Server accepts.
const DefaultKey = "sk-openaitest"

// Request is one HTTP request the server received.
type Request struct {
	Path   string
	Body   []byte
	Header http.Header
}

// ChatHandler answers one chat completion request with the assistant's
// message content. An error answers an HTTP error instead: a *StatusError
// chooses the status, any other error is a 500.
type ChatHandler func(req openai.ChatCompletionRequest) (content string, err error)

// StatusError is an error a ChatHandler returns to answer a given HTTP
// status, with an OpenAI-style error body.
type StatusError struct {
	Status     int
	RetryAfter string // Retry-After header, if not empty
	Message    string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("openaitest: HTTP %d: %s", e.Status, e.Message)
}

// Step scripts one response of the server (to whichever model endpoint
// is called next).
type Step struct {
	// Delay waits this long before answering, or until the client gives
	// up, whichever comes first.
	Delay time.Duration
	// Status, when not zero, answers this HTTP status with an OpenAI-style
	// error body instead of a result (after Delay).
	Status int
	// RetryAfter is the Retry-After header sent with Status.
	RetryAfter string
}

// Server is a local OpenAI-compatible API.
type Server struct {
	// URL is the API's base URL, ending in /v1: what go-openai's
	// ClientConfig.BaseURL wants.
	URL string
	// Key is the API key the server accepts as a bearer token.
	Key string

	srv *httptest.Server

	mu       sync.Mutex
	requests []Request
	chat     ChatHandler
	script   []Step
}

// New starts a server that tb closes when it ends.
func New(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{Key: DefaultKey, chat: DefaultChat}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL + "/v1"
	tb.Cleanup(s.srv.Close)
	return s
}

// OnChat replaces the chat completion handler (nil restores [DefaultChat]).
func (s *Server) OnChat(fn ChatHandler) {
	if fn == nil {
		fn = DefaultChat
	}
	s.mu.Lock()
	s.chat = fn
	s.mu.Unlock()
}

// Script queues steps: the next len(steps) calls to a model endpoint
// (chat completions or embeddings) are answered by them, in order, and
// later calls normally.
func (s *Server) Script(steps ...Step) {
	s.mu.Lock()
	s.script = append(s.script, steps...)
	s.mu.Unlock()
}

// Requests returns every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = Request{Path: r.Path, Body: bytes.Clone(r.Body), Header: r.Header.Clone()}
	}
	return out
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	s.mu.Lock()
	s.requests = append(s.requests, Request{Path: r.URL.Path, Body: body, Header: r.Header.Clone()})
	s.mu.Unlock()
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "reading the body: "+err.Error())
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.Key {
		writeError(w, http.StatusUnauthorized, "invalid_request_error", "Incorrect API key provided.")
		return
	}
	var handle func(http.ResponseWriter, []byte)
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v1/chat/completions":
		handle = s.chatCompletion
	case r.Method == http.MethodPost && r.URL.Path == "/v1/embeddings":
		handle = embeddings
	default:
		writeError(w, http.StatusNotFound, "invalid_request_error", fmt.Sprintf("Invalid URL (%s %s)", r.Method, r.URL.Path))
		return
	}
	if step, ok := s.next(); ok {
		if step.Delay > 0 {
			t := time.NewTimer(step.Delay)
			select {
			case <-t.C:
			case <-r.Context().Done(): // the client gave up; let Close finish
				t.Stop()
				return
			}
		}
		if step.Status != 0 {
			if step.RetryAfter != "" {
				w.Header().Set("Retry-After", step.RetryAfter)
			}
			writeError(w, step.Status, errorType(step.Status), "scripted failure")
			return
		}
	}
	handle(w, body)
}

func (s *Server) next() (Step, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.script) == 0 {
		return Step{}, false
	}
	st := s.script[0]
	s.script = s.script[1:]
	return st, true
}

func (s *Server) chatCompletion(w http.ResponseWriter, body []byte) {
	var req openai.ChatCompletionRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "We could not parse the JSON body of your request.")
		return
	}
	if req.Model == "" || len(req.Messages) == 0 {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "model and messages are required")
		return
	}
	s.mu.Lock()
	handler := s.chat
	s.mu.Unlock()
	content, err := handler(req)
	if err != nil {
		var se *StatusError
		if !errors.As(err, &se) {
			se = &StatusError{Status: http.StatusInternalServerError, Message: err.Error()}
		}
		if se.RetryAfter != "" {
			w.Header().Set("Retry-After", se.RetryAfter)
		}
		writeError(w, se.Status, errorType(se.Status), se.Message)
		return
	}
	prompt := 0
	for _, m := range req.Messages {
		prompt += Tokens(m.Content)
	}
	completion := Tokens(content)
	writeJSON(w, http.StatusOK, openai.ChatCompletionResponse{
		ID:      "chatcmpl-openaitest",
		Object:  "chat.completion",
		Created: time.Now().Unix(),
		Model:   req.Model,
		Choices: []openai.ChatCompletionChoice{{
			Message:      openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant, Content: content},
			FinishReason: openai.FinishReasonStop,
		}},
		Usage: openai.Usage{PromptTokens: prompt, CompletionTokens: completion, TotalTokens: prompt + completion},
	})
}

// Tokens estimates the tokens of a text as OpenAI's rule of thumb does:
// four characters per token, rounded up.
func Tokens(s string) int { return (len(s) + 3) / 4 }

func errorType(status int) string {
	switch {
	case status == http.StatusTooManyRequests:
		return "rate_limit_exceeded"
	case status >= 500:
		return "server_error"
	}
	return "invalid_request_error"
}

func writeError(w http.ResponseWriter, status int, typ, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"message": msg, "type": typ, "param": nil, "code": nil,
	}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
