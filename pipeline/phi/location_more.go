package phi

import "strings"

// More address structure, read once the first location spans are known:
// intersections ("the corner of Dalbraut 99 and Frederikke Coves",
// "Maarit and Hersnapvej 75"), the building number before a street or
// post-office box ("0912 P.O. Box 287"), and the postal code that follows
// the country at the end of an address block ("Hungary 18695").

// isStreetSpan reports a location span found by a street or box rule.
func isStreetSpan(s Span) bool {
	return s.Category == Location && (strings.HasPrefix(s.Detector, "street") || strings.HasPrefix(s.Detector, "address") ||
		s.Detector == "pobox" || s.Detector == "intersection")
}

// streetPart reports whether toks[i] can be a word of a street name in
// an intersection: a capitalised word, a number, a street type or a
// particle ("Rue de la Gare"), or an abbreviation's period.
func (r *locationRules) streetPart(text string, toks []token, i int) bool {
	t := toks[i]
	switch {
	case t.shape == shNum || t.shape == shAlnum || t.isCap():
		return t.key != "and"
	case t.shape == shPunct:
		return text[t.start:t.end] == "." && i > 0 && toks[i-1].end == t.start && toks[i-1].isWord()
	}
	f := r.lx.words[t.key]
	return f&(wStreetSuffix|wStreetPrefix|wParticle) != 0 || r.lx.hasMorpheme(t.key) || isLowerStreetType(text, t) || r.lowerStreetName(t)
}

// lowerStreetName reports a street-name word typed in lower case ("the
// corner of heiligengeistbrücke 77 and minik courts"): three letters or
// more and no English or common word, so "the corner of the mouth and
// lips" keeps its anatomy. An intersection that needs one must also have
// a number or a street type (intersectionAnchored).
func (r *locationRules) lowerStreetName(t token) bool {
	return t.shape == shLower && t.end-t.start >= 3 && r.lx.words[t.key]&(wEnglish|wCommon|wMonth|wWeekday|wTitle) == 0
}

// intersectionAnchored reports whether toks[a..b] read as streets by
// more than case: capitalised throughout, or with a number or a street
// type among them.
func (r *locationRules) intersectionAnchored(text string, toks []token, a, b int) bool {
	lower := false
	for k := a; k <= b; k++ {
		if toks[k].isWord() && r.lowerStreetName(toks[k]) {
			lower = true
		}
	}
	if !lower {
		return true
	}
	for k := a; k <= b; k++ {
		t := toks[k]
		if t.shape == shNum || t.shape == shAlnum || t.isWord() && (r.lx.words[t.key]&(wStreetSuffix|wStreetPrefix) != 0 || r.lx.hasMorpheme(t.key) || isLowerStreetType(text, t)) {
			return true
		}
	}
	return false
}

