package phi

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Patient-aware matching: the values in Hints are found wherever they
// occur, whatever their case or spelling, with confidence 1 (exact) or a
// little less (fuzzy), so they win every overlap.

// namePart is one word of a hinted name.
type namePart struct {
	key    string // folded
	given  bool
	common bool // also a common word or dictionary-ambiguous: needs support
}

// matchHints returns the spans of the hinted values in text.
func (b *Builtin) matchHints(text string, toks []token, h Hints) []Span {
	if h.IsZero() {
		return nil
	}
	var out []Span
	out = append(out, b.matchNames(text, toks, h.Names)...)
	for _, id := range h.Identifiers {
		if re := b.looseValueRE(id.Value); re != nil {
			out = append(out, findAll(text, re, id.Category, 1, "hint-id")...)
		}
	}
	for _, bd := range h.BirthDates {
		if re := b.birthDateRE(bd); re != nil {
			out = append(out, findAll(text, re, Date, 1, "hint-birthdate")...)
		}
	}
	for _, a := range h.Addresses {
		out = append(out, b.matchAddress(text, a)...)
	}
	for _, t := range h.Telecoms {
		out = append(out, b.matchTelecom(text, t)...)
	}
	return out
}

// findAll reports every match of re that is not inside a longer word or
// number.
func findAll(text string, re *regexp.Regexp, c Category, conf float64, rule string) []Span {
	var out []Span
	for _, m := range re.FindAllStringIndex(text, -1) {
		if boundedMatch(text, m[0], m[1]) {
			out = append(out, Span{Start: m[0], End: m[1], Category: c, Confidence: conf, Detector: rule})
		}
	}
	return out
}

