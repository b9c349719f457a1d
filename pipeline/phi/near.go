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
	return findNear(text, toks, trigger, back, fwd, func(window string) [][]int { return re.FindAllStringSubmatchIndex(window, -1) })
}

// findNear is matchNear with any finder: find returns the matches in one
// window, in the window's offsets.
func findNear(text string, toks []token, trigger func(token) bool, back, fwd int, find func(window string) [][]int) [][]int {
	var out [][]int
	winStart, winEnd := -1, -1
	flush := func() {
		if winStart < 0 {
			return
		}
		for _, m := range find(text[winStart:winEnd]) {
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

// atWordStarts returns a finder that gives what
// re.FindAllStringSubmatchIndex(window, -1) gives for a pattern re that
// starts with \b and an ASCII letter, anchored being "^" + re's pattern.
// Such a match can only start where an ASCII letter follows a byte that
// is no word character, so the finder runs the anchored pattern there and
// nowhere else, and goes on after each match as FindAll does: the same
// leftmost, non-overlapping matches for a few tries per word instead of
// one per byte (the keyed identifiers' long alternation, 1.16.0).
func atWordStarts(anchored *regexp.Regexp) func(window string) [][]int {
	return func(window string) [][]int {
		var out [][]int
		for p := 0; p < len(window); p++ {
			if !isASCIILetter(window[p]) || p > 0 && isWordByte(window[p-1]) {
				continue
			}
			m := anchored.FindStringSubmatchIndex(window[p:])
			if m == nil {
				continue
			}
			for k := range m {
				if m[k] >= 0 {
					m[k] += p
				}
			}
			out = append(out, m)
			p = max(p, m[1]-1)
		}
		return out
	}
}

// anchored is re anchored at the start of its input, for atWordStarts.
func anchored(re *regexp.Regexp) *regexp.Regexp {
	return regexp.MustCompile(`^(?:` + re.String() + `)`)
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// isWordByte reports an ASCII word character, as regexp's \b sees it.
func isWordByte(c byte) bool { return isASCIILetter(c) || c >= '0' && c <= '9' || c == '_' }

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
