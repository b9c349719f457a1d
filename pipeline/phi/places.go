package phi

import (
	"strings"
	"unicode"
)

// cities reports known cities (a dictionary of cities and towns). A city
// name that is also a person's name or a common word ("Lowell", "Chelsea",
// "Mobile") needs a location cue before it.
// mixed is whether the text is in mixed case (docCase).
func (r *locationRules) cities(text string, toks []token, locCue []bool, mixed bool) []Span {
	var out []Span
	for i := 0; i < len(toks); i++ {
		if !toks[i].isCap() {
			continue
		}
		n, townWords := 0, 0
		var pf wordFlag
		for k := min(r.lx.maxPhrase, len(toks)-i); k >= 1; k-- {
			if pf = r.lx.placeFlags(keys(toks[i : i+k])); pf&(wCity|wCityExt) != 0 && len(keys(toks[i:i+k])) == k && sameLine(toks[i:i+k]) {
				n = k
				break
			}
			if k >= 2 && pf&wTownWord != 0 && mixed && r.townOfWords(text, toks, i, k, locCue) {
				townWords = k
				break
			}
		}
		if townWords > 0 {
			out = append(out, Span{Start: toks[i].start, End: toks[i+townWords-1].end, Category: Location, Confidence: 0.7, Detector: "city-words"})
			i += townWords - 1
			continue
		}
		if n == 0 {
			continue
		}
		if n == 1 && (innerCapitals(text[toks[i].start:toks[i].end]) || pf&wCity == 0 && r.lx.flags(toks[i].key)&wCommon != 0) {
			// "MoCA" is a test, and a word the curated lists call common
			// ("Christmas", "English", "PACU") is a town only in the
			// GeoNames list: neither is taken on a cue alone (since
			// 1.9.0; "Christmas, FL" still is, by its state).
			continue
		}
		end := toks[i+n-1].end
		cued := locCue[i] || simpleLocCue(text, toks, i)
		ambiguous := false
		if n == 1 {
			f := r.lx.flags(toks[i].key)
			names := wFirst | wLast
			if pf&wCity != 0 && f&wExtName != 0 {
				names = 0 // a curated city ("Lincoln") that only the generated lists call a name
			}
			// Since 1.11.0 an English word ("Orange", "Reading") is
			// ambiguous too: a town only after a cue.
			ambiguous = f&(names|wCommon|wAmbiguous|wCountry|wState|wEnglish) != 0
		}
		// Followed by a title-case facility word, it names a place of care
		// ("Lowell General Hospital"): still the city. A town only the
		// GeoNames list knows, followed by another capitalised word, is
		// more often the first word of an organisation's name ("Northgate
		// Regional Laboratory", "Riverbend Construction").
		if pf&wCity == 0 && !locCue[i] && i+n < len(toks) && toks[i+n].shape == shCap && !toks[i+n].nl &&
			r.placeAt(text, toks, i+n, wState|wCountry|wCity|wCityExt) == 0 {
			i += n - 1
			continue
		}
		if n == 1 && !cued && mixed && pf&wCity == 0 && toks[i].shape == shUpper && toks[i].end-toks[i].start <= 5 {
			// In text with case, a short word in capitals that only the
			// GeoNames list knows is an abbreviation ("overseas IGRA
			// positive"), not a town (1.13.0).
			continue
		}
		switch {
		case cued:
			out = append(out, Span{Start: toks[i].start, End: end, Category: Location, Confidence: 0.8, Detector: "city"})
		case !ambiguous:
			out = append(out, Span{Start: toks[i].start, End: end, Category: Location, Confidence: 0.65, Detector: "city"})
		}
		i += n - 1
	}
	return out
}