// moreLocations returns the spans of the rules above; found are the
// merged spans of every other rule.
func (r *locationRules) moreLocations(text string, toks []token, found []Span) []Span {
	var out []Span
	add := func(from, to int, conf float64, rule string) {
		if to >= from {
			out = append(out, Span{Start: toks[from].start, End: toks[to].end, Category: Location, Confidence: conf, Detector: rule})
		}
	}
	// segment reads street words from toks[i] on one line, at most max
	// of them, and returns the last one (or i-1 for none).
	segment := func(i, max int) int {
		j := i
		for j < len(toks) && j-i < max && (j == i || !toks[j].nl) && r.streetPart(text, toks, j) {
			j++
		}
		for j > i && toks[j-1].shape == shPunct {
			j--
		}
		return j - 1
	}
	for i := 0; i+3 < len(toks); i++ {
		// "corner of A and B": both are streets.
		if toks[i].key != "corner" || toks[i+1].key != "of" || toks[i+1].nl {
			continue
		}
		a := i + 2
		aEnd := segment(a, 8)
		and := aEnd + 1
		if and < len(toks) && tokText(text, toks, and) == "." && aEnd >= a {
			and++ // "35 Pentelis Str. and ...", "Csabai kapu 39. and ..."
		}
		if aEnd < a || and+1 >= len(toks) || toks[and].key != "and" || toks[and].nl || toks[and+1].nl {
			continue
		}
		b := and + 1
		bEnd := segment(b, 6)
		if bEnd < b || !r.intersectionAnchored(text, toks, a, bEnd) {
			continue
		}
		// One span: the crossing of two streets is one place, and the
		// "and" between their names says which two.
		add(a, bEnd, 0.93, "intersection")
		i = bEnd
	}
	// Streets written "number, name, number" are found here, not by
	// find: the rules below that follow a street need them as well.
	lines := r.numberedLines(text, toks)
	out = append(out, lines...)
	streets := make([]Span, 0, len(found)+len(lines))
	for _, s := range found {
		if isStreetSpan(s) {
			streets = append(streets, s)
		}
	}
	streets = append(streets, lines...)
	for _, s := range lines {
		for _, c := range r.continuation(text, s.End) {
			out = append(out, Span{Start: c[0], End: c[1], Category: Location, Confidence: 0.91, Detector: "address-line"})
		}
	}
	for _, s := range streets {
		k := tokenAt(toks, s.Start)
		if k >= len(toks) || toks[k].start != s.Start || toks[k].nl {
			continue
		}
		// "Maarit and Hersnapvej 75": a street named first, after another
		// street's name and "and".
		if toks[k].isWord() && k >= 2 && toks[k-1].key == "and" && !toks[k-1].nl && toks[k-2].isCap() && toks[k-2].isWord() &&
			r.lx.flags(toks[k-2].key)&(wCommon|wTitle|wCountry|wState) == 0 && (toks[k-2].nl || k < 3 || !toks[k-3].isCap()) {
			out = append(out, Span{Start: toks[k-2].start, End: s.End, Category: Location, Confidence: 0.93, Detector: "intersection"})
		}
		// "0912 P.O. Box 287", "74678 Midtvollen 130": the building or
		// delivery number before the street.
		// "9554 62 Rue Gafsa": a building number before a street that
		// starts with its house number, the pair alone after a line start,
		// a mark or a small word (not inside a longer run of numbers).
		if k >= 1 && toks[k-1].shape == shNum && toks[k-1].end-toks[k-1].start <= 6 && toks[k-1].end+1 == toks[k].start &&
			(toks[k].shape != shNum || s.End > toks[k].end && (k < 2 || toks[k-2].shape != shNum)) &&
			(toks[k-1].nl || k < 2 || toks[k-2].shape == shPunct && tokText(text, toks, k-2) != "-" || toks[k-2].isWord() && toks[k-2].shape == shLower) {
			out = append(out, Span{Start: toks[k-1].start, End: s.End, Category: Location, Confidence: s.Confidence, Detector: s.Detector})
		}
		out = append(out, r.townAfterStreet(text, toks, s)...)
	}
	out = append(out, r.blockLines(text, toks, streets)...)
	out = append(out, r.townAboveCountry(text, toks)...)
	// "Hungary 18695" at the end of an address block: the postal code
	// after the country (which is not PHI and stays out). A capitalised
	// common word that begins its line ("Greenlander 52888", a
	// nationality) ends a block the same way.
	for i := 0; i+1 < len(toks); i++ {
		t := toks[i]
		if !t.isWord() {
			continue
		}
		w := r.placeAt(text, toks, i, wCountry)
		if w == 0 && t.shape == shCap && r.lx.words[t.key]&wCommon != 0 && r.lx.words[t.key]&(wMonth|wWeekday) == 0 && t.nl {
			w = 1
		}
		n := i + w
		if w == 0 || n >= len(toks) || toks[n].nl || toks[n].shape != shNum || toks[n].end-toks[n].start < 4 || toks[n].end-toks[n].start > 6 || toks[n].start != toks[n-1].end+1 {
			continue
		}
		if n+1 < len(toks) && !toks[n+1].nl && (toks[n+1].shape == shNum || text[toks[n+1].start:toks[n+1].end] == "-") {
			continue // a phone number or a range
		}
		for _, s := range append(found, out...) {
			if s.Category == Location && s.End <= t.start && t.start-s.End <= 60 && (isStreetSpan(s) || strings.Contains(text[s.End:t.start], "\n")) {
				add(n, n, 0.85, "postcode-country")
				break
			}
		}
	}
	out = append(out, r.intlAddresses(text, toks, append(append(make([]Span, 0, len(found)+len(out)), found...), out...))...)
	return out
}

