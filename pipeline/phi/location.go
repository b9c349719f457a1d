package phi

import (
	"regexp"
	"strings"
)

// unitRE is a unit within a building ("Apt 3B", "Suite 204", "# 4",
// in lower case only with a number: "suite 463");
// nameWordRE a capitalised word (or number) of a street or city name.
const (
	unitRE     = `(?:(?:Apt|Apartment|Suite|Ste|Unit|Rm|Room|Fl|Floor|Bldg|Building|Flat|Lot|#)\.?[ \t]*#?[ \t]*[A-Za-z0-9\-]{1,6}\b|(?i:apt|apartment|suite|ste|unit|room|floor|flat)\.?[ \t]*#?[ \t]*[A-Za-z\-]{0,2}\d[A-Za-z0-9\-]{0,5}\b)`
	nameWordRE = `[\p{Lu}0-9][\p{L}0-9'’\-]*\.?`
)

var (
	// reUSStreet: number, one to five capitalised words, a street type, an
	// optional direction and unit. "Flat 3, 12 Kingsley Gardens" puts the
	// unit first.
	// A second street type after the first belongs to the street: in
	// "41 Linden Hollow Road" and "9 Mill Creek Lane" the first is part
	// of the name.
	reUSStreet = func(lx *lexicon) *regexp.Regexp {
		return regexp.MustCompile(`(?:\b(?:Flat|Apt|Apartment|Unit|Suite)[ \t]+[A-Za-z0-9\-]{1,6},?[ \t]+)?\b\d{1,6}[A-Za-z]?(?:-\d{1,4})?[ \t]+(?:` + nameWordRE + `[ \t]+){1,5}?(?:` + lx.suffixAlternation() + `)\b(?:[ \t]+(?:` + lx.suffixAlternation() + `)\b)?\.?(?:[ \t]+(?:N|S|E|W|NE|NW|SE|SW)\b\.?)?(?:,?[ \t]*` + unitRE + `)?`)
	}
	// reNamedStreet: a street named without its number ("on Elm Street").
	reNamedStreet = regexp.MustCompile(`\b(?:[\p{Lu}][\p{L}'’\-]*[ \t]+){1,3}(?:Street|Avenue|Road|Lane|Drive|Boulevard|Row|Court|Terrace|Parkway|Highway|Turnpike|St|Ave|Rd|Blvd|Ln)\b\.?`)
	rePOBox       = regexp.MustCompile(`(?i)\b(?:P\.?[ \t]?O\.?[ \t]*Box|Post[ \t]+Office[ \t]+Box)[ \t]+\d+|\b(?:PSC|CMR|Unit)[ \t]+\d+,?[ \t]*Box[ \t]+\d+|\b(?:USS|USNS|USNV|USCGC)[ \t]+\pL[\pL'\-]*(?:[ \t]+\pL[\pL'\-]*)?[ \t]*\r?\n[ \t>]*FPO[ \t]+(?:AA|AE|AP)[ \t]+\d{5}|\b(?:APO|FPO|DPO)[ \t]+(?:AA|AE|AP)[ \t]+\d{5}`)
	// reZipCue: a postal code after "ZIP", "zip code", "postal code".
	reZipCue = regexp.MustCompile(`(?i)\b(?:zip(?:[ \t]*code)?|postal[ \t]*code|post[ \t]*code|postcode)[ \t]*(?:is|:|#)?[ \t]*(\d{3,5}(?:[ \-]\d{2,4})?(?:[ \t][A-Z]{2}\b)?|[A-Z]\d[A-Z][ ]?\d[A-Z]\d|[A-Z]{1,2}\d[A-Z\d]?[ ]?\d[A-Z]{2})\b`)
	reUKPost = regexp.MustCompile(`\b[A-Z]{1,2}\d[A-Z\d]?[ ]\d[ABD-HJLNP-UW-Z]{2}\b`)
	reCAPost = regexp.MustCompile(`\b[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z][ ]?\d[ABCEGHJ-NPRSTV-Z]\d\b`)
	// reAddressCue: "address is", "lives at"... and an "Address:" label
	// with the address on the next line.
	reAddressCue = regexp.MustCompile(`(?i)\b(?:address(?:es)?[ \t]*:[ \t]*\r?\n[ \t]*|(?:address(?:es)?(?:\s+is|\s+was|\s+to)?\s*:?|lives?\s+(?:at|on)|located\s+at|resides?\s+at|sent\s+to|send\s+(?:it|them|a\s+new\s+one)\s+to|deliver(?:ed)?\s+to|mail(?:ed)?\s+to|meet\s+(?:me\s+)?at)[ \t]+)`)
	// reAddressLine is a line that may begin an address block: "20789
	// Allika 46", "Edeby 55"; addressLines keeps it only when address
	// lines follow it.
	reAddressLine = regexp.MustCompile(`(?m)^[ \t>*?•-]*((?:\d{1,6}[ \t]+)?` + nameWordRE + `(?:[ \t]+` + nameWordRE + `){0,3}[ \t]+\d{1,5}[A-Za-z]?)\.?[ \t]*$`)
	reBeIn        = regexp.MustCompile(`(?i)\b(?:am|is|are|was|were|'m|'re|’m|’re)[ \t]+(?:in|at)[ \t]+`)
	reLocCue      = regexp.MustCompile(`(?i)\b(?:lives?|living|resides?|residing|resident|moved(?:[ \t]+(?:here|back|away))?|relocated|born|originally|grew[ \t]+up|travel(?:l?ing|l?ed|s)?|flew|drove|returned|arrived|visiting|visited|trip|vacation(?:ing|ed)?|stationed|deployed|works?|worked|working|located|based|meet(?:ing)?|stay(?:ing|ed)?)[ \t]+(?:\w+[ \t]+)?(?:in|to|from|at|near|of|on)[ \t]+|\b(?:where|city|town|location|place\s+of\s+birth|birthplace)\s*:[ \t]*|\b(?:home[ \t]*town|home[ \t]+city)[ \t]+(?:(?:is|was|of)[ \t]+)?`)
	reCityState   = regexp.MustCompile(`(` + nameWordRE + `(?:[ \t]+` + nameWordRE + `){0,3}),?[ \t]+([A-Z]{2}|[A-Z][a-z]+(?:[ \t][A-Z][a-z]+)?)\.?,?[ \t]+(\d{5}(?:-\d{4})?)\b`)
	reStateZip    = regexp.MustCompile(`\b([A-Z]{2})[ \t]+(\d{5}(?:-\d{4})?)\b`)
	reCityComma   = regexp.MustCompile(`(` + nameWordRE + `(?:[ \t]+` + nameWordRE + `){0,2}),[ \t]*([A-Z]{2}|[A-Z][a-z]+(?:[ \t][A-Z][a-z]+)?)\b`)
)

