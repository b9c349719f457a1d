package phi

import (
	"regexp"
	"strings"
)

// Short numbers that reach a person (detector 1.9.0): a pager or an
// extension written alone ("pager 2287", "ext 5-2290", "paged at 3318")
// and the last four digits of a number read back to confirm it ("LAST 4:
// 6612", "the last 4 digits of her phone are 0183").

var (
	// reExtension: a pager, bleep or extension word and three to six
	// digits, one hyphen allowed ("ext 4-6620").
	reExtension = regexp.MustCompile(`(?i)\b(?:pager|pgr|beeper|bleep|ext|extn|extension|vocera)\.?[ \t]*(?:#|no\.?|number)?[ \t]*:?[ \t]*#?(\d(?:-?\d){2,5})\b`)
	// rePagedAt: "paged at 3318", "page dr brown at 4471": a paging verb
	// and, within the clause, "at" and four or five digits. A clock time
	// ("paged at 0300") is not taken: see isClockTime.
	rePagedAt = regexp.MustCompile(`(?i)\b(?:paged?|paging|bleeped|bleep)\b[^.;\n]{0,30}?\bat[ \t]+(\d{4,5})\b`)
	// reLastFour: the last digits of a number read back, "LAST 4: 6612",
	// "last four digits of her phone are 0183", "phone ending 4418".
	reLastFour = regexp.MustCompile(`(?i)\b(?:last[ \t]+(?:4|four)(?:[ \t]+digits)?(?:[ \t]+(?:of|on)[ \t]+([^.:\n]{0,30}?))?|ending(?:[ \t]+in)?)(?:[ \t]*[:#]|[ \t]+(?:are|is|was))?[ \t]+(\d{4})\b`)
	rePhoneKin = regexp.MustCompile(`(?i)\b(?:phone|cell|mobile|number|tel|line)\b`)
	reSSNKin   = regexp.MustCompile(`(?i)\b(?:ssn|social|sin)\b`)
	reCardKin  = regexp.MustCompile(`(?i)\b(?:card|account|acct|visa|mastercard|amex|debit|credit)\b`)
)

// findShortPhones reports extensions, pager numbers and last-four
// partials.
func findShortPhones(text string, toks []token) []Span {
	var out []Span
	add := func(start, end int, c Category, conf float64, rule string) {
		out = append(out, Span{Start: start, End: end, Category: c, Confidence: conf, Detector: rule})
	}
	for _, m := range matchNear(reExtension, text, toks, keyIn("pager", "pgr", "beeper", "bleep", "ext", "extn", "extension", "vocera"), 0, 6) {
		if digitRunAround(text, m[2], m[3]) || reAgeUnit.MatchString(text[m[3]:]) {
			continue
		}
		add(m[2], m[3], Phone, 0.7, "phone-extension")
	}
	for _, m := range matchNear(rePagedAt, text, toks, keyIn("page", "paged", "paging", "bleeped", "bleep"), 0, 10) {
		if digitRunAround(text, m[2], m[3]) || isClockTime(text[m[2]:m[3]]) {
			continue
		}
		add(m[2], m[3], Phone, 0.6, "phone-extension")
	}
	for _, m := range matchNear(reLastFour, text, toks, keyIn("last", "ending"), 0, 12) {
		if digitRunAround(text, m[4], m[5]) {
			continue
		}
		// The number's kind is named around the cue: "LAST 4" in a
		// patient header is the SSN's, "ending 4418" after "phone" a
		// telephone's.
		of := ""
		if m[2] >= 0 {
			of = text[m[2]:m[3]]
		}
		around := strings.ToLower(lineBefore(text, m[0], 40) + " " + of)
		cat := ID
		switch {
		case reSSNKin.MatchString(around):
			cat = SSN
		case reCardKin.MatchString(around):
			cat = Account
		case rePhoneKin.MatchString(around):
			cat = Phone
		case strings.HasPrefix(strings.ToUpper(text[m[0]:m[1]]), "LAST 4:"):
			cat = SSN
		}
		if y := atoi(text[m[4]:m[5]]); cat == ID && y >= 1900 && y <= 2099 {
			continue // "the fiscal year ending 2026"
		}
		add(m[4], m[5], cat, 0.7, "id-partial")
	}
	return out
}

// isClockTime reports four digits that read as a 24-hour time, "0300",
// "2215".
func isClockTime(s string) bool {
	if len(s) != 4 {
		return false
	}
	return atoi(s[:2]) <= 23 && atoi(s[2:]) <= 59
}
