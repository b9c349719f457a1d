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
	var lower, upper bool
	for i := 0; i < len(s); {
		r, n := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(s[i:])
		}
		i += n
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		}
		if lower && upper {
			return false
		}
	}
	return lower || upper
}
