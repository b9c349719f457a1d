package phi

import "strings"

// Name extensions (detector 1.11.0): a found name often lacks a word next
// to it that no rule could take alone: a given name that is also a word
// ("Colt Racehorse", "Will Obomsawin"), an unknown given name before a
// known one ("Delmer Anthony Palacio"), an initial before a surname in
// capitals ("D. JUMPER"). A word right before or after a found name, on
// its line, in its case, that is a name in the lists or no word of the
// dictionary at all, belongs to it.

// extendNames returns the spans of found names widened by such words.
func (r *nameRules) extendNames(text string, toks []token, found []Span) []Span {
	var out []Span
	for _, s := range found {
		if s.Category != Name || s.Confidence >= 1 || s.End-s.Start < 2 {
			continue // a letter alone is widened by nothing
		}
		first, next := tokenAt(toks, s.Start), tokenAt(toks, s.End)
		if first >= len(toks) || next <= first {
			continue
		}
		sh := toks[first].shape
		if sh != shCap && sh != shUpper {
			continue
		}
		start, end := first, next
		// Leftwards: up to two words, or an initial and its period.
		for n := 0; n < 2 && start > 0; n++ {
			j := start - 1
			if toks[start].nl || !toks[start].space && text[toks[j].start:toks[j].end] != "." || toks[start].space && toks[start].start-toks[j].end != 1 {
				break // a line's or a field's start (a wide gap) ends a name
			}
			if text[toks[j].start:toks[j].end] == "." && j > 0 && r.isInitial(text, toks, j-1) && !toks[j].space {
				start = j - 1
				break
			}
			if !r.extendsName(toks[j], sh) || covered(found, toks[j].start) {
				break
			}
			start = j
		}
		// Rightwards: one word.
		if end < len(toks) && !toks[end].nl && toks[end].start-toks[end-1].end == 1 && r.extendsName(toks[end], sh) && !covered(found, toks[end].start) {
			end++
		}
		if start != first || end != next {
			out = append(out, Span{Start: toks[start].start, End: toks[end-1].end, Category: Name, Confidence: 0.6, Detector: "name-extend"})
		}
	}
	return out
}

// extendsName reports a word that may widen a name written in shape sh:
// the same case, and a name of the lists (even one that is also a word)
// or a word no list and no dictionary knows. Titles, credentials,
// particles, months, weekdays, places, streets, eponyms and the common
// words stay out.
func (r *nameRules) extendsName(t token, sh shape) bool {
	if t.shape != sh || t.end-t.start < 2 {
		return false
	}
	f := r.nameFlags(t.key)
	const never = wCommon | wEponym | wTitle | wCredential | wParticle | wStreetSuffix | wStreetPrefix | wMonth | wWeekday |
		wState | wCountry | wOccupation
	if f&never != 0 || r.lx.isFacilityWord(t.key) {
		return false
	}
	if f&(wFirst|wLast) != 0 {
		return true
	}
	if f&(wEnglish|wCity|wCityExt) != 0 {
		return false
	}
	// A compound of words ("EX-BOYFRIEND") is no unknown name.
	for _, p := range strings.Split(t.key, "-") {
		if r.lx.flags(p)&(wEnglish|wCommon) != 0 {
			return false
		}
	}
	return true
}

// saintNames joins a name and the name after "St." or "Ste." into one
// family name ("Marie St. Clair", "Luc Ste. Croix") when both sides were
// found as names, whether the saint's word was taken with the first name
// ("Marie St" by the tagger) or as a street's ("Marie St." by the street
// rules). found are the merged spans.
func saintNames(text string, toks []token, found []Span) []Span {
	var out []Span
	for a, sa := range found {
		if sa.Category != Name {
			continue
		}
		k := tokenAt(toks, sa.End) // the token after the name
		switch {
		case k > 0 && k < len(toks) && saintWord(toks[k-1]) && text[toks[k].start:toks[k].end] == ".":
			k-- // the name holds the saint's word
		case k >= len(toks) || !saintWord(toks[k]) || toks[k].nl:
			continue
		}
		if k+2 >= len(toks) || text[toks[k+1].start:toks[k+1].end] != "." || toks[k+2].nl || !toks[k+2].isCap() {
			continue
		}
		for _, sb := range found[a+1:] {
			if sb.Start > toks[k+2].start {
				break
			}
			if sb.Start == toks[k+2].start && sb.Category == Name {
				out = append(out, Span{Start: sa.Start, End: sb.End, Category: Name, Confidence: max(sa.Confidence, sb.Confidence), Detector: "name-saint"})
				break
			}
		}
	}
	return out
}

// saintWord reports "St" or "Ste" with its capital.
func saintWord(t token) bool { return t.shape == shCap && (t.key == "st" || t.key == "ste") }
