package phi

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Merge combines the spans of one text from any number of detectors (or
// rules) into sorted, non-overlapping spans. Every detector's result goes
// through it, so the rule is stated once:
//
//  1. Spans of the same category that overlap become one span covering
//     both, with the higher confidence (and that span's detector): two
//     rules that each found part of a name found the whole name.
//  2. Where spans of different categories overlap, the more confident span
//     wins; on equal confidence the longer one, then the category listed
//     first in TextCategories. The loser keeps only the parts of its range
//     that no winner covers (possibly none, possibly two pieces), so no
//     text that any detector called PHI is left unredacted.
//
// Spans with End <= Start or Start < 0 are dropped. The result is sorted
// by Start.
func Merge(spans ...[]Span) []Span {
	var all []Span
	for _, s := range spans {
		for _, sp := range s {
			if sp.Start >= 0 && sp.End > sp.Start {
				all = append(all, sp)
			}
		}
	}
	if len(all) == 0 {
		return nil
	}
	all = unionSameCategory(all)
	slices.SortFunc(all, func(a, b Span) int { return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(b.End, a.End)) })

	out := make([]Span, 0, len(all))
	// Resolve each cluster of transitively overlapping spans on its own:
	// clusters are small, so the quadratic step inside stays cheap.
	for i := 0; i < len(all); {
		j, end := i+1, all[i].End
		for j < len(all) && all[j].Start < end {
			end = max(end, all[j].End)
			j++
		}
		if j == i+1 {
			out = append(out, all[i])
		} else {
			out = append(out, resolve(all[i:j])...)
		}
		i = j
	}
	slices.SortFunc(out, func(a, b Span) int { return cmp.Compare(a.Start, b.Start) })
	return out
}

// unionSameCategory applies rule 1.
func unionSameCategory(all []Span) []Span {
	slices.SortFunc(all, func(a, b Span) int {
		return cmp.Or(cmp.Compare(a.Category, b.Category), cmp.Compare(a.Start, b.Start))
	})
	out := all[:0]
	for _, s := range all {
		if n := len(out); n > 0 && out[n-1].Category == s.Category && s.Start < out[n-1].End {
			last := &out[n-1]
			if s.Confidence > last.Confidence || (s.Confidence == last.Confidence && s.Len() > last.Len()) {
				last.Confidence, last.Detector = s.Confidence, s.Detector
			}
			last.End = max(last.End, s.End)
			continue
		}
		out = append(out, s)
	}
	return out
}

// categoryRank orders categories for rule 2's last tie-break.
func categoryRank(c Category) int {
	if i := slices.Index(TextCategories(), c); i >= 0 {
		return i
	}
	return len(TextCategories())
}

// resolve applies rule 2 to one cluster of overlapping spans.
func resolve(cluster []Span) []Span {
	order := slices.Clone(cluster)
	slices.SortStableFunc(order, func(a, b Span) int {
		return cmp.Or(
			cmp.Compare(b.Confidence, a.Confidence),
			cmp.Compare(b.Len(), a.Len()),
			cmp.Compare(categoryRank(a.Category), categoryRank(b.Category)),
			cmp.Compare(a.Start, b.Start),
		)
	})
	var taken []Span // sorted by Start, non-overlapping
	for _, s := range order {
		for _, piece := range subtract(s, taken) {
			i, _ := slices.BinarySearchFunc(taken, piece.Start, func(t Span, start int) int { return cmp.Compare(t.Start, start) })
			taken = slices.Insert(taken, i, piece)
		}
	}
	return taken
}

// subtract returns the parts of s outside every span of taken.
func subtract(s Span, taken []Span) []Span {
	var pieces []Span
	cur := s.Start
	for _, t := range taken {
		if t.End <= cur || t.Start >= s.End {
			continue
		}
		if t.Start > cur {
			p := s
			p.Start, p.End = cur, t.Start
			pieces = append(pieces, p)
		}
		cur = max(cur, t.End)
	}
	if cur < s.End {
		p := s
		p.Start = cur
		pieces = append(pieces, p)
	}
	return pieces
}

// tidy trims spaces and punctuation from the ends of merged spans (the
// leftovers of rule 2 often start or end with a space) and drops spans
// left with no letter or digit. Detectors that have the text call it after
// Merge.
func tidy(text string, spans []Span) []Span {
	out := make([]Span, 0, len(spans))
	for k := 0; k < len(spans); k++ {
		s := spans[k]
		if s.End > len(text) {
			s.End = len(text)
		}
		if s.Category == Name || s.Category == Location {
			// An open bracket the span does not close parts it in two,
			// since 1.11.0: "Jada Edmo (Elk" is a name and a word,
			// "Szentendre (2000 Szentendre" two places. The part after
			// the bracket is tidied as a span of its own for a place, a
			// patient-aware name ("Przybylski (Zbig") and a name of two
			// words or more ("Γεώργιος Παπαδόπουλος (Georgios
			// Papadopoulos") or the name's initials ("Dana Mason (DM").
			v := text[s.Start:s.End]
			if i := strings.IndexByte(v, '('); i >= 0 && !strings.Contains(v[i:], ")") {
				rest := Span{Start: s.Start + i + 1, End: s.End, Category: s.Category, Confidence: s.Confidence, Detector: s.Detector}
				if i > 0 && (s.Category == Location || s.Confidence >= 1 || len(strings.Fields(text[rest.Start:rest.End])) >= 2 ||
					initialsOf(text[s.Start:s.Start+i], strings.TrimSpace(text[rest.Start:rest.End]))) {
					spans = append(spans[:k+1:k+1], append([]Span{rest}, spans[k+1:]...)...)
				}
				if i == 0 {
					s.Start++
				} else {
					s.End = s.Start + i
				}
			}
		}
		for s.Start < s.End {
			r, n := utf8.DecodeRuneInString(text[s.Start:])
			if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '(' || r == '+' {
				break
			}
			s.Start += n
		}
		for s.End > s.Start {
			r, n := utf8.DecodeLastRuneInString(text[:s.End])
			if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '/' && s.Category == URL ||
				r == ')' && strings.Contains(text[s.Start:s.End], "(") || r == '.' && isInitialAt(text, s.Start, s.End-n) {
				break
			}
			s.End -= n
		}
		if s.End > s.Start {
			out = append(out, s)
		}
	}
	return out
}

// isInitialAt reports whether text[start:end] ends in a single letter that
// follows a non-letter (or the start): the "K" of "Oluwaseun K.", whose
// period belongs to it.
func isInitialAt(text string, start, end int) bool {
	r, n := utf8.DecodeLastRuneInString(text[start:end])
	if !unicode.IsLetter(r) {
		return false
	}
	if end-n == start {
		return true
	}
	p, _ := utf8.DecodeLastRuneInString(text[start : end-n])
	return !unicode.IsLetter(p)
}
