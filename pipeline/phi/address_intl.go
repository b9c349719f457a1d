package phi

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// International address structure (UPU S42 conventions). Most of
// continental Europe and Latin America write "Street 12, 12345 Town": the
// house number after the street name and the postal code before the town;
// India, Russia, Ukraine, Korea and Japan write the postal code after the
// town ("Pune 411001", "Seoul 06164"). The rules below use that structure,
// not word lists: a postal code is recognised by its national shape and
// its place in the block, next to a town or street already found.

var (
	// rePostBefore: a postal code of a national shape followed by the
	// town: "29525" (DE, FR, IT, ES, FI, MX), "1180" (BE, NL, DK, NO, HU,
	// AT, CH, AU, ZA), "1016 GC" (NL), "00-514" (PL), "702 00" (CZ, SK,
	// SE, GR), "1100-053" (PT), "22240-003" (BR). It must open its line or
	// follow a comma, colon or bracket: where an address puts it.
	rePostBefore = regexp.MustCompile(`(?m)(?:^|[,:(])[ \t]*(\d{2}-\d{3}|\d{3} \d{2}|\d{4}-\d{3}|\d{5}-\d{3}|\d{4} [A-Z]{2}|\d{4,5})[ \t]+\p{L}`)
	// rePostAfter: the postal code after a town, "Bengaluru - 560038",
	// "Kyiv, 01001", "Seoul 06164": five or six digits closing the line,
	// the segment or the sentence.
	rePostAfter = regexp.MustCompile(`^(?:[ \t]*[-–,][ \t]*|[ \t]+)(\d{5,6})(?:[ \t]*(?:$|\n|\r|[,;)]|\.(?:\s|$)))`)
	// reHouseTail: the house number that ends a street segment, with the
	// forms other countries add to it: a building and flat number
	// ("84/92", "1187/24", "14/3"), an entrance letter or number ("9a",
	// "12 b", "9 A 12"), a floor in Roman numerals ("418-II") and the
	// Polish "m. 17" (mieszkanie, flat).
	reHouseTail = regexp.MustCompile(`(?:^|[ \t])(\d{1,5}[a-zA-Z]?(?:/\d{1,4}[a-zA-Z]?)?(?:-(?:[IVX]{1,4}|[a-z]{1,3}|\d{1,3}[a-zA-Z]?))?(?:[ \t]+[a-zA-Z](?:[ \t]+\d{1,3})?)?(?:[ \t]+m\.[ \t]*\d{1,4})?)[ \t]*$`)
	// reNumberSuffix: what may follow a house number that a street rule
	// stopped at: "/92" (building/flat), "-II" (floor), "a" (entrance).
	// A Hungarian house number is followed by the floor and door:
	// "7. II. em. 4." (emelet, floor), "12. fsz. 2." (ground floor).
	reNumberSuffix = regexp.MustCompile(`^(?:/\d{1,4}[a-zA-Z]?|-(?:[IVX]{1,4}|\d{1,3}[a-zA-Z]?)\b|[a-z]\b|\.?[ \t]+(?:[IVX]{1,4}\.[ \t]*em\.|fsz\.)[ \t]*\d{1,3}\.?)`)
	// reEircode: the Irish Eircode, a routing key (a letter and two
	// digits, or D6W) and four letters or digits of a set without
	// vowels-like confusables; taken only after a town on its line.
	reEircode = regexp.MustCompile(`^[ \t,]+((?:[AC-FHKNPRTV-Y]\d{2}|D6W) [0-9AC-FHKNPRTV-Y]{4})\b`)
	// reEircodeAlone: an Eircode that ends its line or its address
	// part ("Co. Kilkenny\nR95 KD31"); eircodeUniqueOK asks for letters
	// and digits mixed in its unique part, as nearly every Eircode has
	// and no clinical code of the same shape ("T12 fracture") does.
	reEircodeAlone = regexp.MustCompile(`(?m)(?:^|,[ \t]*)[ \t]*((?:[AC-FHKNPRTV-Y]\d{2}|D6W) ?[0-9AC-FHKNPRTV-Y]{4})[ \t]*(?:$|[,.])`)
	// reIrishCounty: "Co. Kilkenny", the county line of an Irish address.
	// "Co." comes before the name only for a county (a company's "Co."
	// follows it), and the 32 counties of the island are a closed list;
	// a county is a geographic subdivision smaller than a state.
	reIrishCounty = regexp.MustCompile(`\bCo\.?[ \t]+(?:Antrim|Armagh|Carlow|Cavan|Clare|Cork|Derry|Donegal|Down|Dublin|Fermanagh|Galway|Kerry|Kildare|Kilkenny|Laois|Leitrim|Limerick|Longford|Louth|Mayo|Meath|Monaghan|Offaly|Roscommon|Sligo|Tipperary|Tyrone|Waterford|Westmeath|Wexford|Wicklow)\b`)
	// reWard: a Japanese or Korean municipal division written in Latin
	// letters with its suffix: ward ("Kita-ku", "Gangnam-gu"), city
	// ("Osaka-shi"), town or village ("-cho", "-machi", "-mura"),
	// neighbourhood ("-dong") and county ("-gun"). Prefectures ("-ken",
	// "-fu", "-to") and provinces ("-do") are first-level and left out.
	// reChome: a Japanese block address in Latin letters before a ward,
	// chome-ban-go ("2-5-14") and the district name, ending in a comma.
	reChome = regexp.MustCompile(`(?:^|[\s(:])(\d{1,2}-\d{1,2}(?:-\d{1,3})?[ \t]+\p{Lu}\p{Ll}+(?:-\p{Ll}+)?,[ \t]*)$`)
	reWard  = regexp.MustCompile(`\b\p{Lu}\p{Ll}+-(?:ku|shi|gu|cho|machi|mura|dong|gun)\b`)
	// reCanadaPostal: the Canadian postal code, letter-digit-letter
	// digit-letter-digit, in any case ("h3g 1r8"); its first letter is a
	// province letter and D, F, I, O, Q, U are never used.
	reCanadaPostal = regexp.MustCompile(`(?i)\b[abceghj-nprstvxy]\d[abceghj-nprstv-z] \d[abceghj-nprstv-z]\d\b`)
	// reIntlUnit: a flat, floor or door written the way other countries
	// do, in a segment of its own between the house number and the postal
	// code: "m. 17", "кв. 42", "kv. 7", "apto 802", "piso 4", "depto. B",
	// "app. 3", "conj. 42", "bte 3", "3º izq.", "2º Dto", "2. th.",
	// "2n 1a", "II. em. 4.".
	reColonia  = regexp.MustCompile(`^Col\.[ \t]+\p{Lu}[\p{L}]+(?:[ \t]+\p{Lu}[\p{L}]+){0,2}$`)
	reIntlUnit = regexp.MustCompile(`^(?i:(?:m|kv|кв|д|apto|apt|app|appt|piso|depto|dpto|dto|conj|bte|bus|esc|pta|lgh|et|étage|andar)\.?[ \t]*[a-z0-9]{1,5}\.?|\d{1,2}[ \t]*[º°ª.][ \t]*(?:[a-z]{1,5}\.?)?|\d{1,2}[nrtºª][ \t]+\d{1,2}[aªº]?|[ivx]{1,4}\.[ \t]*em\.[ \t]*\d{1,3}\.?)$`)
)