// riskyStateAbbr are postal abbreviations that are also credentials or
// words ("Jane Doe, MD", "Smith, PA", "... OR ..."): "X, MD" is not taken
// for a city and state without a ZIP code.
var riskyStateAbbr = map[string]bool{"MD": true, "DO": true, "PA": true, "ME": true, "OR": true, "IN": true, "OK": true, "HI": true, "OH": true, "CO": true, "MS": true, "DE": true, "ID": true, "AS": true, "NE": true, "SC": true, "NP": true, "PE": true, "ON": true, "MB": true, "NB": true, "NS": true, "GU": true, "PR": true, "VI": true, "MP": true, "AL": true, "LA": true, "RN": true}

// suffixAlternation is the regexp alternation of street types and their
// abbreviations, longest first so "Street" wins over "St".
func (lx *lexicon) suffixAlternation() string {
	var words []string
	for w, f := range lx.words {
		if f&wStreetSuffix != 0 {
			words = append(words, w)
		}
	}
	sortByLenDesc(words)
	for i, w := range words {
		words[i] = "(?i:" + regexp.QuoteMeta(w) + ")"
	}
	return strings.Join(words, "|")
}

// sortByLenDesc sorts words longest first, then alphabetically, so an
// alternation tries "Street" before "St".
func sortByLenDesc(words []string) {
	for i := 1; i < len(words); i++ {
		for j := i; j > 0 && (len(words[j]) > len(words[j-1]) || len(words[j]) == len(words[j-1]) && words[j] < words[j-1]); j-- {
			words[j], words[j-1] = words[j-1], words[j]
		}
	}
}

// locationRules are the compiled location rules of one detector.
type locationRules struct {
	lx       *lexicon
	usStreet *regexp.Regexp
}

// newLocationRules compiles the rules that depend on the lexicon.
func newLocationRules(lx *lexicon) *locationRules {
	return &locationRules{lx: lx, usStreet: reUSStreet(lx)}
}

