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
	return f&(wStreetSuffix|wStreetPrefix|wParticle) != 0 || r.lx.hasMorpheme(t.key)
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
		if aEnd < a || aEnd+2 >= len(toks) || toks[aEnd+1].key != "and" || toks[aEnd+1].nl || toks[aEnd+2].nl {
			continue
		}
		b := aEnd + 2
		bEnd := segment(b, 6)
		if bEnd < b {
			continue
		}
		add(a, aEnd, 0.93, "intersection")
		add(b, bEnd, 0.93, "intersection")
		i = bEnd
	}
	for _, s := range found {
		if !isStreetSpan(s) {
			continue
		}
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
		if toks[k].shape != shNum && k >= 1 && toks[k-1].shape == shNum && toks[k-1].end-toks[k-1].start <= 6 && toks[k-1].end+1 == toks[k].start &&
			(toks[k-1].nl || k < 2 || toks[k-2].shape == shPunct || toks[k-2].isWord() && toks[k-2].shape == shLower) {
			out = append(out, Span{Start: toks[k-1].start, End: s.End, Category: Location, Confidence: s.Confidence, Detector: s.Detector})
		}
	}
	out = append(out, r.numberedLines(text, toks)...)
	out = append(out, r.blockLines(text, toks, found)...)
	// "Hungary 18695" at the end of an address block: the postal code
	// after the country (which is not PHI and stays out).
	for i := 0; i+1 < len(toks); i++ {
		t := toks[i]
		if !t.isWord() || r.lx.words[t.key]&wCountry == 0 {
			continue
		}
		n := i + 1
		if toks[n].nl || toks[n].shape != shNum || toks[n].end-toks[n].start < 4 || toks[n].end-toks[n].start > 6 || toks[n].start != t.end+1 {
			continue
		}
		if n+1 < len(toks) && !toks[n+1].nl && (toks[n+1].shape == shNum || text[toks[n+1].start:toks[n+1].end] == "-") {
			continue // a phone number or a range
		}
		for _, s := range found {
			if s.Category == Location && s.End <= t.start && t.start-s.End <= 60 && (isStreetSpan(s) || strings.Contains(text[s.End:t.start], "\n")) {
				add(n, n, 0.85, "postcode-country")
				break
			}
		}
	}
	return out
}

// unitWords follow a number that is a quantity, not a house number.
var unitWords = keySet(`mg mcg ml g kg lb lbs units unit tablets tablet tabs caps capsules times mmhg bpm cm mm
	percent years year months weeks days hours minutes min`)

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
			return toks[n].shape == shLower && !unitWords[toks[n].key] || toks[n].key == "apt" || toks[n].key == "suite"
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
				out = append(out, Span{Start: t.start, End: toks[e].end, Category: Location, Confidence: 0.92, Detector: "street-line"})
				i = e
			}
		case t.isWord() && (t.key == "on" || t.key == "at") && i+1 < len(toks) && !toks[i+1].nl:
			e := name(i + 1)
			if e > i+1 && houseNumber(e) && (e+1 >= len(toks) || toks[e+1].nl || toks[e+1].shape == shPunct) {
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
		for lines := 0; lines < 3 && k < len(toks) && !seen[k]; lines++ {
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
			case r.lx.placeFlags([]string{first.key})&(wCountry|wState) != 0 && f&wCity == 0:
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
		if t.isWord() && f&wParticle != 0 && words > 0 {
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