// intlAddresses returns the postal codes, towns, streets and units of
// international addresses around the locations already found.
func (r *locationRules) intlAddresses(text string, toks []token, found []Span) []Span {
	var out []Span
	locAt := map[int]Span{}  // location spans by start
	locEnd := map[int]bool{} // location span ends
	for _, s := range found {
		if s.Category == Location {
			if o, ok := locAt[s.Start]; !ok || s.End > o.End {
				locAt[s.Start] = s
			}
			locEnd[s.End] = true
		}
	}
	add := func(s, e int, conf float64, rule string) {
		out = append(out, Span{Start: s, End: e, Category: Location, Confidence: conf, Detector: rule})
	}
	// The patterns run only near the tokens that can start them
	// (matchNear), which keeps their cost off the rest of the text.
	for _, m := range matchNear(rePostBefore, text, toks, func(t token) bool { return t.shape == shNum && t.end-t.start >= 2 && t.end-t.start <= 5 }, 2, 3) {
		ps, pe := m[2], m[3]
		town := m[1] - utf8RuneLenAt(text, m[1])
		if r.yearBeforeTown(text, ps, pe) {
			continue
		}
		street, sEnd := r.streetBefore(text, toks, ps, locEnd)
		if s, ok := locAt[town]; ok {
			// "29525 Uelzen": the town was found; its postal code joins it.
			add(ps, s.End, 0.9, "postcode-town")
		} else if street >= 0 || r.addressAbove(text, ps, locEnd) {
			// "..., 411 38 göteborg": after a street the words that
			// follow the postal code are the town.
			if e := r.townWordsAt(text, toks, town); e > town {
				add(ps, e, 0.88, "postcode-town")
			} else {
				continue
			}
		} else {
			continue
		}
		if street >= 0 && !locEnd[sEnd] {
			add(street, sEnd, 0.88, "street-postcode")
		}
	}
	// "г. Новосибирск": the Russian abbreviation of "город" (city) before
	// a capitalised word names a town, as "м." (місто) does in Ukrainian.
	for i := 0; i+2 < len(toks); i++ {
		if (toks[i].key == "г" || toks[i].key == "м") && tokText(text, toks, i+1) == "." && toks[i+1].start == toks[i].end &&
			toks[i+2].isCap() && toks[i+2].isWord() && !toks[i+2].nl && (i == 0 || toks[i].nl || !toks[i-1].isWord()) {
			add(toks[i].start, toks[i+2].end, 0.88, "address-town")
		}
	}
	// "ул. Ленина, д. 15, кв. 42", "Av. Corrientes 1847, piso 4, depto.
	// B": units written the continental way after a street, up to two.
	for _, s := range found {
		if !isStreetSpan(s) {
			continue
		}
		e := s.End
		for n := 0; n < 3; n++ {
			rest := text[e:]
			if !strings.HasPrefix(rest, ", ") {
				break
			}
			c := strings.IndexAny(rest[2:], ",\n")
			if c < 0 {
				c = len(rest) - 2
			}
			seg := strings.TrimRight(rest[2:2+c], " \t\r")
			// "Calle Morelos 54, Col. Centro": the Mexican colonia
			// (neighbourhood) after the street.
			if !reIntlUnit.MatchString(seg) && !reColonia.MatchString(seg) {
				break
			}
			e += 2 + len(seg)
		}
		if e > s.End {
			add(s.Start, e, s.Confidence, s.Detector)
		}
	}
	all := append(append(make([]Span, 0, len(found)+len(out)), found...), out...)
	for _, s := range all {
		if s.Category != Location {
			continue
		}
		// "Pune 411001", "Bengaluru - 560038": the code after the town.
		if m := rePostAfter.FindStringSubmatchIndex(text[s.End:]); m != nil && !isStreetSpan(s) {
			add(s.End+m[2], s.End+m[3], 0.86, "town-postcode")
		}
		// "Co. Wicklow A98 X2C4": the Irish county abbreviation before a
		// town found on an address line, and the Eircode after it.
		if strings.HasSuffix(text[:s.Start], "Co. ") && !isStreetSpan(s) {
			add(s.Start-4, s.End, s.Confidence, s.Detector)
		}
		if m := reEircode.FindStringSubmatchIndex(text[s.End:]); m != nil && !isStreetSpan(s) {
			add(s.End+m[2], s.End+m[3], 0.86, "postcode-ie")
		}
		// "Marszałkowska 84/92", "Keizersgracht 418-II", "Am Sandberg 9a":
		// the rest of a house number a street rule stopped at.
		if s.End > s.Start && (isDigitByte(text[s.End-1]) || s.End > s.Start+1 && text[s.End-1] == '.' && isDigitByte(text[s.End-2])) {
			if m := reNumberSuffix.FindStringIndex(text[s.End:]); m != nil {
				add(s.Start, s.End+m[1], s.Confidence, s.Detector)
			}
		}
		// "14/3 Comely Bank Avenue": the flat of a Scottish tenement
		// before the street number.
		if s.Start >= 2 && isDigitByte(text[s.Start]) && text[s.Start-1] == '/' && isDigitByte(text[s.Start-2]) {
			b := s.Start - 2
			for b > 0 && isDigitByte(text[b-1]) {
				b--
			}
			add(b, s.End, s.Confidence, s.Detector)
		}
	}
	for _, m := range matchNear(reWard, text, toks, func(t token) bool { return t.isWord() && strings.IndexByte(t.key, '-') > 0 }, 0, 0) {
		add(m[0], m[1], 0.85, "address-ward")
		// "2-5-14 Umeda, Kita-ku": the chome-ban-go block number and the
		// district before the ward; the number is no date there.
		if c := reChome.FindStringSubmatchIndex(text[:m[0]]); c != nil {
			add(c[2], m[1], 0.96, "address-ward")
		}
	}
	for _, m := range matchNear(reCanadaPostal, text, toks, func(t token) bool { return t.shape == shAlnum && t.end-t.start == 3 }, 0, 1) {
		add(m[0], m[1], 0.86, "postcode-ca")
		// "montréal (québec) h3g 1r8", "toronto, on m5s 1m8": the town
		// before the province and the postal code, the last line of a
		// North American address, in any case.
		if t := r.townBeforeRegion(text, toks, tokenAt(toks, m[0])); t[1] > t[0] {
			add(t[0], t[1], 0.85, "address-town")
		}
	}
	return out
}

