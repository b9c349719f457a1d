package phi

import (
	"regexp"
	"strings"
)

// Streets that letter case cannot find: addresses typed all in lower case
// or in capitals ("74678 midtvollen 130 st.", "3747 3911 fourth avenue
// suite 112 calgary alberta"), and Hungarian streets whose type is a
// lower-case word after the name ("Király u. 15.", "Árpád fejedelem útja
// 3."). Only the structure of a postal address is used: numbers in the
// places where buildings and houses are numbered, and a street type or
// an apartment unit where addresses, and nothing else, have one.

// caselessSuffixes are the street types that anchor a street written in
// any case. Abbreviations that are also clinical words are left out:
// "dr" (doctor), "ct" (CT scan), "av" (AV node), "pl" (platelets), "ln"
// (logarithm), "rd" (dietitian), "sq".
var caselessSuffixes = keySet(`street streets st str avenue ave road boulevard blvd lane drive court place terrace crescent
	highway hwy parkway pkwy square gardens close`)

// reHomeUnit is an apartment or suite with its number, in any case ("apt.
// 999", "suite 112", "Flat 3"): units a home or office has. "unit",
// "room" and "floor" are left out: wards and beds are numbered so too.
const reHomeUnit = `(?i:apt|apartment|suite|ste|flat)\.?[ \t]*#?[ \t]*[A-Za-z\-]{0,2}\d[A-Za-z0-9\-]{0,5}\b`

var (
	reHomeUnitAfter    = regexp.MustCompile(`^,?[ \t]*` + reHomeUnit)
	reHomeUnitNextLine = regexp.MustCompile(`^[ \t.,]*\r?\n[ \t>*-]*` + reHomeUnit)
)

// caselessStreets finds street lines by structure alone: a building
// number (perhaps two: "3747 3911"), one to four name words, and then
// either a house number followed by a street type or a home unit ("...
// 130 st.", "... 210 apt. 999", "... 320\napt. 169"), or a street type
// followed by a home unit ("fourth avenue suite 112") or, when a name
// word is no English word, by the end of the clause. The name words are
// no common words, months, titles or units of measure, so doses ("5 mg
// lisinopril 10 mg") and counts ("2 tabs 3 times daily") never qualify;
// "st" must end its clause, so "st elevation" stays an ECG finding.
func (r *locationRules) caselessStreets(text string, toks []token) [][2]int {
	var out [][2]int
	for i := 0; i+2 < len(toks); i++ {
		t := toks[i]
		if t.shape != shNum || t.end-t.start > 6 || !r.opensAddress(text, toks, i) {
			continue
		}
		j := i + 1
		if toks[j].shape == shNum && toks[j].end-toks[j].start <= 6 && !toks[j].nl && toks[j].start == toks[j-1].end+1 {
			j++ // a building number before the house number
		}
		w0 := j
		words, foreign, prefixed, suffixAt := 0, false, false, -1
		for j < len(toks) && !toks[j].nl && words < 5 {
			w := toks[j]
			if w.shape == shPunct && tokText(text, toks, j) == "." && words > 0 && toks[j-1].isWord() && toks[j-1].end == w.start {
				j++ // an abbreviation's period ("str.")
				continue
			}
			if !w.isWord() {
				break
			}
			f := r.lx.flags(w.key)
			street := f&(wStreetSuffix|wStreetPrefix) != 0 || r.lx.hasMorpheme(w.key) || isLowerStreetType(text, w)
			particle := r.isStreetParticle(w.key)
			// After a continental street type any word is the street's
			// name ("rue du centre"); before one, a common word ends it.
			if f&(wCommon|wMonth|wWeekday|wTitle|wCredential) != 0 && !street && !particle && !prefixed || isMeasureUnit(w.key) || unitWords[w.key] || isUnitKey(w.key) {
				break
			}
			if f&wStreetPrefix != 0 {
				prefixed = true
			}
			if f&(wEnglish|wCommon) == 0 && !particle {
				foreign = true
			}
			if caselessSuffixes[w.key] && words > 0 {
				suffixAt = j
			} else {
				suffixAt = -1
			}
			words++
			j++
		}
		if j == w0 || words == 0 {
			continue
		}
		k := j
		end := -1
		switch {
		case r.houseNumberAt(text, toks, k):
			n := toks[k].end
			m := k + 1
			switch {
			case m < len(toks) && !toks[m].nl && toks[m].isWord() && caselessSuffixes[toks[m].key] && clauseEnds(text, toks, m):
				end = toks[m].end // "130 st."
			case reHomeUnitAfter.MatchString(text[n:]), reHomeUnitNextLine.MatchString(text[n:]):
				end = n
			}
		case suffixAt > w0:
			n := toks[suffixAt].end
			if reHomeUnitAfter.MatchString(text[n:]) || reHomeUnitNextLine.MatchString(text[n:]) || foreign && clauseEnds(text, toks, suffixAt) {
				end = n
			}
		}
		if end < 0 {
			continue
		}
		if m := reHomeUnitAfter.FindStringIndex(text[end:]); m != nil {
			end += m[1]
		}
		out = append(out, [2]int{t.start, end})
		i = tokenAt(toks, end) - 1
	}
	return out
}

