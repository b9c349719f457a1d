package phi

import (
	"regexp"
	"strings"
	"sync"
)

// Identifiers read out in a dictation or a call (detector 1.20.0): speech
// recognition writes "medical record number c r h four four zero nine one
// seven", "member ID is W as in water, eight eight four, two two zero",
// "case number two six dash one one four two eight". The number's name
// comes first; the value is a run of digit words, digits, single letters
// (alone, hyphen-joined or "as in" a word) and "dash". The digit-only runs
// without a name are reSpokenDigits' (phones.go).

var (
	// reSpokenIDCue: the last words of a number's name ("… number", "…
	// ID", "serial", "lot", "tag", "Medicare", "ending"), then "is", "was"
	// or "it's", a colon or a hash.
	reSpokenIDCue = regexp.MustCompile(`(?i)\b(?:number|no\.?|#|id|serial|lot|batch|tag|plate|registration|reg|licen[cs]e|medicare|medicaid|account|acct|mrn|ssn|npi|vin|ending|ends(?:[ \t]+in)?)(?:[ \t]+(?:is|was|of))?[ \t]*[:#]?[ \t]*(?:\n[ \t]*)?(?:it'?s[ \t]+|uh,?[ \t]+)?`)
	// reSpokenIDRun: the read-out value after the cue.
	// Items are parted by one or two spaces, a comma or a line break (not
	// by a table's alignment).
	reSpokenIDRun = regexp.MustCompile(`^(?i:` + spokenIDItem + `)(?:,?(?:[ \t]{1,2}|[ \t]?\n[ \t]*)(?i:` + spokenIDItem + `)){3,30}`)
)

// spokenIDItem is one element of a read-out identifier.
const spokenIDItem = `(?:(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|dash|hyphen|slash)\b|\d{1,5}\b|[a-z](?:-[a-z])*(?:[ \t]+as[ \t]+in[ \t]+[a-z]+)?\b|(?-i:[A-Z]{2,4})\b)`

// reTelephoneWord: the words of a telephone number's name (not
// "number", which every identifier's name has).
var reTelephoneWord = regexp.MustCompile(`(?i)\b(?:phone|tel|telephone|cell|mobile|call|called|calling|callback|reach|dial|text|pager|fax)\b`)

// isSpokenIDCueWord triggers reSpokenIDCue.
var isSpokenIDCueWord = keyIn("number", "no", "id", "serial", "lot", "batch", "tag", "plate", "registration", "reg", "license",
	"licence", "medicare", "medicaid", "account", "acct", "mrn", "ssn", "npi", "vin", "ending", "ends")

// spokenDigitValue reads a digit word or digits.
var spokenDigitValue = keySet(`zero oh one two three four five six seven eight nine`)

// findSpokenIDs reports identifiers read out after their name.
func findSpokenIDs(text string, toks []token) []Span {
	var out []Span
	for _, m := range matchNear(reSpokenIDCue, text, toks, isSpokenIDCueWord, 0, 6) {
		run := reSpokenIDRun.FindStringIndex(text[m[1]:])
		if run == nil {
			continue
		}
		start, end := m[1], m[1]+trimSpokenRun(text[m[1]:m[1]+run[1]])
		if !spokenIDOK(text[start:end]) {
			continue
		}
		before := lineBefore(text, m[1], 60)
		if reTelephoneWord.MatchString(sentenceTail(before)) {
			continue // a telephone number read out: findSpokenPhones
		}
		cat := spokenIDKind(before)
		out = append(out, Span{Start: start, End: end, Category: cat, Confidence: 0.8, Detector: "id-spoken-keyed"})
	}
	return out
}

// trimSpokenRun drops what ends a run without being part of the value: a
// trailing "dash", a lone "a" or "i" (an article or a pronoun: "four one
// seven a week"), and returns the run's new length.
func trimSpokenRun(run string) int {
	for {
		t := strings.TrimRight(run, " \t\n,")
		i := strings.LastIndexAny(t, " \t\n,")
		last := strings.ToLower(t[i+1:])
		if i < 0 || !(last == "dash" || last == "hyphen" || last == "slash" || last == "a" || last == "i") {
			return len(t)
		}
		run = t[:i]
	}
}

// spokenIDOK wants three digits or more in the run, and a letter or four
// digits: "one two three" alone is a count or a list.
func spokenIDOK(run string) bool {
	digits, letters, spoken := 0, 0, 0
	for _, f := range strings.FieldsFunc(run, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == ',' }) {
		lf := strings.ToLower(f)
		switch {
		case spokenDigitValue[lf]:
			digits++
			spoken++
		case isDigitByte(f[0]):
			digits += len(f)
			if len(f) == 1 {
				spoken++ // typed digit by digit, "0 0 4 4 1 9 2"
			}
		case lf == "as" || lf == "in" || lf == "dash" || lf == "hyphen" || lf == "slash":
			spoken++
		case len(f) == 1 || strings.Contains(f, "-") || strings.ToUpper(f) == f:
			letters++
			if len(f) == 1 || strings.Contains(f, "-") {
				spoken++
			}
		default: // the word after "as in"
		}
	}
	ws := spokenDigitsOnly(run)
	// Typed digits and capitals alone ("2953 17482 1 IRN 2") are the
	// keyed rules' business: a read-out value has a spoken word or a
	// letter alone in it.
	return spoken > 0 && digits >= 3 && (letters > 0 || digits >= 4) && !(len(ws) >= 4 && counting(ws))
}

// spokenDigitsOnly returns the digit words of a run, for counting.
func spokenDigitsOnly(run string) []string {
	var ws []string
	for _, f := range spokenDigitWords(run) {
		if spokenDigitValue[strings.ToLower(f)] {
			ws = append(ws, f)
		}
	}
	return ws
}

// idKeyREs are the idKeys phrases, each alone and unanchored.
var idKeyREs = sync.OnceValue(func() []*regexp.Regexp {
	out := make([]*regexp.Regexp, len(idKeys))
	for i, k := range idKeys {
		out[i] = regexp.MustCompile(`(?i)\b(?:` + k.re + `)`)
	}
	return out
})

// spokenIDKind names a read-out number by the key before it: the
// category of the idKeys phrase that ends last on its line, the longest
// of those ("member ID" over "ID"), else ID.
func spokenIDKind(before string) Category {
	bestEnd, bestStart, cat := -1, 0, ID
	for i, k := range idKeyREs() {
		for _, m := range k.FindAllStringIndex(before, -1) {
			if m[1] > bestEnd || m[1] == bestEnd && m[0] < bestStart {
				bestEnd, bestStart, cat = m[1], m[0], idKeys[i].category
			}
		}
	}
	return cat
}