// find reports street addresses (with the lines that continue them:
// unit, city, postal code), PO boxes, city-state-ZIP lines, postal codes,
// known cities and places after a location cue ("lives in ...").
func (r *locationRules) find(text string, toks []token) []Span {
	var out []Span
	add := func(start, end int, conf float64, rule string) {
		if end > start {
			out = append(out, Span{Start: start, End: end, Category: Location, Confidence: conf, Detector: rule})
		}
	}
	var streets [][2]int
	for _, m := range matchNear(r.usStreet, text, toks, r.isStreetSuffix, 7, 5) {
		add(m[0], m[1], 0.9, "street")
		streets = append(streets, [2]int{m[0], m[1]})
	}
	for _, m := range matchNear(rePOBox, text, toks, isBoxWord, 4, 4) {
		add(m[0], m[1], 0.9, "pobox")
		streets = append(streets, [2]int{m[0], m[1]})
	}
	for _, s := range r.intlStreets(text, toks) {
		add(s[0], s[1], 0.9, "street-intl")
		streets = append(streets, s)
	}
	for _, s := range r.numberedStreets(text, toks) {
		add(s[0], s[1], 0.85, "street-numbered")
		streets = append(streets, s)
	}
	for _, s := range r.caselessStreets(text, toks) {
		add(s[0], s[1], 0.85, "street-caseless")
		streets = append(streets, s)
	}
	for _, s := range r.typedStreets(text, toks) {
		add(s[0], s[1], 0.9, "street-typed")
		streets = append(streets, s)
	}
	for _, s := range r.addressLines(text) {
		add(s[0], s[1], 0.8, "address-line")
		streets = append(streets, s)
	}
	for _, m := range matchNear(reAddressCue, text, toks, isAddressCueWord, 0, 6) {
		// "my address is ...", "lives at ...": the rest of the sentence,
		// if it has a number, is an address.
		if rest := text[m[1]:]; m[1] < len(text) {
			start, end := m[1], m[1]+addressEnd(rest)
			// "lives at Maple Grove Assisted Living, 88 Orchard Lane": the
			// facility's name is not the address.
			if d := strings.IndexAny(text[start:end], "0123456789"); d > 0 && r.hasFacilityWord(text[start:start+d]) {
				start += d
			}
			end = clauseBreak(text, start, end)
			end = r.trimCountry(text, start, end)
			if end > start && addressCueText(text[start:end]) {
				add(start, end, 0.7, "address-cue")
			}
		}
	}
	for _, m := range matchNear(reNamedStreet, text, toks, r.isStreetSuffix, 4, 1) {
		start, end := r.trimNamedStreet(text, toks, m[0], m[1])
		if start < 0 {
			continue
		}
		add(start, end, 0.7, "street-named")
	}
	for _, s := range streets {
		// The lines after a street outweigh a name rule's guess ("Caxias
		// do Sul, RS 24893" under a street is a town).
		for _, c := range r.continuation(text, s[1]) {
			add(c[0], c[1], 0.91, "address-line")
		}
	}
	for _, m := range matchNear(reCityState, text, toks, r.isStateToken, 6, 4) {
		if !r.isStateWord(text[m[4]:m[5]]) {
			continue
		}
		if cs, ce := r.cityPart(text, toks, m[2], m[3]); cs >= 0 {
			add(cs, ce, 0.85, "city-state")
		}
		add(m[6], m[7], 0.9, "zip")
	}
	for _, m := range matchNear(reStateZip, text, toks, r.isStateToken, 0, 4) {
		if r.lx.stateAbbr[text[m[2]:m[3]]] {
			add(m[4], m[5], 0.85, "zip")
		}
	}
	for _, m := range matchNear(reCityComma, text, toks, r.isStateToken, 5, 2) {
		st := text[m[4]:m[5]]
		if !r.isStateWord(st) || (len(st) == 2 && riskyStateAbbr[st]) || r.capsClauseAfter(text, toks, m[5]) {
			continue
		}
		if cs, ce := r.cityPart(text, toks, m[2], m[3]); cs >= 0 {
			add(cs, ce, 0.75, "city-state")
		}
	}
	for _, m := range matchNear(reZipCue, text, toks, isZipWord, 0, 6) {
		add(m[2], m[3], 0.9, "zip")
	}
	for _, re := range []*regexp.Regexp{reUKPost, reCAPost} {
		for _, m := range re.FindAllStringIndex(text, -1) {
			add(m[0], m[1], 0.8, "postcode")
		}
	}
	for _, m := range matchNear(reIrishCounty, text, toks, keyIn("co"), 0, 2) {
		add(m[0], m[1], 0.85, "county-ie")
	}
	out = append(out, r.counties(text)...)
	out = append(out, r.roads(text, toks)...)
	for _, e := range eircodesAlone(text, toks) {
		add(e[0], e[1], 0.8, "postcode-ie")
	}
	cued := cuedTokens(append(matchNear(reLocCue, text, toks, isLocCueWord, 4, 3), matchNear(reBeIn, text, toks, keyIn("in", "at"), 2, 1)...), text, toks)
	out = append(out, r.cities(text, toks, cued, docCase(text) == 'm')...)
	out = append(out, r.townsAfterFacility(text, toks)...)
	out = append(out, r.townsBeforeFacilities(text, toks)...)
	out = append(out, r.lowerPlaces(text, toks)...)
	out = append(out, r.townShapes(text, toks, cued)...)
	out = append(out, r.cuedPlaces(text, toks, cued)...)
	out = append(out, r.moreTowns(text, toks, cued)...)
	return out
}