// utf8RuneLenAt returns the length of the rune that ends at i (exclusive),
// or 1.
func utf8RuneLenAt(text string, i int) int {
	_, n := utf8.DecodeLastRuneInString(text[:i])
	if n == 0 {
		return 1
	}
	return n
}

// yearBeforeTown reports a four-digit number that is more likely a year
// ("Seen 2019, Berlin": no; ", 1995 Berlin" after a comma: a postal code
// only if the line reads as an address, which the callers check).
func (r *locationRules) yearBeforeTown(text string, ps, pe int) bool {
	if pe-ps != 4 {
		return false
	}
	y := text[ps:pe]
	before := strings.TrimRight(text[:ps], " \t")
	return (y[:2] == "19" || y[:2] == "20") && ps > 0 && text[ps-1] != '\n' && !strings.HasSuffix(before, ",") && !strings.HasSuffix(before, "(")
}

// addressAbove reports whether the line above the postal code at ps
// ends with a location already found (a street line above "12345 Town").
func (r *locationRules) addressAbove(text string, ps int, locEnd map[int]bool) bool {
	ls := strings.LastIndexByte(text[:ps], '\n')
	if ls < 0 || strings.TrimSpace(text[ls+1:ps]) != "" {
		return false
	}
	e := strings.TrimRight(text[:ls], " \t\r,")
	return locEnd[len(e)]
}