// townOfWords reports the k words at toks[i] as a town made of English
// words ("Saint Cloud", "State College", "Winter Haven"; town_words.txt.gz,
// 1.14.0) where the sentence says place: every word capitalised in text
// with case, right after "in", "from", "to", "near" or a stronger cue, and
// neither a capitalised word nor a facility word after them, which would
// make them an organisation's name ("in Green Valley Assisted Living",
// "from Red Cloud school"). "At" alone is no cue here: "at Sacred Heart"
// and "at Cedar Crest" are a church and a nursing home.
func (r *locationRules) townOfWords(text string, toks []token, i, k int, locCue []bool) bool {
	if !locCue[i] && (!simpleLocCue(text, toks, i) || toks[i-1].key == "at") || len(keys(toks[i:i+k])) != k || !sameLine(toks[i:i+k]) {
		return false
	}
	for _, t := range toks[i : i+k] {
		if t.shape != shCap {
			return false
		}
	}
	return i+k >= len(toks) || toks[i+k].nl || !toks[i+k].isCap() && !r.lx.isFacilityWord(toks[i+k].key)
}

// townsAfterFacility reports towns typed in lower case after a place of
// care or business and "in", "near" or "from" ("the pharmacy in crescent
// city", "the clinic near klamath glen"; 1.14.0): a town of the lists of
// one to four words, where a single word must be no English word.
func (r *locationRules) townsAfterFacility(text string, toks []token) []Span {
	var out []Span
	for i := 2; i < len(toks); i++ {
		t := toks[i]
		if t.shape != shLower || t.nl || toks[i-1].shape != shLower || !r.lx.isFacilityWord(toks[i-2].key) {
			continue
		}
		switch toks[i-1].key {
		case "in", "near", "from":
		default:
			continue
		}
		for k := min(r.lx.maxPhrase, len(toks)-i); k >= 1; k-- {
			ks := keys(toks[i : i+k])
			if len(ks) != k || !sameLine(toks[i:i+k]) || toks[i+k-1].shape != shLower {
				continue
			}
			f := r.lx.placeFlags(ks)
			if k == 1 && (f&(wCity|wCityExt) == 0 || f&(wEnglish|wCommon|wFirst|wLast) != 0 || t.end-t.start < 4) ||
				k > 1 && f&(wCity|wCityExt|wTownWord) == 0 || f&(wState|wCountry) != 0 {
				continue
			}
			out = append(out, Span{Start: t.start, End: toks[i+k-1].end, Category: Location, Confidence: 0.65, Detector: "town-facility-lower"})
			i += k - 1
			break
		}
	}
	return out
}

// sameLine reports whether the tokens are all on the first one's line.
func sameLine(toks []token) bool {
	for _, t := range toks[1:] {
		if t.nl {
			return false
		}
	}
	return true
}

// simpleLocCue reports a preposition of place right before toks[i]: "in",
// "from", "to", "near", "at".
func simpleLocCue(text string, toks []token, i int) bool {
	if i == 0 || toks[i].nl {
		return false
	}
	switch toks[i-1].key {
	case "in", "from", "near", "to", "at", "outside", "around":
		return true
	}
	return false
}

// cuedPlaces reports capitalised places of any name after a strong
// location cue ("lives in Dorchester", "moved here from Khandallah"),
// unless they are a country or state (not PHI), a month or weekday, or a
// common word.
func (r *locationRules) cuedPlaces(text string, toks []token, locCue []bool) []Span {
	var out []Span
	for i := 1; i < len(toks); i++ {
		t := toks[i]
		if !t.isCap() || t.nl {
			continue
		}
		if !locCue[i] {
			continue
		}
		if r.placeAt(text, toks, i, wState|wCountry) > 0 {
			continue
		}
		j := i
		for j < len(toks) && j-i < 4 && !toks[j].nl && (toks[j].isCap() || j > i && toks[j].isWord() && r.lx.words[toks[j].key]&wParticle != 0 && j+1 < len(toks) && toks[j+1].isCap()) {
			f := r.lx.words[toks[j].key]
			if f&(wCommon|wMonth|wWeekday|wTitle) != 0 && f&wCity == 0 || r.placeAt(text, toks, j, wCountry|wState) > 0 {
				break
			}
			j++
		}
		if j == i || j < len(toks) && !toks[j].nl && r.lx.isFacilityWord(toks[j].key) || r.lx.isFacilityWord(toks[j-1].key) {
			continue // "lives at Maple Grove Assisted Living": a facility, not a place
		}
		out = append(out, Span{Start: t.start, End: toks[j-1].end, Category: Location, Confidence: 0.6, Detector: "place-cue"})
		i = j
	}
	return out
}

