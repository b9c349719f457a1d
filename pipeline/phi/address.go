package phi

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// intlStreets finds streets written the continental way: a street type
// before the name ("Rue de Piétrain 371", "ul. Długa 5") or a compound
// name ending in a street morpheme ("Koskikatu 25", "Brixtonlaan 380"),
// with a house number after it, an optional number before it and an
// optional unit.
func (r *locationRules) intlStreets(text string, toks []token) [][2]int {
	var out [][2]int
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if !t.isWord() {
			continue
		}
		f := r.lx.words[t.key]
		// "C/ Señores Curas 88": the Spanish abbreviation of "calle".
		cSlash := t.key == "c" && t.shape == shCap && i+1 < len(toks) && tokText(text, toks, i+1) == "/" && toks[i+1].start == t.end
		// A street written in lower case ("26 rue des lieutemants
		// Thomazo") is taken only after a building number and only with
		// a continental street type, which no English phrase begins.
		lowerStreet := t.shape == shLower && lowerPrefix[t.key] && i > 0 && toks[i-1].shape == shNum && !t.nl
		numbered := lowerStreet || (t.shape != shLower && i > 0 && toks[i-1].shape == shNum && !t.nl && lowerPrefix[t.key])
		var j int  // index after the street name
		first := i // the street's first token
		switch {
		case f&wStreetPrefix != 0 && (t.shape != shLower || lowerAbbrPrefix[t.key] || lowerStreet) || cSlash:
			if t.shape == shUpper && i+1 < len(toks) && r.lx.flags(toks[i+1].key)&(wEnglish|wCommon) != 0 && r.lx.flags(toks[i+1].key)&(wFirst|wLast|wCity) == 0 {
				continue // "READ VIA TELERADIOLOGY": in capitals, an English word after "via" makes it the preposition (1.11.0)
			}
			j = i + 1
			if j < len(toks) && (tokText(text, toks, j) == "." || cSlash) {
				j++
			}
			english := t.key == "avenue" || t.key == "boulevard" || t.key == "place" || t.key == "route" || t.key == "plaza"
			n := 0
			for j < len(toks) && !toks[j].nl && n < 4 {
				w := toks[j]
				if w.isWord() && r.isStreetParticle(w.key) && w.shape == shLower {
					j++
					continue
				}
				if isUnitKey(w.key) || !w.isCap() && !(numbered && w.shape == shLower && r.lx.words[w.key]&wCommon == 0 && !isMeasureUnit(w.key)) {
					break // "Rue Gafsa Apt. 981": the unit follows the name
				}
				j++
				n++
			}
			if n == 0 || english && (i+1 >= len(toks) || !r.isStreetParticle(toks[i+1].key)) {
				continue
			}
		case t.isCap() && r.lx.hasMorpheme(t.key) && f&(wEnglish|wCommon) == 0:
			// An English word that ends like a street is none ("ABOUT 6
			// AM" is no "út", "CENTER 3X" no "tér"; 1.11.0).
			j = i + 1
		case t.isCap() && r.lx.isMorpheme(t.key) && i > 0 && toks[i-1].isCap() && !toks[i].nl:
			// "Bremer Straße 5": the morpheme is a word of its own. (The
			// loop's index stays put: moving it back would revisit this
			// token for ever when the street is then dropped.)
			j = i + 1
			first = i - 1
		default:
			continue
		}
		start, end := toks[first].start, toks[j-1].end
		// "C. Beerninckstraat 88", "J.F. Kennedylaan 3": a street named
		// after a person keeps the initials of the name.
		for s := first; s >= 2 && !toks[s].nl && tokText(text, toks, s-1) == "." && toks[s-2].shape == shCap && toks[s-2].end-toks[s-2].start == 1 && toks[s-1].start == toks[s-2].end && r.lx.hasMorpheme(toks[first].key); s -= 2 {
			start = toks[s-2].start
		}
		hasNumber := false
		if first > 0 && toks[first-1].shape == shNum && !toks[first].nl && len(text[toks[first-1].start:toks[first-1].end]) <= 6 {
			start, hasNumber = toks[first-1].start, true
		}
		if j < len(toks) && (toks[j].shape == shNum || toks[j].shape == shAlnum && toks[j].end-toks[j].start <= 5) && !toks[j].nl {
			end, hasNumber = toks[j].end, true
			j++
		}
		if !hasNumber && (f&wStreetPrefix == 0 || lowerStreet || cSlash) {
			continue
		}
		if m := reUnitAfter.FindStringIndex(text[end:]); m != nil {
			end += m[1]
		}
		out = append(out, [2]int{start, end})
		i = tokenAt(toks, end) - 1
	}
	return out
}

