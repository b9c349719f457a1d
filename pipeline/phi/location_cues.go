package phi

import "strings"

// Towns that only their place in the sentence gives away: a town typed
// in lower case after a strong location cue ("returned to kiel", "lives
// in harburg"), a town no list knows after an organisation ("at Sigfig
// in Camuns,"), a lower-case town with its postal code after "in" ("in
// barra de carrasco 15000"), and a street named after its building and
// house numbers ("at 9816 214 Pavlou Drandaki").

// moreTowns returns the spans of the rules above; cued marks the tokens
// right after a location cue (reLocCue, "is in").
func (r *locationRules) moreTowns(text string, toks []token, cued []bool) []Span {
	var out []Span
	add := func(i, j int, conf float64, rule string) {
		out = append(out, Span{Start: toks[i].start, End: toks[j].end, Category: Location, Confidence: conf, Detector: rule})
	}
	for i := 1; i < len(toks); i++ {
		t := toks[i]
		if t.nl || !t.isWord() {
			continue
		}
		// "lives in harburg", "returned to kiel by helicopter": after a
		// cue that says place (not a bare preposition), a word that the
		// gazetteer knows as a town and that is no English word is the
		// town, whatever its case.
		if cued[i] && t.shape == shLower {
			if n := r.lowerTownAt(text, toks, i); n > 0 {
				add(i, i+n-1, 0.7, "place-cue")
				i += n - 1
				continue
			}
		}
		// "at Sigfig in Camuns, which ...", "worked at Boeing in
		// EVERETT.": an organisation, "in" and a town is how English
		// places a business; a word no list knows (not a name, not
		// English, no drug) that ends the clause there is the town.
		if t.key == "in" && t.shape == shLower && i+1 < len(toks) && r.afterOrganisation(text, toks, i) {
			if k := i + 1; r.unknownTownWord(text, toks, k) && clauseEnds(text, toks, k) {
				add(k, k, 0.6, "town-org")
				i = k
				continue
			}
		}
		// "in barra de carrasco 15000": lower-case words that are no
		// English words, and a postal code (not a year) that ends the
		// place: the town of an address typed in lower case.
		if t.key == "in" && i+2 < len(toks) {
			if j, ok := r.lowerTownPostcode(text, toks, i+1); ok {
				add(i+1, j, 0.75, "town-postcode")
				i = j
				continue
			}
		}
	}
	return append(out, r.numberFirstStreets(text, toks)...)
}

// lowerTownAt returns how many lower-case words from toks[i] name a town
// of the gazetteer (one to three words, at least four letters, none of
// them an English or common word), 0 if none.
func (r *locationRules) lowerTownAt(text string, toks []token, i int) int {
	for n := min(3, len(toks)-i); n >= 1; n-- {
		ok := true
		for k := i; k < i+n; k++ {
			if toks[k].shape != shLower || k > i && toks[k].nl || r.lx.words[toks[k].key]&(wEnglish|wCommon|wMonth|wWeekday) != 0 && r.lx.words[toks[k].key]&wParticle == 0 {
				ok = false
				break
			}
		}
		if !ok || len(keys(toks[i:i+n])) != n || toks[i+n-1].end-toks[i].start < 4 {
			continue
		}
		if r.lx.placeFlags(keys(toks[i:i+n]))&(wCity|wCityExt) != 0 && r.lx.placeFlags(keys(toks[i:i+n]))&(wCountry|wState) == 0 {
			return n
		}
	}
	return 0
}

// afterOrganisation reports whether the "in" at toks[i] follows "at" or
// "for" and one to three capitalised words: "at Sigfig in", "for Acme
// Corp in".
func (r *locationRules) afterOrganisation(text string, toks []token, i int) bool {
	k := i - 1
	for k >= 0 && i-k <= 3 && toks[k].isCap() && !toks[k].nl {
		k--
	}
	if k == i-1 || k < 0 || toks[k+1].nl {
		return false
	}
	return toks[k].shape == shLower && (toks[k].key == "at" || toks[k].key == "for")
}

// departmentAt reports a word at toks[i] after "at Org in" that is no
// town the lists or unknownTownWord would take: "at UCSF in Neuro-ICU",
// "at Mercy in Peds".
func (r *locationRules) departmentAt(text string, toks []token, i int) bool {
	return i > 0 && toks[i-1].key == "in" && r.afterOrganisation(text, toks, i-1) &&
		r.lx.flags(toks[i].key)&(wCity|wCityExt) == 0 && !r.unknownTownWord(text, toks, i)
}