// NotPHIPlace reports whether name is a country, continent, US state or
// Canadian province (by name or postal abbreviation): a geographic unit
// not smaller than a state, which Safe Harbor does not require removing.
func (b *Builtin) NotPHIPlace(name string) bool {
	name = strings.TrimFunc(name, func(r rune) bool { return !unicode.IsLetter(r) })
	if len(name) == 2 && strings.ToUpper(name) == name && b.lx.stateAbbr[name] {
		return true
	}
	return b.lx.placeFlags(strings.Fields(fold(name)))&(wCountry|wState) != 0
}

// isLocCueWord triggers reLocCue: its prepositions and labels.
var isLocCueWord = keyIn(strings.Fields(`lives live living resides reside residing resident moved relocated born originally grew
	travel travels traveling travelling traveled travelled flew drove returned arrived visiting visited trip vacation vacationing
	vacationed stationed deployed works work worked working located based meet meeting stay staying stayed am im youre were
	where city town location birth birthplace hometown`)...)

// cuedTokens marks the tokens that start right where a match ends.
func cuedTokens(matches [][]int, text string, toks []token) []bool {
	cued := make([]bool, len(toks))
	for _, m := range matches {
		if i := tokenAt(toks, m[1]); i < len(toks) && toks[i].start == m[1] {
			cued[i] = true
		}
	}
	return cued
}

// townEndings are endings of English, Dutch, German and Nordic place
// names ("Niitabury", "Pudičmouth", "Highveld"): a capitalised word that
// no list knows, ends in one and follows a preposition of place is a town.
var townEndings = []string{"town", "ville", "bury", "borough", "burgh", "burg", "mouth", "ford", "field", "veld", "dorf", "stadt",
	"heim", "hausen", "haven", "chester", "caster", "cester", "minster", "wich", "wick", "ton"}

// townPrefixes begin two-word place names ("Port Paien", "Fort Liard").
var townPrefixes = keySet("port fort cape lake")

// townShapes reports towns that no list knows, by their shape, after a
// preposition of place or a location cue: a word with a town ending, or
// a town prefix and a capitalised word. Known names, common words and
// words followed by another capitalised word (an organisation's name:
// "Riverton Construction") are left alone.
func (r *locationRules) townShapes(text string, toks []token, locCue []bool) []Span {
	var out []Span
	for i := 1; i < len(toks); i++ {
		t := toks[i]
		if !t.isCap() || t.nl || !(locCue[i] || simpleLocCue(text, toks, i)) {
			continue
		}
		known := func(k int) bool {
			return r.lx.flags(toks[k].key)&(wFirst|wLast|wCommon|wTitle|wMonth|wWeekday|wCountry|wState|wCity|wCityExt|wEponym) != 0 || r.lx.isFacilityWord(toks[k].key)
		}
		j := i + 1
		if townPrefixes[t.key] && j < len(toks) && !toks[j].nl && toks[j].shape == shCap && toks[j].start == t.end+1 && !known(j) {
			j++
		} else if known(i) || !hasTownEnding(t.key) {
			continue
		}
		if j < len(toks) && !toks[j].nl && toks[j].isCap() {
			continue
		}
		out = append(out, Span{Start: t.start, End: toks[j-1].end, Category: Location, Confidence: 0.6, Detector: "town-shape"})
		i = j - 1
	}
	return out
}

// hasTownEnding reports a folded word of at least three letters before
// one of townEndings.
func hasTownEnding(k string) bool {
	for _, e := range townEndings {
		if len(k) >= len(e)+3 && strings.HasSuffix(k, e) {
			return true
		}
	}
	return false
}

// innerCapitals reports a word with two capitals after a lower-case
// letter, an abbreviation's shape ("MoCA", "HbA1C", "PhD" is one capital
// and passes; "McAllen" passes).
func innerCapitals(w string) bool {
	seenLower := false
	for i := 0; i+1 < len(w); i++ {
		c := w[i]
		if 'a' <= c && c <= 'z' {
			seenLower = true
			continue
		}
		if seenLower && isUpperByte(c) && isUpperByte(w[i+1]) {
			return true
		}
	}
	return false
}
