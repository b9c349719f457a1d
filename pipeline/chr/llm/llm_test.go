package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/engine"
	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/fhir/store/sqlite"
	"github.com/kiln-health/kiln/internal/openaitest"
	"github.com/kiln-health/kiln/pipeline/chr"
	"github.com/kiln-health/kiln/pipeline/egress"
)

// Synthetic PHI: it sits in Fact.Text only, and must never reach the server.
var phiStrings = []string{"Jane Q. Synthetic", "1961-07-04", "MRN 99-1234-5", "99-1234-5"}

func inputs() []chr.SectionInput {
	return []chr.SectionInput{
		{Key: "problems", Title: "Problems", Facts: []chr.Fact{
			{Source: "R1", Text: "Essential hypertension, onset 2014-03-02, in Jane Q. Synthetic (born 1961-07-04, MRN 99-1234-5)", Deidentified: "Essential hypertension, onset 2014"},
			{Source: "R2", Text: "Type 2 diabetes mellitus, onset 2016-11-20, MRN 99-1234-5", Deidentified: "Type 2 diabetes mellitus, onset 2016"},
		}, Passages: []chr.Passage{
			{Source: "D1", Text: "[NAME_1] reports good adherence to lisinopril.", Score: 0.9},
			{Source: "D2", Text: "Blood pressure at home around 135/85.", Score: 0.4},
		}},
		{Key: "medications", Title: "Medications", Facts: []chr.Fact{
			{Source: "R3", Text: "Lisinopril 10 mg daily, prescribed for Jane Q. Synthetic on 2020-01-15", Deidentified: "Lisinopril 10 mg daily, since 2020"},
		}},
		{Key: "allergies", Title: "Allergies"}, // nothing to say: not sent
	}
}

type rig struct {
	t    *testing.T
	st   store.Store
	srv  *openaitest.Server
	gate *egress.Gate
}

func newRig(t *testing.T, allow bool) *rig {
	t.Helper()
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "kiln.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.CreateTenant(ctx, "t"); err != nil {
		t.Fatal(err)
	}
	val, err := fhir.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	if allow {
		if err := egress.Allow(ctx, st, "t", Processor, egress.Redacted); err != nil {
			t.Fatal(err)
		}
	}
	return &rig{t: t, st: st, srv: openaitest.New(t), gate: egress.NewGate(st, engine.New(st, val, engine.Options{Audit: true}))}
}

func (r *rig) composer(cfg Config) *Composer {
	r.t.Helper()
	cfg.BaseURL, cfg.APIKey = r.srv.URL, r.srv.Key
	if cfg.Backoff == 0 {
		cfg.Backoff = time.Millisecond
	}
	c, err := New(cfg, r.gate)
	if err != nil {
		r.t.Fatal(err)
	}
	return c
}

// audited is one egress AuditEvent read back from the store.
type audited struct {
	egress.Record
	Outcome, Who string
}

