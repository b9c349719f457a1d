package phi

import (
	"fmt"
	"strings"
)

// Redact returns text with every span replaced by tokens(category,
// original). spans are as Merge returns them (sorted, non-overlapping); a
// span that overlaps the one before it is skipped rather than corrupting
// the text. A nil tokens uses NewTokens().
//
// The re-identification vault supplies its own tokens function so a
// patient's values map to the same tokens across documents; NewTokens is
// the stateless-between-documents default.
func Redact(text string, spans []Span, tokens func(Category, string) string) string {
	if tokens == nil {
		tokens = NewTokens()
	}
	var b strings.Builder
	b.Grow(len(text))
	prev := 0
	for _, s := range spans {
		if s.Start < prev || s.End > len(text) || s.End <= s.Start {
			continue
		}
		b.WriteString(text[prev:s.Start])
		b.WriteString(tokens(s.Category, text[s.Start:s.End]))
		prev = s.End
	}
	b.WriteString(text[prev:])
	return b.String()
}

// NewTokens returns the default token function: "[NAME_1]", "[NAME_2]",
// ... numbered per category in order of first appearance, the same
// original (compared case-insensitively, spaces collapsed) always getting
// the same token. Ages (over 89, the only ages reported) become "90+", the
// aggregate Safe Harbor allows. Each call returns a function with its own
// numbering; use one per document (or per patient) and not concurrently.
func NewTokens() func(Category, string) string {
	seen := map[string]string{}
	count := map[Category]int{}
	return func(c Category, original string) string {
		if c == Age {
			return "90+"
		}
		key := string(c) + "\x00" + strings.ToLower(strings.Join(strings.Fields(original), " "))
		if t, ok := seen[key]; ok {
			return t
		}
		count[c]++
		t := fmt.Sprintf("[%s_%d]", c, count[c])
		seen[key] = t
		return t
	}
}
