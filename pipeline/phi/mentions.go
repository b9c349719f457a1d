package phi

import (
	"regexp"
	"strings"
)

// otherMentions finds again, anywhere in the text, the names and places
// already found: a town the tagger caught once in a header ("Wanblee"
// after "lives in") is the same town in the notes below, where nothing
// announces it. A word carries over only when it cannot be an ordinary
// word (no English, common, title, month, state or street word; in
// caseless text four letters at least) and only one category claims it;
// a span of several words is looked for as that phrase too when one of
// its words could carry over alone. In mixed-case
// text a mention must be capitalised like a name; in caseless text any
// case will do.
func (b *Builtin) otherMentions(text string, toks []token, found []Span) []Span {
	covered := make([]bool, len(toks))
	words := map[string]Category{}
	sure := map[string]bool{} // words of spans the rules are sure of
	phrases := map[string]Category{}
	longest := 0 // words in the longest phrase
	claim := func(m map[string]Category, k string, c Category) {
		if old, ok := m[k]; ok && old != c {
			m[k] = "" // claimed by two categories: neither
			return
		}
		m[k] = c
	}
	// Without case, short words are mostly abbreviations ("LPM", "DEF").
	caseless := docCase(text) != 'm'
	minLen := 3
	if caseless {
		minLen = 4
	}
	const notAlone = wEnglish | wCommon | wAmbiguous | wTitle | wCredential | wParticle | wMonth | wWeekday | wState | wCountry | wStreetSuffix | wStreetPrefix | wEponym
	for _, s := range found {
		first := tokenAt(toks, s.Start)
		var keys []string
		var acronyms, capitalised []bool
		for i := first; i < len(toks) && toks[i].start < s.End; i++ {
			covered[i] = true
			if toks[i].isWord() {
				keys = append(keys, toks[i].key)
				capitalised = append(capitalised, toks[i].shape == shCap)
				acronyms = append(acronyms, s.Confidence < 0.8 && toks[i].shape == shUpper && toks[i].end-toks[i].start <= 4 && b.lx.flags(toks[i].key)&(wFirst|wLast) == 0)
			}
		}
		if s.Category != Name && s.Category != Location {
			continue
		}
		// A sure span's words need less: "Jordan Ellsworth" in a header
		// makes "Jordan reports..." a name.
		bar := notAlone
		if s.Confidence >= 0.8 {
			bar = wCommon | wParticle | wTitle | wCredential
			if len(keys) == 1 {
				bar |= wAmbiguous // "his wife Hope" leaves "Hope is that..." alone
			}
		}
		distinct := false
		for n, k := range keys {
			if !caseless && acronyms[n] {
				// In text with case, a word in capitals of four letters
				// or fewer that no name list knows, from a span that is
				// not sure, is an abbreviation the tagger or a rule took
				// in ("R. EEG T"); it does not carry over (1.13.0).
				continue
			}
			if len(k) >= minLen && b.lx.flags(k)&bar == 0 {
				claim(words, k, s.Category)
				distinct = true
				if s.Confidence >= 0.7 && capitalised[n] {
					sure[k] = true
				}
			}
		}
		// A place whose last word names a kind of place ("cedar falls",
		// "Congress Heights") is looked for as a phrase even when each of
		// its words is an ordinary word (1.11.0).
		if len(keys) >= 2 && (distinct || s.Category == Location && placeTypeWords[keys[len(keys)-1]]) {
			claim(phrases, strings.Join(keys, " "), s.Category)
			longest = max(longest, len(keys))
		}
	}
	if len(words) == 0 && len(phrases) == 0 {
		return nil
	}
	mention := func(t token) bool { return t.isWord() && (caseless || t.isCap() || t.shape == shUpper) }
	// A chat line typed in lower case under capitalised senders writes the
	// names the document gives elsewhere in lower case ("mahadsanid farax"
	// after "Farax Nuur:"), 1.22.0: there a word of four letters or more
	// that no dictionary knows is a mention too, of a word capitalised in
	// a span the rules are sure of: the tagger's spans and lower-case
	// senders hold words of organisations and other languages ("Société",
	// "está") as often.
	var lowerLine []bool
	if !caseless {
		lowerLine = lowerCaseLines(text, toks)
	}
	lowerMention := func(i int) bool {
		t := toks[i]
		return lowerLine != nil && lowerLine[i] && t.shape == shLower && len(t.key) >= 4 && sure[t.key] && b.lx.flags(t.key)&notAlone == 0 &&
			afterSender(text, t.start)
	}
	var out []Span
	for i := 0; i < len(toks); i++ {
		if covered[i] || !mention(toks[i]) && !lowerMention(i) {
			continue
		}
		// The longest phrase from here, words joined by single spaces on
		// one line.
		end, cat := -1, Category("")
		key := toks[i].key
		for k := i + 1; k < len(toks) && k-i < longest; k++ {
			if covered[k] || !toks[k].isWord() || toks[k].nl || toks[k].start != toks[k-1].end+1 || text[toks[k-1].end] != ' ' {
				break
			}
			key += " " + toks[k].key
			if c := phrases[key]; c != "" {
				end, cat = k, c
			}
		}
		if end < 0 {
			if c := words[toks[i].key]; c != "" {
				end, cat = i, c
			}
		}
		if end < 0 {
			continue
		}
		out = append(out, Span{Start: toks[i].start, End: toks[end].end, Category: cat, Confidence: 0.5, Detector: "mention"})
		i = end
	}
	return out
}

// afterSender reports whether the line holding text[at] is a message
// after its sender's prefix ("[9:05 AM] Leilani K.: kai you ready"): a ": "
// in its first 60 bytes, before at, after a clock time or a bracket. A
// prose line wrapped without a capital, or a label's value ("Lungs:
// scattered immunoblasts"), is no chat.
func afterSender(text string, at int) bool {
	start := strings.LastIndexByte(text[:at], '\n') + 1
	k := strings.Index(text[start:at], ": ")
	if k < 0 || k >= 60 {
		return false
	}
	prefix := text[start : start+k]
	return strings.ContainsAny(prefix, "]") || reClock.MatchString(prefix)
}

// reClock matches a clock time.
var reClock = regexp.MustCompile(`\b\d{1,2}:\d{2}\b`)