// townWordsAt returns the end of the town written from i: one to three
// words up to the end of the line, a comma, a bracket or a slash, none of
// them a common word, title, month, state or country. In a line with
// capitals the words are capitalised.
func (r *locationRules) townWordsAt(text string, toks []token, i int) int {
	k := tokenAt(toks, i)
	if k >= len(toks) || toks[k].start != i {
		return i
	}
	lower := !hasUpperInLine(text, i)
	end := i
	for j := k; j < len(toks) && j-k < 3 && (j == k || !toks[j].nl); j++ {
		t := toks[j]
		if !t.isWord() || !lower && !t.isCap() && !(j > k && t.end-t.start == 1) {
			break
		}
		f := r.lx.flags(t.key)
		if unitWords[t.key] || isMeasureUnit(t.key) {
			break // "5000 Units heparin": a dose, not a town
		}
		if f&(wCommon|wTitle|wMonth|wWeekday|wCountry|wState) != 0 && !(j > k && t.end-t.start == 1) {
			break
		}
		end = t.end
	}
	return end
}

// hasUpperInLine reports whether the line around i has an upper-case
// letter: a line without any carries no case signal.
func hasUpperInLine(text string, i int) bool {
	s := strings.LastIndexByte(text[:i], '\n') + 1
	e := strings.IndexByte(text[i:], '\n')
	if e < 0 {
		e = len(text) - i
	}
	for _, c := range text[s : i+e] {
		if unicode.IsUpper(c) {
			return true
		}
	}
	return false
}