// capsClauseAfter reports a clause going on in capitals after offset: an
// English word right after a two-letter "state" ("MID-SHAFT, NV INTACT"
// is neurovascular, not Nevada; 1.11.0).
func (r *locationRules) capsClauseAfter(text string, toks []token, offset int) bool {
	k := tokenAt(toks, offset)
	if k >= len(toks) || toks[k].nl || toks[k].shape != shUpper {
		return false
	}
	return r.lx.words[toks[k].key]&(wEnglish|wCommon) != 0 && r.lx.words[toks[k].key]&(wCity|wStreetSuffix) == 0
}

// isStateWord reports a US state or province, by abbreviation or name.
func (r *locationRules) isStateWord(s string) bool {
	if len(s) == 2 {
		return r.lx.stateAbbr[s]
	}
	return r.lx.placeFlags(strings.Fields(fold(s)))&wState != 0
}

// placeFlags returns the flags of a word or phrase of folded words.
func (lx *lexicon) placeFlags(words []string) wordFlag {
	switch len(words) {
	case 0:
		return 0
	case 1:
		return lx.words[words[0]]
	}
	return lx.phrases[strings.Join(words, " ")]
}

// cityPart trims the words before a state that are not part of the city
// (a street, a name, "Suite 204") and rejects cities that are common
// words. It returns -1 when nothing is left.
func (r *locationRules) cityPart(text string, toks []token, start, end int) (int, int) {
	i, j := tokenAt(toks, start), tokenAt(toks, end)
	// Keep the last words after any street type, common word or number.
	k := i
	for t := i; t < j; t++ {
		f := r.lx.words[toks[t].key]
		if toks[t].shape == shNum || toks[t].shape == shAlnum || f&(wStreetSuffix|wCommon|wTitle|wCredential) != 0 && f&wCity == 0 {
			k = t + 1
		}
	}
	if k >= j {
		return -1, -1
	}
	// Only cities of up to three words; prefer a known city at the end.
	if j-k > 3 {
		k = j - 3
	}
	for t := k; t < j-1; t++ {
		if r.lx.placeFlags(keys(toks[t:j]))&wCity != 0 {
			k = t
			break
		}
	}
	return toks[k].start, toks[j-1].end
}

// keys returns the folded keys of the words among toks.
func keys(toks []token) []string {
	out := make([]string, 0, len(toks))
	for _, t := range toks {
		if t.isWord() {
			out = append(out, t.key)
		}
	}
	return out
}

// trimNamedStreet checks a street named without a number: its first word
// must not be a common word (so "the Street" or "Medical Center Drive" as
// a heading are kept out) and "St" must not be "Saint" ("St Mary").
func (r *locationRules) trimNamedStreet(text string, toks []token, start, end int) (int, int) {
	i, j := tokenAt(toks, start), tokenAt(toks, end)
	for i < j-1 && (r.lx.words[toks[i].key]&(wCommon|wTitle|wMonth|wWeekday) != 0 || toks[i].sent && r.lx.words[toks[i].key]&(wFirst|wLast) == 0 && i+2 < j) {
		i++
	}
	if i >= j-1 {
		return -1, -1
	}
	last := toks[j-1]
	if last.key == "st" || last.key == "ave" || last.key == "rd" || last.key == "ln" || last.key == "blvd" {
		// "St Mary's": a capitalised word follows.
		k := j
		if k < len(toks) && toks[k].shape == shPunct && text[toks[k].start:toks[k].end] == "." {
			k++
		}
		if k < len(toks) && toks[k].shape == shCap && !toks[k].nl {
			return -1, -1
		}
	}
	return toks[i].start, end
}