// lowerAbbrPrefix are street types whose abbreviations are written in
// lower case by convention, also in a capitalised address: Polish "ul."
// (ulica), Russian "ул." (улица), Ukrainian "вул."/"vul." (вулиця),
// Russian "просп." (avenue) and "пер." (lane).
var lowerAbbrPrefix = keySet("ul ул вул vul просп prosp пер")

// lowerPrefix are the continental street types taken in lower case
// after a building number ("26 rue des ...", "947 trg revolucije 17").
var lowerPrefix = keySet("rue calle avenida rua ulica utca strada chemin carrer trg")

// isStreetParticle reports a small word inside a street name: a name
// particle ("de", "van") or an article of a continental street ("Avenue
// des Tuileries", "Via dei Fiorentini").
func (r *locationRules) isStreetParticle(k string) bool {
	switch k {
	case "des", "dei", "degli", "delle", "dello", "dels", "dal", "aux", "au", "sur", "zum", "zur":
		return true
	}
	return r.lx.words[k]&wParticle != 0
}

// isFacilityWord reports a word that ends the name of a place of care or
// business ("Hospital", "Assisted", "Rehabilitation"): such names are
// not geographic units.
func (lx *lexicon) isFacilityWord(k string) bool {
	switch k {
	case "hospital", "clinic", "center", "centre", "medical", "health", "assisted", "living", "nursing", "home", "homes",
		"rehabilitation", "rehab", "manor", "hospice", "house", "institute", "university", "college", "school", "academy",
		"church", "pharmacy", "laboratory", "lab", "practice", "surgery", "office", "inc", "llc", "ltd", "company", "corporation",
		"bank", "hotel", "restaurant", "cafe", "store", "market", "club", "hall", "station", "airport", "library", "museum":
		return true
	}
	return false
}

// addressLines returns the lines that begin an address block: a name and
// a house number, perhaps after a building number, followed by lines the
func (r *locationRules) addressLines(text string) [][2]int {
	var out [][2]int
	for _, m := range reAddressLine.FindAllStringSubmatchIndex(text, -1) {
		if len(r.continuation(text, m[3])) > 0 && !r.hasCommonWord(text[m[2]:m[3]]) {
			out = append(out, [2]int{m[2], m[3]})
		}
	}
	return out
}

// hasFacilityWord reports whether s names a facility (see isFacilityWord).
func (r *locationRules) hasFacilityWord(s string) bool {
	for _, w := range strings.Fields(s) {
		if r.lx.isFacilityWord(fold(strings.Trim(w, ".,"))) {
			return true
		}
	}
	return false
}

// hasCommonWord reports whether s has a word from the common-word list
// (a sentence, not a street name).
func (r *locationRules) hasCommonWord(s string) bool {
	for _, w := range strings.Fields(s) {
		if r.lx.words[fold(strings.Trim(w, ".,"))]&wCommon != 0 {
			return true
		}
	}
	return false
}

