package eval

import (
	"context"
	"fmt"
	"sort"
	"unicode"

	"github.com/kiln-health/kiln/pipeline/phi"
)

// Counts are the tallies behind one row of a report (see the package
// documentation for the definitions).
type Counts struct {
	GoldTokens, FoundTokens, FoundTokensCat           int
	PredTokens, CorrectTokens, CorrectTokensCat       int
	GoldEntities, FoundEntities, FoundEntitiesCat     int
	PredEntities, CorrectEntities, CorrectEntitiesCat int
}

func (c *Counts) add(o Counts) {
	c.GoldTokens += o.GoldTokens
	c.FoundTokens += o.FoundTokens
	c.FoundTokensCat += o.FoundTokensCat
	c.PredTokens += o.PredTokens
	c.CorrectTokens += o.CorrectTokens
	c.CorrectTokensCat += o.CorrectTokensCat
	c.GoldEntities += o.GoldEntities
	c.FoundEntities += o.FoundEntities
	c.FoundEntitiesCat += o.FoundEntitiesCat
	c.PredEntities += o.PredEntities
	c.CorrectEntities += o.CorrectEntities
	c.CorrectEntitiesCat += o.CorrectEntitiesCat
}

// Ratio is a fraction that knows when it is undefined (0/0).
type Ratio struct{ Num, Den int }

// Value is Num/Den, or 1 when Den is 0 (nothing to find, nothing wrong).
func (r Ratio) Value() float64 {
	if r.Den == 0 {
		return 1
	}
	return float64(r.Num) / float64(r.Den)
}

func (r Ratio) String() string {
	if r.Den == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*r.Value())
}

// TokenRecall is the share of gold tokens found by spans of any category.
func (c Counts) TokenRecall() Ratio { return Ratio{c.FoundTokens, c.GoldTokens} }

// TokenRecallCat is the share found by spans of the gold category.
func (c Counts) TokenRecallCat() Ratio { return Ratio{c.FoundTokensCat, c.GoldTokens} }

// TokenPrecision is the share of predicted tokens that are gold tokens.
func (c Counts) TokenPrecision() Ratio { return Ratio{c.CorrectTokens, c.PredTokens} }

// TokenPrecisionCat is the share that are gold tokens of the predicted
// category.
func (c Counts) TokenPrecisionCat() Ratio { return Ratio{c.CorrectTokensCat, c.PredTokens} }

// EntityRecall is the share of gold entities found whole.
func (c Counts) EntityRecall() Ratio { return Ratio{c.FoundEntities, c.GoldEntities} }

// EntityRecallCat is the share found whole by spans of their category.
func (c Counts) EntityRecallCat() Ratio { return Ratio{c.FoundEntitiesCat, c.GoldEntities} }

// EntityPrecision is the share of predicted entities that touch PHI.
func (c Counts) EntityPrecision() Ratio { return Ratio{c.CorrectEntities, c.PredEntities} }

// F1 is the harmonic mean of two ratios.
func F1(p, r Ratio) float64 {
	if p.Value()+r.Value() == 0 {
		return 0
	}
	return 2 * p.Value() * r.Value() / (p.Value() + r.Value())
}

// Miss is a gold entity not found whole, or a predicted span on no PHI.
type Miss struct {
	Document string
	Category phi.Category
	Text     string
	// Detail says what was predicted over a missed entity, or which rule
	// produced a false positive.
	Detail string
}

// Report is the evaluation of one detector on one corpus.
type Report struct {
	Corpus, Format string
	Mapping        []string
	Documents      int
	ByCategory     map[phi.Category]*Counts
	All            Counts
	// NotPHIHits counts predicted tokens on labels mapped to "not PHI", by
	// the corpus's label.
	NotPHIHits map[string]int
	Misses     []Miss
	FalsePos   []Miss
	// WrongCategory are gold entities found whole but not all by spans of
	// their category; Overreach are predicted spans that touch PHI but
	// also cover tokens that are not PHI.
	WrongCategory []Miss
	Overreach     []Miss

	pooled []pooledCounts
}

