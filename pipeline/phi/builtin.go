package phi

import (
	"context"
	"fmt"
)

// BuiltinVersion changes whenever a rule or word list changes the
// built-in detector's output.
const BuiltinVersion = "1.7.0"

// Builtin is Kiln's own rule-based detector: patterns with validators,
// context words, dictionaries and patient-aware matching (see the package
// documentation). It holds only read-only tables and is safe for
// concurrent use; build one with NewBuiltin and share it.
type Builtin struct {
	lx    *lexicon
	loc   *locationRules
	names *nameRules
	// hintRE caches the patterns compiled from Hints (see reCache).
	hintRE *reCache
}

// NewBuiltin loads the embedded word lists and compiles the rules.
func NewBuiltin() (*Builtin, error) {
	lx, err := sharedLexicon()
	if err != nil {
		return nil, fmt.Errorf("phi: built-in detector: %w", err)
	}
	return &Builtin{lx: lx, loc: newLocationRules(lx), names: &nameRules{lx: lx}, hintRE: newRECache(4096)}, nil
}

// Name implements Detector.
func (b *Builtin) Name() string { return "kiln-builtin" }

// Version implements Detector.
func (b *Builtin) Version() string { return BuiltinVersion }

// Detect implements Detector: it runs every rule and the patient-aware
// matcher and returns their merged, tidied spans.
func (b *Builtin) Detect(ctx context.Context, text string, hints Hints) ([]Span, error) {
	toks := tokenize(text)
	stages := []func() []Span{
		func() []Span { return findEmails(text) },
		func() []Span { return findURLs(text) },
		func() []Span { return findIPs(text) },
		func() []Span { return findIDs(text, toks) },
		func() []Span { return findPhones(text, toks) },
		func() []Span { return findSpokenPhones(text, toks) },
		func() []Span { return findDates(text, toks) },
		func() []Span { return findAges(text) },
		func() []Span { return findKinAges(text, toks) },
		func() []Span { return b.loc.find(text, toks) },
		func() []Span { return b.names.find(text, toks) },
		func() []Span { return b.matchHints(text, toks, hints) },
	}
	all := make([][]Span, 0, len(stages)+1)
	for _, stage := range stages {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("phi: detect: %w", err)
		}
		all = append(all, stage())
	}
	// A name line above an address or phone block needs the blocks found;
	// intersections, building numbers and postal codes after a country
	// need the streets.
	found := Merge(all...)
	all = append(all, b.names.headerNames(text, toks, found), b.names.particleJoins(text, toks, found), b.loc.moreLocations(text, toks, found))
	return tidy(text, Merge(all...)), nil
}