// addressCueText reports whether what follows an address cue looks like
// a postal address: it starts with a capital or a digit, has a number, is
// not the label of another field and is not a network address.
func addressCueText(s string) bool {
	first, _, _ := strings.Cut(s, " ")
	switch {
	case !isDigitByte(s[0]) && !isUpperByte(s[0]), !strings.ContainsAny(s, "0123456789"), strings.Contains(s, ":"):
		return false
	case strings.Contains(first, "@") || strings.Contains(first, "://") || reIPv4.MatchString(first):
		return false
	}
	return true
}

// addressEnd returns where an address written after a cue ends: at a line
// break, a question or exclamation mark, or a period that ends a sentence
// (not the period of "St." or "Apt.").
func addressEnd(s string) int {
	for i := 0; i < len(s) && i < 120; i++ {
		switch s[i] {
		case '\n', '?', '!', ';':
			return i
		case '.':
			if i+1 >= len(s) || s[i+1] == '\n' || s[i+1] == ' ' && i > 0 && isDigitByte(s[i-1]) {
				return i
			}
			if i+2 < len(s) && s[i+1] == ' ' && isUpperByte(s[i+2]) && fullWordBefore(s, i) {
				// "Lives at 12 Main Street. Court date is Monday": a
				// word, not an abbreviation ("St.", "Blvd."), ends the
				// sentence.
				return i
			}
		}
	}
	if len(s) <= 120 {
		return len(s)
	}
	return 0
}

// fullWordBefore reports whether the letters right before s[i] form a
// word of four or more letters with a vowel: "Street", "Road" and "Lane"
// end a sentence with their full stop, abbreviations ("St", "Blvd",
// "Pkwy") do not.
func fullWordBefore(s string, i int) bool {
	j := i
	for j > 0 && isAlphaByte(s[j-1]) {
		j--
	}
	return i-j >= 4 && strings.ContainsAny(strings.ToLower(s[j:i]), "aeiou")
}

// isMorpheme reports a word that is itself a street morpheme ("Straße").
func (lx *lexicon) isMorpheme(w string) bool {
	for _, m := range lx.morphemes {
		if w == m && len(m) >= 3 {
			return true
		}
	}
	return false
}

// continuation returns the address lines that follow a street ending at
// end: up to four short segments (split at line breaks and commas) that
// are a unit, a city, a state, a country or a postal code. The state and
// country words are not PHI and are left out of the spans.
func (r *locationRules) continuation(text string, end int) [][2]int {
	var out [][2]int
	pos := end
	for seg := 0; seg < 4 && pos < len(text); seg++ {
		// The next segment runs to the next line break or comma.
		rest := text[pos:]
		sepLen := 0
		if seg == 0 && len(rest) > 1 && rest[0] == '.' && (rest[1] == '\n' || rest[1] == '\r') {
			sepLen = 1 // the period that closes a house number ("Piroska u. 97.")
		}
		for sepLen < len(rest) && strings.ContainsRune(" \t\r\n,>?*-•", rune(rest[sepLen])) {
			sepLen++
		}
		if sepLen == 0 || sepLen == len(rest) || strings.Count(rest[:sepLen], "\n") > 1 {
			break // nothing follows, or a blank line ends the block
		}
		s := pos + sepLen
		e := s
		for e < len(text) && text[e] != '\n' && text[e] != ',' && text[e] != '\r' && !sentenceEnd(text, e) {
			e++
		}
		last := e < len(text) && sentenceEnd(text, e)
		for e > s && (text[e-1] == ' ' || text[e-1] == '\t' || text[e-1] == '.' || text[e-1] == '?') {
			e--
		}
		if seg := text[s:e]; reNotAddressPart.MatchString(seg) || reDateISO.MatchString(seg) || reDateNumeric.MatchString(seg) {
			break // a table's next column: a decimal or a date (1.11.0)
		}
		spans, ok, cut := r.addressSegment(text, s, e)
		if !ok {
			break
		}
		out = append(out, spans...)
		pos = e
		if last || cut {
			break // "... Cyprus 36903? I am in ...": the block ended with its sentence
		}
	}
	return out
}

