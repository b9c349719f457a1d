package phi

import (
	"regexp"
	"strings"
)

// phoneEnd ends a number: an extension ("x459", "ext. 4") or a word
// boundary.
const phoneEnd = `(?:[ \t]*,?[ \t]*(?:x|ext\.?|extension)[ \t]*\d{1,6}\b|\b)`

// phoneWordsIntl are the words for telephone, mobile, number and "reach
// me" of the languages the detector reads besides English (1.23.0):
// "Tél. 034 55 512 07", "joignable au 033 55 529 16", "teléfono", "Handy",
// "telp", "HP 0812-5550-4172". Each is a cue only right before a grouped
// number of seven digits or more (see findPhones). The words for "number"
// alone ("numéro", "número", "Nummer") are not: "la cuenta de luz número
// 4418 2207 9931" is an account's.
const phoneWordsIntl = `t[eé]l[eé]fono|t[eé]l[eé]phone|t[eé]l[eé]fone|telefoon|telefon|t[eé]l|telf|tfno|tlfn?|telp|portable|port[aá]til|celular|m[oó]vil|telem[oó]vel|cellulare|handy|mobil|mobiel|gsm|hp|rufnummer|joignable|contacto|contato|contatto|kontakt|llamar|appeler|ligar`

var (
	// North American numbers: (617) 555-0142, 617-555-0142, 617.555.0142,
	// +1 617 555 0142, 1-800-555-0126.
	reNANP = regexp.MustCompile(`(?i)(?:\+?1[ .\-]?)?(?:\(\d{3}\)[ .\-]?|\b\d{3}[ .\-])\d{3}[ .\-]\d{4}` + phoneEnd)
	// International numbers with a leading +: +41 (0)69 979 80 58. Since
	// 1.23.0 a subscriber number may be written in one group of up to eight
	// digits ("+298 555123", "+993 65 555121"); findPhones wants eight
	// digits or more in all.
	reIntlPhone = regexp.MustCompile(`(?i)\+\d{1,3}[ .\-]?(?:\(0\)[ .\-]?)?\d{1,8}(?:[ .\-]\d{1,8}){0,5}` + phoneEnd)
	// Digit groups ("72 128 827", "01223 555 014"), an area or mobile
	// prefix before a long subscriber number ("99 668472", "0393 1144137")
	// and ten plain digits are phone numbers only near a phone word.
	reGroupedPhone = regexp.MustCompile(`(?i)(?:\(\d{1,4}\)[ \t]?|\b)\d{2,5}(?:[ .\-]\d{2,5}){1,5}` + phoneEnd + `|\b\d{2,5}[ .\-]\d{6,8}\b|\b\d{10}\b`)
	// rePhoneCue starts at a word boundary (since 1.7.0), so the last
	// letter of "REF" or "Cath" is no "f" or "h" label. Since 1.23.0 it
	// reads the phone words of other languages too (phoneWordsIntl) and
	// their "at" ("joignable au", "llamar al").
	rePhoneCue = regexp.MustCompile(`(?i)\b(?:messages?\s+to|texts?\s+to|phone|tel|telephone|cell|cellphone|mobile|mob|call|calling|called|contact|reach|reached|dial|text|sms|whatsapp|pager|beeper|fax|facsimile|number|no\.|answering|registered|desk|office|home|work|ph|[hwcmf]|` + phoneWordsIntl + `):?\W{0,4}(?:(?:is|at|on|me|us|to|number|no\.?|au|al|à|ao|unter|op|di|ke)\W{1,3}){0,3}$`)
	// reNationalPhone: numbers dialled with the trunk prefix 0 of the UK,
	// Ireland, Australia and most of Europe, grouped as they are printed:
	// "01422 555 873", "0117 555 0420", "07700 900461", "087 555 2194",
	// "(03) 9555 0182". The leading 0, the grouping and nine to eleven
	// digits in all are the shape of a national number; times in a
	// schedule ("0800 1400 2000") have twelve digits or more and no
	// measurement is written with a leading zero and spaced groups.
	reNationalPhone = regexp.MustCompile(`(?:\(0\d{1,4}\)[ \t]?|\b0[1-9]\d{0,3}[ \t\-])\d{3,4}[ \t\-]?\d{3,4}\b`)
	// reSpokenDigits: a number read out digit by digit in a transcript,
	// "three three zero five five five zero one six eight".
	reSpokenDigits = regexp.MustCompile(`(?i)\b(?:(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)[ \t,\-]+){6,14}(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)\b`)
	rePhoneWord    = regexp.MustCompile(`(?i)\b(?:phone|tel|telephone|cell|mobile|call|called|calling|callback|contact|reach|reached|dial|text|pager|fax|number|` + phoneWordsIntl + `)\b`)
	// reSpacedDigits: a number typed digit by digit with spaces, "4 4 1 7
	// 0 9 2": seven digits or more are no list or count.
	reSpacedDigits = regexp.MustCompile(`\b\d(?: \d){6,14}\b`)
	reFaxBefore    = regexp.MustCompile(`(?i)(?:\bfax|facsimile|\bf)\b\W{0,4}(?:(?:is|at|on|to|number|no\.?)\W{1,3}){0,2}$`)
	// reFaxAfter and rePhoneAfter are words right after a number that say
	// what it is ("...58-Fax", "617-555-0111 (fax)"), not the label of the
	// next field ("Fax: ..."), which afterLabel rules out.
	reFaxAfter   = regexp.MustCompile(`(?i)^[ \t]?(?:-[ \t]*|\([ \t]*)?(?:fax|facsimile)\b[ \t]*(:?)`)
	rePhoneAfter = regexp.MustCompile(`(?i)^[ \t]?(?:-[ \t]*|\([ \t]*)?(?:office|mobile|cell|home|work|desk|phone|tel)\b[ \t]*(:?)`)
)