func (r *rig) events() []audited {
	r.t.Helper()
	var out []audited
	err := r.st.View(context.Background(), "t", func(tx store.Tx) error {
		rs, _, err := tx.Search(context.Background(), store.Query{Types: []string{"AuditEvent"}, Limit: 1000})
		for _, res := range rs {
			for _, s := range phiStrings {
				if strings.Contains(string(res.Body), s) {
					r.t.Errorf("an AuditEvent holds PHI %q", s)
				}
			}
			var ev struct {
				Outcome string `json:"outcome"`
				Agent   []struct {
					Who struct{ Identifier struct{ Value string } } `json:"who"`
				} `json:"agent"`
				Entity []struct{ Query string } `json:"entity"`
			}
			if err := json.Unmarshal(res.Body, &ev); err != nil {
				return err
			}
			for _, en := range ev.Entity {
				if rec, ok := egress.ParseEntity(en.Query); ok {
					out = append(out, audited{rec, ev.Outcome, ev.Agent[0].Who.Identifier.Value})
				}
			}
		}
		return err
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return out
}

// outcomes lists the AuditEvent outcomes of the egress calls, e.g. "8 0".
func (r *rig) outcomes() string {
	var o []string
	for _, e := range r.events() {
		if e.Processor != Processor || e.Purpose != Purpose || e.Class != egress.Redacted || e.Who != Agent.Who {
			r.t.Errorf("egress AuditEvent %+v", e)
		}
		o = append(o, e.Outcome)
	}
	return strings.Join(o, " ")
}

// checkNoPHI fails if any request the server received holds PHI.
func (r *rig) checkNoPHI() {
	r.t.Helper()
	for i, req := range r.srv.Requests() {
		for _, s := range phiStrings {
			if strings.Contains(string(req.Body), s) {
				r.t.Errorf("request %d to %s holds PHI %q", i, req.Path, s)
			}
		}
	}
}

func TestSchemaNameMatchesTestServer(t *testing.T) {
	if SchemaName != openaitest.CHRSchemaName {
		t.Fatalf("SchemaName %q, openaitest recognises %q", SchemaName, openaitest.CHRSchemaName)
	}
}

func TestHappyPath(t *testing.T) {
	r := newRig(t, true)
	c := r.composer(Config{Model: "gpt-test"})
	if c.Name() != "openai:gpt-test" {
		t.Fatalf("Name = %q", c.Name())
	}
	out, st, err := c.Draft(t.Context(), "t", inputs())
	if err != nil {
		t.Fatal(err)
	}
	// The default handler echoes each fact and passage as a statement citing it.
	want := []chr.SectionOutput{
		{Key: "problems", Statements: []chr.Statement{
			{Text: "Essential hypertension, onset 2014", Sources: []string{"R1"}},
			{Text: "Type 2 diabetes mellitus, onset 2016", Sources: []string{"R2"}},
			{Text: "[NAME_1] reports good adherence to lisinopril.", Sources: []string{"D1"}},
			{Text: "Blood pressure at home around 135/85.", Sources: []string{"D2"}},
		}},
		{Key: "medications", Statements: []chr.Statement{{Text: "Lisinopril 10 mg daily, since 2020", Sources: []string{"R3"}}}},
	}
	if got, w := fmt.Sprint(out), fmt.Sprint(want); got != w {
		t.Fatalf("draft\n got %s\nwant %s", got, w)
	}
	if st.Attempts != 1 || st.PromptTokens == 0 || st.CompletionTokens == 0 || st.DroppedStatements+st.DroppedSections+st.DroppedPassages+st.SkippedFacts != 0 {
		t.Fatalf("stats %+v", st)
	}

	reqs := r.srv.Requests()
	if len(reqs) != 1 || reqs[0].Path != "/v1/chat/completions" {
		t.Fatalf("requests: %+v", reqs)
	}
	var sent openai.ChatCompletionRequest
	if err := json.Unmarshal(reqs[0].Body, &sent); err != nil {
		t.Fatal(err)
	}
	rf := sent.ResponseFormat
	if sent.Model != "gpt-test" || sent.Temperature > 1e-6 || !strings.Contains(string(reqs[0].Body), `"temperature":`) ||
		sent.MaxCompletionTokens != 2000 || rf == nil || rf.Type != openai.ChatCompletionResponseFormatTypeJSONSchema ||
		rf.JSONSchema.Name != SchemaName || !rf.JSONSchema.Strict || len(sent.Messages) != 2 || sent.Messages[0].Role != "system" {
		t.Fatalf("request sent: %s", reqs[0].Body)
	}
	if schema, _ := json.Marshal(rf.JSONSchema.Schema); !strings.Contains(string(schema), `"enum":["problems","medications"]`) {
		t.Fatalf("schema sent: %s", schema)
	}
	r.checkNoPHI()

	evs := r.events()
	if len(evs) != 1 || evs[0].Outcome != "0" || evs[0].Bytes != len(reqs[0].Body) {
		t.Fatalf("egress AuditEvents %+v; want one success of %d bytes (the body the server received)", evs, len(reqs[0].Body))
	}
	r.outcomes()
}

// Nothing of a fact's Text leaves Kiln, on any path that sends a request.
func TestNoPHILeaves(t *testing.T) {
	r := newRig(t, true)
	c := r.composer(Config{MaxRetries: 3})
	in := inputs()
	in[1].Facts = append(in[1].Facts, chr.Fact{Source: "R4", Text: "Seen by Dr. Jane Q. Synthetic"}) // no de-identified form
	r.srv.Script(openaitest.Step{Status: 500}, openaitest.Step{Status: 429})
	calls := 0
	r.srv.OnChat(func(req openai.ChatCompletionRequest) (string, error) {
		if calls++; calls == 1 {
			return "{", nil // invalid: one more retry
		}
		return openaitest.DefaultChat(req)
	})
	out, st, err := c.Draft(t.Context(), "t", in)
	if err != nil {
		t.Fatal(err)
	}
	if st.Attempts != 4 || st.SkippedFacts != 1 || len(out) != 2 {
		t.Fatalf("stats %+v, %d sections", st, len(out))
	}
	reqs := r.srv.Requests()
	if len(reqs) != 4 {
		t.Fatalf("%d requests", len(reqs))
	}
	r.checkNoPHI()
	// The test can fail: what may leave does leave.
	for _, s := range []string{"Essential hypertension, onset 2014", "Lisinopril 10 mg daily, since 2020", "[NAME_1] reports"} {
		if !strings.Contains(string(reqs[3].Body), s) {
			t.Errorf("the request lacks %q", s)
		}
	}
	if got := r.outcomes(); got != "8 8 0 0" {
		t.Fatalf("egress outcomes %q, want one AuditEvent per call: 8 8 0 0", got)
	}
}

func TestReplyValidation(t *testing.T) {
	r := newRig(t, true)
	r.srv.OnChat(func(openai.ChatCompletionRequest) (string, error) {
		return `{"sections":[
			{"key":"problems","statements":[
				{"text":"Hypertension and diabetes, both treated.","sources":["R1","R2","R1"]},
				{"text":"Takes lisinopril.","sources":["R3"]},
				{"text":"Invented.","sources":["X9"]},
				{"text":"Uncited.","sources":[]},
				{"text":"  ","sources":["R1"]},
				{"text":"Home readings near target.","sources":["D2"]}]},
			{"key":"social","statements":[{"text":"Smokes.","sources":["R1"]},{"text":"Drinks.","sources":["R2"]}]},
			{"key":"medications","statements":[{"text":"Lisinopril daily.","sources":["R3"]}]},
			{"key":"problems","statements":[{"text":"No known complications.","sources":["D1"]}]}]}`, nil
	})
	out, st, err := r.composer(Config{}).Draft(t.Context(), "t", inputs())
	if err != nil {
		t.Fatal(err)
	}
	want := "[{problems [{Hypertension and diabetes, both treated. [R1 R2]} {Home readings near target. [D2]} {No known complications. [D1]}]} " +
		"{medications [{Lisinopril daily. [R3]}]}]"
	if got := fmt.Sprint(out); got != want {
		t.Fatalf("draft\n got %s\nwant %s", got, want)
	}
	if st.DroppedSections != 1 || st.DroppedStatements != 6 || st.Attempts != 1 {
		t.Fatalf("stats %+v: want 1 section and 6 statements dropped (4 in problems, 2 in social)", st)
	}
}

func TestInvalidReplies(t *testing.T) {
	const reply = `{"sections": "Jane Q. Synthetic"}`
	tests := []struct {
		name     string
		replies  []string
		retries  int
		wantErr  error
		attempts int
	}{
		{"invalid then valid", []string{"I cannot answer in JSON.", ""}, 2, nil, 2},
		{"trailing data then valid", []string{`{"sections":[]} {}`, ""}, 2, nil, 2},
		{"unknown field then valid", []string{`{"sections":[],"note":"x"}`, ""}, 2, nil, 2},
		{"always invalid", []string{reply, reply, reply}, 2, ErrInvalidReply, 3},
		{"no sections, no retries", []string{`{}`}, -1, ErrInvalidReply, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, true)
			n := 0
			r.srv.OnChat(func(req openai.ChatCompletionRequest) (string, error) {
				defer func() { n++ }()
				if n < len(tt.replies) && tt.replies[n] != "" {
					return tt.replies[n], nil
				}
				return openaitest.DefaultChat(req)
			})
			out, st, err := r.composer(Config{MaxRetries: tt.retries}).Draft(t.Context(), "t", inputs())
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("Draft = %v, want %v", err, tt.wantErr)
			}
			if st.Attempts != tt.attempts || len(r.srv.Requests()) != tt.attempts {
				t.Fatalf("%d attempts, %d requests; want %d", st.Attempts, len(r.srv.Requests()), tt.attempts)
			}
			if err == nil && len(out) != 2 {
				t.Fatalf("draft %v", out)
			}
			if err != nil && (strings.Contains(err.Error(), "Synthetic") || strings.Contains(err.Error(), "hypertension")) {
				t.Fatalf("the error quotes the reply or prompt: %v", err)
			}
			if len(r.events()) != tt.attempts {
				t.Fatalf("%d egress AuditEvents for %d calls", len(r.events()), tt.attempts)
			}
		})
	}
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name     string
		steps    []openaitest.Step
		cfg      Config
		wantErr  func(error) bool
		attempts int
		outcomes string
		minWait  time.Duration
	}{
		{name: "429 then success, Retry-After honoured", steps: []openaitest.Step{{Status: 429, RetryAfter: "1"}},
			attempts: 2, outcomes: "8 0", minWait: time.Second},
		{name: "500, 503 then success", steps: []openaitest.Step{{Status: 500}, {Status: 503}},
			attempts: 3, outcomes: "8 8 0"},
		{name: "timeout then success", steps: []openaitest.Step{{Delay: 5 * time.Second}}, cfg: Config{Timeout: 200 * time.Millisecond},
			attempts: 2, outcomes: "8 0"},
		{name: "timeout, no retries", steps: []openaitest.Step{{Delay: 5 * time.Second}}, cfg: Config{Timeout: 200 * time.Millisecond, MaxRetries: -1},
			wantErr: func(err error) bool { return errors.Is(err, context.DeadlineExceeded) }, attempts: 1, outcomes: "8"},
		{name: "429 until retries run out", steps: []openaitest.Step{{Status: 429}, {Status: 429}, {Status: 429}}, cfg: Config{MaxRetries: 2},
			wantErr: func(err error) bool { var ae *APIError; return errors.As(err, &ae) && ae.Status == 429 }, attempts: 3, outcomes: "8 8 8"},
		{name: "Retry-After beyond MaxBackoff: no retry", steps: []openaitest.Step{{Status: 429, RetryAfter: "120"}},
			wantErr: func(err error) bool { var ae *APIError; return errors.As(err, &ae) && ae.Status == 429 }, attempts: 1, outcomes: "8"},
		{name: "400 is not retried", steps: []openaitest.Step{{Status: 400}},
			wantErr: func(err error) bool { var ae *APIError; return errors.As(err, &ae) && ae.Status == 400 }, attempts: 1, outcomes: "8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, true)
			r.srv.Script(tt.steps...)
			start := time.Now()
			out, st, err := r.composer(tt.cfg).Draft(t.Context(), "t", inputs())
			elapsed := time.Since(start)
			if tt.wantErr == nil && (err != nil || len(out) != 2) {
				t.Fatalf("Draft = %v, %v", out, err)
			}
			if tt.wantErr != nil && (err == nil || !tt.wantErr(err)) {
				t.Fatalf("Draft error %v is not the one expected", err)
			}
			if st.Attempts != tt.attempts || len(r.srv.Requests()) != tt.attempts {
				t.Fatalf("%d attempts, %d requests; want %d", st.Attempts, len(r.srv.Requests()), tt.attempts)
			}
			if got := r.outcomes(); got != tt.outcomes {
				t.Fatalf("egress outcomes %q, want %q", got, tt.outcomes)
			}
			if elapsed < tt.minWait {
				t.Fatalf("took %v, want at least %v", elapsed, tt.minWait)
			}
		})
	}
}