var (
	// reNotAddressPart: a decimal, which no line of an address is (a
	// number of one or two digits may be: "Cite Sfaxi, 13").
	reNotAddressPart = regexp.MustCompile(`^\d+\.\d+$`)
	// reUnitAfter: a unit after the house number, perhaps after a second
	// number of the building's entrance or staircase ("65 22 Suite 455").
	reUnitAfter = regexp.MustCompile(`^(?:[ \t]+\d{1,4}\b)?,?[ \t]*` + unitRE)
	reUnitLine  = regexp.MustCompile(`^` + unitRE + `$`)
	rePostal    = regexp.MustCompile(`^(?:\d{3,6}(?:[ \-]\d{2,4})?|[A-Z]{1,2}\d[A-Z\d]?[ ]\d[A-Z]{2}|[A-Z]\d[A-Z][ ]?\d[A-Z]\d|\d{4}[ ][A-Z]{2})$`)
)

// sentenceEnd reports whether text[i] ends a sentence: "?", "!", ";", or
// a period after a digit followed by a space ("... 36903. I am").
func sentenceEnd(text string, i int) bool {
	switch text[i] {
	case '?', '!', ';':
		return true
	case '.':
		return i > 0 && isDigitByte(text[i-1]) && i+1 < len(text) && text[i+1] == ' '
	}
	return false
}

// addressSegment classifies text[s:e] as an address line and returns its
// PHI parts. cut reports a segment whose address ended inside it at a
// postal code, the sentence going on ("Hellendoorn, OV 21072 after the
// concert"): the block ends there.
func (r *locationRules) addressSegment(text string, s, e int) (_ [][2]int, ok, cut bool) {
	seg := text[s:e]
	if seg == "" || e < len(text) && text[e] == ':' {
		return nil, false, false // the label of another field ("E-mail:")
	}
	// A colon after a label ("E-mail: ...") ends the block; after a postal
	// code that begins the segment ("51971 for this card: 4119") it is the
	// sentence's, which goes on: the address ends at the postal code.
	colon := strings.Contains(seg, ":")
	if colon && !isDigitByte(seg[0]) {
		return nil, false, false
	}
	if reUnitLine.MatchString(seg) || rePostal.MatchString(seg) {
		return [][2]int{{s, e}}, true, false
	}
	toks := tokenize(seg)
	if len(toks) == 0 {
		return nil, false, false
	}
	// A line that opens with a contact label ("Tel 0117 555 0420", "Ph
	// (03) 9555 0182", "Email ...") ends the address block: what follows
	// is a number or address of another kind, never a town or postal code.
	if isContactLabel(toks[0].key) {
		return nil, false, false
	}
	if utf8.RuneCountInString(seg) > 40 || len(toks) > 6 || colon {
		// A long segment is an address only up to a postal code among
		// its first words.
		p := -1
		for i, t := range toks[:min(len(toks), 5)] {
			if t.shape == shNum && t.end-t.start >= 4 && t.end-t.start <= 6 {
				p = i
				break
			}
		}
		if p < 0 {
			return nil, false, false
		}
		toks = toks[:p+1]
		seg = seg[:toks[p].end]
		cut = true
	}
	var out [][2]int
	i := 0
	for i < len(toks) {
		// A state or country (one to three words) is skipped.
		if n := r.placeAt(seg, toks, i, wState|wCountry); n > 0 {
			i += n
			continue
		}
		t := toks[i]
		switch {
		case t.shape == shNum || t.shape == shAlnum:
			j := i
			for j+1 < len(toks) && (toks[j+1].shape == shNum || toks[j+1].shape == shAlnum || toks[j+1].shape == shUpper && len(seg[toks[j+1].start:toks[j+1].end]) == 2) {
				j++
			}
			if !rePostal.MatchString(seg[t.start:toks[j].end]) && !(j == i && t.end-t.start <= 6) {
				return nil, false, false
			}
			out = append(out, [2]int{s + t.start, s + toks[j].end})
			i = j + 1
			if i < len(toks) && toks[i].shape == shLower && r.lx.words[toks[i].key]&wCommon != 0 {
				// "KNIVSTA, nan 18237 after the concert": the sentence
				// goes on after the postal code.
				return out, true, true
			}
		case t.isCap() || t.shape == shPunct && seg[t.start:t.end] == "(":
			if r.lx.words[t.key]&(wCommon|wTitle|wCredential) != 0 && r.lx.words[t.key]&wCity == 0 {
				if i == 0 && t.shape == shCap && r.lx.words[t.key]&wCommon != 0 && len(toks) == 2 && toks[1].shape == shNum && toks[1].end-toks[1].start >= 4 {
					i++ // "Greenlander 35940": like a country, the word is no PHI; its postal code is
					continue
				}
				return nil, false, false
			}
			j := i
			for j+1 < len(toks) && (toks[j+1].isCap() || toks[j+1].shape == shPunct && strings.Contains("()'.-", seg[toks[j+1].start:toks[j+1].end]) ||
				toks[j+1].shape == shLower && (r.isStreetParticle(toks[j+1].key) || isPlaceParticle(toks[j+1].key)) && j+2 < len(toks) && toks[j+2].shape == shCap) && r.placeAt(seg, toks, j+1, wState|wCountry) == 0 {
				j++
			}
			out = append(out, [2]int{s + t.start, s + toks[j].end})
			i = j + 1
		case t.shape == shPunct:
			i++
		case t.shape == shLower && r.lx.words[t.key]&wCommon == 0 && (len(toks) <= 3 || i+1 < len(toks) && toks[i+1].shape == shNum && toks[i+1].end-toks[i+1].start >= 4):
			// A lower-case town or region in an address written in lower
			// case ("delmas, mp 35739"), or a region code before the
			// postal code ("nan 18237").
			out = append(out, [2]int{s + t.start, s + t.end})
			i++
		default:
			if len(out) > 0 && i > 0 && toks[i-1].shape == shNum && t.shape == shLower {
				return out, true, true
			}
			return nil, false, false
		}
	}
	return out, len(out) > 0 || len(toks) > 0, cut
}