// tokenRanges returns the byte ranges of the letter-and-digit runs of
// text.
func tokenRanges(text string) [][2]int {
	var out [][2]int
	start := -1
	for i, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, [2]int{start, i})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, [2]int{start, len(text)})
	}
	return out
}

// Evaluate runs d over every document of c (with the document's FHIR
// resources as hints) and tallies the results.
func Evaluate(ctx context.Context, d phi.Detector, c *Corpus, a Adapter) (*Report, error) {
	rep := &Report{Corpus: c.Path, Format: c.Format, Documents: len(c.Documents),
		ByCategory: map[phi.Category]*Counts{}, NotPHIHits: map[string]int{}}
	if a != nil {
		rep.Mapping = a.Mapping()
	}
	for _, doc := range c.Documents {
		hints, err := phi.HintsFromResources(doc.Patient, doc.Related...)
		if err != nil {
			return nil, fmt.Errorf("document %s: %w", doc.ID, err)
		}
		spans, err := d.Detect(ctx, doc.Text, hints)
		if err != nil {
			return nil, fmt.Errorf("document %s: %w", doc.ID, err)
		}
		rep.score(doc, phi.Merge(spans))
	}
	for _, c := range rep.ByCategory {
		rep.All.add(*c)
	}
	// The pooled row counts each token once even when rows share it.
	rep.All.GoldTokens, rep.All.FoundTokens, rep.All.PredTokens, rep.All.CorrectTokens = 0, 0, 0, 0
	for _, t := range rep.pooled {
		rep.All.GoldTokens += t.gold
		rep.All.FoundTokens += t.found
		rep.All.PredTokens += t.pred
		rep.All.CorrectTokens += t.correct
	}
	rep.pooled = nil
	return rep, nil
}

type pooledCounts struct{ gold, found, pred, correct int }

