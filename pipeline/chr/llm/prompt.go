package llm

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kiln-health/kiln/pipeline/chr"
)

// systemPrompt tells the model the task and its limits. It holds no data.
const systemPrompt = `You draft sections of a Client Health Report for a clinician to review and sign.

The user message is JSON: {"sections": [{"key", "title", "facts": [{"id", "text"}], "passages": [{"id", "text"}]}]}.
Facts come from the patient's structured record; passages are excerpts of the patient's documents.
Text in square brackets such as [NAME_1] or [DATE_2] stands for information that was removed; copy such
tokens unchanged when you need them and never guess what they stand for.

For each section, write concise clinical statements, one sentence each, in the order a clinician would
read them, merging facts that belong together. Every statement must list in "sources" the ids of the facts
and passages of the same section that support it, and only those ids. Say nothing that the given facts and
passages do not support: no advice, no speculation, no information from outside them. Leave out a
section you have nothing to say about. Answer only with JSON of the required schema.`

// item is one fact or passage as the model sees it.
type item struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

type promptSection struct {
	Key      string `json:"key"`
	Title    string `json:"title,omitempty"`
	Facts    []item `json:"facts,omitempty"`
	Passages []item `json:"passages,omitempty"`

	scores []float64 // of Passages, for trimming
}

// prompt is the user message: only what may leave Kiln.
type prompt struct {
	Sections []promptSection `json:"sections"`
}

// tokens estimates the tokens of a text: four characters per token.
func tokens(s string) int { return (utf8.RuneCountInString(s) + 3) / 4 }

// messageOverhead is the tokens the chat format adds per message.
const messageOverhead = 4

// estimate is the prompt tokens of a request holding p.
func estimate(p prompt) (int, error) {
	user, err := marshal(p)
	if err != nil {
		return 0, fmt.Errorf("llm: encode prompt: %w", err)
	}
	return tokens(systemPrompt) + tokens(string(user)) + 2*messageOverhead, nil
}

// buildPrompt keeps what may be sent of sections, within budget tokens:
// facts by their de-identified form only, passages as they are (already
// redacted), and drops passages lowest score first until the prompt fits.
func buildPrompt(sections []chr.SectionInput, budget int, st *Stats) (prompt, error) {
	var p prompt
	for _, s := range sections {
		ps := promptSection{Key: s.Key, Title: s.Title}
		for _, f := range s.Facts {
			// Never Text: a fact without a de-identified form stays home.
			if strings.TrimSpace(f.Deidentified) == "" || f.Source == "" {
				st.SkippedFacts++
				continue
			}
			ps.Facts = append(ps.Facts, item{ID: f.Source, Text: f.Deidentified})
		}
		for _, d := range s.Passages {
			if strings.TrimSpace(d.Text) == "" || d.Source == "" {
				continue
			}
			ps.Passages = append(ps.Passages, item{ID: d.Source, Text: d.Text})
			ps.scores = append(ps.scores, d.Score)
		}
		if len(ps.Facts)+len(ps.Passages) > 0 {
			p.Sections = append(p.Sections, ps)
		}
	}
	n, err := estimate(p)
	if err != nil || n <= budget {
		return p, err
	}

	// Drop the lowest-scored passages first (the later one of a tie: the
	// retriever ranked it lower), each saving about its own JSON's tokens.
	type ref struct {
		sec, idx int
		score    float64
		cost     int
	}
	var refs []ref
	for i, s := range p.Sections {
		for j, d := range s.Passages {
			b, err := marshal(d)
			if err != nil {
				return prompt{}, fmt.Errorf("llm: encode passage: %w", err)
			}
			refs = append(refs, ref{i, j, s.scores[j], tokens(string(b)) + 1})
		}
	}
	slices.SortStableFunc(refs, func(a, b ref) int {
		if c := cmp.Compare(a.score, b.score); c != 0 {
			return c
		}
		return -cmp.Compare(a.idx, b.idx)
	})
	drop := map[[2]int]bool{}
	for _, r := range refs {
		if n <= budget {
			break
		}
		drop[[2]int{r.sec, r.idx}] = true
		n -= r.cost
	}
	for {
		trimmed := prompt{}
		for i, s := range p.Sections {
			kept := s
			kept.Passages, kept.scores = nil, nil
			for j, d := range s.Passages {
				if !drop[[2]int{i, j}] {
					kept.Passages = append(kept.Passages, d)
					kept.scores = append(kept.scores, s.scores[j])
				}
			}
			if len(kept.Facts)+len(kept.Passages) > 0 {
				trimmed.Sections = append(trimmed.Sections, kept)
			}
		}
		n, err := estimate(trimmed)
		if err != nil {
			return prompt{}, err
		}
		if n <= budget {
			st.DroppedPassages = len(drop)
			return trimmed, nil
		}
		// The per-passage estimate was short (rounding): drop one more.
		more := false
		for _, r := range refs {
			if !drop[[2]int{r.sec, r.idx}] {
				drop[[2]int{r.sec, r.idx}] = true
				more = true
				break
			}
		}
		if !more {
			st.DroppedPassages = len(drop)
			return prompt{}, fmt.Errorf("%w (%d estimated tokens, budget %d)", ErrOverBudget, n, budget)
		}
	}
}

// schema is the strict JSON schema of a draft, with the section keys that
// were asked for.
func schema(keys []string) json.RawMessage {
	s := map[string]any{
		"type":                 "object",
		"additionalProperties": false,
		"required":             []string{"sections"},
		"properties": map[string]any{
			"sections": map[string]any{
				"type": "array",
				"items": map[string]any{
					"type":                 "object",
					"additionalProperties": false,
					"required":             []string{"key", "statements"},
					"properties": map[string]any{
						"key": map[string]any{"type": "string", "enum": keys},
						"statements": map[string]any{
							"type": "array",
							"items": map[string]any{
								"type":                 "object",
								"additionalProperties": false,
								"required":             []string{"text", "sources"},
								"properties": map[string]any{
									"text":    map[string]any{"type": "string"},
									"sources": map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
								},
							},
						},
					},
				},
			},
		},
	}
	b, err := json.Marshal(s)
	if err != nil {
		panic(err) // a literal of strings and maps always encodes
	}
	return b
}