// isStreetSuffix, isStateToken, isBoxWord and isZipWord trigger the
// address patterns.
func (r *locationRules) isStreetSuffix(t token) bool {
	return t.isWord() && r.lx.words[t.key]&wStreetSuffix != 0
}

// isStateToken is true for a state abbreviation or a (first) word of a
// state's name.
func (r *locationRules) isStateToken(t token) bool {
	return t.isWord() && (t.shape == shUpper && len(t.key) == 2 && r.lx.stateAbbr[strings.ToUpper(t.key)] || r.lx.words[t.key]&wState != 0 ||
		t.key == "new" || t.key == "north" || t.key == "south" || t.key == "west" || t.key == "rhode" || t.key == "district")
}

var (
	// isAddressCueWord triggers reAddressCue (its first words).
	isAddressCueWord = keyIn("address", "addresses", "live", "lives", "located", "reside", "resides", "sent", "send", "deliver", "delivered", "mail", "mailed", "meet")
	isBoxWord        = keyIn("box", "psc", "apo", "fpo", "dpo")
	isZipWord        = keyIn("zip", "postal", "post", "postcode")
)

// cuedTokens marks the tokens that start right where a match ends.

// trimCountry returns end moved back before a state or country that ends
// text[start:end] ("..., begunje na gorenjskem slovenia"): it is not PHI.
func (r *locationRules) trimCountry(text string, start, end int) int {
	toks := tokenize(text[start:end])
	for n := min(3, len(toks)); n >= 1; n-- {
		i := len(toks) - n
		if i > 0 && r.placeAt(text[start:end], toks, i, wCountry|wState) == n && toks[i].shape != shUpper {
			e := toks[i].start
			for e > 0 && strings.ContainsRune(" \t,", rune(text[start+e-1])) {
				e--
			}
			return start + e
		}
	}
	return end
}

// clauseWords are function words that begin the rest of a sentence and
// are never part of a postal address: "lives at 12 Main St. with her
// husband" ends its address before "with".
var clauseWords = keySet(`with his her their its who which that when while since until because but was is are has had have
	will would for`)

// clauseBreak returns end moved back to before the first clause word in
// lower case that follows a number in text[start:end].
func clauseBreak(text string, start, end int) int {
	toks := tokenize(text[start:end])
	number := false
	for i, t := range toks {
		if t.shape == shNum || t.shape == shAlnum {
			number = true
		}
		if number && i > 0 && t.shape == shLower && clauseWords[t.key] {
			e := start + toks[i-1].end
			if text[e-1] == ',' {
				e--
			}
			return e
		}
	}
	return end
}

// dropClockNumbers removes the places whose house number is a log's
// clock time ("0741  LANDED AT THE BEND"): a time with a leading zero at
// the start of a line and a column's gap after it (1.14.0). Addresses put
// one space after the house number, and faked ones may start it with a
// zero ("0538 15 Millicent Drive"), as may postcodes ("Lajamanu NT 0852").
func dropClockNumbers(text string, toks []token, spans []Span) []Span {
	out := spans[:0]
	for _, s := range spans {
		first, next := tokenAt(toks, s.Start), tokenAt(toks, s.End)
		if s.Category == Location && s.Confidence < 1 && next-first > 1 && (first == 0 || toks[first].nl) &&
			clockNumber(text, toks[first]) && strings.HasPrefix(text[toks[first].end:], "  ") {
			continue
		}
		out = append(out, s)
	}
	return out
}

// clockNumber reports a number of three or four digits with a leading
// zero that reads as a time of day ("0741", "030").
func clockNumber(text string, t token) bool {
	v := text[t.start:t.end]
	if t.shape != shNum || len(v) < 3 || len(v) > 4 || v[0] != '0' {
		return false
	}
	n := atoi(v)
	return n/100 <= 23 && n%100 <= 59
}