// numberedStreets finds street lines written as a building number, a
// street name of one to four words and a house number ("233 Erzsébet tér
// 19.", "971 Kesk 53", "Suite 541 6343 Skogstien 106"): forms without an
// English street type. The name words must not be common words, months
// or titles, at least one must be capitalised or a street word, and the
// house number must not be followed by a unit of measure ("5 mg Lisinopril
// 10 mg" is a dose, not an address).
func (r *locationRules) numberedStreets(text string, toks []token) [][2]int {
	var out [][2]int
	for i := 0; i+2 < len(toks); i++ {
		if toks[i].shape != shNum || toks[i].end-toks[i].start > 6 || i > 0 && !toks[i].space && toks[i-1].shape == shPunct {
			continue
		}
		j, words, strong := i+1, 0, false
		for j < len(toks) && !toks[j].nl && words < 4 {
			t := toks[j]
			if wideGap(text[toks[j-1].end:t.start]) {
				break // a form's next column ("0214   ENROUTE 0215"), since 1.9.0
			}
			if t.isWord() {
				f := r.lx.words[t.key]
				street := f&(wStreetSuffix|wStreetPrefix) != 0 || r.lx.hasMorpheme(t.key) || r.lx.isMorpheme(t.key)
				// An eponym is a grade or a sign ("Gleason 3 4"), not a street.
				if f&(wCommon|wMonth|wWeekday|wTitle|wCredential|wEponym) != 0 && !street || isMeasureUnit(t.key) {
					break
				}
				if t.isCap() || street {
					strong = true
				}
				words++
				j++
				continue
			}
			// The period of an abbreviated street type ("u.", "rkp.").
			// Only after an abbreviation: after a long word the period ends
			// a sentence ("4 Adenocarcinoma. Hb 10").
			if t.shape == shPunct && text[t.start:t.end] == "." && toks[j-1].isWord() && toks[j-1].end == t.start && words > 0 && utf8.RuneCountInString(text[toks[j-1].start:toks[j-1].end]) <= 4 {
				j++
				continue
			}
			break
		}
		if words == 0 || !strong || j >= len(toks) || toks[j].nl {
			continue
		}
		num := toks[j]
		if !(num.shape == shNum && num.end-num.start <= 5 || num.shape == shAlnum && num.end-num.start <= 5 && isDigitByte(text[num.start])) {
			continue
		}
		if k := j + 1; k < len(toks) && !toks[k].nl && (toks[k].isWord() && isMeasureUnit(toks[k].key) || toks[k].shape == shPunct && strings.Contains("%/:-", text[toks[k].start:toks[k].end]) && toks[k].start == num.end) {
			continue
		}
		start, end := toks[i].start, num.end
		if end < len(text) && text[end] == '.' && (end+1 == len(text) || text[end+1] == ' ' || text[end+1] == '\n') {
			end++ // "Király u. 15."
		}
		if m := reUnitAfter.FindStringIndex(text[end:]); m != nil {
			end += m[1]
		}
		// "Suite 541 6343 Skogstien 106": a unit before the building number.
		if m := reUnitBefore.FindStringIndex(text[max(0, start-16):start]); m != nil {
			start = max(0, start-16) + m[0]
		}
		out = append(out, [2]int{start, end})
		i = tokenAt(toks, end) - 1
	}
	return out
}