// opensAddress reports whether an address may begin at toks[i]: at a line
// start, after a mark or after a lower-case word ("at 74678 ..."), but not
// inside a run of numbers ("17:20", "3.5", "555 1234") or a range.
func (r *locationRules) opensAddress(text string, toks []token, i int) bool {
	if i == 0 || toks[i].nl {
		return true
	}
	p := toks[i-1]
	switch {
	case p.shape == shNum || p.shape == shAlnum:
		return false
	case p.shape == shPunct:
		if i > 1 && p.start == toks[i-2].end && (toks[i-2].shape == shNum || toks[i-2].shape == shAlnum) {
			return false
		}
		return !strings.Contains("-/+=<>~", tokText(text, toks, i-1))
	}
	return p.shape == shLower
}

// houseNumberAt reports a house number at toks[k] on the line: digits,
// or digits with a letter ("12b"), at most five characters.
func (r *locationRules) houseNumberAt(text string, toks []token, k int) bool {
	if k >= len(toks) || toks[k].nl || toks[k].end-toks[k].start > 5 {
		return false
	}
	return toks[k].shape == shNum || toks[k].shape == shAlnum && isDigitByte(text[toks[k].start])
}

// clauseEnds reports whether nothing but a mark or a line break follows
// toks[k] ("130 st.", "... avenue, calgary").
func clauseEnds(text string, toks []token, k int) bool {
	n := k + 1
	return n >= len(toks) || toks[n].nl || toks[n].shape == shPunct && strings.Contains(".,;:!?)", tokText(text, toks, n))
}

// lowerStreetTypes are Hungarian street types, written in lower case
// after the street's name ("Király utca 15", "Király u. 15.", "Árpád
// fejedelem útja 3.", "Kossuth tér 2"): the Hungarian postal standard
// names a public place by its name and then its type. They are matched
// with their diacritics ("tér", not "ter"), "u" only with its period.
var lowerStreetTypes = keySet(`utca u út útja útca tér tere köz körút krt krt. sétány sor fasor rakpart rkp dűlő lépcső kapu udvar lejtő`)

// isLowerStreetType reports a lower-case Hungarian street type.
func isLowerStreetType(text string, t token) bool {
	if t.shape != shLower {
		return false
	}
	w := text[t.start:t.end]
	if !lowerStreetTypes[w] {
		return false
	}
	return w != "u" || t.end < len(text) && text[t.end] == '.'
}

// typedStreets finds streets whose lower-case type follows the name
// ("Király u. 15.", "Árpád fejedelem útja 3.", "Csabai kapu 39."): one
// to three capitalised words (no common words, titles or months), at
// most two lower-case words that are no English words, the type, and the
// house number, which the type needs (a bare "Kossuth tér" is a square,
// perhaps not an address).
func (r *locationRules) typedStreets(text string, toks []token) [][2]int {
	var out [][2]int
	for k := 1; k+1 < len(toks); k++ {
		if !isLowerStreetType(text, toks[k]) || toks[k].nl {
			continue
		}
		n := k + 1
		if tokText(text, toks, n) == "." && n+1 < len(toks) {
			n++
		}
		if !r.houseNumberAt(text, toks, n) {
			continue
		}
		if m := n + 1; m < len(toks) && !toks[m].nl && toks[m].isWord() && (isMeasureUnit(toks[m].key) || unitWords[toks[m].key]) {
			continue // "Humalog u. 15 min before meals": units of insulin
		}
		// Back over the name: lower-case words, then capitalised ones.
		s, lower, caps := k, 0, 0
		for s > 0 && !toks[s].nl && toks[s-1].isWord() && toks[s-1].shape == shLower && lower < 2 && caps == 0 {
			f := r.lx.flags(toks[s-1].key)
			if f&(wEnglish|wCommon) != 0 {
				break
			}
			s--
			lower++
		}
		for s > 0 && !toks[s].nl && toks[s-1].isCap() && caps < 3 {
			f := r.lx.flags(toks[s-1].key)
			if f&(wCommon|wTitle|wCredential|wMonth|wWeekday|wCountry|wState) != 0 {
				break
			}
			s--
			caps++
		}
		if caps == 0 {
			continue
		}
		end := toks[n].end
		if end+1 <= len(text) && end < len(text) && text[end] == '.' && (end+1 == len(text) || text[end+1] == ' ' || text[end+1] == '\n') {
			end++ // "Király u. 15."
		}
		if m := reUnitAfter.FindStringIndex(text[end:]); m != nil {
			end += m[1]
		}
		out = append(out, [2]int{toks[s].start, end})
		k = tokenAt(toks, end) - 1
	}
	return out
}

// isPlaceParticle reports a lower-case preposition inside a town's name
// in the languages of Europe: "Ústí nad Labem", "Frankfurt am Main",
// "Halle an der Saale", "Rothenburg ob der Tauber", "Newcastle upon
// Tyne", "Bar-sur-Aube", "Nowy Dwór pod ...", "Črni Vrh nad Idrijo".
// It joins capitalised words of an address line only (never alone).
func isPlaceParticle(k string) bool {
	switch k {
	case "nad", "pod", "na", "ob", "pri", "am", "an", "im", "bei", "upon", "sur", "sous", "en", "les", "lès", "lez":
		return true
	}
	return false
}