// zipsAfterPlaces finds a US ZIP code written right after a place that
// was found (by a rule or the tagger, so it runs after both), with or
// without the state between them and in any case ("st paul 55104",
// "bayou la batre al 36509"; 1.12.0): the upper-case city-state-ZIP
// patterns of find miss a lower-case state or a missing one. The number
// must end its run and be no quantity ("61755 5501" is a phone, "10000
// steps" a count).
func (r *locationRules) zipsAfterPlaces(text string, toks []token, found []Span) []Span {
	var out []Span
	for _, s := range found {
		if s.Category != Location {
			continue
		}
		k := tokenAt(toks, s.End)
		if k < len(toks) && tokText(text, toks, k) == "," && toks[k].start == s.End {
			k++
		}
		if k < len(toks) && !toks[k].nl && toks[k].isWord() && len(toks[k].key) == 2 && r.lx.stateAbbr[strings.ToUpper(toks[k].key)] {
			k++
		}
		if k < len(toks) && !toks[k].nl && toks[k].isWord() && r.lx.flags(toks[k].key)&wState != 0 {
			k++ // "ontario wisconsin five four six five one"
		}
		if e, ok := spokenZIP(toks, k); ok {
			// A ZIP code read out in a dictation ("Portland, nine seven two
			// one three"; since 1.21.0).
			out = append(out, Span{Start: toks[k].start, End: toks[e-1].end, Category: Location, Confidence: 0.8, Detector: "zip-after-place"})
			continue
		}
		if k >= len(toks) || toks[k].nl || toks[k].shape != shNum || toks[k].end-toks[k].start != 5 || !toks[k].space {
			continue
		}
		start, end := toks[k].start, toks[k].end
		if k+2 < len(toks) && tokText(text, toks, k+1) == "-" && toks[k+1].start == end && toks[k+2].shape == shNum && toks[k+2].end-toks[k+2].start == 4 {
			end = toks[k+2].end // ZIP+4
			k += 2
		}
		if k+1 < len(toks) && !toks[k+1].nl && (toks[k+1].shape == shNum || toks[k+1].start == end && tokText(text, toks, k+1) == "-" || unitWords[toks[k+1].key]) {
			continue
		}
		out = append(out, Span{Start: start, End: end, Category: Location, Confidence: 0.85, Detector: "zip-after-place"})
	}
	return out
}

// spokenZIP reports five digit words from toks[k] on, no more, on one
// line, and the index after them.
func spokenZIP(toks []token, k int) (int, bool) {
	e := k
	for e < len(toks) && e-k < 6 && toks[e].isWord() && spokenDigitValue[toks[e].key] && (e == k || !toks[e].nl) {
		e++
	}
	return e, e-k == 5
}

// unitWords follow a number that is a quantity, not a house number.
var unitWords = keySet(`mg mcg ml g kg lb lbs units unit tablets tablet tabs caps capsules times mmhg bpm cm mm
	percent years year months weeks days hours minutes min steps`)