// unknownTownWord reports a capitalised word at toks[k] that no list
// knows as anything but perhaps a town: no name, English or common word,
// eponym, title, month, state or country, no drug's ending nor a
// specialty's, six letters or more, no inner capitals.
func (r *locationRules) unknownTownWord(text string, toks []token, k int) bool {
	t := toks[k]
	w := text[t.start:t.end]
	if !t.isCap() || t.nl || len([]rune(w)) < 6 {
		return false // short words after "in" are departments and units: "Peds", "Neuro", "PACU"
	}
	if t.shape == shCap && strings.ToLower(w[1:]) != w[1:] {
		return false // inner capitals: "Neuro-ICU", "StepDown"
	}
	for _, e := range clinicalEndings {
		if strings.HasSuffix(t.key, e) {
			return false // "at Mayo in Nephrology": a department
		}
	}
	if r.lx.flags(t.key)&(wFirst|wLast|wCommon|wEnglish|wEponym|wTitle|wCredential|wMonth|wWeekday|wCountry|wState|wOccupation) != 0 ||
		r.lx.isFacilityWord(t.key) || r.lx.compound(t.key) {
		return false
	}
	for _, e := range drugEndings {
		if strings.HasSuffix(t.key, e) {
			return false
		}
	}
	return true
}

// clinicalEndings end the names of specialties, departments and
// procedures ("Nephrology", "Geriatrics", "Podiatry", "Endoscopy"), which
// follow "in" as towns do.
var clinicalEndings = []string{"logy", "iatry", "iatrics", "ics", "graphy", "scopy", "therapy", "medicine", "surgery", "care", "unit", "ward"}

// lowerTownPostcode reads lower-case words from toks[i] (particles
// between them) and a postal code after them: four or five digits, or
// "3610-114", not a year. At least one word has four letters or more and
// none is an English or common word.
func (r *locationRules) lowerTownPostcode(text string, toks []token, i int) (int, bool) {
	j, words, long := i, 0, false
	for j < len(toks) && !toks[j].nl && j-i < 5 && toks[j].shape == shLower {
		f := r.lx.words[toks[j].key]
		if words > 0 && (f&wParticle != 0 || isPlaceParticle(toks[j].key)) {
			j++
			continue
		}
		if f&(wEnglish|wCommon|wMonth|wWeekday) != 0 || isMeasureUnit(toks[j].key) {
			return 0, false
		}
		if toks[j].end-toks[j].start >= 4 {
			long = true
		}
		words++
		j++
	}
	if words == 0 || !long || j >= len(toks) || toks[j].nl || toks[j].shape != shNum || toks[j-1].shape != shLower {
		return 0, false
	}
	d := toks[j].end - toks[j].start
	if d < 4 || d > 5 || d == 4 && (strings.HasPrefix(text[toks[j].start:], "19") || strings.HasPrefix(text[toks[j].start:], "20")) {
		return 0, false
	}
	if n := j + 1; n < len(toks) && !toks[n].nl && (toks[n].shape == shNum || toks[n].isWord() && isMeasureUnit(toks[n].key) && toks[n].key != "in" || toks[n].start == toks[j].end && strings.Contains("%/:.-", tokText(text, toks, n)) && n+1 < len(toks) && toks[n+1].start == toks[n].end) {
		return 0, false // a quantity, a ratio or a decimal
	}
	return j, true
}

// numberFirstStreets finds a street written after both its building and
// house numbers and ending its clause ("at 9816 214 Pavlou Drandaki"),
// the Greek and Cypriot order: two numbers in a row, then two or three
// capitalised words that are no common words, titles, months, states,
// countries or facilities, then the end of the clause. It opens only
// where an address may (opensAddress), so a blood pressure "BP 120 80" or
// a count before a drug name does not qualify.
func (r *locationRules) numberFirstStreets(text string, toks []token) []Span {
	var out []Span
	for i := 0; i+3 < len(toks); i++ {
		a, b := toks[i], toks[i+1]
		if a.shape != shNum || a.end-a.start > 6 || b.shape != shNum || b.end-b.start > 4 || b.nl || b.start != a.end+1 || !r.opensAddress(text, toks, i) {
			continue
		}
		j := i + 2
		for j < len(toks) && j-i-2 < 3 && !toks[j].nl && toks[j].shape == shCap {
			f := r.lx.flags(toks[j].key)
			if f&(wCommon|wTitle|wCredential|wMonth|wWeekday|wCountry|wState|wEponym) != 0 || r.lx.isFacilityWord(toks[j].key) || isUnitKey(toks[j].key) {
				break
			}
			j++
		}
		if j-i-2 < 2 || !clauseEnds(text, toks, j-1) {
			continue
		}
		out = append(out, Span{Start: a.start, End: toks[j-1].end, Category: Location, Confidence: 0.8, Detector: "street-numbers"})
		i = j - 1
	}
	return out
}
