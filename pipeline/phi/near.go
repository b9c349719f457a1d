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
