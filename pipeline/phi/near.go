package phi

import "regexp"

// matchNear runs re only around the tokens for which trigger is true:
// from back tokens before each trigger to fwd tokens after it (and the
// spaces after those), windows
// that touch merged into one. A pattern that needs a cue word ("MRN",
// "March", "wife") then costs next to nothing on the rest of the text,
// which is what keeps the detector's throughput up. The results are
// re.FindAllStringSubmatchIndex's, in offsets of text.
func matchNear(re *regexp.Regexp, text string, toks []token, trigger func(token) bool, back, fwd int) [][]int {
	var out [][]int
	winStart, winEnd := -1, -1
	flush := func() {
		if winStart < 0 {
			return
		}
		for _, m := range re.FindAllStringSubmatchIndex(text[winStart:winEnd], -1) {
			for k := range m {
				if m[k] >= 0 {
					m[k] += winStart
				}
			}
			out = append(out, m)
		}
	}
	for i, t := range toks {
		if !trigger(t) {
			continue
		}
		// The window ends where the token after the last one starts, so
		// patterns that end in spaces before a name or number match.
		s, e := toks[max(0, i-back)].start, len(text)
		if i+fwd+1 < len(toks) {
			e = toks[i+fwd+1].start
		}
		if winStart >= 0 && s <= winEnd {
			winEnd = max(winEnd, e)
			continue
		}
		flush()
		winStart, winEnd = s, e
	}
	flush()
	return out
}

// keyIn returns a trigger for tokens whose folded key is one of words.
func keyIn(words ...string) func(token) bool {
	set := make(map[string]bool, len(words))
	for _, w := range words {
		set[w] = true
	}
	return func(t token) bool { return t.isWord() && set[t.key] }
}

// findInFields returns re.FindAllStringIndex(text, -1) for a pattern
// none of whose matches can hold whitespace (Go's \s: tab, newline, form
// feed, carriage return, space), running re only on the
// whitespace-separated fields that pass need, a cheap test for something
// every match contains ("@" for an e-mail address). The results are
// identical to a run over the whole text: a match lies inside one field,
// and at a field's edges \b sees whitespace in the text and the start or
// end of input in the field, both non-word.
func findInFields(re *regexp.Regexp, text string, need func(field string) bool) [][]int {
	var out [][]int
	for i := 0; i < len(text); {
		for i < len(text) && isReSpace(text[i]) {
			i++
		}
		j := i
		for j < len(text) && !isReSpace(text[j]) {
			j++
		}
		if j > i && need(text[i:j]) {
			for _, m := range re.FindAllStringIndex(text[i:j], -1) {
				out = append(out, []int{m[0] + i, m[1] + i})
			}
		}
		i = j
	}
	return out
}

func isReSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}
