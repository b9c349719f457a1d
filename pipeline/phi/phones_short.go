package phi

import (
	"regexp"
)

// Short numbers that reach a person (detector 1.9.0): a pager or an
// extension written alone ("pager 2287", "ext 5-2290", "paged at 3318").
// The last digits of a number read back are findIDs' partials.

var (
	// reExtension: a pager, bleep or extension word and three to six
	// digits, one hyphen allowed ("ext 4-6620").
	reExtension = regexp.MustCompile(`(?i)\b(?:pager|pgr|beeper|bleep|ext|extn|extension|vocera)\.?[ \t]*(?:#|no\.?|number)?[ \t]*:?[ \t]*#?(\d(?:-?\d){2,5})\b`)
	// rePagedAt: "paged at 3318", "page dr brown at 4471": a paging verb
	// and, within the clause, "at" and four or five digits. A clock time
	// ("paged at 0300") is not taken: see isClockTime.
	rePagedAt = regexp.MustCompile(`(?i)\b(?:paged?|paging|bleeped|bleep)\b[^.;\n]{0,30}?\bat[ \t]+(\d{4,5})\b`)
)

// findShortPhones reports extensions and pager numbers.
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