// numberedLines finds streets written "number, street name, number"
// ("6639 Canónigo Valiño 70", "808 Kálmán Imre u. 12."), a street name
// and house number after "on" or "at" that ends the clause ("on Pod
// Floriánem 1677."), and a town with its postal code after "in" ("in
// Bjert 6091", "in Quinta de São Tiago 3610-114"). The words must be
// capitalised (particles aside) and no common word, month or title; the
// number after them must not be a quantity ("2 Tylenol 500 mg").
func (r *locationRules) numberedLines(text string, toks []token) []Span {
	var out []Span
	// name reads one to four street-name words from toks[i] on one line
	// and returns the index after them.
	name := func(i int) int {
		j, words := i, 0
		for j < len(toks) && !toks[j].nl && j-i < 6 {
			t := toks[j]
			f := r.lx.flags(t.key)
			switch {
			case t.isWord() && t.isCap() && f&(wCommon|wMonth|wWeekday|wTitle|wCredential|wCountry|wState) == 0 && !(t.shape == shUpper && t.end-t.start <= 3):
				words++
			case t.isWord() && t.shape == shLower && f&wParticle != 0 && words > 0:
			case (t.key == "u" || t.key == "krt" || t.key == "rkp") && words > 0 && j+1 < len(toks) && tokText(text, toks, j+1) == ".":
				j++ // a Hungarian street abbreviation: "Kálmán Imre u. 12."
			default:
				if words == 0 {
					return i
				}
				return j
			}
			j++
		}
		if words == 0 {
			return i
		}
		return j
	}
	houseNumber := func(k int) bool {
		if k >= len(toks) || toks[k].nl || (toks[k].shape != shNum && toks[k].shape != shAlnum) || toks[k].end-toks[k].start > 5 {
			return false
		}
		if toks[k].shape == shAlnum && !isDigitByte(text[toks[k].start]) {
			return false
		}
		n := k + 1
		if n >= len(toks) || toks[n].nl {
			return true
		}
		if toks[n].isWord() {
			return toks[n].shape == shLower && !unitWords[toks[n].key] || isUnitKey(toks[n].key) || toks[n].shape == shCap && r.isStreetSuffix(toks[n])
		}
		switch tokText(text, toks, n) {
		case ".":
			// Not the first group of a dotted number ("10.12.4.201").
			return n+1 >= len(toks) || toks[n+1].start != toks[n].end || toks[n+1].shape != shNum
		case ",", "?", "!", ";", ")":
			return true
		}
		return false
	}
	opens := func(i int) bool {
		// What may come before an address: nothing, a mark or a small word.
		if i > 1 && toks[i-1].shape == shPunct && toks[i-1].start == toks[i-2].end && toks[i-2].shape == shNum {
			return false // "17:20", "3.5"
		}
		return i == 0 || toks[i].nl || toks[i-1].shape == shPunct || toks[i-1].isWord() && toks[i-1].shape == shLower
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t.shape == shNum && t.end-t.start <= 6 && opens(i):
			e := name(i + 1)
			if e > i+1 && houseNumber(e) {
				end := withUnit(text, toks[e].end)
				out = append(out, Span{Start: t.start, End: end, Category: Location, Confidence: 0.92, Detector: "street-line"})
				i = tokenAt(toks, end) - 1
			}
		case t.isWord() && (t.key == "on" || t.key == "at") && i+1 < len(toks) && !toks[i+1].nl:
			e := name(i + 1)
			// "on Hoge Wei 32 St.": a street type may follow the number.
			if e > i+1 && houseNumber(e) && (e+1 >= len(toks) || toks[e+1].nl || toks[e+1].shape == shPunct || r.isStreetSuffix(toks[e+1])) {
				out = append(out, Span{Start: toks[i+1].start, End: toks[e].end, Category: Location, Confidence: 0.92, Detector: "street-line"})
				i = e
			}
		case t.isWord() && t.key == "in" && i+1 < len(toks) && !toks[i+1].nl:
			e := name(i + 1)
			if e == i+1 || e >= len(toks) || toks[e].nl || toks[e].shape != shNum {
				continue
			}
			code := toks[e].end
			d := toks[e].end - toks[e].start
			if e+2 < len(toks) && tokText(text, toks, e+1) == "-" && toks[e+2].shape == shNum && toks[e+1].start == code && toks[e+2].start == code+1 {
				code = toks[e+2].end // "3610-114"
			} else if d < 4 || d > 5 || d == 4 && (strings.HasPrefix(text[toks[e].start:], "19") || strings.HasPrefix(text[toks[e].start:], "20")) {
				continue // not a postal code, or a year
			}
			out = append(out, Span{Start: toks[i+1].start, End: code, Category: Location, Confidence: 0.92, Detector: "town-postcode"})
		}
	}
	return out
}