// The API's error message may quote the request: Kiln's errors never do.
func TestErrorsHoldNoContent(t *testing.T) {
	r := newRig(t, true)
	r.srv.OnChat(func(req openai.ChatCompletionRequest) (string, error) {
		return "", &openaitest.StatusError{Status: 400, Message: "cannot process: " + req.Messages[1].Content}
	})
	_, _, err := r.composer(Config{}).Draft(t.Context(), "t", inputs())
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 400 {
		t.Fatalf("Draft = %v", err)
	}
	if strings.Contains(err.Error(), "hypertension") || strings.Contains(err.Error(), "NAME_1") {
		t.Fatalf("the error quotes the prompt: %v", err)
	}
}

func TestBudget(t *testing.T) {
	long := func(s string) string { return strings.Repeat(s+" ", 60) }
	in := []chr.SectionInput{
		{Key: "problems", Facts: []chr.Fact{{Source: "R1", Text: "x", Deidentified: "Essential hypertension"}},
			Passages: []chr.Passage{
				{Source: "D1", Text: long("alpha"), Score: 0.9},
				{Source: "D2", Text: long("bravo"), Score: 0.1},
				{Source: "D3", Text: long("charlie"), Score: 0.5},
			}},
		{Key: "results", Facts: []chr.Fact{{Source: "R2", Text: "x", Deidentified: "HbA1c 7.1 %"}},
			Passages: []chr.Passage{{Source: "D4", Text: long("delta"), Score: 0.3}}},
	}
	// Budgets from the prompt's own estimate: everything, without the
	// lowest passage, and the facts alone.
	var none Stats
	size := func(ids ...string) int {
		keep := map[string]bool{}
		for _, id := range ids {
			keep[id] = true
		}
		cut := make([]chr.SectionInput, len(in))
		for i, s := range in {
			cut[i] = s
			cut[i].Passages = nil
			for _, d := range s.Passages {
				if keep[d.Source] {
					cut[i].Passages = append(cut[i].Passages, d)
				}
			}
		}
		p, err := buildPrompt(cut, 1<<30, &none)
		if err != nil {
			t.Fatal(err)
		}
		n, err := estimate(p)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	tests := []struct {
		name    string
		budget  int
		sent    []string
		dropped int
		wantErr error
	}{
		{"fits", size("D1", "D2", "D3", "D4"), []string{"alpha", "bravo", "charlie", "delta"}, 0, nil},
		{"lowest score dropped", size("D1", "D2", "D3", "D4") - 1, []string{"alpha", "charlie", "delta"}, 1, nil},
		{"two lowest dropped", size("D1", "D3"), []string{"alpha", "charlie"}, 2, nil},
		{"facts only", size() + 5, nil, 4, nil},
		{"facts over budget", size() - 1, nil, 4, ErrOverBudget},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, true)
			out, st, err := r.composer(Config{MaxPromptTokens: tt.budget}).Draft(t.Context(), "t", in)
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("Draft = %v, want %v", err, tt.wantErr)
			}
			if st.DroppedPassages != tt.dropped {
				t.Fatalf("%d passages dropped, want %d", st.DroppedPassages, tt.dropped)
			}
			reqs := r.srv.Requests()
			if tt.wantErr != nil {
				if len(reqs) != 0 {
					t.Fatalf("%d requests sent over budget", len(reqs))
				}
				return
			}
			body := string(reqs[0].Body)
			for _, w := range []string{"alpha", "bravo", "charlie", "delta"} {
				if strings.Contains(body, w) != contains(tt.sent, w) {
					t.Errorf("%s sent: %v, want %v", w, !contains(tt.sent, w), contains(tt.sent, w))
				}
			}
			for _, w := range []string{"Essential hypertension", "HbA1c 7.1 %"} {
				if !strings.Contains(body, w) {
					t.Errorf("fact %q dropped", w)
				}
			}
			if len(out) != 2 {
				t.Fatalf("draft %v", out)
			}
		})
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestDenied(t *testing.T) {
	tests := []struct {
		name  string
		grant func(ctx context.Context, st store.Store) error
	}{
		{"no grant", func(context.Context, store.Store) error { return nil }},
		{"another processor", func(ctx context.Context, st store.Store) error {
			return egress.Allow(ctx, st, "t", "aws-comprehend-medical", egress.PHI)
		}},
		{"revoked", func(ctx context.Context, st store.Store) error {
			if err := egress.Allow(ctx, st, "t", Processor, egress.PHI); err != nil {
				return err
			}
			_, err := egress.Deny(ctx, st, "t", Processor)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, false)
			if err := tt.grant(t.Context(), r.st); err != nil {
				t.Fatal(err)
			}
			out, st, err := r.composer(Config{}).Draft(t.Context(), "t", inputs())
			if !errors.Is(err, egress.ErrDenied) || out != nil {
				t.Fatalf("Draft = %v, %v; want ErrDenied", out, err)
			}
			if n := len(r.srv.Requests()); n != 0 || st.Attempts != 0 {
				t.Fatalf("%d requests reached the server", n)
			}
			if got := r.outcomes(); got != "4" {
				t.Fatalf("egress outcomes %q, want the refusal audited (4)", got)
			}
		})
	}
}

func TestNothingToSay(t *testing.T) {
	r := newRig(t, true)
	out, _, err := r.composer(Config{}).Draft(t.Context(), "t", []chr.SectionInput{{Key: "allergies"}})
	if err != nil || out != nil || len(r.srv.Requests()) != 0 {
		t.Fatalf("Draft = %v, %v; %d requests", out, err, len(r.srv.Requests()))
	}
}