// boundedMatch reports whether text[start:end] is not glued to a letter
// or digit on either side.
func boundedMatch(text string, start, end int) bool {
	if start > 0 {
		r, _ := utf8.DecodeLastRuneInString(text[:start])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	if end < len(text) {
		r, _ := utf8.DecodeRuneInString(text[end:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// looseValueRE matches an identifier or postal code with any separators
// (or none) between its letters and digits, ignoring case: "123-45-6789"
// also finds "123456789" and "123 45 6789". Values of fewer than four
// letters or digits are too short to match safely.
func (b *Builtin) looseValueRE(v string) *regexp.Regexp {
	var parts []string
	for _, r := range v {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			parts = append(parts, regexp.QuoteMeta(string(r)))
		}
	}
	if len(parts) < 4 {
		return nil
	}
	return b.hintRE.compile(`(?i)` + strings.Join(parts, `[\s\-./]?`))
}

var monthNames = [...]string{"", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}

// birthDateRE matches a FHIR date (YYYY-MM-DD or YYYY-MM) in the common
// written forms: numeric month-first and day-first, ISO, spelled-out
// months and compact YYYYMMDD. A bare year is not PHI and is not matched.
func (b *Builtin) birthDateRE(fhirDate string) *regexp.Regexp {
	var y, m, d int
	switch n, _ := fmt.Sscanf(fhirDate, "%4d-%2d-%2d", &y, &m, &d); {
	case n == 3 && validDate(y, m, d):
	case n == 2 && m >= 1 && m <= 12:
		d = 0
	default:
		return nil
	}
	yy := fmt.Sprintf("%04d", y)
	yr := "(?:" + yy + "|" + yy[2:] + ")"
	mon := monthNames[m]
	monRE := "(?:" + mon + "|" + mon[:3] + ")\\.?"
	if m == 9 {
		monRE = "(?:September|Sept|Sep)\\.?"
	}
	sep := `[/.\-]`
	mm := fmt.Sprintf("0?%d", m)
	var alts []string
	if d == 0 {
		alts = append(alts, monRE+`,?\s+`+yy, mm+sep+yy, yy+sep+fmt.Sprintf("%02d", m))
	} else {
		dd := fmt.Sprintf("0?%d", d)
		ord := `(?:st|nd|rd|th)?`
		alts = append(alts,
			mm+sep+dd+sep+yr, dd+sep+mm+sep+yr, yy+sep+mm+sep+dd,
			monRE+`\s+`+dd+ord+`,?\s+`+yy,
			dd+ord+`\s+(?:of\s+)?`+monRE+`,?\s+`+yy,
			dd+`[\-\s]`+monRE+`[\-\s]`+yr,
			fmt.Sprintf("%04d%02d%02d", y, m, d),
		)
	}
	return b.hintRE.compile(`(?i)(?:` + strings.Join(alts, "|") + `)`)
}

// matchNames marks every token that is a hinted name part (exactly, or
// within one edit for parts of five letters or more, or as a nickname
// prefix), the initials next to them, and joins neighbours into spans:
// "SMITH, JOHN", "J. Smith", "smith's", "John\nSmith" on two lines stay
// two spans.
func (b *Builtin) matchNames(text string, toks []token, names []PersonName) []Span {
	parts := map[string]namePart{}
	initials := map[rune]bool{}
	addPart := func(w string, given bool) {
		k := fold(w)
		if utf8.RuneCountInString(k) < 2 {
			return
		}
		f := b.lx.flags(k)
		p := namePart{key: k, given: given, common: f&(wCommon|wAmbiguous|wMonth|wWeekday) != 0 || utf8.RuneCountInString(k) <= 2}
		parts[k] = p
		r, _ := utf8.DecodeRuneInString(k)
		initials[r] = true
	}
	for _, n := range names {
		if n.Family != "" {
			for _, w := range strings.Fields(n.Family) {
				addPart(w, false)
				if strings.Contains(w, "-") {
					for _, p := range strings.Split(w, "-") {
						addPart(p, false)
					}
				}
			}
		}
		for _, g := range n.Given {
			for _, w := range strings.Fields(g) {
				addPart(w, true)
			}
		}
	}
	if len(parts) == 0 {
		return nil
	}
	const (
		none = iota
		exact
		fuzzy
	)
	match := make([]int, len(toks))
	for i, t := range toks {
		if !t.isWord() {
			continue
		}
		if p, ok := parts[t.key]; ok {
			if !p.common || t.isCap() {
				match[i] = exact
			}
			continue
		}
		if !t.isCap() || utf8.RuneCountInString(t.key) < 4 {
			continue
		}
		for _, p := range parts {
			switch {
			case len(p.key) >= 5 && withinOneEdit(t.key, p.key):
				match[i] = fuzzy
			case p.given && len(p.key) >= 6 && strings.HasPrefix(p.key, t.key):
				match[i] = fuzzy // a nickname: "Zbig" for "Zbigniew"
			}
		}
	}
	// Common-word parts in lower case count next to another match, and
	// initials count next to a match.
	for i, t := range toks {
		if match[i] != none || !t.isWord() {
			continue
		}
		prev, next := neighbourWord(text, toks, i, -1), neighbourWord(text, toks, i, +1)
		near := prev >= 0 && match[prev] != none || next >= 0 && match[next] != none
		if !near {
			continue
		}
		if _, ok := parts[t.key]; ok {
			match[i] = exact
			continue
		}
		r, _ := utf8.DecodeRuneInString(t.key)
		if utf8.RuneCountInString(t.key) == 1 && t.shape == shCap && initials[r] {
			match[i] = exact
		}
	}
	var out []Span
	for i := 0; i < len(toks); i++ {
		if match[i] == none {
			continue
		}
		j, conf := i, 1.0
		for {
			if match[j] == fuzzy {
				conf = 0.9
			}
			nj := neighbourWord(text, toks, j, +1)
			if nj < 0 || match[nj] == none {
				break
			}
			j = nj
		}
		end := toks[j].end
		if end < len(text) && text[end] == '.' && utf8.RuneCountInString(text[toks[j].start:end]) == 1 {
			end++
		}
		out = append(out, Span{Start: toks[i].start, End: end, Category: Name, Confidence: conf, Detector: "hint-name"})
		i = j
	}
	return out
}

// neighbourWord returns the word before (dir -1) or after (dir +1)
// toks[i] on the same line, across one comma or an initial's period, or
// -1.
func neighbourWord(text string, toks []token, i, dir int) int {
	j := i + dir
	skipped := 0
	for j >= 0 && j < len(toks) && toks[j].shape == shPunct && skipped < 1 {
		p := text[toks[j].start:toks[j].end]
		if p != "," && p != "." {
			return -1
		}
		skipped++
		j += dir
	}
	if j < 0 || j >= len(toks) || !toks[j].isWord() {
		return -1
	}
	if dir > 0 && toks[j].nl || dir < 0 && toks[i].nl {
		return -1
	}
	return j
}

// withinOneEdit reports whether a and b differ by at most one insertion,
// deletion, substitution or transposition of adjacent letters.
func withinOneEdit(a, b string) bool {
	if a == b {
		return true
	}
	ra, rb := []rune(a), []rune(b)
	if len(ra) > len(rb) {
		ra, rb = rb, ra
	}
	switch len(rb) - len(ra) {
	case 0:
		diff := -1
		for i := range ra {
			if ra[i] != rb[i] {
				if diff >= 0 {
					// A transposition: ab vs ba.
					return diff == i-1 && ra[diff] == rb[i] && ra[i] == rb[diff] && string(ra[i+1:]) == string(rb[i+1:])
				}
				diff = i
			}
		}
		return true
	case 1:
		i := 0
		for i < len(ra) && ra[i] == rb[i] {
			i++
		}
		return string(ra[i:]) == string(rb[i+1:])
	}
	return false
}

// matchAddress finds the hinted street lines (with any spaces, commas or
// line breaks between their words, and "St"/"Street" spelled either way),
// the city, district and postal code.
func (b *Builtin) matchAddress(text string, a Address) []Span {
	var out []Span
	for _, line := range a.Lines {
		words := strings.FieldsFunc(line, func(r rune) bool { return unicode.IsSpace(r) || r == ',' })
		if len(words) == 0 {
			continue
		}
		pats := make([]string, len(words))
		for i, w := range words {
			pats[i] = b.streetWordRE(strings.TrimSuffix(w, "."))
		}
		re := b.hintRE.compile(`(?i)` + strings.Join(pats, `[\s,.]+`) + `\.?`)
		out = append(out, findAll(text, re, Location, 1, "hint-address")...)
	}
	for _, place := range []string{a.City, a.District} {
		if place == "" {
			continue
		}
		words := strings.Fields(place)
		for i, w := range words {
			words[i] = regexp.QuoteMeta(w)
		}
		flags := "(?i)"
		if len(words) == 1 && b.lx.flags(fold(place))&(wCommon|wAmbiguous) != 0 {
			flags = "" // "Reading", "Orange": only capitalised
		}
		re := b.hintRE.compile(flags + strings.Join(words, `\s+`))
		out = append(out, findAll(text, re, Location, 0.95, "hint-address")...)
	}
	if re := b.looseValueRE(a.PostalCode); re != nil {
		out = append(out, findAll(text, re, Location, 1, "hint-address")...)
	}
	return out
}

// streetAbbrev pairs street types with their abbreviations.
var streetAbbrev = map[string]string{
	"street": "st", "avenue": "ave", "road": "rd", "boulevard": "blvd", "lane": "ln", "drive": "dr",
	"court": "ct", "place": "pl", "terrace": "ter", "circle": "cir", "parkway": "pkwy", "highway": "hwy",
	"square": "sq", "apartment": "apt", "suite": "ste", "north": "n", "south": "s", "east": "e", "west": "w",
}

// streetWordRE matches a word of a street line, letting a street type
// match its abbreviation and the other way round.
func (b *Builtin) streetWordRE(w string) string {
	k := fold(w)
	for full, abbr := range streetAbbrev {
		if k == full || k == abbr {
			return "(?:" + full + "|" + abbr + ")"
		}
	}
	return regexp.QuoteMeta(w)
}

// matchTelecom finds a hinted phone or fax number with any punctuation,
// or an e-mail address or URL in any case.
func (b *Builtin) matchTelecom(text string, t Telecom) []Span {
	switch t.System {
	case "email":
		re := b.hintRE.compile(`(?i)` + regexp.QuoteMeta(t.Value))
		return findAll(text, re, Email, 1, "hint-telecom")
	case "url":
		re := b.hintRE.compile(`(?i)` + regexp.QuoteMeta(strings.TrimPrefix(strings.TrimPrefix(t.Value, "https://"), "http://")))
		return findAll(text, re, URL, 1, "hint-telecom")
	}
	d := digitsOf(t.Value)
	if len(d) > 10 {
		d = d[len(d)-10:]
	}
	if len(d) < 7 {
		return nil
	}
	digits := make([]string, len(d))
	for i := range d {
		digits[i] = d[i : i+1]
	}
	re := b.hintRE.compile(`(?:\+?\d{1,3}[\s.\-]?)?` + strings.Join(digits, `[\s().\-]{0,2}`))
	c := Phone
	if t.System == "fax" {
		c = Fax
	}
	var out []Span
	for _, m := range re.FindAllStringIndex(text, -1) {
		start := m[0]
		// The optional country code may have eaten a digit that belongs to
		// another number: keep only matches that end at a boundary.
		if boundedMatch(text, start, m[1]) {
			out = append(out, Span{Start: start, End: m[1], Category: c, Confidence: 1, Detector: "hint-telecom"})
		}
	}
	return out
}
