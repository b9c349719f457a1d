package chr

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"unicode"

	"github.com/kiln-health/kiln/pipeline/chunk"
)

// Offline is the default composer: no network, deterministic. Structured
// sections state each fact as Kiln wrote it; the narrative section is an
// extractive summary, the most informative sentences of the retrieved
// passages in their documents' order, each citing its passage. A section
// with no facts but relevant passages quotes up to two of their sentences.
type Offline struct{}

// Name implements Composer.
func (Offline) Name() string { return "offline" }

// Compose implements Composer.
func (Offline) Compose(_ context.Context, _ string, in []SectionInput) ([]SectionOutput, error) {
	var out []SectionOutput
	for _, s := range in {
		o := SectionOutput{Key: s.Key}
		for _, f := range s.Facts {
			o.Statements = append(o.Statements, Statement{Text: f.Text, Sources: []string{f.Source}})
		}
		switch {
		case s.Key == "narrative":
			o.Statements = append(o.Statements, extract(s.Passages, 8, nil)...)
		case len(s.Facts) == 0 && s.Key != "coding":
			// Quote a note only where it speaks of the section's subject.
			sec, _ := sectionByKey(s.Key)
			o.Statements = append(o.Statements, extract(s.Passages, 2, strings.Fields(sec.Query))...)
		}
		if len(o.Statements) > 0 {
			out = append(out, o)
		}
	}
	return out, nil
}

// candidate is one sentence of a passage.
type candidate struct {
	text     string
	source   string
	document string
	pos      int // code-point offset in its document
	score    float64
}

// extract picks up to n informative sentences from passages, the most
// informative and closest first, and returns them in document order.
// With terms, only sentences holding one of them (as a word) are picked.
func extract(passages []Passage, n int, terms []string) []Statement {
	var cands []candidate
	seen := map[string]bool{}
	for _, p := range passages {
		for _, sp := range chunk.Sentences(p.Text) {
			s := sp.Text
			key := strings.ToLower(s)
			if seen[key] {
				continue
			}
			seen[key] = true
			score := informativeness(s)
			if score <= 0 || (terms != nil && !mentions(s, terms)) {
				continue
			}
			// Closer passages and earlier sentences first.
			cands = append(cands, candidate{text: s, source: p.Source, document: p.Document, pos: p.Start + sp.Start, score: score * (1 + p.Score)})
		}
	}
	slices.SortStableFunc(cands, func(a, b candidate) int { return cmp.Compare(b.score, a.score) })
	if len(cands) > n {
		cands = cands[:n]
	}
	// Read in the documents' own order.
	slices.SortStableFunc(cands, func(a, b candidate) int {
		if c := cmp.Compare(a.document, b.document); c != 0 {
			return c
		}
		return cmp.Compare(a.pos, b.pos)
	})
	out := make([]Statement, len(cands))
	for i, c := range cands {
		out[i] = Statement{Text: c.text, Sources: []string{c.source}}
	}
	return out
}

// informativeness scores a sentence for an extractive summary: enough
// words, mostly words rather than vault tokens, numbers or headers, and
// clinical vocabulary. Zero means never pick it.
func informativeness(s string) float64 {
	words := strings.Fields(s)
	if len(words) < 5 || len(words) > 60 {
		return 0
	}
	var plain, tokens, clinical int
	for _, w := range words {
		lw := strings.ToLower(strings.Trim(w, ".,;:()"))
		switch {
		case strings.HasPrefix(w, "[") && strings.Contains(w, "_"):
			tokens++
		case strings.IndexFunc(lw, unicode.IsLetter) >= 0:
			plain++
		}
		if clinicalWords[lw] {
			clinical++
		}
	}
	if tokens*2 > len(words) || plain < 4 {
		return 0
	}
	return float64(plain)/float64(len(words)) + 0.5*float64(clinical)
}

// clinicalWords mark sentences worth summarising.
var clinicalWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`diagnosis diagnosed history presents presented complains complaint pain
		assessment plan impression treatment treated started continue continued prescribed medication dose
		mg daily twice allergy allergic reaction hypertension diabetes asthma copd infection fever cough
		follow-up follow return refer referred referral admitted discharged discharge surgery procedure
		blood pressure glucose a1c cholesterol lab labs result results imaging x-ray ct mri ultrasound
		symptoms symptom denies reports improved worsening stable chronic acute recommended counseled
		vaccine vaccinated immunization therapy management controlled uncontrolled`) {
		m[w] = true
	}
	return m
}()

// mentions reports whether sentence s holds one of terms as a word.
func mentions(s string, terms []string) bool {
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && r != '-' }) {
		if slices.Contains(terms, w) {
			return true
		}
	}
	return false
}