// findPhones reports telephone and fax numbers. A number is a fax when
// "fax" directly follows it ("...58-Fax") or is the nearest phone word
// before it on its line.
func findPhones(text string, toks []token) []Span {
	var out []Span
	add := func(start, end int, conf float64) {
		before := lineBefore(text, start, 40)
		after := text[end:min(len(text), end+16)]
		cat := Phone
		switch {
		case afterWord(reFaxAfter, after):
			cat = Fax
		case afterWord(rePhoneAfter, after):
		case reFaxBefore.MatchString(before) || nearestCueIsFax(before):
			cat = Fax
		}
		out = append(out, Span{Start: start, End: end, Category: cat, Confidence: conf, Detector: "phone"})
	}
	for _, m := range reNANP.FindAllStringIndex(text, -1) {
		start := m[0]
		if start > 0 && text[start-1] == '+' {
			start--
		}
		if digitRunBefore(text, start) {
			continue
		}
		d := digitsOf(text[start:m[1]])
		core := d
		if len(core) > 10 && core[0] == '1' {
			core = core[1:]
		}
		if len(core) < 10 || core[0] < '2' || core[3] < '2' {
			continue
		}
		add(start, m[1], 0.9)
	}
	for _, m := range reIntlPhone.FindAllStringIndex(text, -1) {
		if n := len(digitsOf(text[m[0]:m[1]])); n >= 8 && n <= 17 {
			add(m[0], m[1], 0.85)
		}
	}
	for _, m := range matchNear(reNationalPhone, text, toks, func(t token) bool { return isTrunkNumber(t) && text[t.start] == '0' }, 1, 4) {
		n := len(digitsOf(text[m[0]:m[1]]))
		if n < 9 || n > 11 || digitRunAround(text, m[0], m[1]) {
			continue
		}
		add(m[0], m[1], 0.8)
	}
	for _, m := range reGroupedPhone.FindAllStringIndex(text, -1) {
		n := len(digitsOf(text[m[0]:m[1]]))
		if n < 7 || n > 15 || digitRunBefore(text, m[0]) {
			continue
		}
		before := lineBefore(text, m[0], 60)
		after := text[m[1]:min(len(text), m[1]+16)]
		switch {
		case rePhoneCue.MatchString(before) || afterWord(reFaxAfter, after) || afterWord(rePhoneAfter, after) || nextToPhone(text, out, m[0]):
			add(m[0], m[1], 0.75)
		case rePhoneWord.MatchString(sentenceTail(before)):
			add(m[0], m[1], 0.6)
		}
	}
	return out
}

// rePhoneJoin is what joins two numbers of one contact: "034 55 512 07 /
// 032 55 581 40", "... or ...", "... ou ...".
var rePhoneJoin = regexp.MustCompile(`(?i)^[ \t]*(?:[/,;|&]|or|ou|o|y|et|and|oder|of)[ \t]*$`)

