package phi

import (
	"unicode"
	"unicode/utf8"
)

// caselessLine reports whether the line holding text[at] has letters but
// no case signal: all lower case (text typed on a phone, a portal message)
// or all capitals (legacy transcription, some lab systems). In such a line
// capitalisation cannot tell a name, a place or a month from a word, so
// the rules that lean on it have to use other evidence.
func caselessLine(text string, at int) bool {
	start, end := at, at
	for start > 0 && text[start-1] != '\n' {
		start--
	}
	for end < len(text) && text[end] != '\n' {
		end++
	}
	return caseless(text[start:end])
}

// caseless reports whether s has letters and they are all of one case.
func caseless(s string) bool {
	lower, upper := letterCases(s)
	return lower+upper > 0 && (lower == 0 || upper == 0)
}

// isCaseless reports a text with at least eight letters and no upper-case
// letter (nameRules reads an all-capitals document in lower case first).
func isCaseless(text string) bool {
	lower, upper := letterCases(text)
	return upper == 0 && lower >= 8
}

// letterCases counts the lower-case and upper-case letters of s (letters
// without case, as in CJK scripts, count as lower case).
func letterCases(s string) (lower, upper int) {
	for i := 0; i < len(s); {
		r, n := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(s[i:])
		}
		i += n
		switch {
		case 'a' <= r && r <= 'z':
			lower++
		case 'A' <= r && r <= 'Z':
			upper++
		case r < utf8.RuneSelf:
		case unicode.IsUpper(r):
			upper++
		case unicode.IsLetter(r):
			lower++
		}
	}
	return lower, upper
}