// streetBefore returns the street that ends before ", " and the postal
// code at ps: "Nádražní 1187/24, 702 00 Ostrava", "storgatan 12 b, 411 38
// göteborg", "Calle de Alcalá 215, 3º izq., 28028 Madrid". The segment
// ends with a house number (reHouseTail), perhaps followed by a unit
// segment (reIntlUnit); the street's name is one to four words before the
// number on the same line, not a common word in lower case, not a label
// (a word before a colon), title or month. It returns -1 if there is none.
func (r *locationRules) streetBefore(text string, toks []token, ps int, locEnd map[int]bool) (int, int) {
	e := strings.TrimRight(text[:ps], " \t")
	if !strings.HasSuffix(e, ",") {
		return -1, 0
	}
	e = strings.TrimRight(e[:len(e)-1], " \t\r\n")
	end := len(e)
	// A unit segment between the number and the postal code (kept).
	if c := strings.LastIndexAny(e, ",\n"); c >= 0 && reIntlUnit.MatchString(strings.TrimSpace(e[c+1:])) {
		e = strings.TrimRight(e[:c], " \t")
	}
	m := reHouseTail.FindStringSubmatchIndex(e)
	if m == nil {
		return -1, 0
	}
	k := tokenAt(toks, m[2])
	if k >= len(toks) || toks[k].start != m[2] {
		return -1, 0
	}
	lower := !hasUpperInLine(text, m[2])
	start := -1
	for j := k - 1; j >= 0 && k-j <= 5; j-- {
		t := toks[j]
		if t.shape == shPunct && tokText(text, toks, j) == "." && j > 0 && toks[j-1].isWord() && toks[j-1].end == t.start {
			continue // "ul.", "Av.", "Hauptstr."
		}
		if !t.isWord() || j+1 < len(toks) && tokText(text, toks, j+1) == ":" {
			break
		}
		f := r.lx.flags(t.key)
		if f&(wTitle|wCredential|wMonth|wWeekday) != 0 || (t.shape == shLower || lower) && f&wCommon != 0 && !r.isStreetParticle(t.key) {
			break
		}
		if !lower && t.shape == shLower && !r.isStreetParticle(t.key) && !r.lx.isMorpheme(t.key) && !lowerPrefix[t.key] {
			break
		}
		start = t.start
		if t.nl {
			break
		}
	}
	if start < 0 {
		return -1, 0
	}
	return start, end
}

// townBeforeRegion returns the town before the region (a state or
// province, bare, after a comma or in brackets) that precedes toks[k]:
// one to three words that the gazetteer knows as a town, in any case.
func (r *locationRules) townBeforeRegion(text string, toks []token, k int) [2]int {
	j := k - 1
	if j >= 0 && tokText(text, toks, j) == ")" {
		j--
	}
	if j < 0 || !toks[j].isWord() || r.placeAt(text, toks, j, wState) == 0 && !r.isStateWord(strings.ToUpper(tokText(text, toks, j))) {
		return [2]int{}
	}
	j--
	if j >= 0 && (tokText(text, toks, j) == "(" || tokText(text, toks, j) == ",") {
		j--
	}
	for n := 3; n >= 1; n-- {
		s := j - n + 1
		if s < 0 || toks[s].nl && s != j-n+1 {
			continue
		}
		if r.lowerTownAt(text, toks, s) == n || r.lx.placeFlags(keys(toks[s:j+1]))&wCity != 0 {
			return [2]int{toks[s].start, toks[j].end}
		}
	}
	return [2]int{}
}

// eircodesAlone finds reEircodeAlone's matches, running it only on the
// lines that hold a three-character token of letters and digits (a
// routing key): an anchored pattern cannot run on a window.
func eircodesAlone(text string, toks []token) [][2]int {
	var out [][2]int
	lastLine := -1
	for _, t := range toks {
		if t.end-t.start != 3 || t.shape != shAlnum && t.shape != shUpper || t.start <= lastLine {
			continue
		}
		ls := strings.LastIndexByte(text[:t.start], '\n') + 1
		le := strings.IndexByte(text[t.start:], '\n')
		if le < 0 {
			le = len(text)
		} else {
			le += t.start
		}
		lastLine = le
		for _, m := range reEircodeAlone.FindAllStringSubmatchIndex(text[ls:le], -1) {
			if eircodeUniqueOK(text[ls+m[3]-4 : ls+m[3]]) {
				out = append(out, [2]int{ls + m[2], ls + m[3]})
			}
		}
	}
	return out
}

// eircodeUniqueOK reports whether the four characters of an Eircode's
// unique identifier mix letters and digits.
func eircodeUniqueOK(u string) bool {
	var l, d bool
	for i := 0; i < len(u); i++ {
		l = l || isAlphaByte(u[i])
		d = d || isDigitByte(u[i])
	}
	return l && d
}