// nextToPhone reports whether a number at start follows a phone number
// already found, joined to it by a slash, a comma or "or" (1.23.0): the
// second number of a contact shares the first one's cue.
func nextToPhone(text string, found []Span, start int) bool {
	for _, f := range found {
		if f.End <= start && start-f.End <= 8 && rePhoneJoin.MatchString(text[f.End:start]) {
			return true
		}
	}
	return false
}

// findSpokenPhones reports a number read out digit by digit
// (reSpokenDigits) with a phone word before it in its sentence ("call me
// back at three three zero ..."): a transcript's phone number.
//
// Since 1.9.0 a number of seven digits or more read out without a phone
// word is an identifier (a member, record or claim number read to a call
// centre), and so is one typed digit by digit with spaces.
func findSpokenPhones(text string, toks []token) []Span {
	var out []Span
	// The window takes the next token too, so a comma between digit
	// groups ("five oh three, five five five, ...") does not split them.
	for _, m := range matchNear(reSpokenDigits, text, toks, isDigitWord, 0, 1) {
		if rePhoneWord.MatchString(sentenceTail(lineBefore(text, m[0], 60))) {
			out = append(out, Span{Start: m[0], End: m[1], Category: Phone, Confidence: 0.6, Detector: "phone-spoken"})
			continue
		}
		if ws := spokenDigitWords(text[m[0]:m[1]]); len(ws) >= 7 && !counting(ws) {
			out = append(out, Span{Start: m[0], End: m[1], Category: ID, Confidence: 0.5, Detector: "id-spoken"})
		}
	}
	for _, m := range reSpacedDigits.FindAllStringIndex(text, -1) {
		if digitRunAround(text, m[0], m[1]) {
			continue
		}
		out = append(out, Span{Start: m[0], End: m[1], Category: ID, Confidence: 0.5, Detector: "id-spoken"})
	}
	return out
}

// counting reports digit words that count up or down ("one two three
// four five six seven, breathe out"): a count, not a number.
func counting(ws []string) bool {
	val := map[string]int{"zero": 0, "oh": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
	up, down := true, true
	for i := 1; i < len(ws); i++ {
		a, b := val[strings.ToLower(ws[i-1])], val[strings.ToLower(ws[i])]
		up = up && b == a+1
		down = down && b == a-1
	}
	return up || down
}

// spokenDigitWords returns the digit words of a number read out.
func spokenDigitWords(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' || r == '-' || r == '\n' })
}

// isTrunkNumber (with a leading 0) triggers reNationalPhone: a group of
// two to five digits that starts with the trunk prefix.
func isTrunkNumber(t token) bool { return t.shape == shNum && t.end-t.start >= 2 && t.end-t.start <= 5 }

// isDigitWord triggers reSpokenDigits.
var isDigitWord = keyIn("zero", "oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

// lineBefore returns up to n bytes before offset on the same line,
// lower-cased; when the line holds nothing before offset but spaces and
// marks, the end of the line above (a label on its own line, "Phone:").
func lineBefore(text string, offset, n int) string {
	s := lowerBefore(text, offset, n)
	i := strings.LastIndexAny(s, "\n\r")
	if i < 0 {
		return s
	}
	if strings.TrimLeft(s[i+1:], " \t>*-?•") != "" {
		return s[i+1:]
	}
	return strings.TrimRight(s[:i], "\r\n")
}

// nearestCueIsFax reports whether, of the phone words before a number on
// its line, the last one is "fax" ("Tel 617-555-0110 | Fax 617-555-0111").
func nearestCueIsFax(before string) bool {
	f := strings.LastIndex(before, "fax")
	if f < 0 {
		return false
	}
	for _, w := range []string{"phone", "tel", "cell", "mobile", "pager", "office", "call"} {
		if strings.LastIndex(before, w) > f {
			return false
		}
	}
	// Another number between the cue and this one belongs to the cue.
	return !strings.ContainsAny(before[f:], "0123456789")
}

// afterWord reports whether re matches right after a number and is not a
// field label (followed by a colon).
func afterWord(re *regexp.Regexp, after string) bool {
	m := re.FindStringSubmatch(after)
	return m != nil && m[1] == ""
}

// sentenceTail returns the part of before that follows its last sentence
// end (". ", "; "), so a phone word in one sentence does not make numbers
// in the next one phone numbers.
func sentenceTail(before string) string {
	for _, sep := range []string{". ", "; "} {
		if i := strings.LastIndex(before, sep); i >= 0 {
			before = before[i+len(sep):]
		}
	}
	return before
}