// score adds one document's counts to the report.
func (rep *Report) score(doc Document, pred []phi.Span) {
	toks := tokenRanges(doc.Text)
	n := len(toks)
	goldCat := make([]phi.Category, n) // "" when not PHI
	notPHI := make([]string, n)
	for _, l := range doc.Labels {
		for i := firstToken(toks, l.Start); i < n && toks[i][0] < l.End; i++ {
			if toks[i][1] <= l.Start {
				continue
			}
			if l.Category == "" {
				notPHI[i] = l.Source
			} else if goldCat[i] == "" {
				goldCat[i] = l.Category
			}
		}
	}
	row := func(c phi.Category) *Counts {
		if rep.ByCategory[c] == nil {
			rep.ByCategory[c] = &Counts{}
		}
		return rep.ByCategory[c]
	}
	covered := func(i int, cat phi.Category) bool { return covers(pred, toks[i], cat) }

	var p pooledCounts
	predAny := make([]bool, n)
	for _, s := range pred {
		for i := firstToken(toks, s.Start); i < n && toks[i][0] < s.End; i++ {
			if toks[i][1] > s.Start {
				predAny[i] = true
			}
		}
	}
	for i := range toks {
		if goldCat[i] != "" {
			r := row(goldCat[i])
			r.GoldTokens++
			p.gold++
			if covered(i, "") {
				r.FoundTokens++
				p.found++
			}
			if covered(i, goldCat[i]) {
				r.FoundTokensCat++
			}
		}
		if predAny[i] {
			p.pred++
			if goldCat[i] != "" {
				p.correct++
			} else if notPHI[i] != "" {
				rep.NotPHIHits[notPHI[i]]++
			}
		}
	}
	// Predicted tokens per predicted category (a token under two spans of
	// different categories counts for both rows).
	for _, cat := range phi.TextCategories() {
		seen := map[int]bool{}
		for _, s := range pred {
			if s.Category != cat {
				continue
			}
			for i := firstToken(toks, s.Start); i < n && toks[i][0] < s.End; i++ {
				if toks[i][1] <= s.Start || seen[i] {
					continue
				}
				seen[i] = true
				r := row(cat)
				r.PredTokens++
				if goldCat[i] != "" {
					r.CorrectTokens++
				}
				if goldCat[i] == cat {
					r.CorrectTokensCat++
				}
			}
		}
	}
	for _, l := range doc.Labels {
		if l.Category == "" {
			continue
		}
		r := row(l.Category)
		idx := tokensIn(toks, l.Start, l.End)
		if len(idx) == 0 {
			continue
		}
		r.GoldEntities++
		all, allCat := true, true
		for _, i := range idx {
			all = all && covered(i, "")
			allCat = allCat && covered(i, l.Category)
		}
		if all {
			r.FoundEntities++
		} else {
			rep.Misses = append(rep.Misses, Miss{Document: doc.ID, Category: l.Category, Text: doc.Text[l.Start:l.End], Detail: overlapping(doc.Text, pred, l.Start, l.End)})
		}
		if allCat {
			r.FoundEntitiesCat++
		} else if all {
			rep.WrongCategory = append(rep.WrongCategory, Miss{Document: doc.ID, Category: l.Category, Text: doc.Text[l.Start:l.End], Detail: overlapping(doc.Text, pred, l.Start, l.End)})
		}
	}
	for _, s := range pred {
		idx := tokensIn(toks, s.Start, s.End)
		if len(idx) == 0 {
			continue
		}
		r := row(s.Category)
		r.PredEntities++
		correct, correctCat, over := false, false, false
		for _, i := range idx {
			correct = correct || goldCat[i] != ""
			correctCat = correctCat || goldCat[i] == s.Category
			over = over || goldCat[i] == ""
		}
		if correct && over {
			rep.Overreach = append(rep.Overreach, Miss{Document: doc.ID, Category: s.Category, Text: doc.Text[s.Start:s.End], Detail: s.Detector})
		}
		if correct {
			r.CorrectEntities++
		} else {
			rep.FalsePos = append(rep.FalsePos, Miss{Document: doc.ID, Category: s.Category, Text: doc.Text[s.Start:s.End], Detail: s.Detector})
		}
		if correctCat {
			r.CorrectEntitiesCat++
		}
	}
	rep.pooled = append(rep.pooled, p)
}

// firstToken returns the index of the first token ending after offset.
func firstToken(toks [][2]int, offset int) int {
	return sort.Search(len(toks), func(i int) bool { return toks[i][1] > offset })
}

// tokensIn returns the indexes of the tokens overlapping [start, end).
func tokensIn(toks [][2]int, start, end int) []int {
	var out []int
	for i := firstToken(toks, start); i < len(toks) && toks[i][0] < end; i++ {
		out = append(out, i)
	}
	return out
}

// covers reports whether every byte of tok lies inside spans (of
// category cat, or of any category when cat is empty). spans are sorted
// and non-overlapping.
func covers(spans []phi.Span, tok [2]int, cat phi.Category) bool {
	pos := tok[0]
	i := sort.Search(len(spans), func(i int) bool { return spans[i].End > pos })
	for ; i < len(spans) && pos < tok[1]; i++ {
		s := spans[i]
		if s.Start > pos {
			return false
		}
		if cat != "" && s.Category != cat {
			return false
		}
		pos = s.End
	}
	return pos >= tok[1]
}

// overlapping describes the predictions over [start, end) for a miss.
func overlapping(text string, spans []phi.Span, start, end int) string {
	var parts []string
	for _, s := range spans {
		if s.End > start && s.Start < end {
			parts = append(parts, fmt.Sprintf("%s %q", s.Category, text[s.Start:s.End]))
		}
	}
	if len(parts) == 0 {
		return "nothing predicted"
	}
	return "predicted " + fmt.Sprint(parts)
}

// Categories returns the report's categories in the order of
// phi.TextCategories.
func (rep *Report) Categories() []phi.Category {
	var out []phi.Category
	for _, c := range phi.TextCategories() {
		if rep.ByCategory[c] != nil {
			out = append(out, c)
		}
	}
	return out
}