// blockLines follows a street line down its address block: a unit line
// ("Apt. 762", "Suite 741") and a town line ("Zalakaros", "Soto del
// Barco", "Hellendoorn, OV 21072") are part of the address; a country
// line or anything else ends the block.
func (r *locationRules) blockLines(text string, toks []token, found []Span) []Span {
	var out []Span
	seen := map[int]bool{}
	for _, s := range found {
		if !isStreetSpan(s) {
			continue
		}
		// The street must end its line (a period may follow).
		k := tokenAt(toks, s.End)
		for k < len(toks) && !toks[k].nl && tokText(text, toks, k) == "." {
			k++
		}
		if k >= len(toks) || !toks[k].nl {
			continue
		}
		// Up to four lines: unit, town, region, and a last line such as
		// "Greenland 52888" whose country is dropped below.
		for lines := 0; lines < 4 && k < len(toks) && !seen[k]; lines++ {
			seen[k] = true
			// The line's tokens, after leading marks ("> ").
			i := k
			for i < len(toks) && toks[i].shape == shPunct && tokText(text, toks, i) != "," && (i == k || !toks[i].nl) {
				i++
			}
			e := i
			for e < len(toks) && (e == i || !toks[e].nl) {
				e++
			}
			if i >= e || i > k && toks[i].nl {
				break
			}
			first := toks[i]
			f := r.lx.flags(first.key)
			switch {
			case first.isWord() && isUnitKey(first.key):
			case r.placeAt(text, toks, i, wCountry|wState) > 0 && f&wCity == 0:
				e = i // a country or state: the block ends
			case first.isWord() && first.isCap() && r.townLine(text, toks, i, e):
			default:
				e = i
			}
			if e == i {
				break
			}
			// The line's words and numbers, without a state's postal
			// abbreviation ("Boston, MA 02215"), which is not PHI.
			for j := i; j < e; j++ {
				t := toks[j]
				if t.shape == shPunct && tokText(text, toks, j) != "." || r.lx.stateAbbr[tokText(text, toks, j)] && t.shape == shUpper {
					continue
				}
				end := j
				for end+1 < e && (toks[end+1].isWord() && !(r.lx.stateAbbr[tokText(text, toks, end+1)] && toks[end+1].shape == shUpper) || toks[end+1].shape == shNum || toks[end+1].shape == shAlnum || tokText(text, toks, end+1) == ".") {
					end++
				}
				for end > j && toks[end].shape == shPunct {
					end--
				}
				out = append(out, Span{Start: t.start, End: toks[end].end, Category: Location, Confidence: 0.91, Detector: "address-block"})
				j = end
			}
			k = e
		}
	}
	return out
}

func isUnitKey(k string) bool {
	switch k {
	case "apt", "apartment", "suite", "ste", "unit", "flat", "room", "rm", "fl", "floor", "bldg", "building":
		return true
	}
	return false
}

// townLine reports whether toks[i:e] read as a town: one to four
// capitalised words or particles, then optionally a comma, a region
// code and a postal code.
func (r *locationRules) townLine(text string, toks []token, i, e int) bool {
	words := 0
	j := i
	for ; j < e; j++ {
		t := toks[j]
		f := r.lx.flags(t.key)
		if t.isWord() && t.isCap() && f&(wCommon|wTitle|wCredential|wMonth|wWeekday) == 0 {
			words++
			continue
		}
		if t.isWord() && (f&wParticle != 0 || isPlaceParticle(t.key) && j+1 < e && toks[j+1].isCap()) && words > 0 {
			continue
		}
		break
	}
	if words == 0 || words > 4 {
		return false
	}
	// What may follow: ", OV 21072", " 18237", ", nan".
	for ; j < e; j++ {
		t := toks[j]
		switch {
		case t.shape == shNum, t.shape == shPunct && tokText(text, toks, j) == ",":
		case t.isWord() && t.end-t.start <= 3:
		default:
			return false
		}
	}
	return true
}