var reUnitBefore = regexp.MustCompile(`(?:Apt|Apartment|Suite|Ste|Unit|Flat)\.?[ \t]*#?[ \t]*[A-Za-z0-9\-]{1,6}[ \t]+$`)

// isMeasureUnit reports a unit that follows a quantity, not an address.
func isMeasureUnit(k string) bool {
	switch k {
	case "mg", "mcg", "g", "kg", "ml", "l", "dl", "mmol", "mmhg", "meq", "iu", "unit", "units", "u", "tab", "tabs", "tablet", "tablets",
		"cap", "caps", "capsule", "capsules", "puff", "puffs", "drop", "drops", "times", "x", "year", "years", "yr", "yrs", "month", "months",
		"week", "weeks", "wk", "wks", "day", "days", "hour", "hours", "hr", "hrs", "min", "mins", "minute", "minutes", "sec", "cm", "mm", "m", "km",
		"in", "inch", "inches", "ft", "feet", "lb", "lbs", "oz", "percent", "am", "pm", "bpm", "kcal", "cal", "mi", "miles", "points", "pts":
		return true
	}
	return false
}

// placeAt returns how many words from toks[i] form a place with one of
// the flags (a state or country), 0 if none. Two-letter upper-case words
// are tried as state abbreviations.
func (r *locationRules) placeAt(text string, toks []token, i int, flags wordFlag) int {
	if !toks[i].isWord() {
		return 0
	}
	if flags&wState != 0 && toks[i].shape == shUpper && toks[i].end-toks[i].start == 2 && r.lx.stateAbbr[text[toks[i].start:toks[i].end]] {
		return 1
	}
	for n := min(r.lx.maxPhrase, len(toks)-i); n >= 1; n-- {
		if !toks[i+n-1].isWord() {
			continue
		}
		if r.lx.placeFlags(keys(toks[i:i+n]))&flags != 0 && len(keys(toks[i:i+n])) == n {
			return n
		}
	}
	return 0
}

// isContactLabel reports the words that label a telephone, fax or e-mail
// field under an address.
var isContactLabel = func() func(string) bool {
	set := map[string]bool{}
	for _, w := range strings.Fields("tel tel. telephone phone ph ph. fax facsimile mob mobile cell email e-mail web dx pager") {
		set[w] = true
	}
	return func(k string) bool { return set[k] }
}()