// townAfterStreet returns the town written on a street's own line after
// it ("... Suite 215 NUNGATTA Australia", "... Apt. 892 GUÉRET, France"):
// one to three capitalised words that are no common word, title, month,
// facility, state or country, followed by the end of the line, a mark,
// a state or country, or a postal code (which is kept).
func (r *locationRules) townAfterStreet(text string, toks []token, s Span) []Span {
	i := tokenAt(toks, s.End)
	if i < len(toks) && !toks[i].nl && tokText(text, toks, i) == "," {
		i++
	}
	j := i
	for j < len(toks) && j-i < 3 && !toks[j].nl && toks[j].isWord() && toks[j].isCap() {
		f := r.lx.flags(toks[j].key)
		if f&(wCommon|wTitle|wCredential|wMonth|wWeekday|wStreetSuffix) != 0 || r.lx.isFacilityWord(toks[j].key) || isUnitKey(toks[j].key) ||
			r.placeAt(text, toks, j, wCountry|wState) > 0 {
			break
		}
		j++
	}
	if j == i || j > i && toks[i].shape != shUpper && j-i > 1 && r.lx.flags(toks[i].key)&wFirst != 0 {
		return nil // nothing, or a person's name ("... St Mary Jones said")
	}
	end := toks[j-1].end
	// "... Suite 274 Ljubljana nan last night": a region code of two or
	// three letters after the town (no English word, not a state, which
	// the cases below handle), then the sentence may go on.
	if j < len(toks) && !toks[j].nl && toks[j].isWord() && toks[j].shape != shCap && toks[j].end-toks[j].start <= 3 && toks[j].end-toks[j].start >= 2 &&
		r.lx.flags(toks[j].key)&(wEnglish|wCommon) == 0 && r.placeAt(text, toks, j, wCountry|wState) == 0 &&
		(j+1 >= len(toks) || toks[j+1].nl || toks[j+1].shape == shLower || toks[j+1].shape == shPunct) {
		return []Span{{Start: toks[i].start, End: toks[j].end, Category: Location, Confidence: 0.92, Detector: "address-town"}}
	}
	switch {
	case j == len(toks) || toks[j].nl:
	case toks[j].shape == shPunct && strings.Contains(",.;:)?!", tokText(text, toks, j)):
	case r.placeAt(text, toks, j, wCountry|wState) > 0:
	case toks[j].shape == shNum && toks[j].end-toks[j].start >= 4 && toks[j].end-toks[j].start <= 6:
		end = toks[j].end // its postal code
	default:
		return nil
	}
	return []Span{{Start: toks[i].start, End: end, Category: Location, Confidence: 0.92, Detector: "address-town"}}
}

// townAboveCountry returns a line of one to three upper-case words right
// above a line that is a country (with its postal code, perhaps): the
// post town of an international address, written in capitals as postal
// rules ask ("ALFRICK" above "United Kingdom").
func (r *locationRules) townAboveCountry(text string, toks []token) []Span {
	var out []Span
	lineStart := func(i int) int { // the first token after leading marks
		for i < len(toks) && toks[i].shape == shPunct && strings.Contains(">*-•", tokText(text, toks, i)) && (i == 0 || toks[i].nl || !toks[i-1].nl || toks[i-1].shape == shPunct) {
			i++
		}
		return i
	}
	for k := 0; k < len(toks); k++ {
		if !toks[k].nl && k != 0 {
			continue
		}
		i := lineStart(k)
		if i >= len(toks) || i > k && toks[i].nl {
			continue
		}
		j := i
		for j < len(toks) && j-i < 3 && (j == i || !toks[j].nl) && toks[j].shape == shUpper && toks[j].end-toks[j].start >= 3 &&
			r.lx.flags(toks[j].key)&(wCommon|wTitle|wCredential|wMonth|wWeekday|wCountry|wState) == 0 {
			j++
		}
		if j == i || j >= len(toks) || !toks[j].nl {
			continue
		}
		c := lineStart(j)
		n := 0
		if c < len(toks) && (c == j || !toks[c].nl) {
			n = r.placeAt(text, toks, c, wCountry)
		}
		if n == 0 {
			continue
		}
		// The country line holds the country and at most a postal code.
		e := c + n
		if e < len(toks) && !toks[e].nl && toks[e].shape == shNum {
			e++
		}
		if e < len(toks) && !toks[e].nl && toks[e].shape != shPunct {
			continue
		}
		out = append(out, Span{Start: toks[i].start, End: toks[j-1].end, Category: Location, Confidence: 0.8, Detector: "address-town"})
		k = j - 1
	}
	return out
}

// withUnit returns end moved past a period that closes a house number
// ("Victor Hugo u. 49.") and a unit that follows ("Suite 638").
func withUnit(text string, end int) int {
	e := end
	if e+1 < len(text) && text[e] == '.' && text[e+1] == ' ' {
		e++
	}
	if m := reUnitAfter.FindStringIndex(text[e:]); m != nil {
		return e + m[1]
	}
	return end
}
